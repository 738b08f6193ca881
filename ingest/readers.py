"""Readers: one per format behind one dispatcher, each yielding source lines with line and page numbers."""

from __future__ import annotations

import codecs
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ingest.errors import LetterReadError
from ingest.settings import Settings


@dataclass(frozen=True)
class SourceLine:
    no: int  # 1-based line in the text (for PDF: running line over the whole document)
    text: str
    page: int | None = None


# UTF-32 LE's mark begins with UTF-16 LE's, so the UTF-32 marks are tried first.
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def _wide_text(data: bytes) -> str | None:
    """UTF-16/32 text without a byte-order mark (NUL bytes between the letters), or None for binary data."""
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or not best.encoding.startswith(("utf_16", "utf_32")):
        return None
    try:
        text = data.decode(best.encoding)
    except UnicodeDecodeError:
        return None
    return text if len(_CONTROL_RE.findall(text)) <= len(text) // 100 else None


def _decode(data: bytes, file: str) -> str:
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(enc)
            except UnicodeDecodeError:
                raise LetterReadError(file, f"the text starts with a {enc.upper()} byte-order mark "
                                            f"but is not {enc.upper()}; save it again as UTF-8") from None
    if b"\x00" in data[:4096]:
        text = _wide_text(data)
        if text is None:
            raise LetterReadError(file, "this is a binary file, not text (wrong suffix?)")
        return text
    for enc in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise LetterReadError(file, "could not decode the text as UTF-8, cp1252 or latin-1")


def _lines(text: str, page: int | None = None, start: int = 1) -> list[SourceLine]:
    return [SourceLine(start + i, t, page) for i, t in enumerate(text.splitlines())]


def read_text(path: Path) -> list[SourceLine]:
    return _lines(_decode(path.read_bytes(), path.name))


def read_pdf(path: Path) -> list[SourceLine]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            try:
                opened = bool(reader.decrypt(""))
            except Exception:  # noqa: BLE001 - any decryption failure means we cannot read it
                opened = False
            if not opened:
                raise LetterReadError(path.name, "the PDF is encrypted; save an unencrypted copy and add that")
        out: list[SourceLine] = []
        for page_no, page in enumerate(reader.pages, start=1):
            out.extend(_lines(page.extract_text() or "", page_no, start=len(out) + 1))
    except LetterReadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise LetterReadError(path.name, f"the PDF is corrupt or unreadable ({exc.__class__.__name__}: {exc})") from exc
    if not any(line.text.strip() for line in out):
        raise LetterReadError(path.name, "the PDF has no extractable text (a scan? run OCR first)")
    return out


def read_docx(path: Path) -> list[SourceLine]:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph as DocxParagraph

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several unrelated types for a bad package
        raise LetterReadError(path.name, f"the DOCX is corrupt or unreadable ({exc.__class__.__name__})") from exc
    texts: list[str] = []
    # Walk the body in document order so tables stay where they stand between paragraphs. A Word paragraph
    # is a paragraph of the letter (a blank line after it); a table row is a line with its cells split by
    # tabs ("TB2023-05<TAB>Title<TAB>KTA<TAB>1. juni 2023"), unless its cells hold paragraphs of their own:
    # then each of those is a line, so a "Frist: ..." inside a cell stays a line of its own.
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            para = DocxParagraph(child, document)
            style = (para.style.name or "").lower() if para.style is not None else ""
            prefix = "- " if "list" in style else ""
            texts.extend([prefix + para.text, ""])
        elif tag == "tbl":
            for row in Table(child, document).rows:
                cells: list[str] = []
                for cell in row.cells:
                    if cell.text not in cells:  # merged cells repeat their text
                        cells.append(cell.text)
                if all("\n" not in c for c in cells):
                    texts.append("\t".join(cells))
                else:
                    texts.extend(x for c in cells if c.strip() for x in (*c.split("\n"), ""))
            texts.append("")
    return _lines("\n".join(texts))


_BLOCK_TAGS = ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "pre", "blockquote", "dt", "dd")


def read_html(path: Path) -> list[SourceLine]:
    from bs4 import BeautifulSoup

    text = _decode(path.read_bytes(), path.name)
    soup = BeautifulSoup(text, "html.parser")
    for tag in soup(["script", "style", "head"]):
        tag.decompose()
    out: list[SourceLine] = []
    for el in soup.find_all(_BLOCK_TAGS):
        if el.find(_BLOCK_TAGS):  # an outer block: its inner blocks are read on their own
            continue
        content = " ".join(el.get_text(" ").split())
        if not content:
            continue
        if el.name == "li":
            parent = el.find_parent(["ol", "ul"])
            if parent is not None and parent.name == "ol":
                content = f"{len(el.find_previous_siblings('li')) + 1}. {content}"
            else:
                content = f"- {content}"
        line = getattr(el, "sourceline", None) or (out[-1].no + 1 if out else 1)
        out.append(SourceLine(line, content))
        out.append(SourceLine(line, ""))
    if not out:
        return _lines(soup.get_text("\n"))
    return out


READERS: dict[str, Callable[[Path], list[SourceLine]]] = {
    ".txt": read_text,
    ".md": read_text,
    ".text": read_text,
    ".pdf": read_pdf,
    ".docx": read_docx,
    ".html": read_html,
    ".htm": read_html,
}
SUFFIXES = tuple(READERS)


def _sniff(data: bytes) -> str:
    if data.startswith(b"%PDF"):
        return ".pdf"
    if data.startswith(b"PK\x03\x04"):
        return ".docx"
    head = data[:2048].lower()
    if re.search(rb"<(?:!doctype html|html|body|div|table)\b", head):
        return ".html"
    return ".txt"


def read_source(path: Path, settings: Settings | None = None) -> list[SourceLine]:
    """Read any supported letter into source lines; the suffix picks the reader, the content confirms it.

    The size of the file and of its text are bounded by `settings` (default: Settings()), so one huge
    file cannot hold the build for minutes.
    """
    limits = settings or Settings()
    suffix = path.suffix.lower()
    if suffix not in READERS:
        raise LetterReadError(path.name, f"unsupported file type '{suffix or '(none)'}'; use one of {', '.join(SUFFIXES)}")
    try:
        size = path.stat().st_size
        if size > limits.max_letter_mb * 1024 * 1024:
            raise LetterReadError(path.name, f"the file is {size / 1024 / 1024:.1f} MB; the limit is "
                                             f"{limits.max_letter_mb} MB per letter ({Settings.how_to_raise('max_letter_mb')})")
        data = path.read_bytes()
    except OSError as exc:
        raise LetterReadError(path.name, f"could not read the file ({exc.strerror or exc})") from exc
    if not data.strip():
        raise LetterReadError(path.name, "the file is empty")
    sniffed = _sniff(data)
    if suffix in (".pdf", ".docx") and sniffed != suffix:
        raise LetterReadError(path.name, f"the file is not a valid {suffix[1:].upper()} (its content does not match)")
    if suffix == ".docx" and not zipfile.is_zipfile(path):
        raise LetterReadError(path.name, "the DOCX is corrupt (not a zip package)")
    if suffix in (".txt", ".md", ".text") and sniffed in (".pdf", ".docx"):
        raise LetterReadError(path.name, f"the file has a text suffix but holds a {sniffed[1:].upper()}")
    reader = READERS[".html"] if suffix in (".txt", ".md") and sniffed == ".html" and b"<html" in data[:4096].lower() else READERS[suffix]
    lines = reader(path)
    chars = sum(len(line.text) for line in lines)
    if chars > limits.max_letter_chars:
        raise LetterReadError(path.name, f"the letter holds {chars:,} characters of text; the limit is "
                                         f"{limits.max_letter_chars:,} ({Settings.how_to_raise('max_letter_chars')})")
    return lines

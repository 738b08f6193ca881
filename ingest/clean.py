"""Cleaning: drop page furniture and letterheads, split HTML fragments, repair broken IDs; never drop an ID line."""

from __future__ import annotations

import re
from collections import Counter

from ingest import norsk
from ingest.readers import SourceLine

_UNDERLINE_RE = re.compile(r"^[\s\-–_=\t]*-{3,}[\s\-–_=\t]*$")
_PIPE_ROW_RE = re.compile(r"^\s*\|(.*\|)+\s*$")  # "| TB2023-05 | Title | KTA |": a Markdown table row
_PIPE_RULE_RE = re.compile(r"^\s*\|?(?:\s*:?-{3,}:?\s*\|)+\s*(?::?-{3,}:?\s*)?$")  # "|---|:---:|"
_TOC_RE = re.compile(r"(?:\.{3,}|\t)\s*\d{1,3}\s*$")
_TAG_SPLIT_RE = re.compile(r"</?(?:p|br|div|ol|ul|li|h\d|tr|table|tbody)\b[^>]*>", re.IGNORECASE)
_TAG_RE = re.compile(r"</?[a-zA-Z][^>]{0,200}>")
_OL_ITEM_RE = re.compile(r"\s+(?=(?:\d{1,2}[.)]|[a-h][.)])\s+[A-ZÆØÅ«*])")  # "1. A", "2) B", "a. C" inside <ol>
_UL_ITEM_RE = re.compile(r"\s+(?=-\s+[A-ZÆØÅ«*])")
_EMPHASIS_RE = re.compile(r"\*\*(.+?)\*\*|(?<![\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])")
_ENTITIES = {"&nbsp;": " ", "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'"}


def _strip_emphasis(text: str) -> str:
    return _EMPHASIS_RE.sub(lambda m: m.group(1) or m.group(2), text).replace("**", "")


def split_html(line: SourceLine) -> list[SourceLine]:
    """A line holding HTML fragments becomes one line per block, list items numbered or bulleted."""
    text = line.text
    if "<" not in text or not _TAG_RE.search(text):
        return [line]
    for ent, rep in _ENTITIES.items():
        text = text.replace(ent, rep)
    out: list[str] = []
    list_kind: list[str] = []
    pos = 0
    for m in _TAG_SPLIT_RE.finditer(text):
        out.extend(_split_list_items(text[pos : m.start()], list_kind))
        tag = m.group(0).lower()
        if tag.startswith("<ol"):
            list_kind.append("ol")
        elif tag.startswith("<ul"):
            list_kind.append("ul")
        elif tag.startswith(("</ol", "</ul")) and list_kind:
            list_kind.pop()
        out.append("")
        pos = m.end()
    out.extend(_split_list_items(text[pos:], list_kind))
    parts = [_TAG_RE.sub("", p).strip() for p in out]
    first = _TAG_SPLIT_RE.search(text)
    if first and parts[0] and text[: first.start()].rstrip(" ").endswith("\t"):
        # A table row "15. mars\t<ul> Årsrapport …": the first cell stays with what the next cell says.
        nxt = next((i for i in range(1, len(parts)) if parts[i]), None)
        if nxt is not None:
            parts = [f"{parts[0]}\t{parts[nxt]}", *parts[nxt + 1 :]]
    indent = text[: len(text) - len(text.lstrip("\t"))]
    first_text = next((i for i, p in enumerate(parts) if p), None)
    if indent and first_text is not None:  # a cell's leading tabs say where it stands (empty cells before it)
        parts[first_text] = indent + parts[first_text]
    lines: list[SourceLine] = []
    for p in parts:
        if p or (lines and lines[-1].text):
            lines.append(SourceLine(line.no, p, line.page))
    return lines or [SourceLine(line.no, "", line.page)]


def _split_list_items(text: str, list_kind: list[str]) -> list[str]:
    # Inside <ol>/<ul> the items often stand on one line: "1. A ... 2. B ..." / "- A - B".
    if not list_kind or not text.strip():
        return [text]
    pieces = _OL_ITEM_RE.split(text) if list_kind[-1] == "ol" else [text]
    out: list[str] = []
    for piece in pieces:
        out.extend(_UL_ITEM_RE.split(piece))
    return [x for p in out for x in (p, "")]


def running_titles(lines: list[SourceLine]) -> set[int]:
    """Indexes of running titles: a line right above or below a page number ("Side 7 av 22") that names
    the letter or its sender, or that stands by another page number too."""
    texts = [ln.text.replace("\xa0", " ").strip() for ln in lines]
    pages = [i for i, t in enumerate(texts) if norsk.PAGE_FURNITURE_RE.match(t)]
    beside = [(i, j) for i in pages for j in (i - 1, i + 1) if 0 <= j < len(texts) and texts[j]]
    seen = Counter(texts[j] for _, j in beside)
    out = set()
    for _, j in beside:
        t = texts[j]
        if norsk.ID_RE.search(t) or norsk.PAGE_FURNITURE_RE.match(t) or len(t) > 80:
            continue
        if norsk.RUNNING_TITLE_RE.match(t) or (seen[t] >= 2 and not t.endswith((".", ":", ";", ","))):
            out.add(j)
    return out


def _table_cells(text: str) -> str | None:
    """A pipe-table row as the tab-separated row the other readers give ("a<TAB>b"); None for its rule line."""
    if _PIPE_RULE_RE.match(text):
        return None
    if not _PIPE_ROW_RE.match(text):
        return text
    return "\t".join(c.strip() for c in text.strip().strip("|").split("|"))


def _is_letterhead_exit(text: str, saw_officer: bool, prev_phone: bool) -> bool:
    if norsk.ID_RE.search(text) or len(text) > 45:
        return True
    return saw_officer and prev_phone


def clean_lines(lines: list[SourceLine], body_start: int = 0) -> list[SourceLine]:
    """Logical lines of the letter body: furniture and letterheads gone, HTML split, IDs repaired.

    `body_start` is the index of the first body line (the title); lines before it are the top
    letterhead and are kept only where they hold an assignment ID.
    """
    out: list[SourceLine] = []
    furniture = running_titles(lines)
    in_head = False
    saw_officer = prev_phone = False
    closed = False
    for idx, raw in enumerate(lines):
        text = _table_cells(raw.text.replace("\u00ad", "").replace("\xa0", " ").rstrip())
        if text is None:
            continue
        stripped = text.strip()
        has_id = bool(norsk.ID_RE.search(stripped))
        if idx < body_start and not has_id:
            continue
        low = stripped.lower().rstrip(":")
        if low in norsk.LETTERHEAD_LABELS:
            in_head, saw_officer, prev_phone = True, low == "saksbehandler", False
            continue
        if idx == body_start:
            in_head = False
        if in_head:
            if not stripped:
                continue
            if _is_letterhead_exit(stripped, saw_officer, prev_phone) or norsk.LETTER_TITLE_RE.match(stripped):
                in_head = False
            else:
                prev_phone = bool(norsk.PHONE_RE.match(stripped))
                continue
        if (norsk.PAGE_FURNITURE_RE.match(stripped) or idx in furniture
                or (_UNDERLINE_RE.match(stripped) and not has_id)):
            continue
        if _TOC_RE.search(stripped) and not has_id and re.match(r"^\s*\d+(?:\.\d+)*\s*\t|^\t", text):
            continue
        if norsk.CLOSING_RE.match(stripped):
            closed = True
        elif closed and (len(stripped) > 60 or norsk.LETTER_TITLE_RE.match(stripped)):
            closed = False  # past the signature: a new letter bound into the same file, or text again
        if closed and stripped and not has_id and len(stripped) <= 60:
            continue  # signature block
        for piece in split_html(SourceLine(raw.no, text, raw.page)):
            t = _strip_emphasis(piece.text)
            t = norsk.BULLET_MARK_RE.sub("- ", t) if norsk.BULLET_MARK_RE.match(t) else t
            out.append(SourceLine(piece.no, t.rstrip(), piece.page))
    return _repair_ids(out)


def _repair_ids(lines: list[SourceLine]) -> list[SourceLine]:
    """Join 'TB2019-' + '7/TTB2019-38' (an ID broken over lines by the extraction)."""
    out: list[SourceLine] = []
    i = 0
    while i < len(lines):
        cur = lines[i]
        while norsk.BROKEN_ID_RE.search(cur.text):
            j = i + 1
            while j < len(lines) and not lines[j].text.strip() and j - i <= 2:
                j += 1
            if j < len(lines) and re.match(r"^\s*\d", lines[j].text):
                cur = SourceLine(cur.no, cur.text.rstrip() + lines[j].text.strip(), cur.page)
                i = j
            else:
                break
        out.append(cur)
        i += 1
    return out


def join_lines(texts: list[str]) -> str:
    """Join hard-wrapped lines of one paragraph, undoing end-of-line hyphenation."""
    out = ""
    for t in texts:
        t = " ".join(t.split())
        if not t:
            continue
        if not out:
            out = t
        elif out.endswith("-") and len(out) > 1:
            before, first = out[-2], t[0]
            nxt = t.split(" ", 1)[0]
            if before.islower() and first.islower() and nxt not in ("og", "eller", "til", "and", "or"):
                out = out[:-1] + t  # real hyphenation: "kvalitets-" + "register"
            elif before.isdigit() or before.isupper() or first.isdigit():
                out = out + t  # "2019-" + "2023", "ID-" + "utsteder"
            else:
                out = out + " " + t  # "helse-" + "og omsorg"
        else:
            out = out + " " + t
    return out

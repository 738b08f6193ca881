"""References: every mention of another assignment, classified by what the text does to it."""

from __future__ import annotations

import re
from typing import Protocol, TypeVar

from ingest import norsk
from ingest.records import Assignment, Paragraph, Reference

_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-ZÆØÅ«\"(])")


def _sentence_windows(text: str) -> list[tuple[str, str]]:
    """(sentence, sentence + the next one): a change is often said in the sentence after the ID."""
    parts = _SENTENCE_SPLIT.split(text)
    return [(s, " ".join(parts[i : i + 2])) for i, s in enumerate(parts)]


def _classify(own: str, window: str, is_bullet: bool, whole: str, context: str | None) -> str:
    kind = norsk.classify_change(whole if is_bullet else own)
    if kind in (None, "refers"):
        nxt = norsk.classify_change(window)
        if nxt not in (None, "refers", "continued"):
            kind = nxt
    if kind in (None, "refers") and context not in (None, "refers"):
        kind = context
    return kind or "refers"


def find_references(assignment: Assignment | None, year: int | None, context: str | None,
                    paragraphs: tuple[Paragraph, ...] | None = None) -> list[Reference]:
    """References made by an assignment's text (or by a section's own text when `assignment` is None)."""
    paras = assignment.paragraphs if assignment is not None else (paragraphs or ())
    own = {norsk.id_key(i) for i in ((assignment.id, *assignment.aliases) if assignment else ())}
    source = assignment.id if assignment is not None else None
    out: list[Reference] = []
    if assignment is not None:
        out.extend(_carried_over(assignment, year, context))
        # "Presisering av TB2023-18 ...", "(oppdraget erstatter TB2020-18)" in the header itself
        for target in norsk.find_ids(assignment.title):
            if norsk.id_key(target) not in own:
                kind = norsk.classify_change(assignment.title) or ("reworded" if "erstatter" in assignment.title else "refers")
                out.append(Reference(target, kind, f"{assignment.id} {assignment.title}", source, assignment.line,
                                     assignment.page))
    for p in paras:
        if p.text.endswith(":"):  # "Departementet har følgende presiseringer ...:" governs the list under it
            lead = norsk.classify_change(p.text)
            context = lead if lead not in (None, "refers") else context
        is_bullet = p.text.startswith("- ")
        for sentence, window in _sentence_windows(p.text):
            for target in norsk.find_ids(sentence):
                if norsk.id_key(target) in own:
                    continue
                kind = _classify(sentence, window, is_bullet, p.text, context)
                text = p.text if is_bullet or len(p.text) <= 400 else window
                out.append(Reference(target, kind, " ".join(text.split()), source, p.line, p.page))
    return dedupe(out)


def _carried_over(a: Assignment, year: int | None, context: str | None) -> list[Reference]:
    """An older assignment restated in a later letter is continued (or changed, as its heading says)."""
    out = []
    for ident in (a.id, *a.aliases):
        m = re.search(norsk.YEAR, ident)
        if m and year and int(m.group(0)) < year:
            kind = context if context in ("cancels", "deadline", "reworded", "clarified", "renumbered") else "continued"
            out.append(Reference(ident, kind, f"{ident} {a.title}".strip(), a.id, a.line, a.page))
    return out


def restated_changes(a: Assignment) -> list[Reference]:
    """An assignment headed a second time in one letter (a supplement bound into the same file, a list of
    changes restating the headers) changes the first one as its text says: "Oppdraget utgår", "fristen
    utsettes til …", "Oppdragsteksten endres til følgende"."""
    for p in a.paragraphs:
        kind = norsk.classify_change(p.text)
        if kind not in (None, "refers", "continued"):
            return [Reference(a.id, kind, " ".join(p.text.split()), a.id, p.line, p.page)]
    return []


class _Said(Protocol):
    @property
    def target(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def line(self) -> int: ...


_S = TypeVar("_S", bound=_Said)


def dedupe(items: list[_S]) -> list[_S]:
    """References (or changes) once per target, kind and line, first kept."""
    seen: set[tuple[str | None, str, int]] = set()
    out = []
    for r in items:
        key = (norsk.id_key(r.target), r.kind, r.line)
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out

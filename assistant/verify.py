"""The verifier: every date, ID and amount an answer states must stand in a paragraph it cites."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping

from assistant.records import Answer, Citation
from ingest import norsk
from ingest.deadlines import find_deadlines
from ingest.records import Letter, Paragraph

_ISO_RE = re.compile(r"\b((?:19|20)\d\d)-(\d\d)-(\d\d)\b")
_AMOUNT_RE = re.compile(r"(\d+(?:[ ,.]\d+)*)\s*(?:mill|mrd|milliard|kroner|kr\b)", re.I)
_YEAR_END_RE = re.compile(r"(?:løpet|utgangen|slutten)\s+av\s+(?:(?P<m>[a-zæøå]+)\s+)?(?P<y>(?:19|20)\d\d)", re.I)


def dates_in(text: str, year: int | None) -> set[str]:
    """Every date a paragraph states, in ISO form (missing years from the letter, ends of periods too)."""
    out = {m.group(0) for m in _ISO_RE.finditer(text)}
    for m in norsk.DATE_RE.finditer(text):
        iso = norsk.date_from_match(m, year)
        if iso:
            out.add(iso)
    for m in _YEAR_END_RE.finditer(text):
        month = norsk.MONTHS.get((m.group("m") or "").lower(), 12)
        out.add(norsk.month_end(int(m.group("y")), month))
    if year and re.search(r"utgangen\s+av\s+året", text, re.I):
        out.add(f"{year}-12-31")
    # What the parser dates ("Frist: 1. kvartal 2024", "utsettes til 2022") is stated too.
    out |= {d.date for d in find_deadlines(text, year, None, 0) if d.date}
    return out


def unsupported(answer: str, cites: tuple[Citation, ...]) -> list[str]:
    """The ISO dates, IDs and amounts `answer` states that no cited paragraph backs, e.g. ['date 2099-01-01']."""
    problems = []
    cited_dates: set[str] = set()
    for c in cites:
        cited_dates |= dates_in(c.text, c.year)
    for m in _ISO_RE.finditer(answer):
        if m.group(0) not in cited_dates:
            problems.append(f"date {m.group(0)}")
    cited_text = " ".join(c.text for c in cites)
    cited_keys = {norsk.id_key(i) for i in norsk.find_ids(cited_text)} | {norsk.id_key(c.assignment or "") for c in cites}
    for ident in norsk.find_ids(answer):
        if norsk.id_key(ident) not in cited_keys:
            problems.append(f"ID {ident}")
    squashed = re.sub(r"\s+", "", cited_text)
    for m in _AMOUNT_RE.finditer(answer):
        if re.sub(r"\s+", "", m.group(1)) not in squashed:
            problems.append(f"amount {m.group(1)}")
    return problems


_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+(?=[A-ZÆØÅ«\"(])")


def status_support(cites: tuple[Citation, ...], about: set[str], recorded: Mapping[str, Iterable[str]]) -> set[str]:
    """The statuses the sources support for the assignments `about` (ID keys): what the cited sentences
    naming one of them say (or, in a paragraph of one of them, the sentences naming no other), and the
    changes the registry records for them (`recorded`: ID key -> reference kinds; 'cancels' means
    cancelled, 'deadline' postponed). "TB2024-08 utgår" beside TB2024-07 does not cancel TB2024-07.
    An assignment nothing cancels may be called active."""
    supported: set[str] = set()
    for c in cites:
        own = bool(c.assignment) and (norsk.id_key(c.assignment or "") or c.assignment) in about
        for sentence in _SENTENCE_RE.split(c.text):
            named = {norsk.id_key(i) for i in norsk.find_ids(sentence)}
            if not about or named & about or (own and not named):
                supported |= norsk.statuses_in(sentence)
    for key in about:
        supported |= {norsk.STATUS_OF_CHANGE[k] for k in recorded.get(key, ()) if k in norsk.STATUS_OF_CHANGE}
    if "cancelled" not in supported:
        supported.add("active")
    return supported


def unsupported_status(text: str, supported: set[str]) -> list[str]:
    """The statuses (cancelled, postponed, active) `text` claims that `supported` lacks: ['status cancelled'].

    Word-based, so a negation ("er ikke avlyst") also counts as a claim: a phrasing that fails falls back to
    the verified answer, which is safe.
    """
    return [f"status {s}" for s in sorted(norsk.statuses_in(text) - supported)]


def _widen(cites: tuple[Citation, ...], letters: dict[str, Letter]) -> tuple[Citation, ...]:
    """Add each cited assignment's whole text: the fact may stand in a paragraph next to the tight one."""
    extra = []
    for c in cites:
        letter = letters.get(c.letter)
        if letter is None or not c.assignment:
            continue
        for a in letter.assignments:
            if a.id == c.assignment and a.paragraphs:
                whole = Paragraph(" ".join([a.header, *(p.text for p in a.paragraphs)]), a.line,
                                  a.paragraphs[-1].line_end, a.page)
                extra.append(dataclasses.replace(c, text=whole.text, line=whole.line, line_end=whole.line_end,
                                                 sub=None, highlight=None))
                break
    return cites + tuple(x for x in extra if x not in cites)


def verify(answer: Answer, letters: dict[str, Letter]) -> Answer:
    """Check the answer against its citations; widen to the whole assignment, else refuse to state the fact."""
    if not answer.found or not answer.citations:
        return answer
    if not unsupported(answer.text, answer.citations):
        return answer
    wider = _widen(answer.citations, letters)
    problems = unsupported(answer.text, wider)
    if not problems:
        return dataclasses.replace(answer, citations=wider)
    text = (f"Jeg fant et mulig svar, men kunne ikke bekrefte {', '.join(problems)} i kilden; se utdragene under."
            if answer.language == "no" else
            f"I found a possible answer but could not confirm {', '.join(problems)} in the source; see the excerpts.")
    return dataclasses.replace(answer, text=text, found=False)

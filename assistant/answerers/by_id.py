"""Answers about one assignment named by ID: routed by intent to the deadline, owner, change, amount or
content answerer; a later letter's changes come from the timeline, and a cancelled one says so first."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from assistant import phrasing
from assistant import timeline as timeline_answers
from assistant.answerers import amount, change, content, deadline, owner
from assistant.corpus import Corpus, Mention, Placement, amendments, find_assignment, primary
from assistant.question import Intent, Question, asks_yes_no, due_window
from assistant.records import Answer
from ingest import norsk
from ingest.records import Letter

_CHANGE_KINDS = ("cancels", "deadline", "reworded", "renumbered", "clarified")
_ASKS_DATE_RE = re.compile(r"frist|deadline|due", re.I)
# A yes/no question about when it is to be delivered ("Må … leveres i løpet av 2024?", "Is … due in 2024?").
_DELIVERY_RE = re.compile(r"\b(?:leveres|levert|levere|ferdig\w*|fullført|frist\w*|deadline|due|delivered|"
                          r"completed|finished|submitted)\b", re.I)
_WHEN_RE = re.compile(r"\b(?:frist\w*|deadline|due|innen|før|etter|before|after|by|når|when)\b", re.I)
# "i løpet av 2024", "in 2024", "by the end of 2024": the whole year is the window asked about.
_YEAR_WINDOW_RE = re.compile(r"\b(?:i\s+løpet\s+av|innen\s+utgangen\s+av|før\s+utgangen\s+av|in|during|"
                             r"by\s+the\s+end\s+of|within)\s+((?:19|20)\d\d)\b", re.I)


def answer(c: Corpus, q: Question, filters: dict[str, Any] | None) -> Answer:
    """An answer about one assignment; whatever was asked, a cancelled or renumbered one says so first."""
    said = _about(c, q)
    for extra in q.also if said.found else ():  # "… og hvilken avdeling har ansvaret?": that too, cited
        more = _about(c, replace(q, intent=extra, also=()))
        if more.found:
            cites = said.citations + tuple(x for x in more.citations if x not in said.citations)
            said = replace(said, text=f"{said.text} {more.text}", citations=cites)
    if q.intent in ("deadline", "change") or not said.found:
        return said
    tl = c.timeline(q.ids[0])
    return timeline_answers.with_status(q, tl, c.letters, said) if tl is not None else said


def _about(c: Corpus, q: Question) -> Answer:
    ident = q.ids[0]
    rows, refs, known = _lookup(c, ident)
    if not rows and not refs:
        return _unknown_id(q, ident, known)
    hinted = c.hinted_letters(q)
    if hinted and not _in_letters(c, ident, rows, refs, {h.file for h in hinted}):
        where = "; ".join(phrasing.short_title(h.title, h.year) for h in hinted)
        return Answer(q.text, phrasing.not_in_letter(ident, where, q.language), False, (),
                      (phrasing.ask_about(ident, q.intent, q.language),))
    from_tl = _from_timeline(c, q, ident, {h.file for h in hinted})
    if from_tl is not None:
        return from_tl
    if not rows:
        return _mentioned_only(c, q, ident, refs)
    row = primary(rows, q)
    letter = c.letters[row.letter]
    a = find_assignment(letter, row)
    changes = [r for r in amendments(rows) if r.kind in _CHANGE_KINDS]
    in_hinted = [r for r in refs if any(r.letter == h.file for h in hinted)]
    if hinted and q.intent in ("change", "content") and in_hinted:
        return change.what_letter_says(c, q, ident, in_hinted)
    if q.intent == "change":
        return change.by_id(c, q, a, letter, changes)
    if q.intent == "owner":
        return owner.answer(q, a, letter)
    if q.intent == "deadline":
        return deadline.answer(c, q, rows, changes)
    if q.intent == "amount":
        return amount.by_id(c, q, rows, refs)
    return content.by_id(c, q, a, letter)


def _lookup(c: Corpus, ident: str) -> tuple[list[Placement], list[Mention], set[str]]:
    """The letters that head the assignment (or its former number), those that mention it, and every ID."""
    tl = c.timeline(ident)
    rows, refs = c.rows(ident), c.mentions(ident)
    former = next((e.assignment for e in tl.events if e.kind == "created"), None) if tl and not rows else None
    if former:  # given under an older number and renumbered to this one
        rows = c.rows(former)
    return rows, refs, c.known_ids()


def _in_letters(c: Corpus, ident: str, rows: list[Placement], refs: list[Mention], files: set[str]) -> bool:
    """Does any of these letters head, mention or change the assignment?"""
    tl = c.timeline(ident)
    return (any(r.letter in files for r in rows) or any(r.letter in files for r in refs)
            or tl is not None and any(e.letter in files for e in tl.events))


def _mentioned_only(c: Corpus, q: Question, ident: str, refs: list[Mention]) -> Answer:
    if q.intent == "owner":
        return owner.from_refs(c, q, ident, refs)
    if q.intent == "amount":
        return amount.by_id(c, q, [], refs)
    said = change.what_letter_says(c, q, ident, refs)
    if q.intent == "content" and all(r.kind == "renumbered" and _new_number(ident, r.text) for r in refs):
        # "Hva går TB2025-73 ut på?" where the letters only give it as another's new number: no content to give
        return replace(said, text=phrasing.only_renumbered(ident, said.text, q.language), found=False)
    return said


def when_due(c: Corpus, q: Question, filters: dict[str, Any] | None) -> Answer | None:
    """'Må TB2024-35 leveres i løpet av 2024?': a yes/no question the deadline decides, answered by it (led by
    yes or no where the question names when); None for other questions."""
    when = due_window(q.text) or _YEAR_WINDOW_RE.search(q.text) or _WHEN_RE.search(q.text)
    if not (asks_yes_no(q.text) and (q.intent == "deadline" or _DELIVERY_RE.search(q.text) and when)):
        return None  # "Skal Hdir levere en rapport om …?" asks whether, not when
    said = answer(c, replace(q, intent=Intent.DEADLINE), filters)
    return replace(said, text=_verdict(q, said.text)) if said.found else said


def _verdict(q: Question, said: str) -> str:
    """The deadline answer, led by yes or no where the question names when it would be due."""
    dates = re.findall(r"\((\d{4}-\d{2}-\d{2})\)", said)
    year = _YEAR_WINDOW_RE.search(q.text)
    window = due_window(q.text) or ((f"{year.group(1)}-01-01", f"{year.group(1)}-12-31") if year else None)
    inside = {window[0] <= d <= window[1] for d in dates} if window else set()
    if len(inside) != 1:
        return said  # no window, no date, or some dates inside and some not: the dates speak for themselves
    return f"{phrasing.yes_no(inside.pop(), q.language)} – {said}"


def _new_number(ident: str, text: str) -> bool:
    """Is the assignment the new number in a renumbering ("STB2025-1 endrer nummerering til TB2025-73")?"""
    ids = [norsk.id_key(i) for i in norsk.find_ids(text)]
    return norsk.id_key(ident) in ids[1:] and ids[0] != norsk.id_key(ident)


def _from_timeline(c: Corpus, q: Question, ident: str, hinted: set[str]) -> Answer | None:
    """Deadline and change questions about an assignment a later letter changed: the current value first;
    with a letter named ("what deadline did supplement 1 set"), what that letter set."""
    tl = c.timeline(ident)
    if tl is None or not tl.changed() and q.intent != "change":
        return None
    letters: dict[str, Letter] = c.letters
    if hinted:
        if q.intent in ("deadline", "change") and _ASKS_DATE_RE.search(q.text):
            return (timeline_answers.letter_deadline_answer(q, tl, letters, hinted)
                    or timeline_answers.deadline_answer(q, tl, letters))
        mentioned = {r.letter for r in c.mentions(ident)}
        if q.intent in ("change", "content") and not mentioned & hinted:
            # said under the assignment's own header in that letter (no mention to quote from)
            return timeline_answers.change_answer(q, tl, letters, only=hinted)
        return None
    if q.intent == "content" and not q.sub:
        return timeline_answers.wording_answer(q, tl, letters)
    if q.intent == "deadline":
        return timeline_answers.deadline_answer(q, tl, letters)
    if q.intent == "change":
        return timeline_answers.change_answer(q, tl, letters)
    return None


def _unknown_id(q: Question, ident: str, known: set[str]) -> Answer:
    return Answer(q.text, phrasing.not_found(phrasing.what("assignment", q.language, ident), q.language), False, (),
                  tuple(_candidate_ids(ident, known, q)))


def _candidate_ids(ident: str, known: set[str], q: Question) -> list[str]:
    """Questions about the assignments whose numbers are nearest the unknown one, same year."""
    m = re.match(r"([A-Z]+)(\d{4})-(\d+)", norsk.id_key(ident) or "")
    if not m:
        return []
    prefix, year, num = m.group(1), m.group(2), int(m.group(3))
    near = []
    for k in known:
        km = re.match(r"([A-Z]+)(\d{4})-(\d+)$", k or "")
        if km and km.group(2) == year:
            near.append((abs(int(km.group(3)) - num) + (0 if km.group(1) == prefix else 5), k))
    return [phrasing.ask_about(k, q.intent, q.language) for _, k in sorted(near)[:3]]

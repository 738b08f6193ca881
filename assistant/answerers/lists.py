"""List answers from the registry: assignments by owner, deadline window, letter and status."""

from __future__ import annotations

import re
from typing import Any

from assistant import phrasing
from assistant.answerers.change import LIST_MAX, own_list
from assistant.cite import cite, deadline_paragraph, header_cite, owner_cite, short
from assistant.corpus import Corpus, Placement, clean_filters, find_assignment
from assistant.extract import ASKS_COUNT_RE
from assistant.question import Question, asks_about_assignments
from assistant.records import Answer, Citation
from ingest import norsk
from ingest.records import Assignment, Letter

_CANCELLED_RE = re.compile(r"\b(?:utgår|utgått|utgikk|cancel\w*|withdrawn|trukket|tatt\s+ut|bortfal\w*|dropped)\b", re.I)
_POSTPONED_RE = re.compile(r"\b(?:utsatt|postponed|ny\s+frist|new\s+deadline|forlenget|extended)\b", re.I)


def answer(c: Corpus, q: Question, filters: dict[str, Any] | None) -> Answer | None:
    """The assignments that match the question's owner, deadline window, letter and status; None when it
    names none of these (a topic question, for retrieval)."""
    f = clean_filters(filters) or {}
    year, owner, letter_file = f.get("year") or q.year, f.get("owner") or q.owner, f.get("letter")
    if not letter_file:
        letter_file = c.letter_named(q.text, year)
    status = ("cancelled" if _CANCELLED_RE.search(q.text) else
              "postponed" if _POSTPONED_RE.search(q.text) and not q.due else None)
    if not (owner or q.due or letter_file or status or q.section or (q.age and year)):
        return None
    if not (owner or q.due or status or q.section or q.age) and not asks_about_assignments(q.text):
        return None  # "what does supplement 18 consider sufficient …": about the letter's text, not a list
    rows = _matching(c, q, c.placements(year=year if not letter_file else None, owner=owner, letter=letter_file),
                     owner, status)
    if not rows and not (owner or q.due or status or q.section or q.age):
        return None  # the letter gives no assignments of its own: its text may still answer
    if not rows:
        return Answer(q.text, phrasing.not_found(phrasing.what("matching", q.language), q.language), False)
    head = phrasing.count_head(len(rows), phrasing.assignments_word(q.language))
    named = rows[:LIST_MAX]
    if ASKS_COUNT_RE.search(q.text) and len(rows) > 8:  # "how many": the number, and the IDs in short
        named = rows[:4] + rows[-1:]
        items, more = phrasing.id_span([r.id for r in rows]), ""
    else:
        items = ", ".join(f"{r.id} {short(r.title, 50)}" if len(rows) <= 8 else r.id for r in named)
        more = f" (+{len(rows) - LIST_MAX})" if len(rows) > LIST_MAX else ""
    # Every listed assignment is cited, by the paragraph that puts it on the list (its deadline in the
    # window, its "Ansvarlig avdeling" line) or else its header: the verifier holds each ID to a source.
    cites = own_list(c.letters[letter_file], {r.id for r in rows}) if letter_file else []
    for r in named:
        letter = c.letters[r.letter]
        cites.append(_list_cite(letter, find_assignment(letter, r), q.due, owner))
    return Answer(q.text, head + items + more, True, tuple(cites))


def _matching(c: Corpus, q: Question, rows: list[Placement], owner: str | None, status: str | None) -> list[Placement]:
    if q.section:  # "under 2.3": every section numbered 2.3 or below it
        rows = [r for r in rows if re.match(rf"{re.escape(q.section)}(?:[.\s]|$)", r.section or "")]
    if q.age:  # new: given under the letter's own year's number; earlier: carried over from before
        rows = [r for r in rows if (_id_year(r.id) == r.year) == (q.age == "new")]
        rows = list({norsk.id_key(r.id): r for r in rows}.values())
    if status:  # "which 2023 assignments were cancelled": by what their timelines say now
        rows = [r for r in rows if c.has_status(r.id, status)]
        rows = list({norsk.id_key(r.id): r for r in rows}.values())
    if q.only_owner and owner:
        rows = [r for r in rows if (r.owner or "").replace(" ", "").upper() == owner.upper()]
    if q.due:
        lo, hi = q.due
        rows = [r for r in rows if any(d.date and lo <= d.date <= hi and d.kind != "default_rule"
                                       for d in r.deadlines)]
    return rows


def _id_year(ident: str) -> int | None:
    m = re.search(r"(?:19|20)\d\d", ident)
    return int(m.group(0)) if m else None


def _list_cite(letter: Letter, a: Assignment, due: tuple[str, str] | None, owner: str | None) -> Citation:
    if due:
        for d in a.deadlines:
            if d.date and due[0] <= d.date <= due[1] and d.kind != "default_rule":
                return cite(letter, a, deadline_paragraph(letter, a, d), d.sub, highlight=d.text)
    return owner_cite(letter, a) if owner else header_cite(letter, a)

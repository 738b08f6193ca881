"""Answers from an assignment's timeline: the current deadline or status first, then what it replaced, each cited.

The safety rule: a deadline a later letter changed is never stated as the current one. Where the change's
new value can't be read, the answer says so and quotes the change.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from assistant import phrasing
from assistant.cite import (
    cite,
    deadline_paragraph,
    header_cite,
    paragraph_at,
    paragraphs_from,
    short,
    with_items,
)
from assistant.extract import gist
from assistant.question import Question
from assistant.records import Answer, Citation
from ingest import norsk
from ingest.changes import FLAG_MAY_CHANGE, Event, Setting, Timeline
from ingest.deadlines import map_label
from ingest.records import Deadline, Letter, Paragraph

# "Hva er den nye fristen", "which new date was set": a question for a new value, which "fristen kan utsettes"
# does not give (the answer says so, and counts as not found).
_NEW_VALUE_RE = re.compile(r"\b(?:nye?|new)\s+(?:\w+\s+)?(?:frist\w*|dato\w*|deadlines?|dates?)\b", re.I)


def asks_new_value(text: str) -> bool:
    return bool(_NEW_VALUE_RE.search(text))


def sub_labels(tl: Timeline, letters: dict[str, Letter]) -> set[str]:
    """Every sub-item label the assignment has in any letter, or that a change names."""
    labels = {d.sub for e in tl.events for d in e.deadlines if d.sub} | {s for e in tl.events for s in e.subs}
    for e in tl.events:
        letter = letters.get(e.letter)
        if letter is not None and e.kind in ("created", "restated"):
            a = next((a for a in letter.assignments if a.line == e.line), None)
            labels |= {s.label for s in a.subitems} if a else set()
    return labels


def _value(d: Deadline | None, lang: str) -> str | None:
    if d is None:
        return None
    return phrasing.deadline_value(d, lang)


def _where(e: Event, lang: str) -> str:
    return phrasing.where_said(e.letter_title, e.year, e.letter_date, lang)


def _event_cite(e: Event, letters: dict[str, Letter], highlight: str | None = None) -> Citation | None:
    letter = letters.get(e.letter)
    if letter is None:
        return None
    para, a = paragraph_at(letter, e.line)
    if not para.text:
        return None
    return cite(letter, a, para, e.subs[0] if len(e.subs) == 1 else None, highlight=highlight or short(e.text, 200))


def _header_body(e: Event, letters: dict[str, Letter]) -> Citation | None:
    """The text under a restated header whose own line makes the change, cited whole."""
    letter = letters.get(e.letter)
    a = next((a for a in letter.assignments if a.line == e.line), None) if letter else None
    if letter is None or a is None or not a.paragraphs:
        return None
    ps = a.paragraphs
    return cite(letter, a, Paragraph(" ".join(p.text for p in ps), ps[0].line, ps[-1].line_end, ps[0].page), None)


def _line_cite(file: str, line: int, highlight: str, letters: dict[str, Letter]) -> Citation | None:
    letter = letters.get(file)
    if letter is None:
        return None
    para, a = paragraph_at(letter, line)
    return cite(letter, a, para, None, highlight=highlight) if para.text else None


def _wording_cite(e: Event, letters: dict[str, Letter]) -> Citation | None:
    """A rewording cited with its new wording: the lead-in ("… endres til følgende:") and what follows it."""
    letter = letters.get(e.letter)
    if letter is None:
        return None
    passage = paragraphs_from(letter, e.line, 16)
    if not passage:
        return _event_cite(e, letters)
    span = with_items([p for _, p in passage])
    return cite(letter, passage[0][0], span, None, highlight=short(e.text, 200))


def _setting_cite(s: Setting, tl: Timeline, letters: dict[str, Letter]) -> Citation | None:
    """Where a deadline was set: its own paragraph in the letter that heads the assignment, or the change."""
    e = tl.events[s.event]
    letter = letters.get(e.letter)
    if letter is None or s.deadline is None:
        return _event_cite(e, letters)
    if e.kind in ("created", "restated"):
        a = next((a for a in letter.assignments if a.line == e.line), None)
        if a is not None:
            para = deadline_paragraph(letter, a, s.deadline)
            return cite(letter, a if s.deadline.kind != "default_rule" else None, para, s.sub,
                        highlight=s.deadline.text)
    return _event_cite(e, letters, highlight=s.deadline.text)


def _substance(text: str) -> str:
    """A bullet's words after its "- TB2021-41 Title:" lead, which the answer already names."""
    m = re.match(rf"^[-–•\s]*{norsk.ID_PATTERN}[^:]{{0,200}}:\s+(?=\S)", text)
    return text[m.end():] if m else text


def _clause(text: str) -> str:
    """The clause of a change sentence that says it ("men fristen kan utsettes"), not the bullet's whole title."""
    m = norsk.MODAL_CHANGE_RE.search(text)
    if not m:
        return short(text, 160)
    start = max(text.rfind(",", 0, m.start()), text.rfind(":", 0, m.start()), text.rfind(". ", 0, m.start())) + 1
    return short(text[start:].strip(), 160)


def _who(tl: Timeline, sub: str | None, lang: str) -> str:
    return f"{phrasing.sub_phrase(sub, lang)}{tl.id} {tl.title}".strip()


def _add(cites: list[Citation], c: Citation | None) -> None:
    if c is not None and c not in cites:
        cites.append(c)


def status_answer(q: Question, tl: Timeline, letters: dict[str, Letter], sub: str | None = None) -> Answer | None:
    """Cancelled, renumbered or replaced (the whole assignment, or the part asked about): said first, cited."""
    if sub is not None and sub in tl.cancelled_subs:
        e, status = tl.events[tl.cancelled_subs[sub]], "cancelled"
    elif tl.status != "active" and tl.status_event is not None:
        e, status = tl.events[tl.status_event], tl.status
    else:
        return None
    before = tl.current(sub)
    before_value = _value(before.deadline, q.language) if before and status == "cancelled" else None
    text = phrasing.status_answer(_who(tl, sub, q.language), status, _where(e, q.language), short(e.text, 200),
                                  e.new_id, before_value, q.language)
    cites: list[Citation] = []
    _add(cites, _event_cite(e, letters))
    _add(cites, _created_cite(tl, letters))
    return Answer(q.text, text, True, tuple(cites))


def with_status(q: Question, tl: Timeline, letters: dict[str, Letter], answer: Answer) -> Answer:
    """`answer` led by the assignment's status when a later letter cancelled, renumbered or replaced it."""
    if tl.status == "active" or tl.status_event is None:
        return answer
    e = tl.events[tl.status_event]
    note = phrasing.status_note(tl.id, tl.status, _where(e, q.language), e.new_id, q.language)
    cites = list(answer.citations)
    c = _event_cite(e, letters)
    if c is not None and c not in cites:
        cites.insert(0, c)
    return replace(answer, text=f"{note} {answer.text}", citations=tuple(cites))


def _created_cite(tl: Timeline, letters: dict[str, Letter]) -> Citation | None:
    e = next((e for e in tl.events if e.kind == "created"), None)
    letter = letters.get(e.letter) if e else None
    a = next((a for a in letter.assignments if e and a.line == e.line), None) if letter else None
    return header_cite(letter, a) if letter and a else None


def deadline_answer(q: Question, tl: Timeline, letters: dict[str, Letter]) -> Answer | None:
    """The deadline in force when a later letter changed it (or the assignment's status); None when nothing
    after the assignment's own letter touches the deadline asked about, so the usual answer stands."""
    labels = sub_labels(tl, letters)
    sub = map_label(q.sub, labels) if q.sub else None
    if sub is not None and sub not in labels:
        return None  # a part the assignment does not have: the usual answer says so
    status = status_answer(q, tl, letters, sub)
    if status is not None:
        cur = tl.current(sub)
        if tl.status == "renumbered" and cur is not None and cur.deadline is not None:
            # the same assignment under its new number: its deadline still holds
            value = _value(cur.deadline, q.language) or ""
            note = (f" Its deadline is {value}." if q.language == "en" else f" Fristen er {value}.")
            more = list(status.citations)
            _add(more, _setting_cite(cur, tl, letters))
            return replace(status, text=status.text + note, citations=tuple(more))
        return status
    cur = tl.current(sub)
    if cur is None or tl.events[cur.event].kind == "created":
        return None
    e = tl.events[cur.event]
    who = _who(tl, sub, q.language)
    replaced = _value(cur.replaced, q.language)
    cites: list[Citation] = []
    if FLAG_MAY_CHANGE in cur.flags and replaced:
        # "fristen kan utsettes": allowed, not done; the deadline stands, with the letter's words beside it
        text = phrasing.may_change(tl.id, replaced, _where(e, q.language), _clause(e.text), q.language)
        _add(cites, _event_cite(e, letters))
        earlier = [s for s in tl.history(sub) if s.event < cur.event and s.deadline is not None]
        if earlier:
            _add(cites, _setting_cite(earlier[-1], tl, letters))
        return Answer(q.text, text, not asks_new_value(q.text), tuple(cites))
    if cur.deadline is None:
        text = phrasing.unreadable_deadline(who, _where(e, q.language), short(e.text, 220), replaced, q.language)
        _add(cites, _event_cite(e, letters))
    else:
        value = _value(cur.deadline, q.language) or ""
        text = phrasing.current_deadline(who, value, _where(e, q.language), replaced, cur.flags, q.language)
        _add(cites, _setting_cite(cur, tl, letters))
    earlier = [s for s in tl.history(sub) if s.event < cur.event and s.deadline is not None]
    if earlier:
        _add(cites, _setting_cite(earlier[-1], tl, letters))
    _add(cites, _created_cite(tl, letters))
    return Answer(q.text, text, True, tuple(cites))


def wording_answer(q: Question, tl: Timeline, letters: dict[str, Letter]) -> Answer | None:
    """What the assignment asks for now, when a later letter gave it a new wording: that wording, cited."""
    e = next((e for e in reversed(tl.events) if e.kind == "reworded" and e.new_text), None)
    if e is None or e.new_text is None:
        return None
    head = (f"{tl.id} {tl.title} — new wording in {_where(e, q.language)}: " if q.language == "en"
            else f"{tl.id} {tl.title} — ny oppdragstekst i {_where(e, q.language)}: ")
    text = head + f"«{short(e.new_text.strip('«»'), max(160, phrasing.ANSWER_CHARS - len(head) - 4))}»"
    cites: list[Citation] = []
    _add(cites, _wording_cite(e, letters))
    _add(cites, _created_cite(tl, letters))
    return Answer(q.text, text, True, tuple(cites))


def letter_deadline_answer(q: Question, tl: Timeline, letters: dict[str, Letter], files: set[str]) -> Answer | None:
    """'What deadline did supplement no. 1 set for X?': the deadline that letter set, then the current one if a
    later letter replaced it."""
    labels = sub_labels(tl, letters)
    sub = map_label(q.sub, labels) if q.sub else None
    mine = [s for s in tl.history(sub) if tl.events[s.event].letter in files and s.deadline is not None
            and tl.events[s.event].kind != "created"]
    if not mine:
        return None
    s, e = mine[-1], tl.events[mine[-1].event]
    who = _who(tl, sub, q.language)
    value = _value(s.deadline, q.language)
    cites: list[Citation] = []
    if FLAG_MAY_CHANGE in s.flags and value:
        # "fristen kan utsettes": the letter allowed a change without making one; the deadline it names stands
        _add(cites, _event_cite(e, letters))
        earlier = [x for x in tl.history(sub) if x.event < s.event and x.deadline is not None]
        if earlier:
            _add(cites, _setting_cite(earlier[-1], tl, letters))
        return Answer(q.text, phrasing.may_change(tl.id, value, _where(e, q.language), _clause(e.text), q.language),
                      not asks_new_value(q.text), tuple(cites))
    text = (f"{_where(e, q.language)} set the deadline for {who} to {value}." if q.language == "en"
            else f"{_where(e, q.language)} satte fristen for {who} til {value}.")
    _add(cites, _setting_cite(s, tl, letters))
    cur = tl.current(sub)
    if cur is not None and cur.event != s.event and cur.deadline is not None:
        later = tl.events[cur.event]
        now = _value(cur.deadline, q.language)
        text += (f" A later letter ({_where(later, q.language)}) changed it to {now}, the current deadline."
                 if q.language == "en" else
                 f" Et senere brev ({_where(later, q.language)}) endret den til {now}, som er gjeldende frist.")
        _add(cites, _setting_cite(cur, tl, letters))
    return Answer(q.text, text, True, tuple(cites))


def change_answer(q: Question, tl: Timeline, letters: dict[str, Letter], only: set[str] | None = None) -> Answer | None:
    """What later letters (or the letters in `only`) did to the assignment: the status and current deadline
    first, then each change."""
    later = [e for e in tl.events if e.kind not in ("created", "restated") and (not only or e.letter in only)]
    if not later:
        return None
    kinds = phrasing.EVENT_EN if q.language == "en" else phrasing.EVENT_NO
    head = f"{_who(tl, None, q.language)}: {_status_line(q, tl)}"
    shown = later[-4:]
    saids, quotes = [], []
    cites: list[Citation] = []
    for e in shown:
        said = f"{_where(e, q.language)}: {kinds.get(e.kind, e.kind)}"
        if e.new_id:
            said += f" {e.new_id}"
        if e.deadlines and e.deadlines[0].date:
            said += f" → {_value(e.deadlines[0], q.language)}"
        saids.append(said)
        body = _header_body(e, letters)  # said in a header ("Presisering av TB2023-93"): its text says what
        quotes.append(f"{e.text.rstrip()} {e.new_text}" if e.new_text and e.new_text not in e.text
                      else body.text if body else _substance(e.text))
        _add(cites, _wording_cite(e, letters) if e.new_text else body if body else _event_cite(e, letters))
        for d in e.deadlines:  # the paragraph that states the new date, when the quoted span stops before it
            _add(cites, _line_cite(e.letter, d.line, d.text, letters))
    cur = tl.current(None)
    if tl.status == "active" and cur is not None and cur.deadline is not None:
        # the current deadline the status line names, where it was set (not where a letter said it may move)
        origin = next((x for x in reversed(tl.history(None)) if x.deadline == cur.deadline
                       and FLAG_MAY_CHANGE not in x.flags), cur)
        _add(cites, _setting_cite(origin, tl, letters))
    room = (phrasing.ANSWER_CHARS - len(head) - sum(len(x) + 7 for x in saids)) // len(shown)
    parts = [f"{said} — «{short(gist(q.text, quote, max(80, room)), max(80, room))}»"
             for said, quote in zip(saids, quotes, strict=True)]
    text = head + " ".join(p.rstrip(".") + "." for p in parts)
    return Answer(q.text, text, True, tuple(cites))


def _status_line(q: Question, tl: Timeline) -> str:
    names = phrasing.STATUS_EN if q.language == "en" else phrasing.STATUS_NO
    status = names.get(tl.status, tl.status)
    if tl.current_id:
        status += f" {tl.current_id}"
    cur = tl.current(None)
    due = ""
    if tl.status == "active" and cur is not None and cur.deadline is not None:
        due = f"; {'current deadline' if q.language == 'en' else 'gjeldende frist'} {_value(cur.deadline, q.language)}"
    return f"status: {status}{due}. "


def timeline_json(tl: Timeline) -> dict[str, Any]:
    """The CLI's and the chat's view of a timeline: events oldest first, then what is current."""
    def dl(d: Deadline | None) -> dict[str, Any] | None:
        return None if d is None else {"sub": d.sub, "text": d.text, "date": d.date, "kind": d.kind}

    subs = sorted({s.sub for s in tl.settings if s.sub}, key=str)
    current = []
    for sub in [None, *subs]:
        s = tl.current(sub)
        if s is not None and (sub is None or s.sub == sub):
            current.append({"sub": sub, "deadline": dl(s.deadline), "set_by": tl.events[s.event].letter,
                            "replaced": dl(s.replaced), "flags": list(s.flags)})
    return {
        "id": tl.id, "title": tl.title, "owner": tl.owner, "status": tl.status, "current_id": tl.current_id,
        "cancelled_subs": sorted(tl.cancelled_subs),
        "events": [{"kind": e.kind, "letter": e.letter, "letter_title": e.letter_title, "letter_date": e.letter_date,
                    "year": e.year, "line": e.line, "page": e.page, "subs": list(e.subs),
                    "deadlines": [dl(d) for d in e.deadlines], "new_id": e.new_id, "text": e.text}
                   for e in tl.events],
        "current_deadlines": current,
    }

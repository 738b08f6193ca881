"""Changes as data, and each assignment's timeline across the letters ordered by their own date.

A later letter postpones a deadline, cancels, rewords, renumbers, clarifies or continues an assignment.
`letter_changes` turns what a letter says into `Change` records carrying the new value (a parsed
`Deadline`, a new ID, the new wording); `timeline` puts an assignment's events in the order of the
letters' own dates and resolves what is current: the status, the current deadline of each part and
what it replaced. The safety rule lives here: a change whose new value cannot be read leaves the
part's deadline *unknown* (never the superseded one), and a new date earlier than the one it replaces,
or before the letter that sets it, is flagged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from ingest import norsk
from ingest.deadlines import find_deadlines, map_label
from ingest.records import Assignment, Change, Deadline, Letter, Paragraph, Reference
from ingest.references import dedupe

# Reference kinds (what a mention does) -> change kinds (what the timeline records).
_KIND = {"cancels": "cancelled", "deadline": "new_deadline", "reworded": "reworded", "renumbered": "renumbered",
         "clarified": "clarified", "continued": "continued"}
_LETTER_RANK = {"allocation": 0, "supplementary": 1, "addendum": 1}
FLAG_EARLIER = "earlier_than_replaced"
FLAG_BEFORE_LETTER = "before_the_letter"
FLAG_UNREADABLE = "new_value_unreadable"
FLAG_MAY_CHANGE = "may_be_postponed"  # "fristen kan utsettes": the letter allows a change without making it


# --- what one letter says ---------------------------------------------------------------------------


def letter_changes(kind: str, year: int | None, assignments: Iterable[Assignment],
                   references: Iterable[Reference], paragraphs: list[Paragraph]) -> tuple[Change, ...]:
    """The changes a letter makes: from its references to other assignments, and (in a supplement) from
    the text under a restated header ("TB2023-04 … / Fristen utsettes til 1. november 2023")."""
    out: list[Change] = []
    for r in references:
        if r.kind == "refers":
            continue
        c = read_change(r, year, paragraphs)
        if c is not None:
            out.append(c)
    if kind != "allocation":
        seen = {(norsk.id_key(c.target), c.line) for c in out}
        for a in assignments:
            # "TB2041-04 Tittel: oppdraget presiseres …" says it in the header; a title naming another ID
            # ("Presisering av TB2023-18") speaks of that one, and its reference says so.
            mine = {norsk.id_key(i) for i in (a.id, *a.aliases)}
            others = {norsk.id_key(i) for i in norsk.find_ids(a.title)} - mine
            own = [] if others else [(a.header or a.title, a.line, a.page)]
            # a sentence naming another assignment speaks of that one (its reference says so)
            body = [(" ".join(x for x in norsk.SENTENCE_BREAK_RE.split(p.text)
                              if not {norsk.id_key(i) for i in norsk.find_ids(x)} - mine), p.line, p.page)
                    for p in a.paragraphs]
            for text, line, page in own + [b for b in body if b[0]]:
                rk = norsk.classify_change(text)
                if rk in (None, "refers", "continued") or (norsk.id_key(a.id), line) in seen:
                    continue
                c = read_change(Reference(a.id, rk, " ".join(text.split()), a.id, line, page), year, paragraphs)
                if c is not None:
                    out.append(c)
    return tuple(dedupe(out))


def read_change(ref: Reference, year: int | None, paragraphs: list[Paragraph] | None = None) -> Change | None:
    """The change a mention makes, with the value it sets read from the words around the target."""
    text = ref.text
    paragraphs = paragraphs or []
    seg = _segment(text, ref.target)
    if norsk.REPLACES_RE.search(text) and ref.source and norsk.id_key(ref.source) != norsk.id_key(ref.target):
        return Change(ref.target, "replaced", text, ref.line, ref.page, ref.source, new_id=ref.source)
    kind = _KIND.get(ref.kind)
    if kind is None:
        return None
    # the parts named in the sentences that make the change ("Fristen for deloppdrag (1) er uendret" after
    # "… deloppdrag (2) … utsettes til …" names no part of it)
    said = [x for x in norsk.SENTENCE_BREAK_RE.split(seg) if norsk.classify_change(x) not in (None, "refers", "continued")]
    subs = _subs(" ".join(said) or seg)
    if kind == "renumbered":
        new_id = _new_id(text, ref.target)
        if new_id is None:
            return None  # the target is the new number: the old number's change records it
        return Change(ref.target, kind, text, ref.line, ref.page, ref.source, subs, new_id=new_id)
    deadline = None
    new_text = _new_wording(text, ref, paragraphs) if kind == "reworded" else None
    if kind == "new_deadline":
        deadline = new_deadline(seg, year, ref.line) or (new_deadline(text, year, ref.line) if seg != text else None)
    elif kind == "reworded":  # a new wording that states a deadline ("… innen 31. mai 2025") sets it
        deadline = _wording_deadline(new_text or "", year, ref.line, paragraphs)
    if kind == "cancelled" and not re.search(r"utgår|bortfaller|tas\s+ut|trekke|frafall|annuller|stryk|avlys|avslutt",
                                             seg, re.I):
        subs = ()
    return Change(ref.target, kind, text, ref.line, ref.page, ref.source, subs, deadline, None, new_text)


def _segment(text: str, target: str) -> str:
    """The words about `target`: from its mention to the next ID's (or the whole text when that says nothing)."""
    marks = [(m.start(), norsk.id_key(norsk.normalise_id(m.group(0)) or "")) for m in norsk.ID_RE.finditer(text)]
    key = norsk.id_key(target)
    for i, (start, k) in enumerate(marks):
        if k == key:
            end = marks[i + 1][0] if i + 1 < len(marks) else len(text)
            # a sentence that names the parts before the ID ("Fristen for deloppdrag b) i TB2024-12 …")
            sent_start = max(text.rfind(". ", 0, start), text.rfind(": ", 0, start)) + 1
            prev_id = marks[i - 1][0] if i else -1
            return text[max(sent_start, prev_id + 1 if prev_id >= 0 else 0) : end]
    return text


def _subs(seg: str) -> tuple[str, ...]:
    # IDs out first: the number of "TB2024-07" is no sub-item; dates out: "1. juli" is no item 1.
    clean = norsk.DATE_RE.sub(" ", norsk.ID_RE.sub(" ", seg))
    labels: list[str] = []
    for m in norsk.CHANGE_SUB_RE.finditer(clean):
        lab = (m.group(1) or m.group(2)).lower()
        before = clean[: m.start()].rstrip().lower()
        if labels and re.search(r"(?:\btil|[–-]|t\.o\.m\.)$", before):
            prev = labels[-1]
            if prev.isalpha() and lab.isalpha():
                labels.extend(chr(c) for c in range(ord(prev) + 1, ord(lab)))
            elif prev.isdigit() and lab.isdigit():
                labels.extend(str(n) for n in range(int(prev) + 1, int(lab)))
        if lab not in labels:
            labels.append(lab)
    # Bare labels ("c", "2"): the timeline maps them onto the assignment's own ("deloppdrag 2", "fase 1").
    return tuple(labels)


def _new_id(text: str, target: str) -> str | None:
    """The ID after the target in a renumbering sentence ("STB2025-1 endrer nummerering til TB2025-73")."""
    ids = [(m.start(), norsk.normalise_id(m.group(0))) for m in norsk.ID_RE.finditer(text)]
    key = norsk.id_key(target)
    pos = next((s for s, i in ids if i and norsk.id_key(i) == key), None)
    if pos is None:
        return None
    later = [i for s, i in ids if s > pos and i and norsk.id_key(i) != key]
    return later[0] if later else None


def new_deadline(text: str, year: int | None, line: int) -> Deadline | None:
    """The deadline a change sets: the date after "til" / "ny frist", the second of "fra X til Y", else the
    last date the words name; a dialog phrase when they name none ("ny frist avtales i dialog")."""
    found: list[tuple[int, int, str | None, str, str]] = []  # start, end, iso, kind, phrase
    for m in norsk.DATE_RE.finditer(text):
        if re.match(r"\s*(?:mill|kr|prosent|%)", text[m.end():], re.I):
            continue
        iso = norsk.date_from_match(m, year)
        if iso:
            found.append((m.start(), m.end(), iso, "date", m.group(0)))
    for m in norsk.PERIOD_RE.finditer(text):
        if any(s <= m.start() < e or m.start() <= s < m.end() for s, e, *_ in found):
            continue
        iso, kind = norsk.period_date(m, year)
        if iso and not (m.group("y5") and not norsk.NEW_VALUE_CUE_RE.search(text[: m.start()])):
            found.append((m.start(), m.end(), iso, kind, m.group(0)))
    found.sort()
    if not found:
        if norsk.DIALOG_RE.search(text):
            return Deadline(None, " ".join(text.split())[:200], None, "dialog", line)
        return None
    cued = [f for f in found if norsk.NEW_VALUE_CUE_RE.search(text[max(0, f[0] - 40) : f[0]])]
    # "Fristen ble i tillegg nr. 1 utsatt til 1. november. Fristen utsettes derfor på nytt, til 1. februar":
    # what a sentence in the past tense tells is history; the change is the last one said now.
    now = [f for f in cued if not norsk.PAST_CHANGE_RE.search(_sentence_at(text, f[0]))]
    not_old = [f for f in found if not norsk.OLD_VALUE_CUE_RE.search(text[max(0, f[0] - 10) : f[0]])]
    start, end, iso, kind, phrase = (now or cued or not_old or found)[-1]
    if norsk.ANNUAL_RE.search(text[end : end + 16]):
        kind = "annual"
    return Deadline(None, " ".join(phrase.split()), iso, kind, line)


def _sentence_at(text: str, pos: int) -> str:
    start = max(text.rfind(". ", 0, pos), text.rfind("\n", 0, pos)) + 1
    end = text.find(". ", pos)
    return text[start : end if end >= 0 else len(text)]


def _following(paragraphs: list[Paragraph], line: int, n: int) -> list[Paragraph]:
    idx = next((i for i, p in enumerate(paragraphs) if p.line <= line <= p.line_end), None)
    return [] if idx is None else paragraphs[idx + 1 : idx + 1 + n]


def _paragraph_of(paragraphs: list[Paragraph], line: int) -> Paragraph | None:
    return next((p for p in paragraphs if p.line <= line <= p.line_end), None)


def _new_wording(text: str, ref: Reference, paragraphs: list[Paragraph]) -> str | None:
    """The new wording after "endres til følgende:": the rest of its paragraph, else the paragraph after the
    lead-in and the list items under it (not the letter's next topic); a quoted wording runs on to its
    closing mark, over paragraph breaks."""
    whole = _paragraph_of(paragraphs, ref.line)
    last = whole.line if whole else ref.line
    wording = ""
    for said in (whole.text if whole else "", text):
        m = norsk.NEW_WORDING_RE.search(said)
        if m and said[m.end():].strip():
            wording = said[m.end():].strip()
            break
    if not wording:
        if not (norsk.NEW_WORDING_RE.search(text) or text.rstrip().endswith(":")):
            return None
        after: list[str] = []
        for p in _following(paragraphs, ref.line, 8):
            t = p.text.strip()
            if norsk.ID_RE.match(t) or after and not re.match(r"^(?:[-–•o*]\s|\(?[a-h1-9]\d?[.)]\s)", t):
                break
            after.append(t)
            last = p.line
        wording = " ".join(after)
    if wording.startswith(("«", '"')) and not re.search(r"[»\"]", wording[1:]):
        for p in _following(paragraphs, last, 8):
            wording += " " + p.text.strip()
            if re.search(r"[»\"]", p.text):
                break
    return wording[:1200] or None


def _wording_deadline(wording: str, year: int | None, line: int, paragraphs: list[Paragraph]) -> Deadline | None:
    """The first dated deadline of a new wording, on the line of the paragraph that states it."""
    ds = [d for d in find_deadlines(wording, year, None, line) if d.date]
    if not ds:
        return None
    said = " ".join(ds[0].text.split())
    where = next((p for p in [_paragraph_of(paragraphs, line), *_following(paragraphs, line, 8)]
                  if p is not None and said in " ".join(p.text.split())), None)
    return replace(ds[0], line=where.line) if where else ds[0]


# --- an assignment's timeline across letters -----------------------------------------------------------


def letter_order(letter: Letter) -> tuple[str, int, str]:
    """Letters in the order they were written: by their own date; an undated allocation letter at the start
    of its year, an undated supplement at its end; the allocation letter before its supplements."""
    year = letter.year or 0
    date = letter.date or (f"{year:04d}-01-01" if letter.kind == "allocation" else f"{year:04d}-12-31")
    return date, _LETTER_RANK.get(letter.kind, 1), letter.file


@dataclass(frozen=True)
class Event:
    """One step of an assignment's life, in one letter."""

    kind: str  # one of EVENT_KINDS
    letter: str
    letter_title: str
    letter_date: str | None
    year: int | None
    line: int
    page: int | None
    text: str
    subs: tuple[str, ...] = ()
    deadlines: tuple[Deadline, ...] = ()  # what it sets: the assignment's own (created/restated) or the new one
    new_id: str | None = None
    new_text: str | None = None
    flags: tuple[str, ...] = ()
    assignment: str | None = None  # the ID it stands under in that letter (an older number, after a renumbering)


@dataclass(frozen=True)
class Setting:
    """A deadline of one part (sub None: the whole assignment) as an event set it; deadline None: unreadable."""

    sub: str | None
    deadline: Deadline | None
    event: int  # index into Timeline.events
    replaced: Deadline | None = None
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Timeline:
    id: str
    title: str
    owner: str | None
    events: tuple[Event, ...]
    settings: tuple[Setting, ...] = ()
    status: str = "active"  # active | cancelled | renumbered | replaced
    status_event: int | None = None
    current_id: str | None = None
    cancelled_subs: dict[str, int] = field(default_factory=dict)

    def changed(self) -> bool:
        """Did a later letter do anything that changes what is current?"""
        return self.status != "active" or bool(self.cancelled_subs) or any(
            self.events[s.event].kind != "created" for s in self.settings)

    def current(self, sub: str | None = None) -> Setting | None:
        """The deadline in force for `sub` (or the whole assignment); see `_current`."""
        return _current(self.settings, sub)

    def history(self, sub: str | None = None) -> list[Setting]:
        """Every setting of `sub` (and of the whole), oldest first."""
        return sorted((s for s in self.settings if s.sub in (sub, None)), key=lambda s: s.event)


def _current(settings: Iterable[Setting], sub: str | None) -> Setting | None:
    """The latest event's setting of that part or of the whole; within one event the part's own beats the
    whole's, a date beats the section rule."""
    cands = [s for s in settings if s.sub == sub or s.sub is None]
    if not cands:
        return None

    def rank(s: Setting) -> tuple[int, int, int]:
        kind = s.deadline.kind if s.deadline else "changed"
        return s.event, int(s.sub == sub), int(kind != "default_rule")
    return max(cands, key=rank)


def _event(letter: Letter, kind: str, line: int, page: int | None, text: str, **kw: object) -> Event:
    return Event(kind, letter.file, letter.title, letter.date, letter.year, line, page, text, **kw)  # type: ignore[arg-type]


def timeline(ident: str, letters: Iterable[Letter]) -> Timeline | None:
    """The events of one assignment over every letter, in the letters' order, and what is current."""
    key = norsk.id_key(ident) or ident.strip().upper()
    ordered = sorted(letters, key=letter_order)
    # An assignment renumbered to this ID is this assignment under its old number: its history is ours.
    keys = {key}
    for letter in ordered:
        for c in letter.changes:
            if c.kind == "renumbered" and c.new_id and norsk.id_key(c.new_id) in keys:
                keys.add(norsk.id_key(c.target) or c.target)
    events: list[Event] = []
    created: tuple[str, int, int] | None = None  # letter, first line, last line of the creating header's text
    title, owner = "", None
    for letter in ordered:
        headed = [a for a in letter.assignments if keys & {norsk.id_key(i) for i in (a.id, *a.aliases)}]
        for a in headed:
            if created is None:
                created = (letter.file, a.line, a.line_end)
                title, owner = a.title, a.owner
                events.append(_event(letter, "created", a.line, a.page, a.header or f"{a.id} {a.title}",
                                     deadlines=a.deadlines, assignment=a.id))
            else:
                owner = a.owner or owner
                events.append(_event(letter, "restated", a.line, a.page, a.header or f"{a.id} {a.title}",
                                     deadlines=tuple(d for d in a.deadlines if d.kind != "default_rule"),
                                     assignment=a.id))
        for c in letter.changes:
            targets = norsk.id_key(c.target) in keys
            renamed_to = c.new_id is not None and norsk.id_key(c.new_id) in keys
            if not (targets or renamed_to):
                continue
            if created and created[0] == letter.file and created[1] <= c.line <= created[2] and targets:
                continue  # the assignment's own first text ("… avsluttes 2026") is no change to it
            kind = c.kind if targets else f"{c.kind}_from"
            events.append(_event(letter, kind, c.line, c.page, c.text, subs=c.subs,
                                 deadlines=(c.deadline,) if c.deadline else (),
                                 new_id=c.new_id if targets else c.target, new_text=c.new_text))
    if not events:
        return None
    known = {d.sub for e in events for d in e.deadlines if d.sub}
    known |= {s.label for letter in ordered for a in letter.assignments for s in a.subitems
              if keys & {norsk.id_key(i) for i in (a.id, *a.aliases)}}
    events = [replace(e, subs=tuple(map_label(s, known, e.text) for s in e.subs)) if e.subs else e for e in events]
    events = _in_order(events, ordered)
    return _resolve(ident, title, owner, events)


def _in_order(events: list[Event], ordered: list[Letter]) -> list[Event]:
    rank = {letter.file: i for i, letter in enumerate(ordered)}
    return sorted(events, key=lambda e: (rank[e.letter], e.line, e.kind != "created"))


def _resolve(ident: str, title: str, owner: str | None, events: list[Event]) -> Timeline:
    settings: list[Setting] = []
    status, status_event, current_id = "active", None, None
    cancelled: dict[str, int] = {}

    def latest(sub: str | None) -> Deadline | None:
        s = _current(settings, sub)
        return s.deadline if s else None

    # A date a change of the same letter sets is that change's (with the parts it names), not the header's.
    changed = {(e.letter, d.date) for e in events if e.kind == "new_deadline" for d in e.deadlines}
    for i, e in enumerate(events):
        if e.kind == "created":
            settings.extend(Setting(d.sub, d, i) for d in e.deadlines)
        elif e.kind == "restated" or (e.kind == "reworded" and e.deadlines):
            for d in e.deadlines:
                if e.kind == "restated" and (e.letter, d.date) in changed:
                    continue
                old = latest(d.sub)
                if old is None or (old.date, old.kind, old.text) != (d.date, d.kind, d.text):
                    settings.append(Setting(d.sub, d, i, old, _flags(d, old, e)))
        elif e.kind == "new_deadline":
            new = e.deadlines[0] if e.deadlines else None
            for sub in e.subs or (None,):
                old = latest(sub)
                # The same letter restated the header with the new deadline: one change, replacing what was before.
                same = [s for s in settings if s.sub == sub and events[s.event].letter == e.letter
                        and events[s.event].kind == "restated"]
                if same:
                    old = same[-1].replaced
                    settings = [s for s in settings if s not in same]
                nd = Deadline(sub, new.text, new.date, new.kind, new.line) if new else None
                if nd is None and old is not None and norsk.MODAL_CHANGE_RE.search(e.text):
                    settings.append(Setting(sub, old, i, old, (FLAG_MAY_CHANGE,)))  # allowed, not done: it stands
                    continue
                settings.append(Setting(sub, nd, i, old, _flags(nd, old, e) if nd else (FLAG_UNREADABLE,)))
        elif e.kind == "cancelled":
            if e.subs:
                cancelled.update({s: i for s in e.subs})
            else:
                status, status_event = "cancelled", i
        elif e.kind in ("renumbered", "replaced") and norsk.id_key(e.new_id or "") != norsk.id_key(ident):
            status, status_event, current_id = e.kind, i, e.new_id
    return Timeline(ident, title, owner, tuple(events), tuple(settings), status, status_event, current_id, cancelled)


def _flags(new: Deadline | None, old: Deadline | None, e: Event) -> tuple[str, ...]:
    if new is None or not new.date:
        return ()
    flags = []
    if old is not None and old.date and new.date < old.date and old.kind != "default_rule":
        flags.append(FLAG_EARLIER)
    if e.letter_date and new.date < e.letter_date:
        flags.append(FLAG_BEFORE_LETTER)
    return tuple(flags)

"""The parse report: how much of a letter the parser understood, so staff see when a new letter was not.

Per letter: the IDs the text mentions against the assignments parsed, the assignments without an owner or
a deadline, and the sentences that look like a deadline or a change but were attached to nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

from ingest import norsk
from ingest.records import Letter, Paragraph

SHOWN = 12  # sentences listed per kind; the counts say how many there are


@dataclass(frozen=True)
class Loose:
    """A sentence that looks like a deadline or a change but was attached to no assignment or change."""

    line: int
    text: str
    assignment: str | None = None  # the assignment whose text holds it (None: the letter's own text)


@dataclass(frozen=True)
class ParseReport:
    file: str
    title: str
    kind: str
    year: int | None
    date: str | None
    ids_mentioned: int  # distinct IDs the text names (headers and mentions)
    assignments: int  # assignment headers parsed
    changes: int  # changes to assignments (postponed, cancelled, reworded …)
    # IDs of the letter's own year its text names but neither heads nor changes: in an allocation letter
    # mostly a header the parser took for text (an ID alone on its line swallowed by the assignment above)
    not_parsed: tuple[str, ...]
    without_owner: tuple[str, ...]
    without_deadline: tuple[str, ...]
    loose_deadlines: tuple[Loose, ...]
    loose_changes: tuple[Loose, ...]
    warnings: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        """Nothing for a reader to check: every ID of the letter's year parsed, every assignment owned, every
        deadline sentence in an assignment's text and every change sentence attached. (Assignments without a
        deadline are listed but common: many are standing tasks.)"""
        return not (self.not_parsed or self.loose_changes or self.without_owner or self.warnings
                    or any(x.assignment for x in self.loose_deadlines))

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["loose_deadlines"] = [asdict(x) for x in self.loose_deadlines[:SHOWN]]
        d["loose_changes"] = [asdict(x) for x in self.loose_changes[:SHOWN]]
        d["counts"] = {"loose_deadlines": len(self.loose_deadlines), "loose_changes": len(self.loose_changes)}
        d["complete"] = self.complete
        return d

    def summary(self) -> str:
        """One line for people: 'TB2023 … 18 assignments of 19 IDs; 2 without owner; 1 deadline sentence unattached'."""
        parts = [f"{self.assignments} assignments, {self.changes} changes, {self.ids_mentioned} IDs mentioned"]
        for label, items in (("IDs not parsed", self.not_parsed), ("without owner", self.without_owner),
                             ("without deadline", self.without_deadline),
                             ("deadline sentences not attached", self.loose_deadlines),
                             ("change sentences not attached", self.loose_changes)):
            if items:
                shown = ", ".join(str(x) if isinstance(x, str) else f"line {x.line}" for x in items[:6])
                parts.append(f"{len(items)} {label} ({shown}{', …' if len(items) > 6 else ''})")
        return "; ".join(parts)


def _paragraphs(letter: Letter) -> Iterator[tuple[str | None, Paragraph]]:
    for s in letter.sections:
        yield from ((None, p) for p in s.paragraphs)
    for a in letter.assignments:
        yield from ((a.id, p) for p in a.paragraphs)


def _sentences(p: Paragraph) -> Iterator[str]:
    for s in norsk.SENTENCE_BREAK_RE.split(p.text):
        if s.strip():
            yield " ".join(s.split())


def _looks_like_deadline(sentence: str) -> bool:
    """A deadline word with a day or a named period (not a bare year: "innen 2030" is mostly a goal) just after it."""
    cues = [m.end() for m in norsk.DEADLINE_CUE_RE.finditer(sentence)]
    dates = [m.start() for m in norsk.DATE_RE.finditer(sentence) if m.group("m") or m.group("ny")]
    dates += [m.start() for m in norsk.PERIOD_RE.finditer(sentence) if not m.group("y5")]
    return any(0 <= d - c <= 40 for c in cues for d in dates)


def _looks_like_change(sentence: str) -> bool:
    return norsk.classify_change(sentence) in ("cancels", "deadline", "reworded", "renumbered")


def parse_report(letter: Letter) -> ParseReport:
    """What the parser made of one letter, and what it may have missed."""
    headed = {norsk.id_key(i) for a in letter.assignments for i in (a.id, *a.aliases)}
    changed = {norsk.id_key(c.target) for c in letter.changes} | {norsk.id_key(c.new_id) for c in letter.changes
                                                                    if c.new_id}
    texts = [a.header for a in letter.assignments] + [p.text for _, p in _paragraphs(letter)]
    mentioned: dict[str | None, str] = {}
    for t in texts:
        for i in norsk.find_ids(t):
            mentioned.setdefault(norsk.id_key(i), i)
    own_year = str(letter.year or "")
    not_parsed = tuple(sorted(i for k, i in mentioned.items()
                              if k and own_year and own_year in i and k not in headed | changed))
    deadline_lines = {d.line for a in letter.assignments for d in a.deadlines}
    deadline_lines |= {s.default_deadline.line for s in letter.sections if s.default_deadline}
    deadline_lines |= {c.deadline.line for c in letter.changes if c.deadline}
    change_lines = {c.line for c in letter.changes} | {r.line for r in letter.references}
    loose_d, loose_c = [], []
    for owner, p in _paragraphs(letter):
        lines = set(range(p.line, p.line_end + 1))
        for s in _sentences(p):
            # In an allocation letter a change word without an ID is mostly about something else
            # ("ordningen avsluttes"); in a supplement it is what the letter is for.
            if (_looks_like_change(s) and not lines & change_lines
                    and (letter.kind != "allocation" or norsk.ID_RE.search(s))):
                loose_c.append(Loose(p.line, s[:240], owner))
            elif _looks_like_deadline(s) and not lines & (deadline_lines | change_lines):
                loose_d.append(Loose(p.line, s[:240], owner))
    return ParseReport(
        file=letter.file, title=letter.title, kind=letter.kind, year=letter.year, date=letter.date,
        ids_mentioned=len([k for k in mentioned if k]), assignments=len(letter.assignments), changes=len(letter.changes),
        not_parsed=not_parsed,
        without_owner=tuple(a.id for a in letter.assignments if not a.owner),
        without_deadline=tuple(a.id for a in letter.assignments if not a.deadlines),
        loose_deadlines=tuple(loose_d), loose_changes=tuple(loose_c), warnings=letter.warnings,
    )

"""The typed records that flow from a parsed letter into the registry: one frozen dataclass per concept."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

DEADLINE_KINDS = ("date", "week", "period_end", "annual", "dialog", "default_rule", "none")
REFERENCE_KINDS = ("cancels", "deadline", "reworded", "clarified", "renumbered", "continued", "refers")
LETTER_KINDS = ("allocation", "supplementary", "addendum")
# What a later letter does to an assignment (a Change), and what a timeline shows (an Event: these and
# "created" / "restated", an assignment headed in a letter).
CHANGE_KINDS = ("new_deadline", "cancelled", "reworded", "renumbered", "replaced", "clarified", "continued")
EVENT_KINDS = ("created", "restated", *CHANGE_KINDS)


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of cleaned text and where it stands in the source (1-based lines; page for PDFs)."""

    text: str
    line: int
    line_end: int
    page: int | None = None
    budget: str | None = None  # the budget line it stands under or is a row of: "kap. 762 post 21"


@dataclass(frozen=True)
class Deadline:
    sub: str | None  # sub-item label ("a", "1", "fase 1") or None for the whole assignment
    text: str  # the deadline phrase as written
    date: str | None  # ISO date, or None where the text names no day
    kind: str  # one of DEADLINE_KINDS
    line: int = 0


@dataclass(frozen=True)
class SubItem:
    label: str  # normalised: "a", "1", "deloppdrag 1", "fase 1"
    text: str
    line: int
    line_end: int
    page: int | None = None


@dataclass(frozen=True)
class Reference:
    """A mention of another assignment; `kind` says what the mentioning text does to it."""

    target: str  # canonical assignment id, e.g. "TB2021-46"
    kind: str  # one of REFERENCE_KINDS
    text: str  # the sentence holding the mention
    source: str | None  # the assignment (or None) whose text holds the mention
    line: int = 0
    page: int | None = None


@dataclass(frozen=True)
class Change:
    """What a letter does to an assignment, as data: the target, the sub-items it touches and the new value.

    `deadline` is the new deadline (kind new_deadline, or a rewording that sets one); None where the letter
    changes the deadline without a date we can read. `new_id` is the new number (renumbered) or the
    assignment that replaces the target (replaced)."""

    target: str  # canonical assignment id
    kind: str  # one of CHANGE_KINDS
    text: str  # the sentence (or bullet) that says it
    line: int
    page: int | None = None
    source: str | None = None  # the assignment whose text holds it (None: the letter's own text)
    subs: tuple[str, ...] = ()  # sub-item labels it touches; () for the whole assignment
    deadline: Deadline | None = None
    new_id: str | None = None
    new_text: str | None = None  # the new wording (reworded), when the letter gives it


@dataclass(frozen=True)
class Assignment:
    id: str
    aliases: tuple[str, ...]
    title: str
    owner: str | None
    section: str
    line: int
    line_end: int
    paragraphs: tuple[Paragraph, ...] = ()
    subitems: tuple[SubItem, ...] = ()
    deadlines: tuple[Deadline, ...] = ()
    page: int | None = None
    header: str = ""  # the header as it stands in the letter (joined over its lines)
    header_end: int = 0  # last line of the header


@dataclass(frozen=True)
class Section:
    number: str  # "2.1.4" (empty for an unnumbered heading)
    title: str
    line: int
    paragraphs: tuple[Paragraph, ...] = ()
    default_deadline: Deadline | None = None  # from "Der ikke annen frist er spesifisert ..."

    @property
    def name(self) -> str:
        return f"{self.number} {self.title}".strip()


@dataclass(frozen=True)
class Letter:
    file: str
    title: str
    kind: str  # one of LETTER_KINDS
    year: int | None
    date: str | None
    reference: str | None
    sha256: str
    sections: tuple[Section, ...] = ()
    assignments: tuple[Assignment, ...] = ()
    references: tuple[Reference, ...] = ()
    page_count: int | None = None
    warnings: tuple[str, ...] = field(default=())
    changes: tuple[Change, ...] = ()


def to_dict(record: Any) -> Any:
    return dataclasses.asdict(record)


def letter_from_dict(d: dict[str, Any]) -> Letter:
    """Rebuild a Letter from `to_dict` output (the registry keeps parsed letters as JSON)."""

    def paras(items: list[dict[str, Any]]) -> tuple[Paragraph, ...]:
        return tuple(Paragraph(**p) for p in items)

    def deadline(x: dict[str, Any] | None) -> Deadline | None:
        return Deadline(**x) if x else None

    sections = tuple(
        Section(
            number=s["number"],
            title=s["title"],
            line=s["line"],
            paragraphs=paras(s["paragraphs"]),
            default_deadline=deadline(s.get("default_deadline")),
        )
        for s in d["sections"]
    )
    assignments = tuple(
        Assignment(
            id=a["id"],
            aliases=tuple(a["aliases"]),
            title=a["title"],
            owner=a["owner"],
            section=a["section"],
            line=a["line"],
            line_end=a["line_end"],
            paragraphs=paras(a["paragraphs"]),
            subitems=tuple(SubItem(**s) for s in a["subitems"]),
            deadlines=tuple(Deadline(**x) for x in a["deadlines"]),
            page=a.get("page"),
            header=a.get("header", ""),
            header_end=a.get("header_end", 0),
        )
        for a in d["assignments"]
    )
    return Letter(
        file=d["file"],
        title=d["title"],
        kind=d["kind"],
        year=d["year"],
        date=d["date"],
        reference=d["reference"],
        sha256=d["sha256"],
        sections=sections,
        assignments=assignments,
        references=tuple(Reference(**r) for r in d["references"]),
        page_count=d.get("page_count"),
        warnings=tuple(d.get("warnings", ())),
        changes=tuple(_change(c) for c in d.get("changes", ())),
    )


def _change(c: dict[str, Any]) -> Change:
    return Change(**{**c, "subs": tuple(c.get("subs", ())),
                     "deadline": Deadline(**c["deadline"]) if c.get("deadline") else None})

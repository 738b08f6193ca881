"""Records of the answering layer: the registry's rows as the answerers read them (Placement, Mention), and
an Answer with the Citations that back it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ingest.records import Deadline


@dataclass(frozen=True)
class Citation:
    letter: str
    title: str
    year: int | None
    section: str
    assignment: str | None
    sub: str | None
    line: int | None
    page: int | None
    text: str
    line_end: int | None = None
    highlight: str | None = None  # the sentence that answers, for the UI to mark


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    found: bool
    citations: tuple[Citation, ...] = ()
    candidates: tuple[str, ...] = ()  # nearest follow-up questions when not found
    intent: str = "content"
    language: str = "no"
    timings_ms: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.text,
            "found": self.found,
            "citations": [
                {k: getattr(c, k) for k in ("letter", "title", "year", "section", "assignment", "sub", "line", "page", "text")}
                | {"line_end": c.line_end}
                for c in self.citations
            ],
            "candidates": list(self.candidates),
            "intent": self.intent,
            "language": self.language,
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
        }


@dataclass(frozen=True)
class Mention:
    """A letter's mention of an assignment (the registry's references): where, and what it does to it."""

    letter: str
    line: int
    kind: str  # one of ingest.records.REFERENCE_KINDS: cancels, deadline, reworded, renumbered, clarified, …
    text: str
    letter_title: str = ""
    letter_year: int | None = None


@dataclass(frozen=True)
class Placement:
    """An assignment as one letter gives it (a registry row, typed), with the later letters' mentions of it."""

    id: str
    letter: str
    line: int
    year: int | None
    title: str
    owner: str | None
    section: str
    deadlines: tuple[Deadline, ...]
    amendments: tuple[Mention, ...]

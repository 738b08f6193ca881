"""Records of the answering layer: an Answer with the Citations that back it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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

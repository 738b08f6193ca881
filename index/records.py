"""Records of the search layer: a Chunk of a letter and a Hit that ranks it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Chunk:
    id: str  # content hash of (letter, span, text): the same text always gets the same id
    letter: str  # file name
    title: str  # letter title
    year: int | None
    section: str
    assignment: str | None
    sub: str | None
    line: int
    line_end: int
    page: int | None
    header: str  # context header used for embedding and BM25, never cited
    text: str  # the cited text, as in the letter (whitespace normalised)
    kind: str = "assignment"  # assignment | subitem | paragraph | section

    @property
    def embed_text(self) -> str:
        return f"{self.header}\n{self.text}"


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float
    dense: float | None = None  # cosine similarity, where the dense ranking saw this chunk
    bm25: float | None = None
    reason: str = "fusion"  # fusion | id | budget (a named budget line) | dense | bm25

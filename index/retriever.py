"""A LangChain retriever over SearchIndex, for chains that want Documents with citation metadata."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever

from index.records import Hit
from index.search import MODES, SearchIndex


def hit_metadata(hit: Hit) -> dict[str, Any]:
    """The SPEC citation fields of a hit (less `text`, which is the page content) plus its scores."""
    c = hit.chunk
    return {
        "letter": c.letter, "title": c.title, "year": c.year, "section": c.section,
        "assignment": c.assignment, "sub": c.sub, "line": c.line, "line_end": c.line_end, "page": c.page,
        "chunk_id": c.id, "kind": c.kind, "score": hit.score, "dense": hit.dense, "bm25": hit.bm25,
        "reason": hit.reason,
    }


class LettersRetriever(BaseRetriever):
    """`retriever.invoke("frist for TB2024-07 d)")` -> Documents whose page_content is the cited text."""

    index: SearchIndex
    k: int = 5
    mode: str = "full"
    filters: dict[str, Any] | None = None

    def model_post_init(self, context: Any, /) -> None:
        if self.mode not in MODES:
            raise ValueError(f"unknown search mode {self.mode!r}; allowed: {list(MODES)}")

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        hits = self.index.search(query, k=self.k, mode=self.mode, filters=self.filters)
        return [Document(page_content=h.chunk.text, metadata=hit_metadata(h), id=h.chunk.id) for h in hits]

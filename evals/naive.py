"""The naive baseline the SPEC compares against: fixed-size LangChain chunks, FAISS, the closest sentence.

What it deliberately lacks, so the comparison shows what the structure buys: no parsing (raw
text cut every 1000 characters with 200 overlap), no BM25, no ID routing, no registry, no
history, no filters, and it never refuses (`found` is always True). It shares only the
embedding model with the real index, so differences come from the method, not the model.
It is built in memory from `settings.letters_dir` on first use and never written to disk.
"""

from __future__ import annotations

import bisect
import hashlib
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.question import detect_language
from assistant.records import Answer, Citation
from index.embed import TextEmbedder
from index.records import Chunk, Hit
from ingest.errors import LetterReadError, LettersError, SettingsError
from ingest.readers import SourceLine, read_source
from ingest.settings import Settings

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
# A hard-wrapped line does not end a sentence; a blank line does, and so does a stop followed by
# a capital ("innen 4. mars" is one sentence).
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+(?=[\"«(]?[A-ZÆØÅ])|\n\s*\n")
_MIN_SENTENCE_CHARS = 3


@dataclass(frozen=True)
class _Built:
    chunks: list[Chunk]
    faiss: Any  # faiss.IndexFlatIP over the chunks' passage vectors, row i = chunks[i]


def _line_of(starts: list[int], lines: list[SourceLine], offset: int) -> SourceLine:
    """The source line holding character `offset` of the joined text."""
    return lines[max(0, bisect.bisect_right(starts, offset) - 1)]


def chunk_file(path: Path) -> list[Chunk]:
    """Cut one letter's raw text with RecursiveCharacterTextSplitter, keeping each chunk's line span."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    lines = read_source(path)
    text = "\n".join(line.text for line in lines)
    starts, pos = [], 0
    for line in lines:
        starts.append(pos)
        pos += len(line.text) + 1
    splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP,
                                              add_start_index=True)
    out = []
    for doc in splitter.create_documents([text]):
        start = int(doc.metadata["start_index"])
        first = _line_of(starts, lines, start)
        last = _line_of(starts, lines, start + max(len(doc.page_content) - 1, 0))
        ident = hashlib.sha256(f"{path.name}\0{start}\0{doc.page_content}".encode()).hexdigest()[:32]
        out.append(Chunk(id=ident, letter=path.name, title=path.stem, year=None, section="", assignment=None,
                         sub=None, line=first.no, line_end=last.no, page=first.page, header="",
                         text=doc.page_content, kind="naive"))
    return out


def split_sentences(text: str) -> list[str]:
    """Sentences of a chunk, hard-wrapped lines joined, whitespace normalised."""
    pieces = (" ".join(p.split()) for p in _SENTENCE_RE.split(text))
    return [p for p in pieces if len(p) >= _MIN_SENTENCE_CHARS]


class NaiveBaseline:
    """Same `ask` / `search` surface as `assistant.service.Assistant`, over the naive in-memory index."""

    config = "naive"

    def __init__(self, settings: Settings, embedder: TextEmbedder | None = None):
        if settings.letters_dir is None:
            raise SettingsError("the naive baseline reads the letters themselves: pass --letters DIR "
                                "or set LETTERS_DIR")
        self.settings = settings
        self._embedder = embedder
        self._built: _Built | None = None
        self._lock = threading.Lock()
        self.build_seconds: float | None = None

    @property
    def embedder(self) -> TextEmbedder:
        if self._embedder is None:
            from index.embed import Embedder

            self._embedder = Embedder(self.settings.embedding_model)
        return self._embedder

    def _index(self) -> _Built:
        with self._lock:
            if self._built is None:
                t0 = time.perf_counter()
                self._built = self._build()
                self.build_seconds = time.perf_counter() - t0
            return self._built

    def _build(self) -> _Built:
        import faiss

        letters_dir = Path(self.settings.letters_dir or ".")
        if not letters_dir.is_dir():
            raise LettersError(f"the letters folder {letters_dir} does not exist or is not a folder")
        chunks: list[Chunk] = []
        for path in sorted(p for p in letters_dir.iterdir() if p.is_file() and not p.name.startswith(".")):
            try:
                chunks.extend(chunk_file(path))
            except LetterReadError:
                continue  # the real ingest reports bad files; the baseline just leaves them out
        vectors = self.embedder.embed_passages([c.text for c in chunks])
        index = faiss.IndexFlatIP(self.embedder.dim)
        if len(chunks):
            index.add(np.ascontiguousarray(vectors, dtype="float32"))
        return _Built(chunks, index)

    def chunk_count(self) -> int:
        return len(self._index().chunks)

    def _ranked(self, qvec: np.ndarray, k: int) -> list[Hit]:
        built = self._index()
        k = min(k, len(built.chunks))
        if k <= 0:
            return []
        scores, rows = built.faiss.search(np.ascontiguousarray(qvec.reshape(1, -1), dtype="float32"), k)
        return [Hit(chunk=built.chunks[int(r)], score=float(s), dense=float(s), reason="dense")
                for s, r in zip(scores[0], rows[0], strict=True) if r >= 0]

    def search(self, query: str, k: int = 5, filters: dict[str, Any] | None = None,
               history: list[dict[str, Any]] | None = None) -> list[Hit]:
        """Top-k chunks by cosine similarity; filters and history are ignored (the baseline has neither)."""
        return self._ranked(self.embedder.embed_queries([query])[0], k)

    def ask(self, question: str, history: list[dict[str, Any]] | None = None,
            filters: dict[str, Any] | None = None) -> Answer:
        """The sentence of the top chunk closest to the question; history and filters are ignored."""
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        self._index()
        qvec = self.embedder.embed_queries([question])[0]
        t1 = time.perf_counter()
        hits = self._ranked(qvec, 1)
        t2 = time.perf_counter()
        timings |= {"embed_ms": (t1 - t0) * 1000, "search_ms": (t2 - t1) * 1000}
        language = detect_language(question)
        if not hits:
            return Answer(question=question, text="", found=True, intent="naive", language=language,
                          timings_ms=timings)
        top = hits[0].chunk
        sentences = split_sentences(top.text) or [" ".join(top.text.split())]
        svecs = self.embedder.embed_passages(sentences)
        best = sentences[int(np.argmax(svecs @ qvec))]
        timings["answer_ms"] = (time.perf_counter() - t2) * 1000
        citation = Citation(letter=top.letter, title=top.title, year=top.year, section=top.section,
                            assignment=None, sub=None, line=top.line, page=top.page, text=top.text,
                            line_end=top.line_end, highlight=best)
        return Answer(question=question, text=best, found=True, citations=(citation,), intent="naive",
                      language=language, timings_ms=timings)

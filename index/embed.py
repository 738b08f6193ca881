"""Sentence embeddings for the index and the assistant: the e5 embedder, its SQLite vector cache, a test fake.

`Embedder` wraps a sentence-transformers model (by default the multilingual-e5-small folder that
`make setup` builds with `index.model_build`). Queries and passages are embedded with the
model's own prompts (`prompt_name="query"` / `"passage"`), so the e5 prefixes come from the
model folder, not from this code, and a model without prompts gets none. `EmbeddingCache`
keeps vectors by (model_id, chunk hash), so re-ingesting unchanged text embeds nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from ingest.errors import ModelMissingError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

BATCH_SIZE = 32
MAX_TORCH_THREADS = 2  # leaves cores for the UI and BM25; e5-small gains little beyond two
FAKE_DIM = 64
RECENT_QUERIES = 128  # question vectors kept, so one question is embedded once

# Files that never change the vectors: hashing them would only invalidate the cache for nothing.
_ID_IGNORED = {".built", "README.md"}


class TextEmbedder(Protocol):
    """What the index and the assistant need from an embedder (the real one or the fake)."""

    @property
    def model_id(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...


# --------------------------------------------------------------------------- the real embedder


def looks_like_path(name: str) -> bool:
    """A folder rather than a hub id ("org/name" or a bare sentence-transformers name)."""
    return (
        Path(name).expanduser().is_absolute()
        or name.startswith((".", "~"))
        or name.count("/") >= 2
        or (os.sep != "/" and os.sep in name)
    )


def folder_fingerprint(folder: Path) -> str:
    """Hash of every model file's path, size and mtime: changes whenever the model is rebuilt."""
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file() and p.name not in _ID_IGNORED:
            st = p.stat()
            h.update(f"{p.relative_to(folder).as_posix()}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]


def _limit_torch_threads() -> None:
    import torch

    if torch.get_num_threads() > MAX_TORCH_THREADS:
        torch.set_num_threads(MAX_TORCH_THREADS)


@contextlib.contextmanager
def _torch_threads(n: int | None) -> Iterator[None]:
    """Run the block on `n` torch threads (None: as configured), then restore the setting."""
    import torch

    before = torch.get_num_threads()
    if n is None or n == before:
        yield
        return
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _embedding_dim(model: SentenceTransformer) -> int:
    # sentence-transformers 6 renamed get_sentence_embedding_dimension to get_embedding_dimension.
    getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    dim = getter()
    if not dim:
        raise ModelMissingError(f"embedding model {model!r} does not report its dimension")
    return int(dim)


class Embedder:
    """A sentence-transformers model on the CPU, loaded on first use."""

    def __init__(self, model: str, *, batch_size: int = BATCH_SIZE, show_progress_bar: bool = False):
        self.name = model
        self.batch_size = batch_size
        self.show_progress_bar = show_progress_bar
        self._path: Path | None = None
        if looks_like_path(model):
            self._path = Path(model).expanduser()
            self._require_folder()
        self._model: SentenceTransformer | None = None
        self._model_id: str | None = None
        self._lock = threading.Lock()  # the UI may embed from several threads at once
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()

    def _require_folder(self) -> None:
        if self._path is not None and not self._path.is_dir():
            raise ModelMissingError(
                f"embedding model not found at {self._path}: run `make setup` to build it"
            )

    @property
    def model(self) -> SentenceTransformer:
        with self._lock:
            if self._model is None:
                self._require_folder()  # it may have been removed since construction
                _limit_torch_threads()
                from sentence_transformers import SentenceTransformer

                source = str(self._path) if self._path is not None else self.name
                self._model = SentenceTransformer(source, device="cpu")
            return self._model

    @property
    def dim(self) -> int:
        return _embedding_dim(self.model)

    @property
    def model_id(self) -> str:
        """Stable key for the embedding cache; it changes when the model folder is rebuilt."""
        if self._model_id is None:
            if self._path is not None:
                self._require_folder()
                self._model_id = f"{self._path.name}-{folder_fingerprint(self._path)}"
            else:
                self._model_id = self.name
        return self._model_id

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        if len(texts) != 1:
            return self._encode(texts, "query")
        # One question is embedded once: the search and the sentence scorer ask for the same vector.
        hit = self._recent.get(texts[0])
        if hit is None:
            hit = self._encode(texts, "query")
            with self._lock:
                self._recent[texts[0]] = hit
                while len(self._recent) > RECENT_QUERIES:
                    self._recent.popitem(last=False)
        return hit.copy()

    def forget_queries(self) -> None:
        """Drop the remembered question vectors (benchmarks time a question as if it were new)."""
        with self._lock:
            self._recent.clear()

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, "passage")

    def _encode(self, texts: list[str], prompt_name: str) -> np.ndarray:
        model = self.model
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # Only a prompt the model defines (and that is not empty) is used: e5 needs its
        # "query: " / "passage: " prefixes, other models must not get them.
        prompt = prompt_name if model.prompts.get(prompt_name) else None
        # One short text is faster on one thread: with passive OpenMP waiting (see ui.cli) waking a
        # second thread costs more than it brings (measured: 16 ms on one thread, 23 ms on two).
        with _torch_threads(1 if len(texts) == 1 else None):
            vectors = model.encode(
                list(texts),
                prompt_name=prompt,
                batch_size=self.batch_size,
                show_progress_bar=self.show_progress_bar,
                convert_to_numpy=True,
                normalize_embeddings=True,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)


# --------------------------------------------------------------------------- the fake


class FakeEmbedder:
    """Deterministic hashed bag-of-words vectors, for fast unit tests only (no model, no torch).

    Like e5 it marks queries and passages differently, so code that mixes them up shows in tests.
    `calls` and `embedded` count the work done, so tests can prove a cache hit embeds nothing.
    """

    def __init__(self, dim: int = FAKE_DIM):
        self._dim = dim
        self.calls = 0
        self.embedded = 0

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def model_id(self) -> str:
        return f"fake-bow-{self._dim}"

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, "query")

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, "passage")

    def _encode(self, texts: list[str], prefix: str) -> np.ndarray:
        self.calls += 1
        self.embedded += len(texts)
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for row, text in zip(out, texts, strict=True):
            for token in [f"{prefix}:", *re.findall(r"\w+", text.lower())]:
                digest = hashlib.blake2b(token.encode(), digest_size=8).digest()
                value = int.from_bytes(digest, "little")
                row[value % self._dim] += 1.0 if value >> 63 else -1.0
            norm = float(np.linalg.norm(row))
            if norm == 0.0:  # opposite hashes cancelled out; any fixed unit vector will do
                row[0] = norm = 1.0
            row /= norm
        return out


# --------------------------------------------------------------------------- the cache

_SCHEMA = """
CREATE TABLE IF NOT EXISTS embeddings (
    model_id   TEXT    NOT NULL,
    chunk_hash TEXT    NOT NULL,
    dim        INTEGER NOT NULL,
    vector     BLOB    NOT NULL,
    PRIMARY KEY (model_id, chunk_hash)
) WITHOUT ROWID
"""
_SQL_BATCH = 500  # well under SQLite's limit on bound parameters


def _batches(items: Sequence[Any], size: int = _SQL_BATCH) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class EmbeddingCache:
    """Vectors by (model_id, chunk_hash) in one SQLite file, created if missing."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # One connection shared across threads (Streamlit), serialised by our own lock.
        self._conn = sqlite3.connect(self.path, check_same_thread=False)
        self._lock = threading.Lock()
        with self._lock, self._conn:
            self._conn.execute("PRAGMA journal_mode=WAL")  # readers never wait for an ingest
            self._conn.execute(_SCHEMA)

    def get_many(self, model_id: str, hashes: Iterable[str]) -> dict[str, np.ndarray]:
        wanted = list(dict.fromkeys(hashes))
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for batch in _batches(wanted):
                marks = ",".join("?" * len(batch))
                rows = self._conn.execute(
                    f"SELECT chunk_hash, dim, vector FROM embeddings WHERE model_id = ? AND chunk_hash IN ({marks})",
                    (model_id, *batch),
                )
                for chunk_hash, dim, blob in rows:
                    if len(blob) == 4 * dim:  # a damaged row is a miss, not a crash
                        found[chunk_hash] = np.frombuffer(blob, dtype="<f4").astype(np.float32)
        return found

    def put_many(self, model_id: str, items: dict[str, np.ndarray]) -> None:
        rows = []
        for chunk_hash, vector in items.items():
            v = np.asarray(vector, dtype="<f4")
            if v.ndim != 1:
                raise ValueError(f"vector for {chunk_hash} has shape {v.shape}, expected one dimension")
            rows.append((model_id, chunk_hash, int(v.shape[0]), v.tobytes()))
        with self._lock, self._conn:
            self._conn.executemany(
                "INSERT OR REPLACE INTO embeddings (model_id, chunk_hash, dim, vector) VALUES (?, ?, ?, ?)",
                rows,
            )

    def __len__(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> EmbeddingCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def embed_with_cache(
    embedder: TextEmbedder, cache: EmbeddingCache, items: list[tuple[str, str]]
) -> tuple[np.ndarray, int]:
    """Passage vectors for (chunk_hash, text) items, in input order, embedding only cache misses.

    Returns the (n, dim) float32 matrix and how many texts were actually embedded. A hash that
    appears twice is embedded once.
    """
    if not items:
        return np.zeros((0, embedder.dim), dtype=np.float32), 0
    model_id = embedder.model_id
    vectors = cache.get_many(model_id, [h for h, _ in items])
    missing = {h: text for h, text in items if h not in vectors}
    if missing:
        fresh = embedder.embed_passages(list(missing.values()))
        new = dict(zip(missing, fresh, strict=True))
        cache.put_many(model_id, new)
        vectors.update(new)
    matrix = np.stack([vectors[h] for h, _ in items]).astype(np.float32, copy=False)
    return matrix, len(missing)

"""The on-disk index of one generation: FAISS vectors, BM25 over Norwegian tokens, chunks, and the ID map."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.records import Chunk
from ingest import norsk
from ingest.errors import IndexMissingError
from ingest.records import Letter

FORMAT = 2  # 2: ids.json holds the deadline-rule sources
PASSAGE_GAP = 2  # lines between the paragraphs of one passage
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128
CHUNKS_FILE = "chunks.jsonl"
FAISS_FILE = "vectors.faiss"
BM25_DIR = "bm25"
META_FILE = "meta.json"
ASSIGNMENTS_FILE = "assignments.json"
IDS_FILE = "ids.json"  # the ID maps, saved so a cold start need not scan every chunk for IDs

# --- tokenizer shared by index and query ------------------------------------------------------------

_WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)


def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_NORWEGIAN

    return frozenset(STOPWORDS_NORWEGIAN) | frozenset(STOPWORDS_EN)


_STOPWORDS = _stopwords()
_local = threading.local()  # a PyStemmer object keeps a cache and must not be shared by threads


def _stemmer():  # type: ignore[no-untyped-def]
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        import Stemmer

        stemmer = _local.stemmer = Stemmer.Stemmer("norwegian")
    return stemmer


def id_token(raw: str) -> str | None:
    """The single BM25 token for an assignment ID: 'TB 2024-7', 'tb2024-07' and 'TB2024–07' give 'tb2024-7'."""
    key = norsk.id_key(raw)
    return key.lower() if key else None


def tokenize(text: str) -> list[str]:
    """Lowercase, Norwegian-stemmed words without stop words; assignment IDs kept whole as one token."""
    tokens: list[str] = []
    last = 0
    words: list[str] = []
    for m in norsk.ID_RE.finditer(text):
        words.extend(_WORD_RE.findall(text[last : m.start()].lower()))
        tok = id_token(m.group(0))
        if tok:
            tokens.extend(_stem(words))
            words = []
            tokens.append(tok)
        last = m.end()
    words.extend(_WORD_RE.findall(text[last:].lower()))
    tokens.extend(_stem(words))
    return tokens


def _stem(words: list[str]) -> list[str]:
    kept = [w for w in words if w not in _STOPWORDS]
    return list(_stemmer().stemWords(kept)) if kept else []


# --- the assignments a chunk can be filtered and routed by ------------------------------------------


@dataclass(frozen=True)
class AssignmentInfo:
    letter: str
    id: str
    aliases: tuple[str, ...]
    owner: str | None
    title: str
    year: int | None
    section: str
    rule_lines: tuple[int, ...] = ()  # lines outside the assignment its deadline comes from (a section rule)


def assignment_infos(letter: Letter) -> list[AssignmentInfo]:
    return [AssignmentInfo(letter.file, a.id, tuple(a.aliases), a.owner, a.title, letter.year, a.section,
                           tuple(sorted({d.line for d in a.deadlines if d.line and not a.line <= d.line <= a.line_end})))
            for a in letter.assignments]


def faiss_id(chunk_id: str) -> int:
    """FAISS wants int64 ids: the first 63 bits of the chunk's content hash."""
    return int(chunk_id, 16) & 0x7FFF_FFFF_FFFF_FFFF


# --- the store --------------------------------------------------------------------------------------


class Store:
    """Chunks with their vectors, a BM25 index and ID maps; `finalize()` before searching or saving."""

    def __init__(self, dim: int, model_id: str, exact_index_max: int = 200_000):
        self.dim = dim
        self.model_id = model_id
        self.exact_index_max = exact_index_max
        self.chunks: dict[str, Chunk] = {}
        self.assignments: dict[tuple[str, str], AssignmentInfo] = {}
        self.extra: dict[str, Any] = {}  # build facts kept in meta.json (chunker settings, build time)
        self._faiss = self._new_flat()
        self.bm25: Any = None
        self.order: list[str] = []  # chunk ids in BM25 document order
        self.id_chunks: dict[str, list[str]] = {}  # id_key -> chunk ids of that assignment (id or alias)
        self.mentions: dict[str, list[str]] = {}  # id_key -> chunk ids whose text names it, and the passage after
        self.sources: dict[str, list[str]] = {}  # id_key -> chunks outside the assignment its deadline comes from
        self.by_faiss_id: dict[int, str] = {}
        self._dirty = True

    # building ---------------------------------------------------------------------------------------

    def _new_flat(self):  # type: ignore[no-untyped-def]
        import faiss

        return faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))

    @property
    def index_type(self) -> str:
        import faiss

        return "hnsw" if isinstance(faiss.downcast_index(self._faiss.index), faiss.IndexHNSW) else "flat"

    def add(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        """Add chunks with their vectors (one row each); a chunk id already present is replaced."""
        if len(chunks) != len(vectors):
            raise ValueError(f"{len(chunks)} chunks but {len(vectors)} vectors")
        if not chunks:
            return
        matrix = _normalised(vectors, self.dim)
        self.remove([c.id for c in chunks if c.id in self.chunks])
        self._ensure_flat()
        self._faiss.add_with_ids(matrix, np.array([faiss_id(c.id) for c in chunks], dtype="int64"))
        for c in chunks:
            self.chunks[c.id] = c
        self._dirty = True

    def add_assignments(self, infos: Iterable[AssignmentInfo]) -> None:
        for info in infos:
            self.assignments[(info.letter, info.id)] = info
        self._dirty = True

    def remove(self, chunk_ids: Iterable[str]) -> int:
        """Remove chunks by id from the vectors and the chunk table; returns how many were there."""
        import faiss

        gone = [cid for cid in dict.fromkeys(chunk_ids) if cid in self.chunks]
        if not gone:
            return 0
        self._ensure_flat()
        self._faiss.remove_ids(faiss.IDSelectorBatch(np.array([faiss_id(c) for c in gone], dtype="int64")))
        for cid in gone:
            del self.chunks[cid]
        self._dirty = True
        return len(gone)

    def remove_letter(self, file: str) -> list[str]:
        """Remove every chunk and assignment of one letter; returns the removed chunk ids."""
        gone = [cid for cid, c in self.chunks.items() if c.letter == file]
        self.remove(gone)
        for key in [k for k in self.assignments if k[0] == file]:
            del self.assignments[key]
        self._dirty = True
        return gone

    def _ensure_flat(self) -> None:
        """HNSW cannot delete and is slow to grow: edits go to a flat copy, finalize() rebuilds HNSW once."""
        if self.index_type == "hnsw":
            ids, matrix = self.vectors()
            flat = self._new_flat()
            if len(ids):
                flat.add_with_ids(matrix, ids)
            self._faiss = flat

    def vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """All (faiss ids, vectors) in index order."""
        import faiss

        n = self._faiss.ntotal
        if n == 0:
            return np.zeros(0, dtype="int64"), np.zeros((0, self.dim), dtype="float32")
        ids = faiss.vector_to_array(self._faiss.id_map).astype("int64")
        return ids, self._faiss.index.reconstruct_n(0, n)

    def vector(self, chunk_id: str) -> np.ndarray | None:
        try:
            return self._faiss.reconstruct(faiss_id(chunk_id))
        except RuntimeError:
            return None

    def _build_index(self, ids: np.ndarray, matrix: np.ndarray):  # type: ignore[no-untyped-def]
        import faiss

        if len(ids) > self.exact_index_max:
            base = faiss.IndexHNSWFlat(self.dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            base.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            base.hnsw.efSearch = HNSW_EF_SEARCH
            index = faiss.IndexIDMap2(base)
        else:
            index = self._new_flat()
        if len(ids):
            index.add_with_ids(np.ascontiguousarray(matrix, dtype="float32"), ids)
        return index

    def finalize(self) -> None:
        """Rebuild what derives from the chunk table: index type for the size, BM25 and the ID maps."""
        if not self._dirty:
            return
        want_hnsw = len(self.chunks) > self.exact_index_max
        if want_hnsw != (self.index_type == "hnsw"):
            self._faiss = self._build_index(*self.vectors())
        # Chunks in a stable order (letter, line, kind) so BM25 ties and saved files are reproducible.
        self.order = sorted(self.chunks, key=lambda cid: _chunk_order(self.chunks[cid]))
        self.bm25 = _build_bm25([tokenize(self.chunks[cid].embed_text) for cid in self.order])
        self.id_chunks, self.mentions, self.sources = self._id_maps()
        self.by_faiss_id = {faiss_id(cid): cid for cid in self.chunks}
        self._dirty = False

    def _id_maps(self) -> tuple[dict[str, list[str]], dict[str, list[str]], dict[str, list[str]]]:
        """Three maps from an ID key to chunk ids: the assignment's own chunks (by ID or alias); the chunks
        that mention it, each with the passage it opens ("Det vises til oppdrag X ... endres til følgende:"
        and the paragraphs after it, up to the next ID named or a gap); and the chunks holding the rule
        its deadline comes from, when that stands outside the assignment."""
        infos = {(info.letter, info.id): info for info in self.assignments.values()}
        own: dict[str, list[str]] = {}
        mentions: dict[str, list[str]] = {}
        passage: tuple[str, str, int, list[str]] | None = None  # (letter, section, last line, keys) open
        for cid in self.order:
            c = self.chunks[cid]
            info = infos.get((c.letter, c.assignment or ""))
            names = (c.assignment, *(info.aliases if info else ())) if c.assignment else ()
            keys = {k for k in (norsk.id_key(n) for n in names) if k}
            for key in keys:
                own.setdefault(key, []).append(cid)
            named = sorted(k for k in {norsk.id_key(found) for found in norsk.find_ids(c.text)} if k and k not in keys)
            for mkey in named:
                mentions.setdefault(mkey, []).append(cid)
            if c.assignment or named or c.kind == "assignment":
                passage = (c.letter, c.section, c.line_end, named) if named and not c.assignment else None
            elif passage and (c.letter, c.section) == passage[:2] and c.line <= passage[2] + PASSAGE_GAP:
                for mkey in passage[3]:
                    mentions[mkey].append(cid)
                passage = (*passage[:2], max(passage[2], c.line_end), passage[3])
            else:
                passage = None
        return own, mentions, self._rule_sources(infos.values())

    def _rule_sources(self, infos: Any) -> dict[str, list[str]]:
        by_letter: dict[str, list[Chunk]] = {}
        for cid in self.order:
            by_letter.setdefault(self.chunks[cid].letter, []).append(self.chunks[cid])
        sources: dict[str, list[str]] = {}
        for info in infos:
            key = norsk.id_key(info.id)
            for line in info.rule_lines:
                covering = [c for c in by_letter.get(info.letter, []) if c.line <= line <= c.line_end]
                if key and covering:
                    tightest = min(covering, key=lambda c: (c.line_end - c.line, c.line))
                    if tightest.id not in sources.get(key, []):
                        sources.setdefault(key, []).append(tightest.id)
        return sources

    # persistence ------------------------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        """Write every part into `folder` (which must not be served yet) and fsync the files."""
        import faiss

        self.finalize()
        folder.mkdir(parents=True, exist_ok=True)
        faiss.write_index(self._faiss, str(folder / FAISS_FILE))
        with open(folder / CHUNKS_FILE, "w", encoding="utf-8") as f:
            for cid in self.order:
                f.write(json.dumps(dataclasses.asdict(self.chunks[cid]), ensure_ascii=False) + "\n")
        if self.bm25 is not None:
            self.bm25.save(str(folder / BM25_DIR), show_progress=False)
        infos = [dataclasses.asdict(i) for i in sorted(self.assignments.values(), key=lambda i: (i.letter, i.id))]
        (folder / ASSIGNMENTS_FILE).write_text(json.dumps(infos, ensure_ascii=False), encoding="utf-8")
        ids = {"own": self.id_chunks, "mentions": self.mentions, "sources": self.sources}
        (folder / IDS_FILE).write_text(json.dumps(ids, ensure_ascii=False), encoding="utf-8")
        meta = {"format": FORMAT, "model_id": self.model_id, "dim": self.dim, "chunks": len(self.chunks),
                "index_type": self.index_type, "exact_index_max": self.exact_index_max,
                "saved_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")} | {"extra": self.extra}
        (folder / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
        fsync_tree(folder)

    @classmethod
    def load(cls, folder: Path) -> Store:
        """Load a saved store; anything missing or unreadable raises IndexMissingError naming the folder."""
        try:
            return cls._load(folder)
        except IndexMissingError:
            raise
        except Exception as exc:  # noqa: BLE001 - faiss, numpy and json each fail in their own way
            raise IndexMissingError(
                f"the index in {folder} is missing or corrupt ({exc.__class__.__name__}: {exc}); "
                "run `letters ingest` to rebuild it"
            ) from exc

    @classmethod
    def _load(cls, folder: Path) -> Store:
        import faiss

        if not (folder / META_FILE).is_file():
            raise IndexMissingError(f"no index in {folder} (no {META_FILE}); run `letters ingest` to build it")
        meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT:
            raise IndexMissingError(f"the index in {folder} has format {meta.get('format')}, this program "
                                    f"reads format {FORMAT}; run `letters ingest` to rebuild it")
        store = cls(int(meta["dim"]), str(meta["model_id"]), int(meta.get("exact_index_max", 200_000)))
        store.extra = dict(meta.get("extra", {}))
        store._faiss = faiss.read_index(str(folder / FAISS_FILE))
        base = faiss.downcast_index(store._faiss.index)
        if isinstance(base, faiss.IndexHNSW):
            base.hnsw.efSearch = HNSW_EF_SEARCH
        with open(folder / CHUNKS_FILE, encoding="utf-8") as f:
            chunks = [Chunk(**json.loads(line)) for line in f if line.strip()]
        store.chunks = {c.id: c for c in chunks}
        store.order = [c.id for c in chunks]
        for d in json.loads((folder / ASSIGNMENTS_FILE).read_text(encoding="utf-8")):
            info = AssignmentInfo(**{**d, "aliases": tuple(d["aliases"])})
            store.assignments[(info.letter, info.id)] = info
        if len(chunks) != meta["chunks"] or store._faiss.ntotal != len(chunks):
            raise IndexMissingError(f"the index in {folder} is inconsistent ({len(chunks)} chunks, "
                                    f"{store._faiss.ntotal} vectors, meta says {meta['chunks']}); "
                                    "run `letters ingest` to rebuild it")
        if chunks:
            import bm25s

            store.bm25 = bm25s.BM25.load(str(folder / BM25_DIR), show_progress=False)
        ids = json.loads((folder / IDS_FILE).read_text(encoding="utf-8"))
        store.id_chunks, store.mentions, store.sources = ids["own"], ids["mentions"], ids["sources"]
        store.by_faiss_id = {faiss_id(cid): cid for cid in store.chunks}
        store._dirty = False
        return store

    # reading ----------------------------------------------------------------------------------------

    def bm25_scores(self, query_tokens: list[str]) -> np.ndarray:
        """BM25 score of every chunk in `order` (zeros when no query token is in the vocabulary)."""
        n = len(self.order)
        if self.bm25 is None or n == 0:
            return np.zeros(n, dtype="float32")
        ids = self.bm25.get_tokens_ids(query_tokens)
        if not ids:
            return np.zeros(n, dtype="float32")
        return np.asarray(self.bm25.get_scores(ids), dtype="float32")

    def dense_search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[str, float]]:
        """Top-k (chunk id, cosine) for a unit query vector; `allowed` limits the search to those faiss ids."""
        import faiss

        if self._faiss.ntotal == 0 or k <= 0 or (allowed is not None and len(allowed) == 0):
            return []
        k = min(k, self._faiss.ntotal if allowed is None else len(allowed))
        params = None
        if allowed is not None:
            sel = faiss.IDSelectorBatch(allowed)
            hnsw = self.index_type == "hnsw"
            # faiss's SWIG classes take keyword arguments the type stubs do not know about.
            if hnsw:
                params = faiss.SearchParametersHNSW(sel=sel, efSearch=max(HNSW_EF_SEARCH, k))  # type: ignore[attr-defined]
            else:
                params = faiss.SearchParameters(sel=sel)  # type: ignore[call-arg]
        q = _normalised(query.reshape(1, -1), self.dim)
        scores, ids = self._faiss.search(q, k, params=params)
        by_fid = self.by_faiss_id
        return [(by_fid[int(i)], float(s)) for s, i in zip(scores[0], ids[0], strict=True) if int(i) in by_fid]


def _chunk_order(c: Chunk) -> tuple[str, int, int, str, str]:
    return (c.letter, c.line, c.line_end, c.kind, c.id)


def _normalised(vectors: np.ndarray, dim: int) -> np.ndarray:
    import faiss

    matrix = np.ascontiguousarray(np.asarray(vectors, dtype="float32").reshape(-1, dim)).copy()
    faiss.normalize_L2(matrix)
    return matrix


def _build_bm25(corpus_tokens: list[list[str]]):  # type: ignore[no-untyped-def]
    import bm25s

    if not corpus_tokens:
        return None
    # bm25s needs at least one token per document; an empty one gets a token no query produces.
    corpus_tokens = [toks or ["\x00empty"] for toks in corpus_tokens]
    bm25 = bm25s.BM25()
    bm25.index(corpus_tokens, show_progress=False)
    return bm25


def fsync_tree(folder: Path) -> None:
    """Flush every file under `folder` and the folders themselves, so a crash cannot leave them half-written."""
    for root, _dirs, files in os.walk(folder):
        for name in files:
            fd = os.open(os.path.join(root, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_dir(Path(root))


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

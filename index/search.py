"""Search over the current index generation: BM25, dense, their rank fusion, and ID-aware routing."""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from index.build import current_generation
from index.embed import TextEmbedder
from index.records import Chunk, Hit
from index.store import Store, tokenize
from ingest import norsk
from ingest.errors import IndexMissingError
from ingest.registry import owner_codes
from ingest.settings import Settings

# torch and faiss-cpu each ship an OpenMP runtime; two thread pools on two cores were seen to hang a
# query. FAISS's flat scans are fast enough on one thread.
faiss.omp_set_num_threads(1)

MODES = ("bm25", "dense", "hybrid", "full")
FILTER_KEYS = ("year", "letter", "owner", "assignment", "kind")
MIN_DEPTH = 50  # candidates taken from each ranking before fusion


def sub_in_query(query: str) -> str | None:
    """The sub-item label a question names, in the style chunks carry ('fase 1', 'deloppdrag 2', 'd')."""
    named = norsk.sub_in_question(query)
    if named is None:
        return None
    word, label = named
    return f"{word} {label}" if word else label


def _sub_core(label: str) -> str:
    return label.lower().split()[-1].strip("()") if label.strip() else ""


def sub_matches(chunk_sub: str | None, wanted: str) -> int:
    """3 for the same label, 2 for the same letter/number under another style ('2)' vs 'deloppdrag 2'), else 0."""
    if not chunk_sub:
        return 0
    if chunk_sub.lower() == wanted.lower():
        return 3
    return 2 if _sub_core(chunk_sub) == _sub_core(wanted) else 0


_RANGE_RE = re.compile(r"\(?([a-h]|\d{1,2})\)\s*(?:til|–|-|t\.o\.m\.)\s*(?:deloppdrag\s+|punkt\s+)?\(?([a-h]|\d{1,2})\)",
                       re.IGNORECASE)


def names_sub(text: str, wanted: str) -> bool:
    """Does `text` name the sub-item, alone or in a range ("Deloppdrag d) til f) har frist ...")?"""
    core = _sub_core(wanted)
    if not core:
        return False
    if re.search(rf"\b(?:deloppdrag|fase|punkt)\s+{re.escape(core)}\b", text, re.IGNORECASE):
        return True
    if any(m.group(1).lower() == core for m in norsk.SUB_REF_RE.finditer(text)):
        return True
    for m in _RANGE_RE.finditer(text):
        lo, hi = m.group(1).lower(), m.group(2).lower()
        if lo.isdigit() == hi.isdigit() == core.isdigit():
            if (int(lo) <= int(core) <= int(hi)) if core.isdigit() else (lo <= core <= hi):
                return True
    return False


# --- loaded state ----------------------------------------------------------------------------------


@dataclass
class _State:
    generation: Path
    store: Store
    pos: dict[str, int]  # chunk id -> position in store.order (BM25 document index)
    years: np.ndarray
    letters: np.ndarray
    fids: np.ndarray  # faiss ids in store.order
    owners: list[set[str]]  # department codes of each chunk's assignment
    budget: dict[str, list[int]]  # "kap. 762 post 21" -> positions of the chunks of that budget line
    masks: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)

    @classmethod
    def load(cls, generation: Path) -> _State:
        from index.store import faiss_id

        store = Store.load(generation)
        order = [store.chunks[cid] for cid in store.order]
        owner_of = {(a.letter, a.id): owner_codes(a.owner) for a in store.assignments.values()}
        return cls(
            generation=generation,
            store=store,
            pos={cid: i for i, cid in enumerate(store.order)},
            years=np.array([c.year if c.year is not None else -1 for c in order], dtype="int64"),
            letters=np.array([c.letter for c in order], dtype=object),
            fids=np.array([faiss_id(c.id) for c in order], dtype="int64"),
            owners=[owner_of.get((c.letter, c.assignment or ""), set()) for c in order],
            budget=_budget_lines(order),
        )


def _budget_lines(order: Sequence[Chunk]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for i, c in enumerate(order):
        last = c.header.rsplit("\n", 1)[-1]
        if c.kind == "paragraph" and last.startswith("Kap. "):  # the line index/chunks.py puts under a header
            out.setdefault(last.lower(), []).append(i)
    return out


class SearchIndex:
    """The loaded index of one generation; loads on first use; searches may run from many threads."""

    def __init__(self, index_dir: Path, settings: Settings | None = None, embedder: TextEmbedder | None = None):
        self.index_dir = Path(index_dir)
        self.settings = settings or Settings()
        self._embedder = embedder
        self._state: _State | None = None
        self._lock = threading.Lock()

    @classmethod
    def open(cls, index_dir: Path, settings: Settings | None = None,
             embedder: TextEmbedder | None = None) -> SearchIndex:
        """An index over `index_dir`; fails at once (IndexMissingError) when there is no index there."""
        current_generation(Path(index_dir))
        return cls(Path(index_dir), settings, embedder)

    # loading ----------------------------------------------------------------------------------------

    def _loaded(self) -> _State:
        state = self._state
        if state is not None:
            return state
        with self._lock:
            if self._state is None:
                self._state = _State.load(current_generation(self.index_dir))
            return self._state

    def refresh(self) -> bool:
        """Drop the loaded generation if a newer one is current; returns True when it will reload."""
        state = self._state
        if state is None:
            return False
        try:
            newer = current_generation(self.index_dir) != state.generation
        except IndexMissingError:
            return False  # keep serving what we have rather than nothing
        if newer:
            with self._lock:
                self._state = None
        return newer

    @property
    def generation(self) -> Path:
        return self._loaded().generation

    @property
    def store(self) -> Store:
        return self._loaded().store

    @property
    def embedder(self) -> TextEmbedder:
        with self._lock:
            if self._embedder is None:
                from index.embed import Embedder

                self._embedder = Embedder(self.settings.embedding_model)
            return self._embedder

    def _check_model(self, state: _State, embedder: TextEmbedder) -> None:
        if state.store.model_id != embedder.model_id:
            raise IndexMissingError(
                f"the index in {state.generation} was built with the embedding model {state.store.model_id!r} "
                f"but searching uses {embedder.model_id!r}: run `letters ingest` to rebuild it with this model"
            )

    # reading ----------------------------------------------------------------------------------------

    def chunk(self, chunk_id: str) -> Chunk | None:
        return self._loaded().store.chunks.get(chunk_id)

    def all_chunks(self) -> list[Chunk]:
        store = self._loaded().store
        return [store.chunks[cid] for cid in store.order]

    def chunks_for(self, assignment_id: str) -> list[Chunk]:
        """Every chunk of an assignment (by ID or alias, any letter), in reading order."""
        store = self._loaded().store
        key = norsk.id_key(assignment_id) or assignment_id
        return [store.chunks[cid] for cid in store.id_chunks.get(key, [])]

    def stats(self) -> dict[str, Any]:
        state = self._loaded()
        store = state.store
        return {
            "generation": state.generation.name,
            "chunks": len(store.chunks),
            "letters": len({c.letter for c in store.chunks.values()}),
            "assignments": len(store.assignments),
            "kinds": {k: sum(1 for c in store.chunks.values() if c.kind == k)
                      for k in sorted({c.kind for c in store.chunks.values()})},
            "model_id": store.model_id,
            "dim": store.dim,
            "index_type": store.index_type,
            "built_at": store.extra.get("built_at"),
        }

    # filters ----------------------------------------------------------------------------------------

    def _mask(self, state: _State, filters: dict[str, Any] | None) -> np.ndarray | None:
        """Which chunks (in store.order) pass the filters; None when there are none."""
        if not filters:
            return None
        unknown = sorted(set(filters) - set(FILTER_KEYS))
        if unknown:
            raise ValueError(f"unknown search filter(s) {unknown}; allowed: {list(FILTER_KEYS)}")
        mask = np.ones(len(state.pos), dtype=bool)
        for key, value in filters.items():
            if value is None or value == [] or value == "":
                continue
            values = tuple(value) if isinstance(value, (list, tuple, set)) else (value,)
            mask &= self._one_mask(state, key, values)
        return mask

    def _one_mask(self, state: _State, key: str, values: tuple[Any, ...]) -> np.ndarray:
        cache_key = (key, repr(sorted(map(str, values))))
        cached = state.masks.get(cache_key)
        if cached is not None:
            return cached
        order = [state.store.chunks[cid] for cid in state.store.order]
        if key == "year":
            mask = np.isin(state.years, [int(v) for v in values])
        elif key == "letter":
            names = {str(v) for v in values}
            mask = np.array([c.letter in names or Path(c.letter).stem in names for c in order], dtype=bool)
        elif key == "owner":
            want = set().union(*(owner_codes(str(v)) for v in values))
            mask = np.array([bool(want & codes) for codes in state.owners], dtype=bool)
        elif key == "assignment":
            keys = {norsk.id_key(str(v)) or str(v) for v in values}
            ids = {cid for k in keys for cid in state.store.id_chunks.get(k, [])}
            mask = np.array([cid in ids for cid in state.store.order], dtype=bool)
        else:  # kind
            mask = np.array([c.kind in values for c in order], dtype=bool)
        state.masks[cache_key] = mask
        return mask

    # search -----------------------------------------------------------------------------------------

    def search(self, query: str, k: int = 5, mode: str = "hybrid", filters: dict[str, Any] | None = None) -> list[Hit]:
        """Ranked hits for `query`; the query is embedded at most once, and never in "bm25" mode."""
        if mode not in MODES:
            raise ValueError(f"unknown search mode {mode!r}; allowed: {list(MODES)}")
        if k <= 0:
            return []
        state = self._loaded()
        store = state.store
        if not store.chunks:
            return []
        mask = self._mask(state, filters)
        depth = max(MIN_DEPTH, 4 * k)
        bm25_scores = bm25_ranked = None
        if mode != "dense":
            bm25_scores = store.bm25_scores(tokenize(query))
            bm25_ranked = _top_positive(bm25_scores, mask, depth)
        qvec = dense_ranked = None
        if mode != "bm25":
            embedder = self.embedder
            self._check_model(state, embedder)
            qvec = np.asarray(embedder.embed_queries([query])[0], dtype="float32")
            qvec = qvec / (float(np.linalg.norm(qvec)) or 1.0)
            allowed = state.fids[mask] if mask is not None else None
            dense_ranked = [(state.pos[cid], s) for cid, s in store.dense_search(qvec, depth, allowed)]

        if mode == "bm25":
            ranked = [(p, s, "bm25") for p, s in bm25_ranked or []]
        elif mode == "dense":
            ranked = [(p, s, "dense") for p, s in dense_ranked or []]
        else:
            ranked = self._fuse(dense_ranked or [], bm25_ranked or [])
            if mode == "full":
                ranked = self._route(state, query, ranked, mask)
        return [self._hit(state, p, s, reason, qvec, bm25_scores) for p, s, reason in ranked[:k]]

    def _fuse(self, dense: Sequence[tuple[int, float]], bm25: Sequence[tuple[int, float]]) -> list[tuple[int, float, str]]:
        """Weighted reciprocal-rank fusion: sum of weight / (rrf_k + rank) over the rankings that saw a chunk."""
        s = self.settings
        scores: dict[int, float] = {}
        for weight, ranking in ((s.dense_weight, dense), (s.bm25_weight, bm25)):
            for rank, (p, _score) in enumerate(ranking, start=1):
                scores[p] = scores.get(p, 0.0) + weight / (s.rrf_k + rank)
        return [(p, sc, "fusion") for p, sc in sorted(scores.items(), key=lambda x: (-x[1], x[0]))]

    def _route(self, state: _State, query: str, ranked: list[tuple[int, float, str]],
               mask: np.ndarray | None) -> list[tuple[int, float, str]]:
        """Put the chunks of the assignments the query names first; a named sub-item's chunk leads."""
        keys = list(dict.fromkeys(k for k in (norsk.id_key(i) for i in norsk.find_ids(query)) if k))
        if not keys:
            return self._route_budget(state, query, ranked, mask)
        store = state.store
        fused_rank = {p: r for r, (p, _s, _why) in enumerate(ranked)}
        wanted_sub = sub_in_query(query)
        # Tiers: the named sub-item, the whole assignment, the rule its deadline comes from, later letters
        # that mention it, its tighter chunks, its own letter's other mentions.
        tiers: list[list[tuple[int, int, int, int]]] = [[] for _ in range(6)]  # (key order, -match, rank, pos)
        seen: set[int] = set()
        for order, key in enumerate(keys):
            own = [state.pos[c] for c in store.id_chunks.get(key, [])]
            own_letters = {store.chunks[store.order[p]].letter for p in own}
            match = {p: self._sub_match(store.chunks[store.order[p]], wanted_sub) for p in own}
            # The named sub-item's own chunk and the best chunk that names it (often the deadline
            # line "Deloppdrag d) til f) har frist ...") lead; at most two, so the assignment and
            # the later letters that change it still make a short top-k.
            best_sub = [best for level in ((3, 2), (1,)) for best in
                        sorted((p for p in own if match[p] in level),
                               key=lambda p: (-match[p], fused_rank.get(p, len(ranked) + p)))[:1]]
            for p in own:
                c = store.chunks[store.order[p]]
                tier = 0 if p in best_sub else 1 if c.kind == "assignment" and c.sub is None else 4
                tiers[tier].append((order, -match[p], fused_rank.get(p, len(ranked) + p), p))
            for cid in store.sources.get(key, []):
                p = state.pos[cid]
                tiers[2].append((order, 0, fused_rank.get(p, len(ranked) + p), p))
            for cid in store.mentions.get(key, []):
                p = state.pos[cid]
                tier = 5 if store.chunks[cid].letter in own_letters else 3
                tiers[tier].append((order, 0, fused_rank.get(p, len(ranked) + p), p))
        routed: list[int] = []
        for group in tiers:
            for *_rest, p in sorted(group):
                if p not in seen and (mask is None or mask[p]):
                    seen.add(p)
                    routed.append(p)
        return _lead(routed, ranked, "id")

    @staticmethod
    def _route_budget(state: _State, query: str, ranked: list[tuple[int, float, str]],
                      mask: np.ndarray | None) -> list[tuple[int, float, str]]:
        """A question that names a budget line ("kap. 762 post 21") gets the text under that line first, in
        fused order. A chapter alone is left to the fusion: the text about a whole chapter often stands
        after its table, under no one post."""
        wanted = {norsk.budget_label(kap, post) for kap, post in norsk.budget_refs(query) if post}
        own = {p for label in wanted for p in state.budget.get(label, []) if mask is None or mask[p]}
        if not own:
            return ranked
        fused_rank = {p: r for r, (p, _s, _why) in enumerate(ranked)}
        return _lead(sorted(own, key=lambda p: (fused_rank.get(p, len(ranked) + p), p)), ranked, "budget")

    @staticmethod
    def _sub_match(chunk: Chunk, wanted: str | None) -> int:
        if not wanted:
            return 0
        if sub_matches(chunk.sub, wanted):
            return sub_matches(chunk.sub, wanted)
        # Only a tight chunk counts for naming the sub-item: the whole assignment names them all.
        return 1 if chunk.kind != "assignment" and names_sub(chunk.text, wanted) else 0

    def _hit(self, state: _State, p: int, score: float, reason: str, qvec: np.ndarray | None,
             bm25_scores: np.ndarray | None) -> Hit:
        store = state.store
        chunk = store.chunks[store.order[p]]
        dense = None
        if qvec is not None:
            vec = store.vector(chunk.id)
            dense = float(np.dot(vec, qvec)) if vec is not None else None
        bm25 = float(bm25_scores[p]) if bm25_scores is not None else None
        return Hit(chunk=chunk, score=float(score), dense=dense, bm25=bm25, reason=reason)


def _lead(routed: list[int], ranked: list[tuple[int, float, str]], reason: str) -> list[tuple[int, float, str]]:
    """The routed positions first (scores above any fused score, in their order), then the rest as fused."""
    n = len(routed)
    head = set(routed)
    return [(p, 1.0 + (n - i) / n, reason) for i, p in enumerate(routed)] + [r for r in ranked if r[0] not in head]


def _top_positive(scores: np.ndarray, mask: np.ndarray | None, depth: int) -> list[tuple[int, float]]:
    """(position, score) of the best `depth` chunks with a positive score, ties by position."""
    s = scores if mask is None else np.where(mask, scores, 0.0)
    candidates = np.flatnonzero(s > 0)
    if len(candidates) > depth:
        candidates = candidates[np.argpartition(-s[candidates], depth - 1)[:depth]]
    order = sorted(candidates.tolist(), key=lambda p: (-float(s[p]), p))
    return [(p, float(s[p])) for p in order]


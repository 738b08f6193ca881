"""The one entry point the CLI, the chat and the evaluation share: ask, search, browse the registry, ingest.
The answering itself is the router's and the answerers' (assistant/router.py, assistant/answerers/)."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant import coverage
from assistant.corpus import Corpus, clean_filters, search_text, sub_words
from assistant.llm import make_chat_model, phrase
from assistant.question import Question, understand
from assistant.records import Answer
from assistant.router import route
from assistant.verify import verify
from index.build import current_generation, ingest_folder
from index.records import Hit
from index.search import SearchIndex
from ingest import norsk
from ingest.changes import Timeline
from ingest.errors import SettingsError
from ingest.records import Letter
from ingest.registry import Registry
from ingest.settings import Settings

CONFIGS = ("bm25", "dense", "hybrid", "full")


def ingest_letters(letters_dir: Path, settings: Settings, progress: Callable[[str, int, int], None] | None = None,
                   embedder: Any = None) -> dict[str, Any]:
    """Build or update the index from a folder (the SPEC `letters ingest` report)."""
    return ingest_folder(Path(letters_dir), settings, embedder=embedder, progress=progress)


def hit_json(hit: Hit) -> dict[str, Any]:
    c = hit.chunk
    return {"letter": c.letter, "title": c.title, "year": c.year, "section": c.section, "assignment": c.assignment,
            "sub": c.sub, "line": c.line, "line_end": c.line_end, "page": c.page, "text": c.text,
            "score": round(float(hit.score), 6), "dense": hit.dense, "bm25": hit.bm25}


class Assistant:
    """Answers over one index folder: holds the search index and the current generation's Corpus (picked up
    anew when the index is rebuilt); safe to share across threads."""

    def __init__(self, settings: Settings | None = None, config: str = "full", embedder: Any = None,
                 llm: Any = None):
        if config not in CONFIGS:
            raise SettingsError(f"unknown configuration {config!r}; allowed: {', '.join(CONFIGS)}")
        self.settings = settings or Settings()
        self.config = config
        self._embedder = embedder
        self._lock = threading.RLock()
        self._index: SearchIndex | None = None
        self._corpus: Corpus | None = None
        self._llm: Any = llm

    # --- state ---------------------------------------------------------------------------------------

    def reload(self) -> None:
        with self._lock:
            self._index, self._corpus = None, None

    def corpus(self) -> Corpus:
        """The current index generation's letters; a rebuilt index (a new letter) is picked up here."""
        gen = current_generation(self.settings.index_dir)
        with self._lock:
            if self._corpus is None or self._corpus.generation != gen:
                if self._index is not None and self._corpus is not None:
                    self._index.refresh()
                self._corpus = Corpus(self.settings, self.config, self.index, gen)
            return self._corpus

    @property
    def index(self) -> SearchIndex:
        with self._lock:
            if self._index is None:
                self._index = SearchIndex.open(self.settings.index_dir, self.settings, self._embedder)
            return self._index

    def registry(self) -> Registry:
        return self.corpus().registry()

    @property
    def letters(self) -> dict[str, Letter]:
        return self.corpus().letters

    @property
    def words(self) -> set[str]:
        """Every word of the letters, lower case."""
        return self.corpus().words

    @property
    def vocabulary(self) -> set[str]:
        """The stems of the letters' words."""
        return self.corpus().vocabulary

    def timeline(self, ident: str) -> Timeline | None:
        return self.corpus().timeline(ident)

    def _chat_model(self) -> Any:
        with self._lock:
            if self._llm is None:
                self._llm = make_chat_model(self.settings)
            return self._llm

    # --- browsing ------------------------------------------------------------------------------------

    def assignments(self, year: int | None = None, owner: str | None = None, due_before: str | None = None,
                    letter: str | None = None) -> list[dict[str, Any]]:
        with self.registry() as reg:
            return reg.assignments(year=year, owner=owner, due_before=due_before, letter=letter)

    def assignment(self, ident: str) -> list[dict[str, Any]]:
        with self.registry() as reg:
            return reg.find(ident)

    def status(self) -> dict[str, Any]:
        gen = current_generation(self.settings.index_dir)
        with self.registry() as reg:
            counts = reg.counts()
            letters = reg.letter_rows()
            files = reg.files()
        return {"letters": letters, "assignments": counts["assignments"], "counts": counts,
                "chunks": self.index.stats().get("chunks", 0), "built_at": _built_at(gen),
                "failed": [{"file": f, "error": e} for f, (_, s, e) in files.items() if s == "failed"]}

    def search(self, query: str, k: int = 5, filters: dict[str, Any] | None = None,
               history: list[dict[str, Any]] | None = None) -> list[Hit]:
        """The ranked paragraphs for a query; a follow-up ("og e)?") is searched with what it inherits."""
        c = self.corpus()
        q = self._understand(c, query, history, filters)
        text = search_text(q, q.text)
        if q.inherited and q.ids:
            text = f"{q.ids[0]} {sub_words(q.sub)} {text}"
        return c.search(text, k, clean_filters(filters))

    # --- asking --------------------------------------------------------------------------------------

    def ask(self, question: str, history: list[dict[str, Any]] | None = None,
            filters: dict[str, Any] | None = None) -> Answer:
        t0 = time.perf_counter()
        c = self.corpus()  # once per question: a rebuilt index is picked up here
        q = self._understand(c, question, history, filters)
        timings = {"understand_ms": (time.perf_counter() - t0) * 1000}
        refused = coverage.out_of_scope(c, q) if c.full and not history else None
        if refused is not None:
            return dataclasses.replace(refused, intent=q.intent, language=q.language,
                                       timings_ms={"total_ms": (time.perf_counter() - t0) * 1000})
        answer = verify(dataclasses.replace(route(c, q, filters, timings), language=q.language), c.letters)
        if self._llm is not None or self.settings.llm_model:
            answer = phrase(answer, self.settings, self._chat_model(), recorded=self._recorded_changes(c, answer))
        timings["total_ms"] = (time.perf_counter() - t0) * 1000
        return Answer(question=question, text=answer.text, found=answer.found, citations=answer.citations,
                      candidates=answer.candidates, intent=q.intent, language=q.language,
                      timings_ms={**answer.timings_ms, **timings})

    def _understand(self, c: Corpus, question: str, history: list[dict[str, Any]] | None,
                    filters: dict[str, Any] | None) -> Question:
        q = understand(question, history)
        if c.full and not q.ids and history and not q.inherited:
            q = _follow_up(c, q, history, filters)
        if c.full and q.language == "en" and not q.ids:
            found = [w for word in coverage.content_words(q.text) for w in coverage.cognates(c, word)]
            q = dataclasses.replace(q, cognates=" ".join(dict.fromkeys(found)))
        return q

    def _recorded_changes(self, c: Corpus, answer: Answer) -> dict[str, set[str]]:
        """The change kinds the registry records for each cited assignment (by ID key): what the LLM check
        lets a phrased answer say about its status."""
        idents = {x.assignment for x in answer.citations if x.assignment}
        return {norsk.id_key(i) or i: {a.kind for row in c.rows(i) for a in row.amendments}
                | c.timeline_kinds(i) for i in idents}


def _follow_up(c: Corpus, q: Question, history: list[dict[str, Any]], filters: dict[str, Any] | None) -> Question:
    """'Og den nasjonale konferansen?' after a question with no ID: find what the last turn was about."""
    if len(q.text.split()) > 12:
        return q
    prev_text = str(history[-1].get("question", ""))
    prev = understand(prev_text)
    hits = c.search(search_text(prev, prev_text), 3, clean_filters(filters))
    if not hits or not hits[0].chunk.assignment or not c.relevant(hits[0]):
        return q
    intent = q.intent if q.explicit_intent else prev.intent
    return dataclasses.replace(q, ids=(hits[0].chunk.assignment,), intent=intent, inherited=True,
                               context=prev_text, language=q.language if len(q.text.split()) > 3 else prev.language)


def _built_at(gen: Path) -> str | None:
    try:
        return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(gen.stat().st_mtime))
    except OSError:
        return None

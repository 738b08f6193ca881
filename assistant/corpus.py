"""One index generation as the answerers see it: its letters, registry, search, timelines and words."""

from __future__ import annotations

import dataclasses
import math
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from assistant import facts
from assistant.extract import best_sentences, is_heading, sentences, stem_tokens
from assistant.question import Question, understand
from assistant.records import Mention, Placement
from index.records import Hit
from index.search import SearchIndex
from ingest import norsk
from ingest.changes import Timeline, timeline
from ingest.records import Assignment, Deadline, Letter
from ingest.registry import Registry
from ingest.settings import Settings

FOCUS_MIN_RARITY = 1.25  # a question word this rare is what it asks about: its sentence is shown too
RARITY_REF_SHARE = 0.02  # a word stem in this share of the chunks weighs 1.0 in sentence scoring


def _mention(r: dict[str, Any]) -> Mention:
    return Mention(r["letter"], r["line"], r["kind"], r["text"] or "", r.get("letter_title") or "", r.get("letter_year"))


def _placement(r: dict[str, Any]) -> Placement:
    return Placement(r["id"], r["letter"], r["line"], r["year"], r["title"] or "", r["owner"], r["section"] or "",
                     tuple(Deadline(d["sub"], d["text"] or "", d["date"], d["kind"], d["line"] or 0)
                           for d in r["deadlines"]),
                     tuple(_mention(a) for a in r["amendments"]))
_LETTER_WORD_RE = re.compile(r"[a-zæøå]+")


class Corpus:
    """The letters of one index generation and what is computed from them once (timelines, the letters'
    words). A new generation gets a new Corpus; the search index is shared and refreshed."""

    def __init__(self, settings: Settings, config: str, index: SearchIndex, generation: Path | None):
        self.settings = settings
        self.config = config
        self.index = index
        self.generation = generation
        self._lock = threading.RLock()
        self._letters: dict[str, Letter] | None = None
        self._timelines: dict[str, Timeline | None] = {}
        self._lex: tuple[set[str], set[str], dict[str, set[str]]] | None = None
        self._scoped_vocab: dict[int | str, set[str]] = {}
        self._prefixes: dict[int | str | None, set[str]] = {}
        self._df: tuple[dict[str, int], int] | None = None
        self._budget: dict[str, list[tuple[int, int, str]]] | None = None

    @property
    def full(self) -> bool:
        """The structured answerers run only in the full configuration (the others are retrieval baselines)."""
        return self.config == "full"

    def registry(self) -> Registry:
        assert self.generation is not None, "no index has been built"
        return Registry(self.generation / "registry.sqlite")

    @property
    def letters(self) -> dict[str, Letter]:
        with self._lock:
            if self._letters is None:
                with self.registry() as reg:
                    self._letters = {letter.file: letter for letter in reg.letters()}
            return self._letters

    def placements(self, year: int | None = None, owner: str | None = None, letter: str | None = None
                   ) -> list[Placement]:
        """The registry's assignments, filtered (the rows `letters assignments` shows, typed)."""
        with self.registry() as reg:
            return [_placement(r) for r in reg.assignments(year=year, owner=owner, letter=letter)]

    def rows(self, ident: str) -> list[Placement]:
        """Every letter's placement of the assignment (by ID or alias), newest letter last."""
        with self.registry() as reg:
            return [_placement(r) for r in reg.find(ident)]

    def mentions(self, ident: str) -> list[Mention]:
        """Every letter's mention of the assignment, in the letters' order."""
        with self.registry() as reg:
            return [_mention(r) for r in reg.references_to(ident)]

    def known_ids(self) -> set[str]:
        with self.registry() as reg:
            return reg.known_ids()

    def timeline(self, ident: str) -> Timeline | None:
        """The assignment's events over every letter, in the letters' own order, and what is current
        (computed once per ID: an answer asks for it from several places)."""
        key = norsk.id_key(ident) or ident
        letters = self.letters
        with self._lock:
            if key not in self._timelines:
                self._timelines[key] = timeline(ident, letters.values())
            return self._timelines[key]

    def has_status(self, ident: str, status: str) -> bool:
        """Is the assignment cancelled (status 'cancelled') or given a new deadline ('postponed') by now?"""
        tl = self.timeline(ident)
        if tl is None:
            return False
        if status == "cancelled":
            return tl.status == "cancelled"
        return any(tl.events[s.event].kind == "new_deadline" and s.deadline is not None for s in tl.settings)

    def timeline_kinds(self, ident: str) -> set[str]:
        """What the timeline says now, as the reference kinds the LLM check reads: cancelled, postponed."""
        tl = self.timeline(ident)
        if tl is None:
            return set()
        kinds = {"cancels"} if tl.status == "cancelled" else set()
        if self.has_status(ident, "postponed"):
            kinds.add("deadline")
        return kinds

    # --- the letters named by a question ---------------------------------------------------------------

    def hinted_letters(self, q: Question) -> list[Letter]:
        """The letters a question names ("tillegg nr. 18", "supplementary letter no. 2 for 2025")."""
        if not q.letter_hint:
            return []
        kind, number = q.letter_hint
        out = []
        for letter in self.letters.values():
            if letter.kind != kind and not (kind == "addendum" and letter.kind == "supplementary"):
                continue
            if number is not None and not re.search(rf"\bnr\.?\s*{number}\b", letter.title, re.I):
                continue
            if q.year and letter.year != q.year:
                continue
            out.append(letter)
        return out

    def letter_named(self, text: str, year: int | None) -> str | None:
        q = understand(text)
        matches = self.hinted_letters(dataclasses.replace(q, year=year))
        return matches[0].file if len(matches) == 1 else None

    def years(self) -> set[int]:
        return {x.year for x in self.letters.values() if x.year}

    # --- search and sentence scoring -------------------------------------------------------------------

    def search(self, text: str, k: int, filters: dict[str, Any] | None = None) -> list[Hit]:
        return self.index.search(text, k=k, mode=self.config, filters=filters)

    def relevant(self, hit: Hit) -> bool:
        if hit.reason in ("id", "budget"):
            return True
        if hit.dense is not None:
            return hit.dense >= self.settings.min_relevance
        return (hit.bm25 or 0.0) >= self.settings.min_bm25

    def sentence_embedder(self, q: Question, text: str | None = None
                          ) -> tuple[Callable[[list[str]], np.ndarray] | None, np.ndarray | None]:
        """The passage embedder and the question's vector, for sentence scoring (none for bm25)."""
        if self.config == "bm25":
            return None, None
        emb = self.index.embedder
        return emb.embed_passages, emb.embed_queries([text or q.text])[0]

    def best_sentences(self, q: Question, passages: list[str], n: int = 2, query: str | None = None,
                       **want: bool) -> list[tuple[int, str, float]]:
        """The sentences of the passages that answer the question best (extract.best_sentences, with the
        question's vector for meaning and the letters' word rarity for weight)."""
        embed, qvec = self.sentence_embedder(q, query)
        return best_sentences(search_text(q, q.text), passages, n=n, embed=embed, query_vec=qvec,
                              weight=self.rarity if self.full else None, **want)

    def focus_sentence(self, q: Question, passages: list[str], chosen: list[str]) -> tuple[int, str] | None:
        """The sentence holding the question's rarest word, where the chosen sentences lack it: 'Hvem er
        sekundærmålgruppe for kommunikasjonen om å bytte fastlege?' is answered where 'sekundærmålgruppe'
        stands, even when another sentence shares more of the question's other words."""
        asked = stem_tokens(norsk.ID_RE.sub(" ", search_text(q, q.text)))
        held = [(pi, s, stem_tokens(s)) for pi, p in enumerate(passages) for s in sentences(p)]
        kind = _kind_stems(q)  # "Which NOU …": a sentence naming a NOU, the one sharing most besides
        of_kind = [x for x in held if kind & x[2]] if kind else []
        if of_kind and not any(kind & stem_tokens(s) for s in chosen):
            pi, s, _ = max(of_kind, key=lambda x: sum(self.rarity(t) for t in asked & x[2]))
            return pi, _with_next(passages[pi], s)
        present = {t for t in asked if any(t in st for _, _, st in held)}
        if not present or not self.full:
            return None
        rarest = max(present, key=self.rarity)
        if self.rarity(rarest) < FOCUS_MIN_RARITY or any(rarest in stem_tokens(s) for s in chosen):
            return None
        return next((pi, _with_next(passages[pi], s)) for pi, s, st in held if rarest in st)

    def rarity(self, stem: str) -> float:
        """How much a shared word stem says, by how few of the letters' chunks hold it: 1.0 for a stem in
        one chunk of fifty, down to 0.5 for common ones, up to 2.0 for the rarest."""
        df, n = self._lexicon_df()
        ref = math.log((n + 1) / (RARITY_REF_SHARE * n + 1))
        return min(2.0, max(0.5, math.log((n + 1) / (df.get(stem, 0) + 1)) / ref)) if ref > 0 else 1.0

    def _lexicon_df(self) -> tuple[dict[str, int], int]:
        with self._lock:
            if self._df is None:
                df: dict[str, int] = {}
                chunks = self.index.all_chunks()
                for ch in chunks:
                    for t in stem_tokens(ch.text):
                        df[t] = df.get(t, 0) + 1
                self._df = (df, len(chunks))
            return self._df

    def budget_lines_at(self, letter: str, line: int) -> set[str]:
        """The budget lines ('kap. 714 post 70') the chunks at this place of a letter stand under: a table row
        that lost its chapter ('70 Rusmiddeltiltak 195 400') still belongs to one."""
        with self._lock:
            if self._budget is None:
                self._budget = {}
                for ch in self.index.all_chunks():
                    last = ch.header.rsplit("\n", 1)[-1]
                    if last.startswith("Kap. "):
                        self._budget.setdefault(ch.letter, []).append((ch.line, ch.line_end or ch.line, last.lower()))
            spans = self._budget.get(letter, [])
        return {label for lo, hi, label in spans if lo <= line <= hi}

    def vocabulary_of(self, scope: int | str) -> set[str]:
        """The stems of the words of one year's letters (an int) or of one letter (its file name)."""
        with self._lock:
            if scope not in self._scoped_vocab:
                self._scoped_vocab[scope] = set().union(*(
                    stem_tokens(ch.text) for ch in self.index.all_chunks()
                    if (ch.year == scope if isinstance(scope, int) else ch.letter == scope)))
            return self._scoped_vocab[scope]

    def prefixes_of(self, scope: int | str | None = None) -> set[str]:
        """The first five letters of the word stems of the letters (of one year or letter, as vocabulary_of): an
        inflection the letters do not use still has them."""
        with self._lock:
            if scope not in self._prefixes:
                vocab = self.vocabulary if scope is None else self.vocabulary_of(scope)
                self._prefixes[scope] = {t[:5] for t in vocab if len(t) >= 5}
            return self._prefixes[scope]

    @property
    def vocabulary(self) -> set[str]:
        """The stems (stem_tokens) of the letters' words."""
        return self._lexicon()[0]

    @property
    def words(self) -> set[str]:
        """Every word of the letters, lower case."""
        return self._lexicon()[1]

    def words_by_prefix(self, prefix: str) -> set[str]:
        """The letters' words of five letters or more that start with these four."""
        return self._lexicon()[2].get(prefix, set())

    def _lexicon(self) -> tuple[set[str], set[str], dict[str, set[str]]]:
        with self._lock:
            if self._lex is None:
                stems: set[str] = set()
                words: set[str] = set()
                for c in self.index.all_chunks():
                    stems |= stem_tokens(c.text)
                    words.update(_LETTER_WORD_RE.findall(c.text.lower()))
                buckets: dict[str, set[str]] = {}
                for w in words:
                    if len(w) >= 5:
                        buckets.setdefault(w[:4], set()).add(w)
                self._lex = (stems, words, buckets)
            return self._lex


# --- rows of the registry ----------------------------------------------------------------------------


def _with_next(passage: str, sentence: str) -> str:
    """A heading ("Pasientens måledata") with the sentence after it; any other sentence as it is."""
    if not is_heading(sentence):
        return sentence
    said = sentences(passage)
    i = said.index(sentence) if sentence in said else -1
    return f"{sentence}: {said[i + 1]}" if 0 <= i < len(said) - 1 else sentence


# A phrase the question quotes ("om 'pasientens måledata'", «Omsorg og rammer»): the answer says it.
_QUOTED_RE = re.compile(r"[«\"'‘“]([^«»\"'’”]{4,60})[»\"'’”]")


def _kind_stems(q: Question) -> set[str]:
    """The stems of what a 'which X' question asks for, an English word with its Norwegian ones; else of the
    phrase it quotes."""
    kind = facts.asked_kind(q.text, q.language)
    if not kind:
        quoted = _QUOTED_RE.search(q.text)
        return stem_tokens(quoted.group(1)) if quoted else set()
    return stem_tokens(f"{kind} {norsk.expand_english(kind)}" if q.language == "en" else kind)


def primary(rows: list[Placement], q: Question) -> Placement:
    """The letter where the assignment was given (its ID's year), else the newest one."""
    if q.year:
        same = [r for r in rows if r.year == q.year]
        if same:
            return same[0]
    for r in rows:
        m = re.search(r"(?:19|20)\d\d", r.id)
        if m and r.year == int(m.group(0)):
            return r
    return rows[-1]


def amendments(rows: list[Placement]) -> list[Mention]:
    """The later letters' references to the assignment, each once."""
    seen, out = set(), []
    for r in rows:
        for a in r.amendments:
            key = (a.letter, a.line, a.kind)
            if key not in seen:
                seen.add(key)
                out.append(a)
    return out


def find_assignment(letter: Letter, row: Placement) -> Assignment:
    for a in letter.assignments:
        if a.id == row.id and a.line == row.line:
            return a
    return next(a for a in letter.assignments if a.id == row.id)


def clean_filters(filters: dict[str, Any] | None) -> dict[str, Any] | None:
    if not filters:
        return None
    out = {k: v for k, v in filters.items() if v not in (None, "", [], "Alle", "All")}
    return out or None


def search_text(q: Question, text: str) -> str:
    """The text to search with: an English question also carries the Norwegian words for its terms
    (the glossary's, and the letters' words its words are another spelling of)."""
    return f"{text} {norsk.expand_english(text)} {q.cognates}".strip() if q.language == "en" else text


def sub_words(sub: str | None) -> str:
    """A sub-item as the search's ID routing reads it: "deloppdrag e", "fase 1"."""
    if not sub:
        return ""
    return sub if " " in sub else f"deloppdrag {sub}"

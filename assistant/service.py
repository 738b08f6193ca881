"""The one entry point the CLI, the chat and the evaluation share: ask, search, browse the registry, ingest."""

from __future__ import annotations

import dataclasses
import os
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from assistant import phrasing
from assistant import timeline as timeline_answers
from assistant.cite import body_cite as _body_cite
from assistant.cite import cite as _cite
from assistant.cite import deadline_paragraph as _deadline_paragraph
from assistant.cite import header_cite as _header_cite
from assistant.cite import hit_cite as _hit_cite
from assistant.cite import owner_cite as _owner_cite
from assistant.cite import paragraph_at as _paragraph_at
from assistant.cite import paragraphs_from as _paragraphs_from
from assistant.cite import short as _short
from assistant.cite import whole_cite as _whole_cite
from assistant.cite import with_items as _with_items
from assistant.extract import best_sentences, has_amount, sentences, stem_tokens
from assistant.llm import make_chat_model, phrase
from assistant.question import Question, understand
from assistant.records import Answer, Citation
from assistant.verify import verify
from index.build import current_generation, ingest_folder
from index.records import Chunk, Hit
from index.search import SearchIndex, names_sub
from ingest import norsk
from ingest.changes import Timeline, letter_order, timeline
from ingest.deadlines import find_deadlines, map_label
from ingest.errors import SettingsError
from ingest.records import Assignment, Letter, Paragraph
from ingest.registry import Registry
from ingest.settings import Settings

CONFIGS = ("bm25", "dense", "hybrid", "full")
_CHANGE_KINDS = ("cancels", "deadline", "reworded", "renumbered", "clarified")
_STRONG_CHANGES = ("cancels", "deadline", "reworded", "renumbered")
EN_ABSENT_MIN_DENSE = 0.90  # ... and one in a term the glossary knows but the letters never use, this one
EN_UNKNOWN_MIN_DENSE = 0.86  # an English question in words the letters never use needs this cosine
# Words of an English question that name no topic: they say what is asked, not about what.
_EN_QUESTION_WORDS = frozenset("""
what which when where who whom whose why how much many does do did done is are was were been being be have has
had the this that these those there their them they with from into onto about over under after before between
by for of on in at to and or but not any some all each every other than then also only just more most
assignment assignments task tasks letter letters deadline deadlines date dates due department departments
directorate ministry owner owns own owned responsible covers cover covering deals deal dealing concerns concern
concerning involve involves involved mention mentions mentioned say says said ask asks asked introduce
introduces introduced introduction give gives given describe describes described work working must should shall
will would could might need needs needed required require requires complete completed completion deliver
delivered delivery submit submitted send sent year years month months week weeks part item items sub-item
sub-task please tell know find list lists name names kind type
""".split())
# "new" of an assignment, not of a value: "nye oppdrag", "which are new", not "ny frist" / "new number".
_NEW_RE = re.compile(r"\b(?:nye?|new|newly)\b(?!\s+(?:\w*frist\w*|deadlines?|\w*nummer\w*|numbers?|\w*tekst\w*|"
                     r"wording|text|ordlyd|dato|dates?))|"
                     r"\b(?:added|lagt\s+til|introdu\w*|tilkommet)\b", re.IGNORECASE)
_WORD_RE = re.compile(r"[A-Za-zÆØÅæøåÉéÜü]{2,}")
# SQL or shell text pasted into the chat is no question about the letters.
_CODE_RE = re.compile(r";\s*(?:drop|delete|insert|update|select|alter|truncate)\b|\bunion\s+select\b|--\s*$|"
                      r"^\s*(?:select|drop|delete|insert)\s+.*\b(?:from|table|into)\b", re.IGNORECASE)
# A question scoped to a letter, or to money, of a given year ("i tildelingsbrevet for 2026", "in 2022").
_SCOPED_RE = re.compile(r"\b(?:tildelingsbrev\w*|brevet|letter|supplement\w*|tillegg\w*|bevilg\w*|allocated|"
                             r"budsjett\w*|budget|kap(?:ittel|\.)?|post)\b", re.IGNORECASE)
_CANCELLED_RE = re.compile(r"\b(?:utgår|utgått|utgikk|cancel\w*|withdrawn|trukket|tatt\s+ut|bortfal\w*|dropped)\b", re.I)
_POSTPONED_RE = re.compile(r"\b(?:utsatt|postponed|ny\s+frist|new\s+deadline|forlenget|extended)\b", re.I)
LIST_MAX = 60  # assignments named (and cited) in one list answer
ANSWER_CHARS = 390  # an answer is a sentence or two; a quoted list or new wording is cut here


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
    """Answers over one index folder. Holds the loaded letters and search index; safe to share across threads."""

    def __init__(self, settings: Settings | None = None, config: str = "full", embedder: Any = None,
                 llm: Any = None):
        if config not in CONFIGS:
            raise SettingsError(f"unknown configuration {config!r}; allowed: {', '.join(CONFIGS)}")
        self.settings = settings or Settings()
        self.config = config
        self._embedder = embedder
        self._lock = threading.RLock()
        self._index: SearchIndex | None = None
        self._letters: dict[str, Letter] | None = None
        self._generation: Path | None = None
        self._lex: tuple[set[str], set[str], dict[str, set[str]]] | None = None
        self._timelines: dict[str, Timeline | None] = {}  # per index generation, like the letters
        self._llm: Any = llm

    # --- state ---------------------------------------------------------------------------------------

    def reload(self) -> None:
        with self._lock:
            self._index, self._letters, self._generation, self._lex = None, None, None, None
            self._timelines = {}

    def _fresh(self) -> None:
        gen = current_generation(self.settings.index_dir)
        if gen != self._generation:
            with self._lock:
                self._letters, self._generation, self._lex = None, gen, None  # a new letter brings new words
                self._timelines = {}
                if self._index is not None:
                    self._index.refresh()

    @property
    def index(self) -> SearchIndex:
        with self._lock:
            if self._index is None:
                self._index = SearchIndex.open(self.settings.index_dir, self.settings, self._embedder)
            return self._index

    def registry(self) -> Registry:
        if self._generation is None:
            self._fresh()
        assert self._generation is not None
        return Registry(self._generation / "registry.sqlite")

    @property
    def letters(self) -> dict[str, Letter]:
        if self._generation is None:
            self._fresh()
        with self._lock:
            if self._letters is None:
                with self.registry() as reg:
                    self._letters = {letter.file: letter for letter in reg.letters()}
            return self._letters

    def _chat_model(self) -> Any:
        with self._lock:
            if self._llm is None:
                self._llm = make_chat_model(self.settings)
            return self._llm

    # --- browsing ------------------------------------------------------------------------------------

    def assignments(self, year: int | None = None, owner: str | None = None, due_before: str | None = None,
                    letter: str | None = None) -> list[dict[str, Any]]:
        self._fresh()
        with self.registry() as reg:
            return reg.assignments(year=year, owner=owner, due_before=due_before, letter=letter)

    def assignment(self, ident: str) -> list[dict[str, Any]]:
        with self.registry() as reg:
            return reg.find(ident)

    def _recorded_changes(self, answer: Answer) -> dict[str, set[str]]:
        """The change kinds the registry records for each cited assignment (by ID key): what the LLM check
        lets a phrased answer say about its status."""
        idents = {c.assignment for c in answer.citations if c.assignment}
        return {norsk.id_key(i) or i: {a["kind"] for row in self.assignment(i) for a in row["amendments"]}
                | self._timeline_kinds(i) for i in idents}

    def _timeline_kinds(self, ident: str) -> set[str]:
        """What the timeline says now, as the reference kinds the check reads: cancelled, postponed."""
        tl = self.timeline(ident)
        if tl is None:
            return set()
        kinds = {"cancels"} if tl.status == "cancelled" else set()
        if any(tl.events[s.event].kind == "new_deadline" and s.deadline is not None for s in tl.settings):
            kinds.add("deadline")
        return kinds

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
        self._fresh()
        q = self._understand(query, history, filters)
        text = _search_text(q, q.text)
        if q.inherited and q.ids:
            text = f"{q.ids[0]} {_sub_words(q.sub)} {text}"
        return self.index.search(text, k=k, mode=self.config, filters=_clean_filters(filters))

    def _understand(self, question: str, history: list[dict[str, Any]] | None,
                    filters: dict[str, Any] | None) -> Question:
        q = understand(question, history)
        if self.config == "full" and not q.ids and history and not q.inherited:
            q = self._follow_up(q, history, filters)
        if self.config == "full" and q.language == "en" and not q.ids:
            found = [c for w in _content_words(q.text) for c in self._cognates(w)]
            q = dataclasses.replace(q, cognates=" ".join(dict.fromkeys(found)))
        return q

    def _cognates(self, word: str) -> list[str]:
        """Words of the letters that an English word is another spelling of: 'ichthyosis' -> 'iktyose';
        none for a word the letters use as it is or the glossary translates."""
        if len(word) < 6 or word in self.words or norsk.expand_english(word):
            return []
        target = norsk.norwegian_spelling(word)
        need = max(5, -(-3 * len(target) // 4))  # three quarters of it, from the start (compounds go on)
        out = [w for w in self._lexicon()[2].get(target[:4], ()) if len(os.path.commonprefix([target, w])) >= need]
        return sorted(out, key=len)[:4]

    @property
    def words(self) -> set[str]:
        """Every word of the letters, lower case."""
        return self._lexicon()[1]

    def _lexicon(self) -> tuple[set[str], set[str], dict[str, set[str]]]:
        """The letters' stems and words, and the words of five letters or more by their first four (for
        cognates); built once per index generation, in one pass over the chunks."""
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

    # --- asking --------------------------------------------------------------------------------------

    def ask(self, question: str, history: list[dict[str, Any]] | None = None,
            filters: dict[str, Any] | None = None) -> Answer:
        t0 = time.perf_counter()
        self._fresh()  # once per question: a rebuilt index is picked up here
        q = self._understand(question, history, filters)
        timings = {"understand_ms": (time.perf_counter() - t0) * 1000}
        refused = self._out_of_scope(q) if self.config == "full" and not history else None
        if refused is not None:
            return dataclasses.replace(refused, intent=q.intent, language=q.language,
                                       timings_ms={"total_ms": (time.perf_counter() - t0) * 1000})
        if self.config == "full" and q.ids:
            answer = self._by_id(q, filters)
        elif self.config == "full" and q.intent in ("list", "change") and q.letter_hint:
            answer = self._letter_changes(q) or self._list(q, filters) or self._retrieve(q, filters, timings)
        elif self.config == "full" and q.intent == "list":
            answer = self._list(q, filters) or self._retrieve(q, filters, timings)
        else:
            answer = self._retrieve(q, filters, timings)
        if self.config == "full" and not q.ids and answer.found and q.intent != "list" and answer.citations:
            # a topic answer naming a cancelled or renumbered assignment says so first
            about = answer.citations[0].assignment
            tl = self.timeline(about) if about else None
            answer = timeline_answers.with_status(q, tl, self.letters, answer) if tl else answer
        answer = verify(dataclasses.replace(answer, language=q.language), self.letters)
        if self._llm is not None or self.settings.llm_model:
            answer = phrase(answer, self.settings, self._chat_model(), recorded=self._recorded_changes(answer))
        timings["total_ms"] = (time.perf_counter() - t0) * 1000
        return Answer(question=question, text=answer.text, found=answer.found, citations=answer.citations,
                      candidates=answer.candidates, intent=q.intent, language=q.language,
                      timings_ms={**answer.timings_ms, **timings})

    def _out_of_scope(self, q: Question) -> Answer | None:
        """Questions no letter can answer, refused before any search: no words at all ('', emojis, '?!?'),
        code rather than a question, or a letter year the index holds no letter of."""
        if not _WORD_RE.search(q.text) or _CODE_RE.search(q.text):
            return Answer(q.text, phrasing.rephrase(q.language), False)
        years = {x.year for x in self.letters.values() if x.year}
        if q.year and years and q.year not in years and not q.ids and _SCOPED_RE.search(q.text):
            return Answer(q.text, phrasing.no_letter_year(q.year, sorted(years), q.language), False)
        return None

    def _follow_up(self, q: Question, history: list[dict[str, Any]], filters: dict[str, Any] | None) -> Question:
        """'Og den nasjonale konferansen?' after a question with no ID: find what the last turn was about."""
        if len(q.text.split()) > 12:
            return q
        prev_text = str(history[-1].get("question", ""))
        prev = understand(prev_text)
        hits = self.index.search(_search_text(prev, prev_text), k=3, mode=self.config, filters=_clean_filters(filters))
        if not hits or not hits[0].chunk.assignment or not self._relevant(hits[0]):
            return q
        intent = q.intent if q.explicit_intent else prev.intent
        return dataclasses.replace(q, ids=(hits[0].chunk.assignment,), intent=intent, inherited=True,
                                   context=prev_text, language=q.language if len(q.text.split()) > 3 else prev.language)

    def _hinted_letters(self, q: Question) -> list[Letter]:
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

    def _letter_changes(self, q: Question) -> Answer | None:
        """'Hvilke oppdrag ble tatt ut i tillegg nr. 18?': that letter's changes of the asked kind; 'which are
        new in supplement 1?': the assignments it is the first letter to give."""
        letters = self._hinted_letters(q)
        if len(letters) != 1:
            return None
        letter = letters[0]
        low = q.text.lower()
        if _NEW_RE.search(low):
            return self._new_in(q, letter)
        wanted = ({"cancelled"} if re.search(r"tatt ut|utgår|utgått|bortfal\w*|trukket|cancel\w*|withdrawn|dropped", low)
                  else {"reworded"} if re.search(r"oppdragstekst|reword|omformuler|new wording|ny tekst", low)
                  else {"renumbered"} if re.search(r"nummer|renumber", low)
                  else {"new_deadline"} if re.search(r"frist|deadline|utsett|postpone|forlen|extend", low)
                  else {"clarified"} if re.search(r"presis|clarif", low)
                  else {"new_deadline", "cancelled", "reworded", "renumbered", "replaced", "clarified"})
        changes = [c for c in letter.changes if c.kind in wanted]
        if not changes:
            return None
        ids = list(dict.fromkeys(c.target for c in changes))
        cites = []
        for c in changes[:14]:
            para, a = _paragraph_at(letter, c.line)
            cites.append(_cite(letter, a, para, None, highlight=c.text))
        lead = phrasing.short_title(letter.title, letter.year)
        kinds = phrasing.EVENT_EN if q.language == "en" else phrasing.EVENT_NO
        detail = "; ".join(f"{t} ({kinds.get(next(c.kind for c in changes if c.target == t), '')})" for t in ids[:12])
        return Answer(q.text, f"{lead}: {detail}.", True, tuple(cites))

    def _new_in(self, q: Question, letter: Letter) -> Answer | None:
        """The assignments a letter is the first (by the letters' own dates) to give."""
        earlier = [x for x in self.letters.values() if letter_order(x) < letter_order(letter)]
        seen = {norsk.id_key(i) for x in earlier for a in x.assignments for i in (a.id, *a.aliases)}
        new = [a for a in letter.assignments if norsk.id_key(a.id) and norsk.id_key(a.id) not in seen]
        new = list({norsk.id_key(a.id): a for a in new}.values())
        if not new:
            return None
        lead = phrasing.short_title(letter.title, letter.year)
        items = ", ".join(f"{a.id} {_short(a.title, 50)}" if len(new) <= 8 else a.id for a in new[:LIST_MAX])
        head = f"{len(new)} new assignments in {lead}: " if q.language == "en" else f"{len(new)} nye oppdrag i {lead}: "
        cites = _own_list(letter, {a.id for a in new}) + [_header_cite(letter, a) for a in new[:LIST_MAX]]
        return Answer(q.text, head + items, True, tuple(cites))

    # --- structured answers by ID ---------------------------------------------------------------------

    def _by_id(self, q: Question, filters: dict[str, Any] | None) -> Answer:
        """An answer about one assignment; whatever was asked, a cancelled or renumbered one says so first."""
        answer = self._about_id(q, filters)
        if q.intent in ("deadline", "change") or not answer.found:
            return answer
        tl = self.timeline(q.ids[0])
        return timeline_answers.with_status(q, tl, self.letters, answer) if tl is not None else answer

    def _about_id(self, q: Question, filters: dict[str, Any] | None) -> Answer:
        ident = q.ids[0]
        tl = self.timeline(ident)
        with self.registry() as reg:
            rows = reg.find(ident)
            refs = reg.references_to(ident)
            known = reg.known_ids()
            former = next((e.assignment for e in tl.events if e.kind == "created"), None) if tl and not rows else None
            if former:  # given under an older number and renumbered to this one
                rows = reg.find(former)
        if not rows and not refs:
            return self._unknown_id(q, ident, known)
        hinted = self._hinted_letters(q)
        answer = self._from_timeline(q, ident, {h.file for h in hinted})
        if answer is not None:
            return answer
        if not rows:
            if q.intent == "owner":
                return self._owner_from_refs(q, ident, refs)
            if q.intent == "amount":
                return self._amount_by_id(q, [], refs)
            return self._what_letter_says(q, ident, refs)
        row = _primary(rows, q)
        letter = self.letters[row["letter"]]
        a = _find_assignment(letter, row)
        changes = [r for r in _amendments(rows) if r["kind"] in _CHANGE_KINDS]
        if hinted and q.intent in ("change", "content") and any(r["letter"] == h.file for r in refs for h in hinted):
            return self._what_letter_says(q, ident, [r for r in refs if any(r["letter"] == h.file for h in hinted)])
        if q.intent == "change":
            return self._change_answer(q, row, a, letter, changes)
        if q.intent == "owner":
            return self._owner_answer(q, row, a, letter)
        if q.intent == "deadline":
            return self._deadline_answer(q, rows, changes)
        if q.intent == "amount":
            return self._amount_by_id(q, rows, refs)
        return self._content_by_id(q, row, a, letter)

    def timeline(self, ident: str) -> Timeline | None:
        """The assignment's events over every letter, in the letters' own order, and what is current
        (computed once per ID and index generation: an answer asks for it from several places)."""
        self._fresh()  # a rebuilt index (a new letter) brings new events
        key = norsk.id_key(ident) or ident
        letters = self.letters
        with self._lock:
            if key not in self._timelines:
                self._timelines[key] = timeline(ident, letters.values())
            return self._timelines[key]

    def _from_timeline(self, q: Question, ident: str, hinted: set[str]) -> Answer | None:
        """Deadline and change questions about an assignment a later letter changed: the current value first;
        with a letter named ("what deadline did supplement 1 set"), what that letter set."""
        tl = self.timeline(ident)
        if tl is None or not tl.changed() and q.intent != "change":
            return None
        if hinted:
            if q.intent in ("deadline", "change") and re.search(r"frist|deadline|due", q.text, re.I):
                return (timeline_answers.letter_deadline_answer(q, tl, self.letters, hinted)
                        or timeline_answers.deadline_answer(q, tl, self.letters))
            with self.registry() as reg:
                mentioned = {r["letter"] for r in reg.references_to(ident)}
            if q.intent in ("change", "content") and not mentioned & hinted:
                # said under the assignment's own header in that letter (no mention to quote from)
                return timeline_answers.change_answer(q, tl, self.letters, only=hinted)
            return None
        if q.intent == "content" and not q.sub:
            return timeline_answers.wording_answer(q, tl, self.letters)
        if q.intent == "deadline":
            return timeline_answers.deadline_answer(q, tl, self.letters)
        if q.intent == "change":
            return timeline_answers.change_answer(q, tl, self.letters)
        return None

    def _unknown_id(self, q: Question, ident: str, known: set[str]) -> Answer:
        what = f"oppdrag {ident}" if q.language == "no" else f"assignment {ident}"
        return Answer(q.text, phrasing.not_found(what, q.language), False, (),
                      tuple(_candidate_ids(ident, known, q)))

    def _what_letter_says(self, q: Question, ident: str, refs: list[dict[str, Any]]) -> Answer:
        """What later letters say about an assignment: the best sentences of the passages that mention it."""
        passages: list[tuple[Letter, Assignment | None, Paragraph]] = []
        for r in refs:
            letter = self.letters.get(r["letter"])
            if letter is not None:
                passages.extend((letter, a, p) for a, p in _paragraphs_from(letter, r["line"], 16))
        if not passages:
            return Answer(q.text, phrasing.not_found(ident, q.language), False)
        # "…presiserer med dette følgende:" / "Oppdragsteksten endres til følgende:": what follows is what it says.
        lead_in = [i for i, (_, _, p) in enumerate(passages) if p.text.rstrip().endswith(":") and i + 1 < len(passages)
                   and norsk.classify_change(p.text) not in (None, "refers")]
        if lead_in and q.intent in ("change", "content"):
            return self._lead_in_answer(q, ident, refs, passages[lead_in[-1] :])
        if lead_in and q.intent != "deadline":
            passages = passages[lead_in[-1] + 1 :] + passages[: lead_in[-1] + 1]
        embed, qvec = self._sentence_embedder(q)
        if q.intent == "deadline":
            for letter, a, p in passages:
                ds = find_deadlines(p.text, letter.year, None, p.line)
                if ds:
                    d = ds[0]
                    text = phrasing.deadline_answer(ident, "", None, [{"sub": None, "text": d.text, "date": d.date,
                                                                      "kind": d.kind}], q.language)
                    cites = [_cite(letter, a, p, None, highlight=d.text)]
                    named, na = _paragraph_at(letter, refs[0]["line"]) if refs[0]["letter"] == letter.file else (None, None)
                    if named is not None and named.line != p.line:  # where the letter names the assignment
                        cites.append(_cite(letter, na, named, None))
                    return Answer(q.text, text, True, tuple(cites))
        best = best_sentences(_search_text(q, q.text), [p.text for _, _, p in passages], n=2, embed=embed, query_vec=qvec)
        pi = best[0][0] if best else 0
        letter, a, para = passages[pi]
        said = " ".join(s for i, s, _ in best if i == pi) or para.text
        kind = next((r["kind"] for r in refs if r["letter"] == letter.file), "refers")
        kinds = phrasing.KIND_EN if q.language == "en" else phrasing.KIND_NO
        lead = f"{ident} — {phrasing.short_title(letter.title, letter.year)} ({kinds.get(kind, kind)}): "
        cites = [_cite(letter, a, para, None, highlight=best[0][1] if best else None)]
        first, fa = _paragraph_at(letter, refs[0]["line"]) if refs[0]["letter"] == letter.file else (None, None)
        if first is not None and first.line != para.line:
            cites.append(_cite(letter, fa, first, None))
        return Answer(q.text, lead + _short(said, 300), True, tuple(cites))

    def _lead_in_answer(self, q: Question, ident: str, refs: list[dict[str, Any]],
                        passage: list[tuple[Letter, Assignment | None, Paragraph]]) -> Answer:
        """The lead-in ("Departementet presiserer med dette følgende:") and the items under it, cited as one span."""
        letter, a, lead = passage[0]
        span = _with_items([p for _, _, p in passage])
        kind = next((r["kind"] for r in refs if r["letter"] == letter.file), "refers")
        kinds = phrasing.KIND_EN if q.language == "en" else phrasing.KIND_NO
        head = f"{ident} — {phrasing.short_title(letter.title, letter.year)} ({kinds.get(kind, kind)}): "
        said = span.text
        cites = [_cite(letter, a, span, None)]
        first, fa = _paragraph_at(letter, refs[0]["line"]) if refs[0]["letter"] == letter.file else (None, None)
        if first is not None and first.line != lead.line:
            cites.append(_cite(letter, fa, first, None))
        return Answer(q.text, head + _short(said, max(160, ANSWER_CHARS - len(head))), True, tuple(cites))

    def _owner_from_refs(self, q: Question, ident: str, refs: list[dict[str, Any]]) -> Answer:
        for r in refs:
            letter = self.letters.get(r["letter"])
            if letter is None:
                continue
            for a, p in _paragraphs_from(letter, r["line"], 8):
                m = norsk.owner_said(p.text)
                if m:
                    first, fa = _paragraph_at(letter, r["line"])
                    return Answer(q.text, phrasing.owner_answer(ident, "", m.group(1), q.language), True,
                                  (_cite(letter, a, p, None, highlight=m.group(0)), _cite(letter, fa, first, None)))
        return Answer(q.text, phrasing.owner_answer(ident, "", None, q.language), False)

    def _change_answer(self, q: Question, row: dict[str, Any], a: Assignment, letter: Letter,
                       changes: list[dict[str, Any]]) -> Answer:
        if not changes:
            text = (f"I find no later letter that changes {a.id} {a.title}." if q.language == "en"
                    else f"Jeg finner ingen senere brev som endrer {a.id} {a.title}.")
            return Answer(q.text, text, True, (_header_cite(letter, a),))
        kinds = phrasing.KIND_EN if q.language == "en" else phrasing.KIND_NO
        parts, cites = [], []
        for c in changes[:4]:
            ref_letter = self.letters.get(c["letter"])
            if ref_letter is None:
                continue
            para, ra = _paragraph_at(ref_letter, c["line"])
            quote = c["text"]
            if quote.rstrip().endswith(":") and len(changes) == 1:
                # "Oppdragsteksten endres til følgende:": the new wording is the change.
                para = _with_items([x for _, x in _paragraphs_from(ref_letter, c["line"], 16)])
                quote = para.text
            cites.append(_cite(ref_letter, ra, para, None, highlight=c["text"]))
            parts.append(f"{phrasing.short_title(ref_letter.title, ref_letter.year)}: {kinds.get(c['kind'], c['kind'])}"
                         f" — «{_short(quote, 200 if len(changes) > 1 else 280)}»")
            new = [d for d in find_deadlines(quote, ref_letter.year, None, para.line) if d.date]
            if c["kind"] in ("deadline", "reworded") and new:  # the date the change sets, also in ISO form
                pair = phrasing.iso_pair(new[0].text, new[0].date or "")
                parts[-1] += f" New deadline: {pair}." if q.language == "en" else f" Ny frist: {pair}."
        cites.append(_header_cite(letter, a))
        return Answer(q.text, f"{a.id} {a.title}: " + " ".join(parts), True, tuple(cites))

    def _owner_answer(self, q: Question, row: dict[str, Any], a: Assignment, letter: Letter) -> Answer:
        return Answer(q.text, phrasing.owner_answer(a.id, a.title, a.owner, q.language), bool(a.owner),
                      (_owner_cite(letter, a),))

    def _deadline_answer(self, q: Question, rows: list[dict[str, Any]], changes: list[dict[str, Any]]) -> Answer:
        ordered = sorted(rows, key=lambda r: letter_order(self.letters[r["letter"]]), reverse=True)
        tl = self.timeline(q.ids[0]) if q.ids else None
        first = next((e for e in tl.events if e.kind == "created"), None) if tl else None
        if first is not None:
            # what later letters changed the timeline has answered; what stands is the letter that gave it
            ordered.sort(key=lambda r: (r["letter"], r["line"]) != (first.letter, first.line))
        for n, row in enumerate(ordered):
            letter = self.letters[row["letter"]]
            a = _find_assignment(letter, row)
            labels = {s.label for s in a.subitems} | {d.sub for d in a.deadlines if d.sub}
            sub = map_label(q.sub, labels) if q.sub else None
            own = [d for d in a.deadlines if d.kind != "default_rule"]
            if sub and sub not in labels and (a.subitems or any(d.sub for d in a.deadlines) or not _names(a, sub)):
                continue  # a sub-item it does not have (nor names in its text, where the parser found none)
            chosen = [d for d in a.deadlines if sub and d.sub == sub]
            whole = False
            if not chosen:
                chosen = [d for d in a.deadlines if d.sub is None] or ([] if sub else own)
                whole = bool(chosen) and bool(sub)
                if not sub and all(d.kind == "default_rule" for d in chosen):
                    chosen = [d for d in own if d.sub] + chosen  # "del 2 utsettes til 2022" beside the rule
            if not chosen and n < len(ordered) - 1:
                continue  # a later letter restating the assignment without a deadline: look further back
            return self._deadline_reply(q, letter, a, sub, chosen, whole, changes)
        row = _primary(rows, q)
        letter = self.letters[row["letter"]]
        a = _find_assignment(letter, row)
        known = sorted({s.label for s in a.subitems} | {d.sub for d in a.deadlines if d.sub})
        if q.sub and known:
            shown = ", ".join(f"{x})" if len(x) == 1 else x for x in known)
            text = (f"{a.id} {a.title} has no sub-item {q.sub}); it has {shown}." if q.language == "en"
                    else f"{a.id} {a.title} har ikke deloppdrag {q.sub}); det har {shown}.")
            cands = tuple(f"Hva er fristen for {a.id} {x}{')' if len(x) == 1 else ''}?" for x in known[:3])
            return Answer(q.text, text, False, (_header_cite(letter, a),), cands)
        if q.sub:
            text = (f"{a.id} {a.title} has no sub-items, so I can't find sub-item {q.sub})." if q.language == "en"
                    else f"{a.id} {a.title} har ingen deloppdrag, så jeg finner ikke deloppdrag {q.sub}).")
            return Answer(q.text, text, False, (_header_cite(letter, a),), (f"Hva er fristen for {a.id}?",))
        return self._deadline_reply(q, letter, a, None, [], False, changes)

    def _deadline_reply(self, q: Question, letter: Letter, a: Assignment, sub: str | None, chosen: list[Any],
                        whole: bool, changes: list[dict[str, Any]]) -> Answer:
        lead, cites = self._change_lead(q, changes, letter)
        if not chosen:
            return Answer(q.text, lead + phrasing.no_deadline(a.id, a.title, sub, q.language), False,
                          tuple(cites) + (_body_cite(letter, a),))
        if len(chosen) > 1 and not sub:
            chosen = _deliverable(q, letter, a, chosen)
        ds = [{"sub": d.sub, "text": d.text, "date": d.date, "kind": d.kind} for d in chosen]
        text = phrasing.deadline_answer(a.id, a.title, sub if not whole else sub, ds, q.language, whole)
        for d in chosen:
            para = _deadline_paragraph(letter, a, d)
            c = _cite(letter, a if d.kind != "default_rule" else None, para, d.sub, highlight=d.text)
            if c not in cites:
                cites.append(c)
        if sub:
            for s in a.subitems:
                if s.label == sub:
                    cites.append(_cite(letter, a, Paragraph(s.text, s.line, s.line_end, s.page), sub))
        if any(d.kind == "default_rule" for d in chosen):
            cites.append(_header_cite(letter, a))
        return Answer(q.text, lead + text, True, tuple(cites))

    def _change_lead(self, q: Question, changes: list[dict[str, Any]], letter: Letter) -> tuple[str, list[Citation]]:
        strong = [c for c in changes if c["kind"] in _STRONG_CHANGES and c["letter"] != letter.file]
        cites = []
        for c in strong[:2]:
            ref_letter = self.letters.get(c["letter"])
            if ref_letter is not None:
                para, ra = _paragraph_at(ref_letter, c["line"])
                cites.append(_cite(ref_letter, ra, para, None, highlight=c["text"]))
        return (phrasing.change_lead(strong[:2], q.language) if strong else ""), cites

    def _amount_by_id(self, q: Question, rows: list[dict[str, Any]], refs: list[dict[str, Any]]) -> Answer:
        passages: list[tuple[Letter, Assignment | None, Paragraph]] = []
        for row in rows:
            letter = self.letters[row["letter"]]
            a = _find_assignment(letter, row)
            passages.extend((letter, a, p) for p in a.paragraphs)
        for r in refs:
            ref_letter = self.letters.get(r["letter"])
            if ref_letter is not None:
                passages.extend((ref_letter, a2, p) for a2, p in _paragraphs_from(ref_letter, r["line"], 3))
        own = [x for x in passages if x[1] is not None and any(x[1].id == r["id"] for r in rows)]
        # The assignment's own text first; budget tables and other letters only when it names no amount.
        with_amount = [x for x in own if has_amount(x[2].text)] or [x for x in passages if has_amount(x[2].text)]
        if not with_amount and not rows:
            return Answer(q.text, phrasing.not_found("et beløp" if q.language == "no" else "an amount", q.language), False)
        if not with_amount:
            row = _primary(rows, q)
            letter = self.letters[row["letter"]]
            a = _find_assignment(letter, row)
            text = (f"I can't find an amount for {a.id} {a.title} in the letters." if q.language == "en"
                    else f"Jeg finner ikke noe beløp for {a.id} {a.title} i brevene.")
            return Answer(q.text, text, False, (_body_cite(letter, a),))
        embed, qvec = self._sentence_embedder(q)
        best = best_sentences(_search_text(q, q.text), [x[2].text for x in with_amount], want_amount=True, n=1, embed=embed, query_vec=qvec)
        pi, sentence, _ = best[0]
        src_letter, src_a, para = with_amount[pi]
        return Answer(q.text, _short(sentence, 300), True, (_cite(src_letter, src_a, para, None, highlight=sentence),))

    def _content_by_id(self, q: Question, row: dict[str, Any], a: Assignment, letter: Letter) -> Answer:
        if q.sub:
            labels = {s.label for s in a.subitems}
            sub = map_label(q.sub, labels)
            for s in a.subitems:
                if s.label == sub:
                    para = Paragraph(s.text, s.line, s.line_end, s.page)
                    embed, qvec = self._sentence_embedder(q)
                    best = best_sentences(_search_text(q, q.text), [s.text], n=2, embed=embed, query_vec=qvec)
                    said = " ".join(x for _, x, _ in best) or s.text
                    head = f"{phrasing.sub_phrase(sub, q.language)}{a.id}: "
                    return Answer(q.text, (head + _short(said, ANSWER_CHARS - len(head))).strip(),
                                  True, (_cite(letter, a, para, sub, highlight=best[0][1] if best else None),))
            named = [p for p in a.paragraphs if re.search(rf"\b(?:del|deloppdrag|punkt)\s+{re.escape(q.sub)}\b", p.text, re.I)]
            if named:
                best = best_sentences(_search_text(q, q.text), [p.text for p in named], n=2)
                said = " ".join(x for _, x, _ in best) or named[0].text
                return Answer(q.text, f"{a.id}: {_short(said, 300)}", True,
                              (_cite(letter, a, named[best[0][0] if best else 0], None),))
            shown = ", ".join(sorted(labels)) or "-"
            text = (f"{a.id} {a.title} has no sub-item {q.sub}) (it has: {shown})." if q.language == "en"
                    else f"{a.id} {a.title} har ikke deloppdrag {q.sub}) (det har: {shown}).")
            return Answer(q.text, text, False, (_header_cite(letter, a),))
        body = [p for p in a.paragraphs if not p.text.lower().startswith(("frist", "ansvarlig avdeling"))]
        if not body:
            return Answer(q.text, f"{a.id} {a.title}" + (" (listed by its header only)." if q.language == "en"
                                                          else " (står bare oppført med overskrift)."),
                          True, (_header_cite(letter, a),))
        embed, qvec = self._sentence_embedder(q)
        best = best_sentences(_search_text(q, q.text), [p.text for p in body[:8]], n=2, embed=embed, query_vec=qvec)
        pi = best[0][0] if best else 0
        sentence = " ".join(s for i, s, _ in best if i == pi) if best else body[0].text
        # The tight paragraph first; the whole assignment last, as the context a reader expands to.
        return Answer(q.text, f"{a.id} {_short(a.title, 80)}: {_short(sentence, 260)}", True,
                      (_cite(letter, a, body[pi], None, highlight=best[0][1] if best else None),
                       _header_cite(letter, a), _whole_cite(letter, a)))

    # --- lists ---------------------------------------------------------------------------------------

    def _list(self, q: Question, filters: dict[str, Any] | None) -> Answer | None:
        f = _clean_filters(filters) or {}
        year, owner, letter_file = f.get("year") or q.year, f.get("owner") or q.owner, f.get("letter")
        if not letter_file:
            letter_file = self._letter_named(q.text, year)
        status = ("cancelled" if _CANCELLED_RE.search(q.text) else
                  "postponed" if _POSTPONED_RE.search(q.text) and not q.due else None)
        if not (owner or q.due or letter_file or status):
            return None
        rows = self.assignments(year=year if not letter_file else None, owner=owner, letter=letter_file)
        if status:  # "which 2023 assignments were cancelled": by what their timelines say now
            rows = [r for r in rows if self._has_status(r["id"], status)]
            rows = list({norsk.id_key(r["id"]): r for r in rows}.values())
        if q.only_owner and owner:
            rows = [r for r in rows if (r["owner"] or "").replace(" ", "").upper() == owner.upper()]
        if q.due:
            lo, hi = q.due
            rows = [r for r in rows if any(d["date"] and lo <= d["date"] <= hi and d["kind"] != "default_rule"
                                           for d in r["deadlines"])]
        if not rows:
            return Answer(q.text, phrasing.not_found("oppdrag som passer" if q.language == "no"
                                                     else "assignments that match", q.language), False)
        items = ", ".join(f"{r['id']} {_short(r['title'], 50)}" if len(rows) <= 8 else r["id"] for r in rows[:LIST_MAX])
        more = f" (+{len(rows) - LIST_MAX})" if len(rows) > LIST_MAX else ""
        head = (f"{len(rows)} assignments: " if q.language == "en" else f"{len(rows)} oppdrag: ")
        # Every listed assignment is cited, by the paragraph that puts it on the list (its deadline in the
        # window, its "Ansvarlig avdeling" line) or else its header: the verifier holds each ID to a source.
        cites = _own_list(self.letters[letter_file], {r["id"] for r in rows}) if letter_file else []
        for r in rows[:LIST_MAX]:
            letter = self.letters[r["letter"]]
            cites.append(_list_cite(letter, _find_assignment(letter, r), q.due, owner))
        return Answer(q.text, head + items + more, True, tuple(cites))

    def _has_status(self, ident: str, status: str) -> bool:
        tl = self.timeline(ident)
        if tl is None:
            return False
        if status == "cancelled":
            return tl.status == "cancelled"
        return any(tl.events[s.event].kind == "new_deadline" and s.deadline is not None for s in tl.settings)

    def _letter_named(self, text: str, year: int | None) -> str | None:
        q = understand(text)
        matches = self._hinted_letters(dataclasses.replace(q, year=year))
        return matches[0].file if len(matches) == 1 else None

    # --- retrieval answers ---------------------------------------------------------------------------

    def _retrieve(self, q: Question, filters: dict[str, Any] | None, timings: dict[str, float]) -> Answer:
        t = time.perf_counter()
        query = _search_text(q, q.text if not q.inherited else f"{' '.join(q.ids)} {q.text}")
        filters = _clean_filters(filters)
        hits = self.index.search(query, k=max(5, self.settings.top_k), mode=self.config, filters=filters)
        if (self.config == "full" and q.intent == "amount" and q.year and hits and hits[0].chunk.year != q.year
                and not (filters or {}).get("year") and q.year in {x.year for x in self.letters.values()}):
            # "how much … in 2023" found in another year's letter: the 2023 letters' figures, or none
            filters = {**(filters or {}), "year": q.year}
            hits = self.index.search(query, k=max(5, self.settings.top_k), mode=self.config, filters=filters)
        timings["search_ms"] = (time.perf_counter() - t) * 1000
        if not hits or not self._relevant(hits[0]) or not self._covers(q, hits):
            cands = tuple(f"Hva går {h.chunk.assignment} ut på?" if q.language == "no"
                          else f"What does {h.chunk.assignment} ask for?"
                          for h in _distinct_assignments(hits)[:3])
            return Answer(q.text, phrasing.not_found("noe som svarer på dette" if q.language == "no"
                                                     else "anything that answers this", q.language), False, (), cands)
        top = hits[: max(3, self.settings.top_k)]
        if self.config == "full" and q.intent in ("deadline", "owner"):
            ident = self._topic_assignment(q, hits) if q.intent == "deadline" else top[0].chunk.assignment
            if ident:
                by_id = self._by_id(dataclasses.replace(q, ids=(ident,)), filters)
                if by_id.found or q.intent == "deadline":  # "no deadline stated for X" is the answer too
                    return by_id
        embed, qvec = self._sentence_embedder(q, query)  # the vector the search made: embedded once
        best = best_sentences(_search_text(q, q.text), [h.chunk.text for h in top[:3]], want_amount=q.intent == "amount", n=2,
                              embed=embed, query_vec=qvec, want_date=q.intent == "deadline")
        if not best:
            return Answer(q.text, phrasing.not_found("et svar", q.language), False)
        pi = best[0][0]
        chosen = top[pi].chunk
        sentence = " ".join(s for i, s, _ in best if i == pi)
        if q.intent == "deadline" and chosen.assignment is None:
            sentence = _short(sentence, 300)
        prefix = f"{chosen.assignment}: " if chosen.assignment and self.config == "full" else ""
        cites = [_hit_cite(top[pi], highlight=best[0][1])] + [_hit_cite(h) for i, h in enumerate(top) if i != pi]
        return Answer(q.text, prefix + _short(sentence, 300), True, tuple(cites))

    def _topic_assignment(self, q: Question, hits: list[Hit]) -> str | None:
        """Of the top hits, the assignment whose deadline sentence best matches the question; None when a
        passage outside any assignment (a section, an assignment without ID) answers better."""
        q_tokens = stem_tokens(_search_text(q, q.text))
        best: tuple[float, str | None] | None = None
        seen: set[str] = set()
        for rank, hit in enumerate(hits[:5]):
            c = hit.chunk
            key = c.assignment or f"{c.letter}:{c.line}"
            if key in seen:
                continue
            seen.add(key)
            letter = self.letters.get(c.letter)
            a = next((x for x in letter.assignments if c.assignment and x.id == c.assignment), None) if letter else None
            if a is not None and a.deadlines:
                texts = [_deadline_paragraph(letter, a, d).text for d in a.deadlines]  # type: ignore[arg-type]
                own = any(d.kind != "default_rule" for d in a.deadlines)
                score = max(len(q_tokens & stem_tokens(t)) for t in texts) + 0.5 * len(q_tokens & stem_tokens(a.title))
                score += (0.5 if own else 0) - 1.0 * rank
                cand: str | None = a.id
            elif a is None and (rows := _dated_rows(c)):
                # A passage outside the assignments: its dated rows ("15. mars Årsrapport") each stand alone.
                score = max(len(q_tokens & stem_tokens(r)) for r in rows) - 1.0 * rank + 0.5
                cand = None
            elif a is not None:
                # An assignment the letters give no deadline: when its title is what was asked about, the
                # answer is that it has none, not another assignment's date.
                score, cand = len(q_tokens & stem_tokens(a.title)) - 1.0 * rank - 1.5, a.id
            else:
                continue
            if best is None or score > best[0]:
                best = (score, cand)
        return best[1] if best else None

    @property
    def vocabulary(self) -> set[str]:
        """The stems (stem_tokens) of the letters' words."""
        return self._lexicon()[0]

    def _covers(self, q: Question, hits: list[Hit]) -> bool:
        """Do the letters speak of what a Norwegian question names? Cosine alone does not tell
        'droner' or 'cannabis' from topics the letters have; a word the letters never use does."""
        if self.config == "bm25":
            return True
        if q.language == "en":
            return self._covers_en(q, hits)
        terms = {t for t in stem_tokens(norsk.ID_RE.sub(" ", q.text)) if len(t) >= 4 and not t.isdigit()}
        if not terms:
            return True
        top = hits[0].dense or 0.0
        unknown = {t for t in terms if len(t) >= 5} - self.vocabulary
        covered = len(terms & set().union(*(stem_tokens(h.chunk.text) for h in hits[:3]))) / len(terms)
        return not ((unknown and top < 0.90) or (covered < 0.34 and top < 0.88))

    def _covers_en(self, q: Question, hits: list[Hit]) -> bool:
        """An English question is known to the letters through the glossary's Norwegian terms or words
        the letters use as they are (names, English terms). One that names only words of neither kind
        ("sugar tax") is not covered unless the meaning match is strong."""
        words = _content_words(q.text)
        if not words:
            return True
        vocab, top = self.vocabulary, hits[0].dense or 0.0
        said = {w: stem_tokens(norsk.expand_english(w)) for w in words}  # the Norwegian the glossary gives
        if any(w[:6] in vocab or said[w] & vocab for w in words):
            return True
        # Not one word the letters use. One the glossary knows whose Norwegian the letters never use
        # ("salt": "salt") makes it surer that the topic is not theirs than a word it does not know.
        absent = any(said[w] for w in words)
        return top >= (EN_ABSENT_MIN_DENSE if absent else EN_UNKNOWN_MIN_DENSE)

    def _relevant(self, hit: Hit) -> bool:
        if hit.reason in ("id", "budget"):
            return True
        if hit.dense is not None:
            return hit.dense >= self.settings.min_relevance
        return (hit.bm25 or 0.0) >= self.settings.min_bm25

    def _sentence_embedder(self, q: Question, text: str | None = None
                           ) -> tuple[Callable[[list[str]], np.ndarray] | None, np.ndarray | None]:
        if self.config == "bm25":
            return None, None
        emb = self.index.embedder
        return emb.embed_passages, emb.embed_queries([text or q.text])[0]


# --- helpers ---------------------------------------------------------------------------------------


def _names(a: Assignment, sub: str) -> bool:
    """Does the assignment's text name the sub-item ("c)", "deloppdrag c", "b) til d)")?"""
    return any(names_sub(t, sub) for t in (a.header, *(p.text for p in a.paragraphs)))


def _built_at(gen: Path) -> str | None:
    try:
        return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(gen.stat().st_mtime))
    except OSError:
        return None


def _clean_filters(filters: dict[str, Any] | None) -> dict[str, Any] | None:
    if not filters:
        return None
    out = {k: v for k, v in filters.items() if v not in (None, "", [], "Alle", "All")}
    return out or None


def _primary(rows: list[dict[str, Any]], q: Question) -> dict[str, Any]:
    """The letter where the assignment was given (its ID's year), else the newest one."""
    if q.year:
        same = [r for r in rows if r["year"] == q.year]
        if same:
            return same[0]
    for r in rows:
        m = re.search(r"(?:19|20)\d\d", r["id"])
        if m and r["year"] == int(m.group(0)):
            return r
    return rows[-1]


def _amendments(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen, out = set(), []
    for r in rows:
        for a in r["amendments"]:
            key = (a["letter"], a["line"], a["kind"])
            if key not in seen:
                seen.add(key)
                out.append(a)
    return out


def _find_assignment(letter: Letter, row: dict[str, Any]) -> Assignment:
    for a in letter.assignments:
        if a.id == row["id"] and a.line == row["line"]:
            return a
    return next(a for a in letter.assignments if a.id == row["id"])


def _own_list(letter: Letter, ids: set[str]) -> list[Citation]:
    """Where a letter lists the assignments it brings ("Nye oppdrag: - TB2025-74 … - TB2025-79 …"): the run of
    its section paragraphs outside any assignment that name two or more of `ids`, cited as one span."""
    keys = {norsk.id_key(i) for i in ids}
    for section in letter.sections:
        run = [p for p in section.paragraphs if {norsk.id_key(i) for i in norsk.find_ids(p.text)} & keys]
        if len(run) >= 2 or run and len(keys & {norsk.id_key(i) for i in norsk.find_ids(run[0].text)}) >= 2:
            span = Paragraph(" ".join(p.text for p in run), run[0].line, run[-1].line_end, run[0].page)
            return [_cite(letter, None, span, None)]
    return []


def _dated_rows(c: Chunk) -> list[str]:
    """The sentences of a chunk that state a deadline, or that open with a date (a calendar row)."""
    return [s for s in sentences(c.text)
            if norsk.DATE_RE.match(s) or find_deadlines(s, c.year, None, c.line)]


def _list_cite(letter: Letter, a: Assignment, due: tuple[str, str] | None, owner: str | None) -> Citation:
    if due:
        for d in a.deadlines:
            if d.date and due[0] <= d.date <= due[1] and d.kind != "default_rule":
                return _cite(letter, a, _deadline_paragraph(letter, a, d), d.sub, highlight=d.text)
    return _owner_cite(letter, a) if owner else _header_cite(letter, a)


def _distinct_assignments(hits: list[Hit]) -> list[Hit]:
    seen, out = set(), []
    for h in hits:
        if h.chunk.assignment and h.chunk.assignment not in seen:
            seen.add(h.chunk.assignment)
            out.append(h)
    return out


def _candidate_ids(ident: str, known: set[str], q: Question) -> list[str]:
    key = norsk.id_key(ident) or ""
    m = re.match(r"([A-Z]+)(\d{4})-(\d+)", key)
    if not m:
        return []
    prefix, year, num = m.group(1), m.group(2), int(m.group(3))
    near = []
    for k in known:
        km = re.match(r"([A-Z]+)(\d{4})-(\d+)$", k or "")
        if km and km.group(2) == year:
            near.append((abs(int(km.group(3)) - num) + (0 if km.group(1) == prefix else 5), k))
    verb = {"deadline": ("Hva er fristen for", "What is the deadline for"),
            "owner": ("Hvem eier", "Who owns")}.get(q.intent, ("Hva går ut på", "What does this ask for:"))
    lead = verb[1] if q.language == "en" else verb[0]
    return [f"{lead} {k}?" for _, k in sorted(near)[:3]]


def _sub_words(sub: str | None) -> str:
    """A sub-item as the search's ID routing reads it: "deloppdrag e", "fase 1"."""
    if not sub:
        return ""
    return sub if " " in sub else f"deloppdrag {sub}"


def _search_text(q: Question, text: str) -> str:
    """The text to search with: an English question also carries the Norwegian words for its terms
    (the glossary's, and the letters' words its words are another spelling of)."""
    return f"{text} {norsk.expand_english(text)} {q.cognates}".strip() if q.language == "en" else text


_LETTER_WORD_RE = re.compile(r"[a-zæøå]+")


def _content_words(text: str) -> list[str]:
    """The words of an English question that can name its topic (not 'what', 'deadline', 'assignment')."""
    return [w for w in re.findall(r"[a-z]+(?:-[a-z]+)*", norsk.ID_RE.sub(" ", text).lower())
            if len(w) >= 4 and w not in _EN_QUESTION_WORDS]


def _deliverable(q: Question, letter: Letter, a: Assignment, deadlines: list[Any]) -> list[Any]:
    """Of several deadlines, the one whose sentence names what the question asks about (else all);
    a follow-up's own words decide first, the earlier turn's only where they do not."""
    own = stem_tokens(_search_text(q, q.text))
    # "Og fristen?" says nothing of its own: the earlier turn's words decide. "And the note?" does:
    # where its words match no deadline better than another, every deadline is shown.
    for words in (q.text, f"{q.context} {q.text}") if q.context and not own else (q.text,):
        q_tokens = stem_tokens(_search_text(q, words))
        scored = []
        for d in deadlines:
            para = _deadline_paragraph(letter, a, d)
            sentence = _sentence_with(para.text, d.text)
            annual = d.kind == "annual" and re.search(r"each year|every year|annual|hvert år|årlig", words, re.I)
            scored.append((len(q_tokens & stem_tokens(sentence)) + (2 if annual else 0), d))
        scored.sort(key=lambda x: -x[0])
        if scored[0][0] > (scored[1][0] if len(scored) > 1 else 0):
            return [scored[0][1]]
    return deadlines


def _sentence_with(text: str, phrase: str) -> str:
    """The sentence of `text` that holds `phrase` (whitespace aside); else the one ending like it; else all."""
    want = " ".join(phrase.split())
    parts = sentences(text)
    return (next((s for s in parts if want and want in " ".join(s.split())), None)
            or next((s for s in parts if want and want.split()[-1] in s), text))



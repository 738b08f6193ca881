"""Retrieval answers: the best sentence of the best paragraphs for a question that names no assignment."""

from __future__ import annotations

import dataclasses
import re
import time
from typing import Any

from assistant import coverage, phrasing
from assistant.answerers import by_id
from assistant.cite import cite, deadline_paragraph, hit_cite, paragraph_at, short
from assistant.corpus import Corpus, clean_filters, search_text
from assistant.extract import ASKS_ABOUT_RE, sentences, stem_tokens
from assistant.question import Question, asks_about_assignments
from assistant.records import Answer, Citation
from index.records import Chunk, Hit
from ingest import norsk
from ingest.deadlines import find_deadlines


def answer(c: Corpus, q: Question, filters: dict[str, Any] | None, timings: dict[str, float]) -> Answer:
    t = time.perf_counter()
    query = search_text(q, q.text if not q.inherited else f"{' '.join(q.ids)} {q.text}")
    filters = clean_filters(filters)
    hits, filters = _search(c, q, query, filters)
    timings["search_ms"] = (time.perf_counter() - t) * 1000
    if not hits or not c.relevant(hits[0]) or not coverage.covers(c, q, hits):
        cands = tuple(phrasing.ask_about(h.chunk.assignment or "", "content", q.language)
                      for h in _distinct_assignments(hits)[:3])
        return Answer(q.text, phrasing.not_found(phrasing.what("anything", q.language), q.language), False, (), cands)
    top = hits[: max(3, c.settings.top_k)]
    # "hva går oppdraget om X ut på?": the assignment found, answered as if named
    about = q.intent == "content" and ASKS_ABOUT_RE.search(q.text) and asks_about_assignments(q.text)
    if c.full and (q.intent in ("deadline", "owner") or about):
        ident = topic_assignment(c, q, hits) if q.intent == "deadline" else top[0].chunk.assignment
        if ident:
            routed = by_id.answer(c, dataclasses.replace(q, ids=(ident,)), filters)
            if routed.found or q.intent == "deadline":  # "no deadline stated for X" is the answer too
                return routed
    best = c.best_sentences(q, [h.chunk.text for h in top[:3]], n=2, query=query,  # the search's vector, reused
                            want_amount=q.intent == "amount", want_date=q.intent == "deadline")
    if not best:
        return Answer(q.text, phrasing.not_found(phrasing.what("answer", q.language), q.language), False)
    pi = best[0][0]
    chosen = top[pi].chunk
    if c.full and q.intent == "deadline" and not any(norsk.DATE_RE.search(s) for _, s, _ in best):
        # "når er fristen for …" where the passage that speaks of it gives no date: no deadline, it is shown
        return Answer(q.text, phrasing.no_deadline_found(q.language), False, (hit_cite(top[pi], best[0][1]),))
    said = [s for i, s, _ in best if i == pi]
    focus = c.focus_sentence(q, [h.chunk.text for h in top[:3]], said)
    if focus is not None and focus[0] == pi:
        said.append(focus[1])
    sentence = " ".join(said)
    prefix = f"{chosen.assignment}: " if chosen.assignment and c.full else ""
    order = [pi] + ([focus[0]] if focus is not None and focus[0] != pi else [])
    order += [i for i in range(len(top)) if i not in order]
    if len(order) > 1 and focus is not None and order[1] == focus[0]:  # the rare word's sentence is elsewhere
        sentence = f"{sentence} {focus[1]}"
    cites = [hit_cite(top[i], highlight=best[0][1] if i == pi else focus[1] if focus and i == focus[0] else None)
             for i in order]
    named = _named_before(c, chosen) if c.full and not chosen.assignment and _WHICH_ASSIGNMENT_RE.search(q.text) else None
    if named is not None:  # "which assignment got a new wording?": the one the passage's letter names just before
        prefix = f"{named[0]}: "
        cites.insert(1, named[1])
    room = 300 if focus is None else phrasing.ANSWER_CHARS - 30 - len(prefix)
    return Answer(q.text, prefix + short(sentence, room), True, tuple(cites))


def _named_before(c: Corpus, ch: Chunk) -> tuple[str, Citation] | None:
    """The assignment a passage outside any assignment is about: the last one its letter names at or just
    before it ("Det vises til oppdrag TB2025-18 … Oppdragsteksten endres til følgende: «…»")."""
    letter = c.letters.get(ch.letter)
    if letter is None:
        return None
    near = [r for r in letter.references if ch.line - NAMED_BEFORE_LINES <= r.line <= (ch.line_end or ch.line)]
    if not near:
        return None
    ref = max(near, key=lambda r: r.line)
    para, a = paragraph_at(letter, ref.line)
    return ref.target, cite(letter, a, para, None, highlight=ref.text)


# "Hvilket oppdrag …", "which assignment/task …": the answer names an assignment.
_WHICH_ASSIGNMENT_RE = re.compile(r"\b(?:hvilke[nt]?\s+(?:\w+\s+)?oppdrag|which\s+(?:\w+\s+)?(?:assignment|task)s?)\b", re.I)
NAMED_BEFORE_LINES = 12  # how far above a passage its letter may name the assignment it is about
UNDATED_PASSAGE_PENALTY = 1.0  # what a passage without a date gives up against an assignment with a deadline
DEADLINE_MIN_RARITY = 0.8  # a word as common as "direktoratet" does not tie a deadline to the question


def _search(c: Corpus, q: Question, query: str, filters: dict[str, Any] | None
            ) -> tuple[list[Hit], dict[str, Any] | None]:
    k = max(5, c.settings.top_k)
    # "Supplement 18: …" searches that letter, "what does the 2024 letter say about …" that year's letters
    scoped = coverage.scope(c, q) if c.full else None
    key = "letter" if isinstance(scoped, str) else "year"
    if scoped and not (filters or {}).get(key):
        filters = {**(filters or {}), key: scoped}
    hits = c.search(query, k, filters)
    if (c.full and q.intent == "amount" and q.year and hits and hits[0].chunk.year != q.year
            and not (filters or {}).get("year") and q.year in c.years()):
        # "how much … in 2023" found in another year's letter: the 2023 letters' figures, or none
        filters = {**(filters or {}), "year": q.year}
        hits = c.search(query, k, filters)
    return hits, filters


def topic_assignment(c: Corpus, q: Question, hits: list[Hit]) -> str | None:
    """Of the top hits, the assignment whose deadline sentence best matches the question; None when a
    passage outside any assignment (a section, an assignment without ID) answers better."""
    q_tokens = stem_tokens(search_text(q, q.text))
    best: tuple[float, str | None] | None = None
    seen: set[str] = set()
    for rank, hit in enumerate(hits[:5]):
        ch = hit.chunk
        key = ch.assignment or f"{ch.letter}:{ch.line}"
        if key in seen:
            continue
        seen.add(key)
        scored = _deadline_match(c, ch, q_tokens)
        if scored is not None and (best is None or scored[0] - rank > best[0]):
            best = (scored[0] - rank, scored[1])
    return best[1] if best else None


def _deadline_match(c: Corpus, ch: Chunk, q_tokens: set[str]) -> tuple[float, str | None] | None:
    """How well a hit's deadline sentences match the question's words, and the assignment it answers for."""
    letter = c.letters.get(ch.letter)
    a = next((x for x in letter.assignments if ch.assignment and x.id == ch.assignment), None) if letter else None
    if letter is not None and a is not None and a.deadlines:
        texts = [deadline_paragraph(letter, a, d).text for d in a.deadlines]
        own = any(d.kind != "default_rule" for d in a.deadlines)
        score = max(len(q_tokens & stem_tokens(t)) for t in texts) + 0.5 * len(q_tokens & stem_tokens(a.title))
        if not {t for t in q_tokens & stem_tokens(f"{ch.text} {a.title}") if c.rarity(t) >= DEADLINE_MIN_RARITY}:
            return None  # shares no telling word with the question: another assignment's deadline is no answer
        return score + (0.5 if own else 0), a.id
    if a is None and (rows := _dated_rows(ch)):
        # A passage outside the assignments: its dated rows ("15. mars Årsrapport") each stand alone.
        return max(len(q_tokens & stem_tokens(r)) for r in rows) + 0.5, None
    if a is None:
        # A passage outside the assignments that speaks of what is asked but gives no date ("… bistå
        # AV-direktoratet …"): when it matches best, no assignment's deadline is the answer.
        return len(q_tokens & stem_tokens(ch.text)) - UNDATED_PASSAGE_PENALTY, None
    if a is not None:
        # An assignment the letters give no deadline: when its title is what was asked about, the
        # answer is that it has none, not another assignment's date.
        return len(q_tokens & stem_tokens(a.title)) - 1.5, a.id
    return None


def _dated_rows(ch: Chunk) -> list[str]:
    """The sentences of a chunk that state a deadline, or that open with a date (a calendar row)."""
    return [s for s in sentences(ch.text) if norsk.DATE_RE.match(s) or find_deadlines(s, ch.year, None, ch.line)]


def _distinct_assignments(hits: list[Hit]) -> list[Hit]:
    seen, out = set(), []
    for h in hits:
        if h.chunk.assignment and h.chunk.assignment not in seen:
            seen.add(h.chunk.assignment)
            out.append(h)
    return out

"""Which answerer takes a question: by ID, a letter's own changes, a registry list, or retrieval."""

from __future__ import annotations

from typing import Any

from assistant import facts
from assistant import timeline as timeline_answers
from assistant.answerers import by_id, change, fact, lists, retrieve
from assistant.corpus import Corpus
from assistant.question import Question, asks_about_assignments
from assistant.records import Answer

# Intents whose answer is a passage a fact can be taken out of (not a registry list, a deadline or a change).
_FACT_INTENTS = ("content", "amount", "list", "owner")


def route(c: Corpus, q: Question, filters: dict[str, Any] | None, timings: dict[str, float]) -> Answer:
    """The answer of the first answerer that takes the question; a topic answer naming a cancelled or
    renumbered assignment says so first."""
    if not c.full:
        return retrieve.answer(c, q, filters, timings)
    if q.ids:
        counted = fact.subitem_count(c, q)  # from the structure: no passage to take a fact out of
        if counted is not None:
            return counted
        due = by_id.when_due(c, q, filters)  # "må den leveres i 2024?": the deadline decides
        if due is not None:
            return due
        answer = by_id.answer(c, q, filters)
        return fact.refine(c, q, answer) if q.intent in _FACT_INTENTS else answer
    listed = None
    if facts.asks(q.text) in ("list", "count") and not asks_about_assignments(q.text):
        pass  # "which countries …", "how many long-term goals …": things inside a passage, not assignments
    elif q.intent in ("list", "change") and q.letter_hint and (q.owner or q.due or q.section):
        listed = lists.answer(c, q, filters)  # "which does ADA own in supplement 2": the letter is a filter
    elif q.intent in ("list", "change") and q.letter_hint:
        listed = change.letter_changes(c, q) or lists.answer(c, q, filters)
    elif q.intent == "list":
        listed = lists.answer(c, q, filters)
    answer = listed or retrieve.answer(c, q, filters, timings)
    if listed is None and q.intent in _FACT_INTENTS:
        answer = fact.refine(c, q, answer)
    if answer.found and q.intent != "list" and answer.citations:
        about = answer.citations[0].assignment
        tl = c.timeline(about) if about else None
        answer = timeline_answers.with_status(q, tl, c.letters, answer) if tl else answer
    return answer

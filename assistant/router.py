"""Which answerer takes a question: by ID, a letter's own changes, a registry list, or retrieval."""

from __future__ import annotations

from typing import Any

from assistant import timeline as timeline_answers
from assistant.answerers import by_id, change, lists, retrieve
from assistant.corpus import Corpus
from assistant.question import Question
from assistant.records import Answer


def route(c: Corpus, q: Question, filters: dict[str, Any] | None, timings: dict[str, float]) -> Answer:
    """The answer of the first answerer that takes the question; a topic answer naming a cancelled or
    renumbered assignment says so first."""
    if not c.full:
        return retrieve.answer(c, q, filters, timings)
    if q.ids:
        return by_id.answer(c, q, filters)
    if q.intent in ("list", "change") and q.letter_hint:
        answer = (change.letter_changes(c, q) or lists.answer(c, q, filters)
                  or retrieve.answer(c, q, filters, timings))
    elif q.intent == "list":
        answer = lists.answer(c, q, filters) or retrieve.answer(c, q, filters, timings)
    else:
        answer = retrieve.answer(c, q, filters, timings)
    if answer.found and q.intent != "list" and answer.citations:
        about = answer.citations[0].assignment
        tl = c.timeline(about) if about else None
        answer = timeline_answers.with_status(q, tl, c.letters, answer) if tl else answer
    return answer

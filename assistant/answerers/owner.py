"""Owner answers: the HOD department that owns an assignment, from its header or a later letter's mention."""

from __future__ import annotations

from assistant import phrasing
from assistant.cite import cite, owner_cite, paragraph_at, paragraphs_from
from assistant.corpus import Corpus, Mention
from assistant.question import Question
from assistant.records import Answer
from ingest import norsk
from ingest.records import Assignment, Letter


def answer(q: Question, a: Assignment, letter: Letter) -> Answer:
    return Answer(q.text, phrasing.owner_answer(a.id, a.title, a.owner, q.language), bool(a.owner),
                  (owner_cite(letter, a),))


def from_refs(c: Corpus, q: Question, ident: str, refs: list[Mention]) -> Answer:
    """An assignment no letter heads, only mentions: the owner a mention's paragraphs name."""
    for r in refs:
        letter = c.letters.get(r.letter)
        if letter is None:
            continue
        for a, p in paragraphs_from(letter, r.line, 8):
            m = norsk.owner_said(p.text)
            if m:
                first, fa = paragraph_at(letter, r.line)
                return Answer(q.text, phrasing.owner_answer(ident, "", m.group(1), q.language), True,
                              (cite(letter, a, p, None, highlight=m.group(0)), cite(letter, fa, first, None)))
    return Answer(q.text, phrasing.owner_answer(ident, "", None, q.language), False)

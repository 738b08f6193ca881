"""Amount answers by ID: the sentence that names the assignment's money, from its own text first."""

from __future__ import annotations

from assistant import phrasing
from assistant.cite import body_cite, cite, paragraphs_from, short
from assistant.corpus import Corpus, Mention, Placement, find_assignment, primary
from assistant.extract import has_amount
from assistant.question import Question
from assistant.records import Answer
from ingest.records import Assignment, Letter, Paragraph

Passage = tuple[Letter, Assignment | None, Paragraph]


def by_id(c: Corpus, q: Question, rows: list[Placement], refs: list[Mention]) -> Answer:
    passages = _passages(c, rows, refs)
    own = [x for x in passages if x[1] is not None and any(x[1].id == r.id for r in rows)]
    # The assignment's own text first; budget tables and other letters only when it names no amount.
    with_amount = [x for x in own if has_amount(x[2].text)] or [x for x in passages if has_amount(x[2].text)]
    if not with_amount and not rows:
        return Answer(q.text, phrasing.not_found(phrasing.what("amount", q.language), q.language), False)
    if not with_amount:
        row = primary(rows, q)
        letter = c.letters[row.letter]
        a = find_assignment(letter, row)
        return Answer(q.text, phrasing.no_amount(a.id, a.title, q.language), False, (body_cite(letter, a),))
    best = c.best_sentences(q, [x[2].text for x in with_amount], n=1, want_amount=True)
    pi, sentence, _ = best[0]
    src_letter, src_a, para = with_amount[pi]
    return Answer(q.text, short(sentence, 300), True, (cite(src_letter, src_a, para, None, highlight=sentence),))


def _passages(c: Corpus, rows: list[Placement], refs: list[Mention]) -> list[Passage]:
    """The assignment's paragraphs in every letter that heads it, and the paragraphs where others mention it."""
    passages: list[Passage] = []
    for row in rows:
        letter = c.letters[row.letter]
        a = find_assignment(letter, row)
        passages.extend((letter, a, p) for p in a.paragraphs)
    for r in refs:
        ref_letter = c.letters.get(r.letter)
        if ref_letter is not None:
            passages.extend((ref_letter, a2, p) for a2, p in paragraphs_from(ref_letter, r.line, 3))
    return passages

"""Content answers by ID: what an assignment, or one of its sub-items, asks for."""

from __future__ import annotations

import re

from assistant import phrasing
from assistant.cite import cite, header_cite, short, whole_cite
from assistant.corpus import Corpus
from assistant.extract import is_heading
from assistant.question import Question
from assistant.records import Answer
from ingest.deadlines import map_label
from ingest.records import Assignment, Letter, Paragraph

BODY_PARAGRAPHS = 30  # an assignment's paragraphs its answer is looked for in (its sub-items' included)


def by_id(c: Corpus, q: Question, a: Assignment, letter: Letter) -> Answer:
    if q.sub:
        return _sub_item(c, q, a, letter, q.sub)
    body = [p for p in a.paragraphs if not p.text.lower().startswith(("frist", "ansvarlig avdeling"))]
    if not body:
        return Answer(q.text, phrasing.header_only(a.id, a.title, q.language), True, (header_cite(letter, a),))
    body = _headed(body[:BODY_PARAGRAPHS])
    texts = [p.text for p in body]
    best = c.best_sentences(q, texts, n=2, one_assignment=True)
    pi = best[0][0] if best else 0
    said = [s for i, s, _ in best if i == pi] if best else [body[0].text]
    cites = [cite(letter, a, body[pi], None, highlight=best[0][1] if best else None)]
    focus = c.focus_sentence(q, texts, said)  # "which NOU …": the sentence holding the rare asked word
    if focus is not None:
        said.append(focus[1])
        if focus[0] != pi:
            cites.append(cite(letter, a, body[focus[0]], None, highlight=focus[1]))
    head = f"{a.id} {short(a.title, 80)}: "
    room = phrasing.ANSWER_CHARS - 20 - len(head)  # the sentence whole, where it fits
    # The tight paragraph first; the whole assignment last, as the context a reader expands to.
    return Answer(q.text, head + short(" ".join(said), room), True,
                  (*cites, header_cite(letter, a), whole_cite(letter, a)))


def _headed(paras: list[Paragraph]) -> list[Paragraph]:
    """Paragraphs with a heading paragraph ("Pasientens måledata") joined to the one it heads."""
    out: list[Paragraph] = []
    for p in paras:
        prev = out[-1] if out else None
        if prev is not None and is_heading(prev.text):
            out[-1] = Paragraph(f"{prev.text}: {p.text}", prev.line, p.line_end, prev.page)
        else:
            out.append(p)
    return out


def _sub_item(c: Corpus, q: Question, a: Assignment, letter: Letter, asked: str) -> Answer:
    """A sub-item's text; else the paragraph that names it ("del 2"); else which sub-items there are."""
    labels = {s.label for s in a.subitems}
    sub = map_label(asked, labels)
    for s in a.subitems:
        if s.label == sub:
            para = Paragraph(s.text, s.line, s.line_end, s.page)
            best = c.best_sentences(q, [s.text], n=2)
            said = " ".join(x for _, x, _ in best) or s.text
            head = f"{phrasing.sub_phrase(sub, q.language)}{a.id}: "
            return Answer(q.text, (head + short(said, phrasing.ANSWER_CHARS - len(head))).strip(),
                          True, (cite(letter, a, para, sub, highlight=best[0][1] if best else None),))
    named = [p for p in a.paragraphs if re.search(rf"\b(?:del|deloppdrag|punkt)\s+{re.escape(asked)}\b", p.text, re.I)]
    if named:
        best = c.best_sentences(q, [p.text for p in named], n=2)
        said = " ".join(x for _, x, _ in best) or named[0].text
        return Answer(q.text, f"{a.id}: {short(said, 300)}", True, (cite(letter, a, named[best[0][0] if best else 0], None),))
    text = phrasing.no_such_sub(a.id, a.title, asked, sorted(labels), q.language)
    return Answer(q.text, text, False, (header_cite(letter, a),))

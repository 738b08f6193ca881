"""Deadline answers by ID: the assignment's or sub-item's own deadline, the one the question names of several."""

from __future__ import annotations

import re
from typing import Any

from assistant import phrasing
from assistant.cite import body_cite, cite, deadline_paragraph, header_cite, paragraph_at
from assistant.corpus import Corpus, Mention, Placement, find_assignment, primary, search_text
from assistant.extract import sentences, stem_tokens
from assistant.question import Question
from assistant.records import Answer, Citation
from index.search import names_sub
from ingest.changes import letter_order
from ingest.deadlines import map_label
from ingest.records import Assignment, Deadline, Letter, Paragraph

_STRONG_CHANGES = ("cancels", "deadline", "reworded", "renumbered")
# A sentence beside a deadline on moving it: "Ev. utsettelse avtales med departementet", "fristen kan forlenges".
_POSTPONE_RE = re.compile(r"\b(?:utsettelse\w*|utsett(?:es|e)|forleng\w*|postpone\w*|extension)\b", re.I)
_ANNUAL_RE = re.compile(r"each year|every year|annual|hvert år|årlig", re.I)


def answer(c: Corpus, q: Question, rows: list[Placement], changes: list[Mention]) -> Answer:
    """The deadline of the assignment (or the asked sub-item) in the letter that gave it; a later letter
    restating it without one is passed over."""
    ordered = _newest_first(c, q, rows)
    for n, row in enumerate(ordered):
        letter = c.letters[row.letter]
        a = find_assignment(letter, row)
        labels = {s.label for s in a.subitems} | {d.sub for d in a.deadlines if d.sub}
        sub = map_label(q.sub, labels) if q.sub else None
        if sub and sub not in labels and (a.subitems or any(d.sub for d in a.deadlines) or not _names(a, sub)):
            continue  # a sub-item it does not have (nor names in its text, where the parser found none)
        chosen, whole = _chosen(a, sub)
        if not chosen and n < len(ordered) - 1:
            continue  # a later letter restating the assignment without a deadline: look further back
        return reply(c, q, letter, a, sub, chosen, whole, changes)
    return _no_such_sub(c, q, rows, changes)


def _newest_first(c: Corpus, q: Question, rows: list[Placement]) -> list[Placement]:
    ordered = sorted(rows, key=lambda r: letter_order(c.letters[r.letter]), reverse=True)
    tl = c.timeline(q.ids[0]) if q.ids else None
    first = next((e for e in tl.events if e.kind == "created"), None) if tl else None
    if first is not None:
        # what later letters changed the timeline has answered; what stands is the letter that gave it
        ordered.sort(key=lambda r: (r.letter, r.line) != (first.letter, first.line))
    return ordered


def _chosen(a: Assignment, sub: str | None) -> tuple[list[Deadline], bool]:
    """The deadlines that answer, and whether they are the whole assignment's standing in for a sub-item's."""
    chosen = [d for d in a.deadlines if sub and d.sub == sub]
    if chosen:
        return chosen, False
    own = [d for d in a.deadlines if d.kind != "default_rule"]
    chosen = [d for d in a.deadlines if d.sub is None] or ([] if sub else own)
    whole = bool(chosen) and bool(sub)
    if not sub and all(d.kind == "default_rule" for d in chosen):
        chosen = [d for d in own if d.sub] + chosen  # "del 2 utsettes til 2022" beside the rule
    return chosen, whole


def _no_such_sub(c: Corpus, q: Question, rows: list[Placement], changes: list[Mention]) -> Answer:
    row = primary(rows, q)
    letter = c.letters[row.letter]
    a = find_assignment(letter, row)
    known = sorted({s.label for s in a.subitems} | {d.sub for d in a.deadlines if d.sub})
    if q.sub and known:
        cands = tuple(phrasing.ask_deadline_of(a.id, x) for x in known[:3])
        return Answer(q.text, phrasing.no_such_sub(a.id, a.title, q.sub, known, q.language), False,
                      (header_cite(letter, a),), cands)
    if q.sub:
        return Answer(q.text, phrasing.no_subitems(a.id, a.title, q.sub, q.language), False,
                      (header_cite(letter, a),), (phrasing.ask_deadline_of(a.id),))
    return reply(c, q, letter, a, None, [], False, changes)


def reply(c: Corpus, q: Question, letter: Letter, a: Assignment, sub: str | None, chosen: list[Deadline],
          whole: bool, changes: list[Mention]) -> Answer:
    """The deadline sentence, each deadline cited by the paragraph that states it."""
    lead, cites = change_lead(c, q, changes, letter)
    if not chosen:
        return Answer(q.text, lead + phrasing.no_deadline(a.id, a.title, sub, q.language), False,
                      tuple(cites) + (body_cite(letter, a),))
    if len(chosen) > 1 and not sub:
        chosen = deliverable(q, letter, a, chosen)
    text = phrasing.deadline_answer(a.id, a.title, sub, chosen, q.language, whole)
    for d in chosen:
        para = deadline_paragraph(letter, a, d)
        note = next((s for s in sentences(para.text) if _POSTPONE_RE.search(s) and d.text not in s), None)
        if note and note not in text:  # "Ev. utsettelse avtales med departementet." belongs to the deadline
            text = f"{text.rstrip()} «{note.strip()}»"
        ct = cite(letter, a if d.kind != "default_rule" else None, para, d.sub, highlight=d.text)
        if ct not in cites:
            cites.append(ct)
    if sub:
        cites.extend(cite(letter, a, Paragraph(s.text, s.line, s.line_end, s.page), sub)
                     for s in a.subitems if s.label == sub)
    if any(d.kind == "default_rule" for d in chosen):
        cites.append(header_cite(letter, a))
    return Answer(q.text, lead + text, True, tuple(cites))


def change_lead(c: Corpus, q: Question, changes: list[Mention], letter: Letter) -> tuple[str, list[Citation]]:
    """'Note — a later letter changed this: …' and the paragraphs that say so."""
    strong = [x for x in changes if x.kind in _STRONG_CHANGES and x.letter != letter.file]
    cites = []
    for x in strong[:2]:
        ref_letter = c.letters.get(x.letter)
        if ref_letter is not None:
            para, ra = paragraph_at(ref_letter, x.line)
            cites.append(cite(ref_letter, ra, para, None, highlight=x.text))
    return (phrasing.change_lead(strong[:2], q.language) if strong else ""), cites


def deliverable(q: Question, letter: Letter, a: Assignment, deadlines: list[Any]) -> list[Any]:
    """Of several deadlines, the one whose sentence names what the question asks about (else all);
    a follow-up's own words decide first, the earlier turn's only where they do not."""
    own = stem_tokens(search_text(q, q.text))
    # "Og fristen?" says nothing of its own: the earlier turn's words decide. "And the note?" does:
    # where its words match no deadline better than another, every deadline is shown.
    for words in (q.text, f"{q.context} {q.text}") if q.context and not own else (q.text,):
        q_tokens = stem_tokens(search_text(q, words))
        scored = []
        for d in deadlines:
            sentence = sentence_with(deadline_paragraph(letter, a, d).text, d.text)
            annual = d.kind == "annual" and _ANNUAL_RE.search(words)
            scored.append((len(q_tokens & stem_tokens(sentence)) + (2 if annual else 0), d))
        scored.sort(key=lambda x: -x[0])
        if scored[0][0] > (scored[1][0] if len(scored) > 1 else 0):
            return [scored[0][1]]
    return deadlines


def sentence_with(text: str, phrase: str) -> str:
    """The sentence of `text` that holds `phrase` (whitespace aside); else the one ending like it; else all."""
    want = " ".join(phrase.split())
    parts = sentences(text)
    return (next((s for s in parts if want and want in " ".join(s.split())), None)
            or next((s for s in parts if want and want.split()[-1] in s), text))


def _names(a: Assignment, sub: str) -> bool:
    """Does the assignment's text name the sub-item ("c)", "deloppdrag c", "b) til d)")?"""
    return any(names_sub(t, sub) for t in (a.header, *(p.text for p in a.paragraphs)))

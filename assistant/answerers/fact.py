"""Fact answers: the count, list members, yes/no or amount a question asks for, taken out of the passages an
answer cites (assistant/facts.py finds them), with the span highlighted; a sub-item count from the structure."""

from __future__ import annotations

import dataclasses
import re

from assistant import coverage, facts, phrasing
from assistant.cite import cite, header_cite, hit_cite, narrowed, paragraph_at, paragraphs_from, short
from assistant.corpus import FOCUS_MIN_RARITY, Corpus, find_assignment, primary, search_text
from assistant.extract import has_amount, is_header, sentences, stem_tokens
from assistant.question import Question
from assistant.records import Answer, Citation
from assistant.verify import unsupported
from ingest import norsk
from ingest.records import Assignment, Paragraph

# "hvor mange deloppdrag / punkter / deler", "how many sub-items / parts": the assignment's own structure.
_SUBITEM_WORDS_RE = re.compile(r"\b(?:deloppdrag\w*|(?:del)?punkt\w*|deler|del-?oppgaver|sub-?(?:items?|tasks?)|parts?|"
                               r"points?|items?|steps?|faser?|phases?)\b", re.I)
# Words of an amount question that say it asks for money, not about what: they cannot tie a figure to a topic.
_AMOUNT_WORDS_RE = re.compile(r"\b(?:hvor|mye|how|much|money|penger|beløp\w*|bevilg\w*|tildel\w*|avsatt|satt|av|"
                              r"set|aside|allocated|granted|kroner|nok|mill\w*|budsjett\w*|budget\w*|i|in|for|til|"
                              r"to|the|er|is|det|what|hva|20\d\d)\b", re.I)
_PASSAGES = 3  # cited passages a fact is looked for in
_ELSEWHERE_HITS = 20  # search hits an amount about a rare topic word is looked for in
FOLLOWING_PARAGRAPHS = 12  # a list cut by the chunking is read on over this many paragraphs of its letter
# A budget-table figure in thousands ("8 988", "1 311 863"): digit groups of three after a leading group.
_TABLE_FIGURE_RE = re.compile(r"(?<![\d,.])\d{1,3}(?:[ \u00a0]\d{3})+(?![\d,])")
_QUOTE_RE = re.compile(r"«[^«»]*»")
_BULLET_RE = re.compile(r"^(?:[-–•▪o*]\s+)+")
# A numbered point opening a paragraph ("1. Helsedirektoratet skal …", "2) Utrede …").
_NUMBERED_RE = re.compile(r"^\s*(\d{1,2})[.)]\s+\S")


def subitem_count(c: Corpus, q: Question) -> Answer | None:
    """'Hvor mange deloppdrag har TB2025-76?': the number of the assignment's sub-items, each one cited."""
    if not (q.ids and facts.asks(q.text) == "count" and _SUBITEM_WORDS_RE.search(q.text)):
        return None
    rows = c.rows(q.ids[0])
    if not rows:
        return None
    row = primary(rows, q)
    letter = c.letters[row.letter]
    a = find_assignment(letter, row)
    parts = [(s.label, Paragraph(s.text, s.line, s.line_end, s.page)) for s in a.subitems] or _numbered(a)
    if not parts:
        return None
    labels = ", ".join(f"{label})" if len(label) <= 2 else label for label, _ in parts)
    text = phrasing.subitem_count(a.id, a.title, len(parts), labels, q.language)
    cites = [header_cite(letter, a)] + [cite(letter, a, p, label) for label, p in parts]
    return Answer(q.text, text, True, tuple(cites))


def _numbered(a: Assignment) -> list[tuple[str, Paragraph]]:
    """The numbered points of an assignment the parser read as paragraphs (1., 2., … in order), else none."""
    points = [(m.group(1), p) for p in a.paragraphs if (m := _NUMBERED_RE.match(p.text))]
    in_order = [str(i) for i in range(1, len(points) + 1)] == [n for n, _ in points]
    return points if in_order and len(points) >= 2 else []


def refine(c: Corpus, q: Question, answer: Answer) -> Answer:
    """The answer narrowed to the fact asked for, where a cited passage holds it; an amount question whose
    passages hold no amount is refused (the letters do not say it), with the passages as candidates."""
    kind = facts.asks(q.text)
    if kind is None or not answer.found or not answer.citations:
        return answer
    found = _find(q, kind, answer.citations[:_PASSAGES], c)
    if kind == "amount":
        found = _rarer_amount(c, q, found)
    if found is None:
        if kind == "amount":
            # no figure the extractor can vouch for: the chosen sentence stands where it states a figure beside the
            # question's rarest word ("… 0,12 mill. kroner til «Skadetur, sivilpersoner»"), else refused
            said = answer.citations[0].highlight or ""
            topic = _topic(q)
            focus = max(topic, key=c.rarity) if topic else None  # the rarest asked word ("mpox", not "strategy")
            if (has_amount(said) or _TABLE_FIGURE_RE.search(said)) and focus in stem_tokens(said):
                return answer
            return _no_amount(q, answer, "amount")
        if kind == "yesno" and not any(facts.shares_content(q.text, ct.text, q.language) for ct in answer.citations):
            return _no_amount(q, answer, "anything")  # not one cited passage speaks of what is asked
        return answer
    fact, where = found
    letter = c.letters.get(where.letter)
    where = narrowed(letter, where, fact.span) if letter is not None else where
    top = dataclasses.replace(where, highlight=fact.span)
    rest = [x for x in answer.citations if (x.letter, x.line) != (where.letter, where.line)]
    # every sentence the answer quotes is backed by a citation among the first ones shown; one none backs is dropped
    quotes = _QUOTE_RE.findall(fact.sentence)  # "«…» «…»": the sentences a yes/no answer quotes
    cites = (top, *sorted(rest, key=lambda x: not any(" ".join(s[1:41].split()) in " ".join(x.text.split())
                                                      for s in quotes)))
    backed = [x for x in quotes if not unsupported(x, cites)]  # a figure, date or ID no citation holds
    if quotes and backed and len(backed) < len(quotes):
        fact = dataclasses.replace(fact, sentence=" ".join(backed))
    return dataclasses.replace(answer, text=_phrase(q, fact, top), citations=cites)


def _find(q: Question, kind: str, cites: tuple[Citation, ...], c: Corpus) -> tuple[facts.Fact, Citation] | None:
    if kind == "yesno":
        return _yesno(q, cites, c)
    for ct in cites:
        if q.year and ct.year and ct.year != q.year and kind == "amount":
            continue  # "how much … in 2021": another year's figure is not the answer
        where = _read_on(c, ct) if kind in ("count", "list") else ct
        fact = _fact(q, kind, where.text, _under_asked_line(c, q, ct) if kind == "amount" else False)
        if fact is not None and (kind != "amount" or _about(q, ct, fact)):
            return fact, where
    return None


def _read_on(c: Corpus, ct: Citation) -> Citation:
    """A passage with the paragraphs after it in its assignment or section: a list the chunking cut short
    ("redegjør for følgende:" and eight questions over two chunks) is counted whole."""
    letter = c.letters.get(ct.letter)
    if letter is None or ct.line is None:
        return ct
    _, a = paragraph_at(letter, ct.line)
    end = ct.line_end or ct.line
    start = _lead_in(a.paragraphs, ct.line) if a is not None else ct.line
    run = ([p for p in a.paragraphs if p.line >= start] if a is not None
           else [p for _, p in paragraphs_from(letter, ct.line, 4 * FOLLOWING_PARAGRAPHS)])
    inside = sum(1 for p in run if p.line <= end)
    run = run[: inside + FOLLOWING_PARAGRAPHS]  # the passage, and as many paragraphs after it
    if len(run) < 2 or (run[-1].line_end or run[-1].line) <= end and start == ct.line:
        return ct
    span = Paragraph("\n\n".join(p.text for p in run), run[0].line, run[-1].line_end, run[0].page)
    return cite(letter, a, span, ct.sub)


def _lead_in(paragraphs: tuple[Paragraph, ...] | list[Paragraph], line: int) -> int:
    """Where the list a cited item belongs to starts: a passage that opens on a list item ("- Er det noen
    produkter …?") is read from the paragraph leading the list in ("… redegjør for følgende:")."""
    at = next((i for i, p in enumerate(paragraphs) if p.line <= line <= (p.line_end or p.line)), None)
    if at is None or not _BULLET_RE.match(paragraphs[at].text):
        return line
    i = at
    while i > 0 and _BULLET_RE.match(paragraphs[i - 1].text):
        i -= 1
    lead = paragraphs[i - 1] if i > 0 else None
    return lead.line if lead is not None and lead.text.rstrip().endswith(":") else line


def _yesno(q: Question, cites: tuple[Citation, ...], c: Corpus) -> tuple[facts.Fact, Citation] | None:
    """The two sentences that best decide a yes/no question (chosen by meaning as well as words, never a
    header line), and whether the best one says yes or no; both are quoted, the reader checks the verdict."""
    pool = [[s for s in dict.fromkeys(sentences(ct.text)) if not _is_header(s)] for ct in cites]
    chosen: list[tuple[int, str]] = []
    for _ in range(2):  # the best sentence, then the best of the rest; each passage keeps its own order
        said = {s for _, s in chosen}
        left = ["\n\n".join(s for s in ss if s not in said) for ss in pool]
        best = c.best_sentences(q, left, n=1, restrictive=True) if any(left) else []
        if best:
            chosen.append((best[0][0], best[0][1]))
    if not chosen:
        return None
    i, sentence = chosen[0]
    if not facts.shares_content(q.text, sentence, q.language):
        return None
    quoted = " ".join(f"«{_unbullet(s)}»" for _, s in chosen)
    fact = facts.yesno_fact(q.text, [sentence], q.language)
    if fact is None:  # too few words in common to judge: the sentences that come nearest, no verdict
        return facts.Fact("yesno", phrasing.letter_says(q.language), sentence, quoted), cites[i]
    return dataclasses.replace(fact, sentence=quoted), cites[i]


def _is_header(sentence: str) -> bool:
    """An assignment's header line, or any sentence opening with an ID or naming an owner ("TB2021-25 Utarbeide
    informasjon …: …" in a supplement): it names, it does not decide."""
    s = sentence.strip()
    return is_header(s) or bool(norsk.ID_RE.match(s) or norsk.OWNER_LABEL_RE.search(s))


def _under_asked_line(c: Corpus, q: Question, where: Citation) -> bool:
    """Does the cited passage stand under every budget line the question names (by the index's chunk headers)?"""
    asked = {norsk.budget_label(kap, post) for kap, post in norsk.budget_refs(q.text) if post}
    return bool(asked) and where.line is not None and asked <= c.budget_lines_at(where.letter, where.line)


def _topic(q: Question) -> set[str]:
    """What an amount question asks about: its words but the money words, IDs, budget lines and the kind a
    'which X' part asks for ('… og gjennom hvilken ordning?': the scheme is asked, not the topic)."""
    text = norsk.BUDGET_REF_RE.sub(" ", norsk.ID_RE.sub(" ", search_text(q, q.text)))
    kind = facts.asked_kind(q.text, q.language)
    return stem_tokens(_AMOUNT_WORDS_RE.sub(" ", text)) - (stem_tokens(kind) if kind else set())


def _fact(q: Question, kind: str, text: str, under_line: bool = False) -> facts.Fact | None:
    if kind == "count":
        return facts.count_fact(q.text, sentences(text), q.language, text)
    if kind == "list":
        return facts.list_fact(q.text, text, q.language)
    if kind == "yesno":
        return facts.yesno_fact(q.text, sentences(text), q.language)
    fact = facts.amount_fact(q.text, text, q.language, q.year)
    if fact is None and under_line:  # under the asked budget line already: a row need not repeat it
        fact = facts.amount_fact(norsk.BUDGET_REF_RE.sub(" ", q.text), text, q.language, q.year)
    return fact


def _about(q: Question, where: Citation, fact: facts.Fact) -> bool:
    """An amount answers only where it is said of what the question names: a passage found for 'Nordic
    Response' or 'D-vitamindråper' may hold another line's figure. Its sentence must name the topic, or, in
    one assignment's own text, the passage; a budget passage's heading counts as said with its sentences."""
    if q.ids and where.assignment in q.ids:
        return True  # the assignment the question names
    topic = _topic(q)
    return not topic or bool(topic & _said(where, fact))


def _said(where: Citation, fact: facts.Fact) -> set[str]:
    """The words a figure is said with: its sentence, budget line and the passage's heading, or the whole text
    of an assignment."""
    lead = next(iter(sentences(where.text)), "")  # the passage's heading ("Kap. 709 Pasient- og brukerombud")
    return stem_tokens(f"{fact.sentence} {fact.budget} {lead}" if not where.assignment else where.text)


def _rarer_amount(c: Corpus, q: Question, found: tuple[facts.Fact, Citation] | None
                  ) -> tuple[facts.Fact, Citation] | None:
    """The figure found, unless it is said without the question's rarest word and a passage naming that word
    holds a figure said with more of the question ('til innkjøp av remdesivir', not 'til arrangementer')."""
    focus = _rare_focus(c, q)
    if focus is None or found is not None and (q.ids or focus in _said(found[1], found[0])):
        return found
    other = _amount_elsewhere(c, q, focus)
    if other is None or found is not None and _weight(c, q, other) <= _weight(c, q, found):
        return found
    return other


def _weight(c: Corpus, q: Question, found: tuple[facts.Fact, Citation]) -> float:
    return sum(c.rarity(t) for t in _topic(q) & _said(found[1], found[0]))


def _rare_focus(c: Corpus, q: Question) -> str | None:
    """The topic's rarest word, where the letters use it and it is rare enough to be what is asked about; an
    English word the glossary translates counts by its Norwegian ('control' is 'kontroll' in the letters)."""
    topic = _topic(q)
    if q.language == "en":
        named = set(coverage.content_words(q.text))  # not "by", "much", "allocated"
        topic -= {w[:6] for w in re.findall(r"[a-z]+", q.text.lower()) if norsk.expand_english(w) or w not in named}
    known = sorted(t for t in topic if t in c.vocabulary)
    focus = max(known, key=c.rarity) if known else None  # ties: the first in order, the same every run
    return focus if focus is not None and c.rarity(focus) >= FOCUS_MIN_RARITY else None


def _amount_elsewhere(c: Corpus, q: Question, focus: str) -> tuple[facts.Fact, Citation] | None:
    """A figure about the question's rare topic word from the passages that name it ('hvor mye til kjøp av
    remdesivir' found the pandemic passages first, not the line naming it)."""
    filters = {"year": q.year} if q.year else None
    for hit in c.search(search_text(q, q.text), k=_ELSEWHERE_HITS, filters=filters):
        if focus not in stem_tokens(hit.chunk.text):
            continue
        ct = hit_cite(hit)
        fact = _fact(q, "amount", ct.text, _under_asked_line(c, q, ct))
        if fact is not None and _about(q, ct, fact):
            return fact, ct
    return None


def _phrase(q: Question, fact: facts.Fact, where: Citation) -> str:
    lead = f"{where.assignment}: " if where.assignment else ""
    if fact.kind == "list":
        return f"{lead}{short(_in_english(fact) if q.language == 'en' else fact.value, phrasing.ANSWER_CHARS - len(lead))}"
    if fact.kind == "amount":
        return phrasing.amount_fact(fact.value, fact.budget, short(fact.sentence, 220), q.language, fact.table)
    if fact.kind == "yesno":  # "Nei – «the deciding sentence» «the next best»": the sentences are its reason
        sure = fact.yes is False or fact.yes and facts.sure_yes(q.text, fact.span, q.language) and not _other_agent(
            q.text, fact.sentence)
        word = fact.value.split(" – ")[0] if sure else phrasing.letter_says(q.language)
        return f"{lead}{word} – {short(fact.sentence, phrasing.ANSWER_CHARS - len(lead) - 20)}"
    value = count_value(q, fact) if fact.kind == "count" else fact.value
    return f"{lead}{value} — «{short(fact.sentence, phrasing.ANSWER_CHARS - len(lead) - len(value) - 6)}»"


# A passive's agent: "skal forvaltes av Stiftelsen DAM", "ledes av Bufdir".
_AGENT_RE = re.compile(r"\b\w+(?:es|s)\s+av\s+(?:de\s+|den\s+|det\s+)?([A-ZÆØÅ][\w-]+)")


def _other_agent(question: str, said: str) -> bool:
    """Does the deciding sentence give the deed to someone the question does not name? Then no plain 'Ja'."""
    asked = question.lower()
    return any(m.group(1).lower() not in asked for m in _AGENT_RE.finditer(said))


def _in_english(fact: facts.Fact) -> str:
    """List members with the English word an English question used: "Danmark (Denmark), Sverige (Sweden)"."""
    value = fact.value
    for item in fact.items:
        english = norsk.english_for(item.strip())
        if english:
            value = re.sub(rf"\b{re.escape(item.strip())}\b", f"{item.strip()} ({english})", value, count=1)
    return value


def count_value(q: Question, fact: facts.Fact) -> str:
    """The number with what it counts, as the question says it: "5 overordnede mål (1–5)" for a list's items,
    "1 200 deltakere", "7 (sju pilotkommuner)" or "7 pilot municipalities (sju pilotkommuner)" for a number the
    letter writes before its noun."""
    if fact.items:
        number, _, labels = fact.value.partition(" (")
        return " ".join(x for x in (number, facts.counted(q.text, q.language), f"({labels}" if labels else "") if x)
    if q.language == "en":  # "6 committees (seks utvalg)": the question's noun, the letter's words after it
        return " ".join(x for x in (fact.value, facts.counted(q.text, q.language), f"({fact.span})") if x)
    return fact.span if fact.span.startswith(fact.value) else f"{fact.value} ({fact.span})"


def _unbullet(text: str) -> str:
    """A quote without its list mark ("- ", "o ", "• ")."""
    return _BULLET_RE.sub("", text.strip())


def _no_amount(q: Question, answer: Answer, what: str) -> Answer:
    """Not found, with the cited passages' assignments as candidates."""
    cands = tuple(phrasing.ask_about(ct.assignment, "content", q.language)
                  for ct in answer.citations[:3] if ct.assignment)
    return dataclasses.replace(answer, text=phrasing.not_found(phrasing.what(what, q.language), q.language),
                               found=False, candidates=tuple(dict.fromkeys(cands)))

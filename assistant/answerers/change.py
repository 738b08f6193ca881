"""Change answers: what later letters say about an assignment, and a letter's own changes and new assignments."""

from __future__ import annotations

import re
from dataclasses import replace

from assistant import phrasing
from assistant.cite import cite, header_cite, paragraph_at, paragraphs_from, short, with_items
from assistant.corpus import Corpus, Mention
from assistant.extract import ASKS_COUNT_RE, gist
from assistant.question import Question, asks_about_assignments
from assistant.records import Answer, Citation
from ingest import norsk
from ingest.changes import letter_order
from ingest.deadlines import find_deadlines
from ingest.records import Assignment, Change, Letter, Paragraph

Passage = tuple[Letter, Assignment | None, Paragraph]
# "new" of an assignment, not of a value: "nye oppdrag", "which are new", not "ny frist" / "new number".
NEW_RE = re.compile(r"\b(?:nye?|new|newly)\b(?!\s+(?:\w*frist\w*|deadlines?|\w*nummer\w*|numbers?|\w*tekst\w*|"
                    r"wording|text|ordlyd|dato|dates?))|"
                    r"\b(?:added|lagt\s+til|introdu\w*|tilkommet)\b", re.IGNORECASE)
# The kind of change a question about one letter asks for, first match wins; none: every kind.
_WANTED: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"tatt ut|utgår|utgått|bortfal\w*|trukket|cancel\w*|withdrawn|dropped", re.I), "cancelled"),
    (re.compile(r"oppdragstekst|reword|omformuler|new wording|ny tekst", re.I), "reworded"),
    (re.compile(r"nummer|renumber", re.I), "renumbered"),
    (re.compile(r"frist|deadline|utsett|postpone|forlen|extend", re.I), "new_deadline"),
    (re.compile(r"presis|clarif", re.I), "clarified"),
)
# A question that asks for a list of what a letter changed: which / what / how many / list.
_ASKS_WHICH_RE = re.compile(r"\b(?:which|what|hvilke\w*|hva|how\s+many|hvor\s+mange|list\w*|oversikt|nevn\w*)\b",
                            re.I)
# "what changes / what changed / hvilke endringer / hva ble endret": the letter's changes are the object asked for.
_ASKS_CHANGES_RE = re.compile(r"\b(?:which|what|hvilke\w*|hva)\s+(?:\w+\s+){0,2}(?:chang\w*|endr\w*|cancel\w*|"
                              r"postpone\w*|clarif\w*|presiser\w*|utg[åa]\w*|utsatt\w*|new|nye?)\b", re.I)
_ALL_KINDS = {"new_deadline", "cancelled", "reworded", "renumbered", "replaced", "clarified"}
# Two IDs of one assignment joined by a slash: "TB2018-42/TTB2018-11.1".
_JOINED_IDS_RE = re.compile(rf"{norsk.ID_RE.pattern}(?:\s*/\s*{norsk.ID_RE.pattern})+")
LIST_MAX = 60  # assignments named (and cited) in one list answer


def letter_changes(c: Corpus, q: Question) -> Answer | None:
    """'Hvilke oppdrag ble tatt ut i tillegg nr. 18?': that letter's changes of the asked kind; 'which are
    new in supplement 1?': the assignments it is the first letter to give."""
    letters = c.hinted_letters(q)
    if len(letters) != 1:
        return None
    letter = letters[0]
    if not (_ASKS_WHICH_RE.search(q.text) and (asks_about_assignments(q.text) or _ASKS_CHANGES_RE.search(q.text))):
        return None  # "what is now considered sufficient, according to supplement 18?": not a list of changes
    if _asks_new_assignments(q.text):
        return new_in(c, q, letter)
    # "which was cancelled and which postponed": every kind the question names; a word the letter uses to lead
    # in all its changes ("følgende presiseringer til enkelte av oppdragene:") names them all
    lead = _lead_in(letter)
    wanted = {kind for rx, kind in _WANTED if rx.search(q.text) and not rx.search(lead)} or _ALL_KINDS
    changes = [x for x in letter.changes if x.kind in wanted]
    if not changes:
        return None
    ids = list(dict.fromkeys(_one_entry(x) for x in changes))
    cites = []
    for x in changes[:14]:
        para, a = paragraph_at(letter, x.line)
        cites.append(cite(letter, a, para, None, highlight=x.text))
    lead = phrasing.short_title(letter.title, letter.year)
    kinds = phrasing.EVENT_EN if q.language == "en" else phrasing.EVENT_NO
    detail = "; ".join(f"{t} ({kinds.get(next(x.kind for x in changes if _one_entry(x) == t), '')})" for t in ids[:12])
    count = phrasing.count_head(len(ids), phrasing.assignments_word(q.language)) \
        if ASKS_COUNT_RE.search(q.text) else ""
    return Answer(q.text, f"{count}{lead}: {detail}.", True, tuple(cites))


def _one_entry(x: Change) -> str:
    """How a change's assignment is named in a list of a letter's changes: IDs the letter joins with a slash
    ("TB2018-42/TTB2018-11.1 Pakkeforløp …") are one assignment, one entry."""
    for m in _JOINED_IDS_RE.finditer(x.text):
        joined = norsk.find_ids(m.group(0))
        if x.target in joined:
            return "/".join(joined)
    return x.target


def _lead_in(letter: Letter) -> str:
    """The paragraph that leads in a letter's own list of changes (the one before the first change's), or ''."""
    if not letter.changes:
        return ""
    first = min(x.line for x in letter.changes)
    before = [p for s in letter.sections for p in s.paragraphs if (p.line_end or p.line) < first]
    return before[-1].text if before and before[-1].text.rstrip().endswith(":") else ""


def _asks_new_assignments(text: str) -> bool:
    """'nye oppdrag i tillegg 1', 'which are new in supplement 1', not 'a new medical specialty'."""
    m = NEW_RE.search(text)
    if not m:
        return False
    after = re.match(r"\s*([\wæøå-]+)", text[m.end():])
    return after is None or bool(re.fullmatch(r"(?:oppdrag\w*|assignments?|tasks?|ones|i|in|for|til|to|by|\d+)",
                                              after.group(1), re.I))


def new_in(c: Corpus, q: Question, letter: Letter) -> Answer | None:
    """The assignments a letter is the first (by the letters' own dates) to give."""
    earlier = [x for x in c.letters.values() if letter_order(x) < letter_order(letter)]
    seen = {norsk.id_key(i) for x in earlier for a in x.assignments for i in (a.id, *a.aliases)}
    new = [a for a in letter.assignments if norsk.id_key(a.id) and norsk.id_key(a.id) not in seen]
    new = list({norsk.id_key(a.id): a for a in new}.values())
    if not new:
        return None
    lead = phrasing.short_title(letter.title, letter.year)
    items = ", ".join(f"{a.id} {short(a.title, 50)}" if len(new) <= 8 else a.id for a in new[:LIST_MAX])
    head = phrasing.count_head(len(new), phrasing.assignments_word(q.language, new_in=lead))
    cites = own_list(letter, {a.id for a in new}) + [header_cite(letter, a) for a in new[:LIST_MAX]]
    return Answer(q.text, head + items, True, tuple(cites))


def own_list(letter: Letter, ids: set[str]) -> list[Citation]:
    """Where a letter lists the assignments it brings ("Nye oppdrag: - TB2025-74 … - TB2025-79 …"): the run of
    its section paragraphs outside any assignment that name two or more of `ids`, cited as one span."""
    keys = {norsk.id_key(i) for i in ids}
    for section in letter.sections:
        run = [p for p in section.paragraphs if {norsk.id_key(i) for i in norsk.find_ids(p.text)} & keys]
        if len(run) >= 2 or run and len(keys & {norsk.id_key(i) for i in norsk.find_ids(run[0].text)}) >= 2:
            span = Paragraph(" ".join(p.text for p in run), run[0].line, run[-1].line_end, run[0].page)
            return [cite(letter, None, span, None)]
    return []


def by_id(c: Corpus, q: Question, a: Assignment, letter: Letter, changes: list[Mention]) -> Answer:
    """What later letters changed of an assignment, each change quoted and cited."""
    if not changes:
        return Answer(q.text, phrasing.no_changes(a.id, a.title, q.language), True, (header_cite(letter, a),))
    kinds = phrasing.KIND_EN if q.language == "en" else phrasing.KIND_NO
    parts, cites = [], []
    for x in changes[:4]:
        ref_letter = c.letters.get(x.letter)
        if ref_letter is None:
            continue
        para, ra = paragraph_at(ref_letter, x.line)
        quote = x.text
        if quote.rstrip().endswith(":") and len(changes) == 1:
            # "Oppdragsteksten endres til følgende:": the new wording is the change.
            para = with_items([p for _, p in paragraphs_from(ref_letter, x.line, 16)])
            quote = para.text
        cites.append(cite(ref_letter, ra, para, None, highlight=x.text))
        parts.append(f"{phrasing.short_title(ref_letter.title, ref_letter.year)}: {kinds.get(x.kind, x.kind)}"
                     f" — «{short(gist(q.text, quote, 280), 200 if len(changes) > 1 else 280)}»")
        new = [d for d in find_deadlines(quote, ref_letter.year, None, para.line) if d.date]
        if x.kind in ("deadline", "reworded") and new:  # the date the change sets, also in ISO form
            parts[-1] += phrasing.new_deadline_note(phrasing.iso_pair(new[0].text, new[0].date or ""), q.language)
    cites.append(header_cite(letter, a))
    return Answer(q.text, f"{a.id} {a.title}: " + " ".join(parts), True, tuple(cites))


def what_letter_says(c: Corpus, q: Question, ident: str, refs: list[Mention]) -> Answer:
    """What later letters say about an assignment: the best sentences of the passages that mention it."""
    passages = _mentions(c, refs)
    if not passages:
        return Answer(q.text, phrasing.not_found(ident, q.language), False)
    # "…presiserer med dette følgende:" / "Oppdragsteksten endres til følgende:": what follows is what it says.
    lead_in = [i for i, (_, _, p) in enumerate(passages) if p.text.rstrip().endswith(":") and i + 1 < len(passages)
               and norsk.classify_change(p.text) not in (None, "refers")]
    if lead_in and q.intent in ("change", "content"):
        return _lead_in_answer(c, q, ident, refs, passages[lead_in[-1]:])
    if lead_in and q.intent != "deadline":
        passages = passages[lead_in[-1] + 1:] + passages[: lead_in[-1] + 1]
    if q.intent == "deadline":
        # a mention that gives no date is no deadline: say so, with what the letter does say
        said = _mentioned_deadline(c, q, ident, refs, passages)
        if said is not None:
            return said
        letter, a, para = passages[0]
        return Answer(q.text, phrasing.no_deadline(ident, "", None, q.language), False,
                      (cite(letter, a, para, None),))
    best = c.best_sentences(q, [p.text for _, _, p in passages], n=2)
    pi = best[0][0] if best else 0
    letter, a, para = passages[pi]
    said_text = " ".join(s for i, s, _ in best if i == pi) or para.text
    cites = [cite(letter, a, para, None, highlight=best[0][1] if best else None)]
    cites += _naming_cite(c, refs, letter, para.line)
    return Answer(q.text, _mention_head(q, ident, refs, letter) + short(said_text, 300), True, tuple(cites))


def _mentions(c: Corpus, refs: list[Mention]) -> list[Passage]:
    passages: list[Passage] = []
    for r in refs:
        letter = c.letters.get(r.letter)
        if letter is not None:
            passages.extend((letter, a, p) for a, p in paragraphs_from(letter, r.line, 16))
    return passages


def _mention_head(q: Question, ident: str, refs: list[Mention], letter: Letter) -> str:
    """'TB2021-05 — Tillegg nr. 18 (2021) (the assignment is cancelled): '"""
    kind = next((r.kind for r in refs if r.letter == letter.file), "refers")
    kinds = phrasing.KIND_EN if q.language == "en" else phrasing.KIND_NO
    return f"{ident} — {phrasing.short_title(letter.title, letter.year)} ({kinds.get(kind, kind)}): "


def _naming_cite(c: Corpus, refs: list[Mention], letter: Letter, cited_line: int) -> list[Citation]:
    """Where the letter names the assignment, when the cited paragraph is another one."""
    if refs[0].letter != letter.file:
        return []
    first, fa = paragraph_at(letter, refs[0].line)
    return [cite(letter, fa, first, None)] if first.line != cited_line else []


def _mentioned_deadline(c: Corpus, q: Question, ident: str, refs: list[Mention], passages: list[Passage]) -> Answer | None:
    for letter, a, p in passages:
        ds = find_deadlines(p.text, letter.year, None, p.line)
        if ds:
            d = ds[0]
            text = phrasing.deadline_answer(ident, "", None, [replace(d, sub=None)], q.language)
            cites = [cite(letter, a, p, None, highlight=d.text)] + _naming_cite(c, refs, letter, p.line)
            return Answer(q.text, text, True, tuple(cites))
    return None


def _lead_in_answer(c: Corpus, q: Question, ident: str, refs: list[Mention], passage: list[Passage]) -> Answer:
    """The lead-in ("Departementet presiserer med dette følgende:") and the items under it, cited as one span."""
    letter, a, lead = passage[0]
    span = with_items([p for _, _, p in passage])
    head = _mention_head(q, ident, refs, letter)
    cites = [cite(letter, a, span, None)] + _naming_cite(c, refs, letter, lead.line)
    return Answer(q.text, head + short(span.text, max(160, phrasing.ANSWER_CHARS - len(head))), True, tuple(cites))

"""The fact a question asks for inside a passage: a count, the named members of a list, a yes or no, an amount."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import combinations
from typing import Literal

from assistant.extract import _AMOUNT_RE, _COUNT_RE, ASKS_COUNT_RE, ASKS_SIZE_RE, loosely_shared, stem_tokens
from assistant.question import YESNO_VERBS, detect_language
from ingest import norsk

FactKind = Literal["count", "list", "yesno", "amount"]
BudgetLine = tuple[str, str | None]  # (chapter, post): ("765", "21"), ("740", None)


@dataclass(frozen=True)
class Fact:
    """One fact found in a passage; `span` is the exact text to highlight in the citation."""

    kind: FactKind
    value: str  # the short answer, in the question's language
    span: str  # an exact substring of `sentence`
    sentence: str  # the sentence, table row or list the fact stands in (an exact substring of the input)
    items: tuple[str, ...] = ()  # list members (and the items a count was counted from)
    yes: bool | None = None
    budget: str = ""  # "kap. 765 post 21": the budget line an amount belongs to, when the passage gives one
    table: bool = False  # the amount is a bare budget-table figure (the letters give those in thousands)


# --- What a question asks for -------------------------------------------------------------------
# Amount cues that win over every other reading ("hvor mange kroner" is an amount, not a count).
_ASKS_AMOUNT_RE = re.compile(r"\b(?:hvor\s+mye|how\s+much|(?:what|which)\s+amount|hvilket\s+beløp|"
                             r"hvor\s+mange\s+(?:kroner|millioner|mill\.?)|how\s+many\s+(?:kroner|million))", re.I)
# Weaker amount words: an amount question unless the question opens with a verb ("Er det bevilget …?").
_AMOUNT_WORD_RE = re.compile(r"\b(?:beløp\w*|bevilg\w*|kroner|budsjettet|budget|innslagspunkt\w*|threshold|tildelingen|tildelt|avsatt|satt\s+av|set\s+aside|allocated|mill\.?\s*kr|amount)\b", re.I)
# "Hvilke land", "which countries", "nevn organisasjonene", "list the tools", "what agencies are named".
_LIST_CUE_RE = re.compile(r"\b(?:hvilke|which)\s+(?:of\s+the\s+)?(?P<noun>[\w-]+)|"
                          r"^(?:(?:kan|kunne)\s+du\s+|(?:can|could)\s+you\s+|please\s+)?"
                          r"(?:nevne?|liste?|name|ramse\s+opp)\s+(?:(?:opp|up|all|alle|the|de)\s+)*"
                          r"(?P<noun2>[\w-]+)|"
                          r"\bwhat\s+(?P<noun3>[\w-]+)\s+(?:are|were|is)\s+(?:named|mentioned|listed)", re.I)
# Registry lists (assignments, deadlines, departments) are answered elsewhere, never from one passage.
REGISTRY_NOUN_PREFIXES = ("oppdrag", "deloppdrag", "assignment", "task", "subtask", "sub-item", "frist",
                          "deadline", "avdeling", "department")
# "which … are named/mentioned": a list question whatever the noun looks like.
_NAMED_RE = re.compile(r"\b(?:named|mentioned|listed|nevnt|nevnes|omtalt|omtales)\b", re.I)


def asks(question: str) -> FactKind | None:
    """What kind of fact the question wants, or None when it wants none of these (or a registry list)."""
    q = question.strip()
    if _ASKS_AMOUNT_RE.search(q) or ASKS_SIZE_RE.search(q) and norsk.BUDGET_REF_RE.search(q):
        return "amount"  # "hvor stor er Hdirs del av … på kap. 710 post 21?": a size on a budget line is money
    if ASKS_COUNT_RE.search(q):
        return "count"
    listed = _asks_list(q)
    if listed is not None:
        return "list" if listed else None
    first = q.split(maxsplit=1)[0].lower() if q else ""
    if first in YESNO_VERBS:
        return "yesno"
    if _AMOUNT_WORD_RE.search(q):
        return "amount"
    return None


def _asks_list(question: str) -> bool | None:
    """True for a list of named things, False for a registry list, None when the question asks for no list."""
    m = _LIST_CUE_RE.search(question)
    if not m:
        return None
    noun = (m.group("noun") or m.group("noun2") or m.group("noun3")).lower()
    if noun.startswith(REGISTRY_NOUN_PREFIXES):
        return False
    english_which = m.group("noun") is not None and m.group(0).lower().startswith("which")
    if english_which and not (noun.endswith("s") or _NAMED_RE.search(question)):
        return None  # "Which department owns …": one thing, not a list
    return True


# --- Words of a question --------------------------------------------------------------------------
# Question words and auxiliaries that say nothing about the content a fact must match.
_FACT_STOP_RE = re.compile(
    r"\b(?:hvor|mange|antall(?:et)?|many|number|nevn\w*|list|name|named|mentioned|listed|which|what|are|were|was|"
    r"will|should|must|can|could|would|shall|has|have|did|there|blir|ble|får|bør|vil|var|må|direktoratet|"
    r"departementet|directorate|ministry|oppgitt|stated|given|says?|letter|brevet|mye|much)\b", re.I)
# Leading words of the phrase a count or list question asks about ("hvor mange av de …", "the number of the …").
_PHRASE_SKIP = frozenset({"the", "all", "alle", "de", "of", "av", "følgende", "opp", "up", "nye"})
# Words that end that phrase: verbs, auxiliaries, prepositions ("hvor mange sentre skal …", "how many teams are").
_PHRASE_END = frozenset({
    "skal", "er", "har", "kan", "må", "blir", "ble", "får", "bør", "vil", "var", "inngår", "gjelder", "nevnes",
    "nevnt", "står", "finnes", "deltar", "delta", "i", "på", "for", "til", "av", "som", "med", "fra", "om", "og",
    "are", "is", "was", "were", "will", "should", "must", "can", "does", "do", "did", "has", "have", "in", "on",
    "to", "of", "that", "with", "from", "and", "there", "named", "mentioned", "listed"})
# The cues a count or list question's phrase follows, strongest first ("What is the number of pilots?" counts).
_PHRASE_CUES = (re.compile(r"\b(?:hvor\s+mange|antall(?:et)?|how\s+many|number\s+of)\s+(?P<rest>[^?.!]*)", re.I),
                re.compile(r"\b(?:hvilke|which|nevne?|liste?|name|ramse\s+opp|what)\s+(?P<rest>[^?.!]*)", re.I))
_WORD_RE = re.compile(r"\w+(?:-\w+)*")
_NEXT_WORD_RE = re.compile(r"[ \u00a0]+(" + _WORD_RE.pattern + ")")  # a tab or a line break parts table cells
# Norwegian inflection endings, cut (twice at most) before two words are compared: "sentre"/"senteret" -> "sent".
_ENDINGS = ("ene", "ane", "er", "re", "ar", "en", "et", "es", "s", "e")


def _content(question: str, language: str) -> set[str]:
    """The question's content-word stems (an English question also gets its Norwegian glossary words)."""
    text = norsk.BUDGET_REF_RE.sub(" ", norsk.ID_RE.sub(" ", question))
    text = _FACT_STOP_RE.sub(" ", text)
    tokens = stem_tokens(text)
    if language == "en":
        tokens |= stem_tokens(norsk.expand_english(text))
    return tokens


def _asked_phrase(question: str, language: str) -> list[str]:
    """The words after a count or list cue: 'hvor mange regionale sentre skal …' -> ['regionale', 'sentre']."""
    m = next((found for rx in _PHRASE_CUES if (found := rx.search(question))), None)
    if not m:
        return []
    words: list[str] = []
    for w in _WORD_RE.findall(m.group("rest")):
        low = w.lower()
        passive = language == "no" and bool(words) and low.endswith("es") and len(low) > 5
        if low in _PHRASE_END or len(words) == 3 or passive:
            break  # a Norwegian passive verb ("omfattes", "etableres") ends the phrase too
        if words or not (low in _PHRASE_SKIP or low.isdigit() or low in NUMBER_WORDS.get(language, {})):
            words.append(w)  # "hvilke tre utvalg": the noun, not the number the question already knows
    return words


# How a plural noun ends: the head of the asked phrase is its first plural ("regionale sentre", "FACT teams").
_PLURAL_ENDINGS = {"no": ("er", "ene", "re"), "en": ("s",)}
# How a Norwegian adjective before its noun ends ("regionale helseforetak", "nye tiltak").
_ADJECTIVE_ENDINGS: dict[str, tuple[str, ...]] = {"no": ("e",), "en": ()}


def _head_noun(phrase: list[str], language: str) -> str | None:
    """The noun a count or list question asks about: 'regionale sentre' -> 'sentre', 'tilskudd gis' -> 'tilskudd'."""
    # Its phrase's first plural, else its first word that is not an adjective, else its first word.
    if not phrase:
        return None
    plural = next((w for w in phrase if w.lower().endswith(_PLURAL_ENDINGS.get(language, ("er",)))), None)
    other = next((w for w in phrase if not w.lower().endswith(_ADJECTIVE_ENDINGS.get(language, ("e",)))), phrase[0])
    return plural or other


_WHICH_RE = re.compile(r"\b(?:hvilke[nt]?|which)\b", re.I)


def asked_kind(question: str, language: str) -> str | None:
    """The kind of thing a 'which X' question asks for, the last word of X: 'Which EU directive is …' ->
    'directive', 'hvilken kommune deltar' -> 'kommune', 'Which NOU is …' -> 'NOU'; None for other questions."""
    m = _WHICH_RE.search(question)
    if m is None:
        return None
    phrase = _asked_phrase("hvilke" + question[m.end():], language)  # the cue "hvilke" reads every form
    return phrase[-1] if phrase else None


def counted(question: str, language: str) -> str:
    """What a count question counts, as it says it: 'Hvor mange overordnede mål har …' -> 'overordnede mål',
    'how many key figures (nøkkeltall) are …' -> 'key figures'; '' where no noun follows the cue."""
    phrase = _asked_phrase(question, language)
    if not phrase:  # "… lists questions. How many are there?": the noun said before the cue
        return _noun_before(question, language) or ""
    # up to its first noun: a Norwegian word that is no adjective ("-e"), an English plural ("-s")
    noun = next((i for i, w in enumerate(phrase) if w.lower().endswith("s") == (language == "en")
                 and (language == "en" or not w.lower().endswith("e"))), len(phrase) - 1)
    return " ".join(phrase[: noun + 1])


def _stem(word: str) -> str:
    """A crude Norwegian stem for comparing nouns: 'sentre', 'senteret', 'senter' -> 'sent'; 'teams' -> 'team'."""
    w = word.lower()
    for _ in range(2):
        cut = next((e for e in _ENDINGS if w.endswith(e) and len(w) - len(e) >= 3), None)
        if cut is None:
            break
        w = w[: -len(cut)]
    return w


def _noun_keys(word: str, language: str) -> set[str]:
    """Stems a text word may have to match `word`; an English word adds its Norwegian glossary words."""
    keys = {_stem(p) for p in (word, *word.split("-")) if p}
    if language == "en":
        keys |= {_stem(w) for w in norsk.expand_english(word).split()}
        keys |= {_stem(w) for w in _LIST_NOUNS_EN.get(word.lower(), "").split()}
    return keys


# English names for the things letters list, with their Norwegian words (the shared glossary lacks them).
_LIST_NOUNS_EN = {"countries": "land landene", "country": "land", "organisations": "organisasjoner",
                  "organizations": "organisasjoner", "agencies": "etater etatene", "partners": "partnere aktører",
                  "actors": "aktører", "measures": "tiltak tiltakene", "roles": "roller", "areas": "områder",
                  "municipalities": "kommuner", "teams": "team", "committees": "utvalg", "centres": "sentre"}


def _matches(keys: set[str] | frozenset[str], word: str) -> bool:
    """True when a text word is one of the asked words: same stem, a longer form, or a compound ending in it."""
    k = _stem(word)
    parts = {_stem(p) for p in word.split("-")} if "-" in word else set()
    return any(k == q or q in parts or (len(q) >= 5 and k.startswith(q)) or (len(q) >= 4 and k.endswith(q))
               for q in keys)


# --- Counts -------------------------------------------------------------------------------------
# Number words a count may be written with (one is left out: "en"/"one" are mostly articles).
NUMBER_WORDS = {
    "no": {"to": 2, "tre": 3, "fire": 4, "fem": 5, "seks": 6, "sju": 7, "syv": 7, "åtte": 8, "ni": 9, "ti": 10,
           "elleve": 11, "tolv": 12, "tretten": 13, "fjorten": 14, "femten": 15, "seksten": 16, "sytten": 17,
           "atten": 18, "nitten": 19, "tjue": 20, "tretti": 30, "førti": 40, "femti": 50, "hundre": 100},
    "en": {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
           "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "fifty": 50, "hundred": 100},
}
_NUMBER_WORD_RE = {lang: re.compile(r"(?<![\w-])(" + "|".join(words) + r")(?![\w-])", re.I)
                   for lang, words in NUMBER_WORDS.items()}
# Numbers that are never counts: percentages, references ("nr. 3", "§ 35", "Meld. St. 24", "uke 12",
# "kap 3.4", "side 7") and a list item's own number at the start of a line.
_PERCENT_RE = re.compile(r"\d+(?:,\d+)?\s*(?:%|prosent|pst\.?|percent|per\s+cent)", re.I)
_REFERENCE_NUMBER_RE = re.compile(r"(?:\b(?:nr|no|st|prop|pkt|punkt|uke|week|post|side|page|kl|del|fase|phase|"
                                  r"deloppdrag|vedtak|innst|kap|kapittel|chapter|section)\.?|§)"
                                  r"\s*\d+(?:[.,]\d+)*\w?"
                                  r"|^\s*\(?\d{1,2}[.)]", re.I)
# A number that opens a line before a capitalised word: a heading ("1 Innledning") or a budget row
# ("740 01 Driftsutgifter", "71 Oppgjørsordning").
_LINE_NUMBER_RE = re.compile(r"^\s*\d{1,4}(?:\s+\d{2}(?:/\d{2})*)?\s+(?=[A-ZÆØÅ][a-zæøå])")
# A count written with thousands groups ("1 200 deltakere"); extract's _COUNT_RE reads single runs of digits.
_GROUPED_NUMBER_RE = re.compile(r"(?<![\d,.])[1-9]\d{0,2}(?:[ \u00a0]\d{3})+(?![\d,.]?\d)")
# Words a count's noun may stand behind ("fem regionale sentre"); a function word ends the search.
_COUNT_WINDOW = 3
_WINDOW_STOP = frozenset({"og", "eller", "av", "i", "til", "for", "med", "på", "som", "and", "or", "of", "in",
                          "to", "with", "on", "that", "per"})


def _mask(text: str) -> str:
    """`text` with dates, amounts, percentages, IDs and references blanked (offsets kept)."""
    for rx in (norsk.ID_RE, norsk.DATE_RE, norsk.WEEK_RE, norsk.BUDGET_REF_RE, _AMOUNT_RE, _PERCENT_RE,
               _REFERENCE_NUMBER_RE, _LINE_NUMBER_RE):  # _COUNT_RE itself never reads a year
        text = rx.sub(lambda m: " " * len(m.group(0)), text)
    return text


def _numbers(sentence: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, value) of each numeral or number word in a sentence that can be a count."""
    masked = _mask(sentence)
    for m in _GROUPED_NUMBER_RE.finditer(masked):
        yield m.start(), m.end(), m.group(0)
    masked = _GROUPED_NUMBER_RE.sub(lambda m: " " * len(m.group(0)), masked)
    for m in _COUNT_RE.finditer(masked):
        if not m.group(0).startswith("0"):  # "01", "05": post numbers, not counts
            yield m.start(), m.end(), m.group(0)
    language = detect_language(sentence)  # "to" is two in Norwegian, a preposition in English
    for m in _NUMBER_WORD_RE[language].finditer(masked):
        yield m.start(), m.end(), str(NUMBER_WORDS[language][m.group(1).lower()])


def _noun_after(sentence: str, end: int, keys: set[str]) -> int | None:
    """End of the asked noun when it follows a number within a few words ('fem regionale sentre')."""
    pos = end
    for _ in range(_COUNT_WINDOW):
        m = _NEXT_WORD_RE.match(sentence, pos)
        if not m or m.group(1).lower() in _WINDOW_STOP or not re.search(r"[^\W\d_]", m.group(1)):
            return None  # a number after a number is a table's figures, not a count
        if _matches(keys, m.group(1)):
            return m.end()
        pos = m.end()
    return None


def _noun_before(question: str, language: str) -> str | None:
    """What 'how many are there?' counts: the last plural noun the question said before its cue ('The
    assignment lists questions we must answer. How many are there?' -> 'questions')."""
    m = next((found for rx in _PHRASE_CUES if (found := rx.search(question))), None)
    before = _WORD_RE.findall(question[: m.start()]) if m else []
    endings = _PLURAL_ENDINGS.get(language, ("er",))
    return next((w for w in reversed(before) if len(w) > 3 and w.lower().endswith(endings)), None)


def count_fact(question: str, sentences: list[str], language: str, passage: str | None = None) -> Fact | None:
    """The number that answers 'how many X': a numeral before X, else the items of a list X leads in (read
    from the `passage` the sentences come from, where given: an item may hold two sentences)."""
    noun = _head_noun(_asked_phrase(question, language), language) or _noun_before(question, language)
    if noun is None:
        return None
    keys = _noun_keys(noun, language)
    content = _content(question, language)
    best: tuple[int, Fact] | None = None
    for s in sentences:
        for start, end, value in _numbers(s):
            noun_end = _noun_after(s, end, keys)
            score = len(content & stem_tokens(s))
            if noun_end is not None and (best is None or score > best[0]):  # ties: the earlier sentence
                best = (score, Fact("count", value, s[start:noun_end], s))
    if best is not None:
        return best[1]
    return _count_from_list(question, sentences, language, keys, passage)


def _count_from_list(question: str, sentences: list[str], language: str, keys: set[str],
                     passage: str | None = None) -> Fact | None:
    """The number of items of the list the question asks about ('3 (a–c)'): the one a list question would
    answer with, where its lead-in or its items name the asked noun."""
    text = passage if passage is not None else "\n".join(sentences)
    e = _best_enumeration(question, text, language, keys, need_noun=True)
    if e is None:
        return None
    n = len(e.items)
    value = f"{n} ({e.labels[0]}–{e.labels[-1]})" if e.labels else str(n)
    sentence = next((s for s in sentences if e.lead in s), e.lead.split(". ")[-1])
    return Fact("count", value, e.lead, sentence, items=e.items)


# --- Lists --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Enum:
    """An enumeration found in a text: its lead-in and its items, with offsets into that text."""

    lead: str  # the words that introduce the items (exact text)
    lead_start: int
    start: int  # where the first item starts
    end: int  # where the last item ends
    items: tuple[str, ...]
    labels: tuple[str, ...] = ()  # "a", "b", … when every item is lettered or numbered


# A list item's mark at the start of a line: "- ", "* ", "a)", "(b)", "c.", "1)", "2." (a bullet first is allowed).
_ITEM_MARK_RE = re.compile(r"^\s*(?:[-*–]\s+)?(?:\(?(?P<label>[a-h]|\d{1,2})[.)]\s+|[-*–]\s+)")
# Marks inside one line after a colon: "følgende: a) … b) …", "består av: • … • …".
_INLINE_MARK_RE = re.compile(r"(?:(?<=\s)|(?<=:))(?:\((?P<l1>[a-h]|\d)\)|(?P<l2>[a-h]|\d)\)|[•▪\uf0b7])\s+")
# Items of a list written in a sentence: split at commas and at the last "og"/"and"/"eller"/"or"/"samt".
_CONJUNCTION_RE = re.compile(r"\b(?:og|and|eller|or|samt)\b")
# "Helse- og omsorgsdepartementet" is one name: no split after a hyphen.
_SEPARATOR_RE = re.compile(r"(?<!-)(?:\s*,\s+(?:(?:og|and|eller|or|samt)\s+)?|\s+(?:og|and|eller|or|samt)\s+)")
# A named thing: capitalised words or an acronym, a genitive and its noun ("Statens legemiddelverk"),
# or a shared-suffix pair ("Arbeids- og velferdsdirektoratet"); a name never ends with a hyphen.
_CAPS = r"[A-ZÆØÅ](?:[\w-]*\w)?"
# "Direktoratet for e-helse", "Utvalg for digital sikkerhet": a name with a linking word and one or two words.
# The second word is never a verb ("Utvalg for eksempler ledes …": a passive, "… skal": a modal).
_LINKED = (rf"{_CAPS}\s+(?:for|i|til|av|mot|om)\s+[\wæøå][\w-]*\w"
           rf"(?:\s+(?!(?:skal|er|har|ble|blir|vil|kan|må|og|i|for|til|som)\b)(?![a-zæøå]+es\b)[a-zæøå][\w-]*\w)?")
# A name may carry its acronym: "Politidirektoratet (POD)", "Barne-, ungdoms- og familiedirektoratet (Bufdir)".
_NAME = (rf"(?:{_LINKED}|[A-ZÆØÅ]\w*-(?:,?\s+[a-zæøå]\w*-)*\s+og\s+[a-zæøå][\w-]*"
         rf"|[A-ZÆØÅ][\w-]*s\s+[a-zæøå][\w-]*\w|{_CAPS}(?:\s+{_CAPS})*)(?:\s+\([A-ZÆØÅ][\w-]*\))?")
_NAME_LIST_RE = re.compile(rf"(?<![\w-]){_NAME}(?:,\s+{_NAME})*,?\s+(?:og|and|eller|or|samt)\s+{_NAME}(?![\w-])")
MAX_ITEM_WORDS = 8  # a comma-list after a colon whose parts are longer is prose, not a list
MAX_ITEMS = 15


def _item_mark(line: str) -> tuple[int, str] | None:
    """(length of the mark, its label or '') when a line starts a list item."""
    m = _ITEM_MARK_RE.match(line)
    if m:
        return m.end(), (m.group("label") or "")
    m = norsk.BULLET_MARK_RE.match(line)
    if m and m.group(0).strip() and m.end() < len(line):
        return m.end(), ""
    return None


def _lines(text: str) -> list[tuple[int, str]]:
    """(offset, line) of every line of `text` that holds more than white space."""
    return [(m.start(), m.group(0)) for m in re.finditer(r"[^\n]+", text) if m.group(0).strip()]


def _marked_items(lines: list[tuple[int, str]], first: int) -> list[tuple[int, int, str]]:
    """(start, end, label) of the marked items from line `first` on; a lower-case line continues its item."""
    items: list[tuple[int, int, str]] = []
    for off, line in lines[first:]:
        mark = _item_mark(line)
        body = line.rstrip()
        if mark:
            items.append((off + mark[0], off + len(body), mark[1]))
        elif items and body.lstrip()[:1].islower():
            items[-1] = (items[-1][0], off + len(body), items[-1][2])
        else:
            break
    return items


# Bullets the extraction ran into one line: "- Tilskudd A • Tilskudd B • Tilskudd C".
_JOINED_BULLET_RE = re.compile(r"\s+[•▪\uf0b7]\s+")


def _split_joined(text: str, items: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Marked items with the items run into them split out (an unlabelled item only)."""
    out: list[tuple[int, int, str]] = []
    for start, end, label in items:
        cuts = [] if label else list(_JOINED_BULLET_RE.finditer(text, start, end))
        bounds = zip((start, *(m.end() for m in cuts)), (*(m.start() for m in cuts), end), strict=True)
        out.extend((a, b, label) for a, b in bounds)
    return out


def _line_lists(text: str) -> Iterator[_Enum]:
    """Lists of marked lines under a lead-in line that ends with a colon."""
    lines = _lines(text)
    for i, (off, line) in enumerate(lines):
        if not line.rstrip().endswith(":"):
            continue
        items = _split_joined(text, _marked_items(lines, i + 1))
        if 2 <= len(items) <= MAX_ITEMS:
            labels = tuple(lab for _, _, lab in items)
            lead_off = off + len(line) - len(line.lstrip())
            yield _Enum(line.strip(), lead_off, items[0][0], items[-1][1],
                        tuple(_clean_item(text[s:e]) for s, e, _ in items), labels if all(labels) else ())


def _inline_marked(text: str) -> Iterator[_Enum]:
    """Lists marked inside one line after a colon: 'følgende: a) … b) … c) …', ': • … • …'."""
    for off, line in _lines(text):
        colon = line.find(":")
        marks = list(_INLINE_MARK_RE.finditer(line, colon + 1)) if colon >= 0 else []
        if colon < 0 or len(marks) < 2 or _HTML_TAG_RE.sub("", line[colon + 1 : marks[0].start()]).strip():
            continue  # only HTML tags may stand between the colon and the first mark ("består av:</p> <ul> •")
        bounds = [(m.end(), nxt.start()) for m, nxt in zip(marks, marks[1:], strict=False)]
        tail = _HTML_BLOCK_RE.search(line, marks[-1].end())  # the last item ends where the next block starts
        bounds.append((marks[-1].end(), tail.start() if tail else len(line.rstrip())))
        labels = tuple((m.group("l1") or m.group("l2") or "") for m in marks)
        lead = max([0, *(m.end() for m in _BREAK_RE.finditer(line, 0, colon))])  # the lead-in's own sentence
        lead += len(line[lead:]) - len(line[lead:].lstrip())
        yield _Enum(line[lead:colon + 1].strip(), off + lead, off + bounds[0][0],
                    off + bounds[-1][1], tuple(_clean_item(line[s:e]) for s, e in bounds),
                    labels if all(labels) else ())


_HTML_TAG_RE = re.compile(r"</?[a-z][^>]*>", re.I)
_HTML_BLOCK_RE = re.compile(r"</?(?:p|ul|ol|li|div|br)\b[^>]*>", re.I)


def _clean_item(text: str) -> str:
    """An item without its mark, trailing punctuation or surrounding space."""
    mark = _item_mark(text)
    body = text[mark[0]:] if mark else text
    return " ".join(body.split()).rstrip(" .;,")


# Where sentences part inside a line: a full stop before a capital, or an HTML block tag left by extraction.
_BREAK_RE = re.compile(rf"{norsk.SENTENCE_BREAK_RE.pattern}|(?i:\s*</?(?:p|li|ol|ul|br)\b[^>]*>\s*)")


def _sentence_spans(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each sentence of each line of `text`, without surrounding white space."""
    for off, line in _lines(text):
        pos = 0
        for a, b in [*((m.start(), m.end()) for m in _BREAK_RE.finditer(line)), (len(line), len(line))]:
            part = line[pos:a]
            if part.strip():
                lead = len(part) - len(part.lstrip())
                yield off + pos + lead, off + pos + len(part.rstrip())
            pos = b


def _split_items(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) of the items of a written list in text[start:end]; [] when it is prose, not a list."""
    # Only the last separator may be a conjunction: "A, B og C" is a list, "A og B og C" prose.
    parts, pos = [], start
    seps = list(_SEPARATOR_RE.finditer(text, start, end))
    if any(_CONJUNCTION_RE.search(m.group(0)) for m in seps[:-1]):
        return []
    for m in seps:
        parts.append((pos, m.start()))
        pos = m.end()
    parts.append((pos, end))
    return [(s, e) for s, e in parts if text[s:e].strip()]


def _colon_list(text: str, s: int, e: int) -> _Enum | None:
    """The comma/'og' list after the colon of the sentence text[s:e] ('følgende land: A, B og C')."""
    sentence = text[s:e]
    colon = sentence.rfind(":")
    if colon < 0 or _INLINE_MARK_RE.search(sentence, colon) or _is_label(sentence[: colon + 1]):
        return None
    parts = _split_items(text, s + colon + 1, s + len(sentence.rstrip(" .")))
    if not 2 <= len(parts) <= MAX_ITEMS or any(len(text[a:b].split()) > MAX_ITEM_WORDS for a, b in parts):
        return None
    return _Enum(sentence[: colon + 1].strip(), s, parts[0][0] + _lead_space(text, parts[0][0]), parts[-1][1],
                 tuple(_clean_item(text[a:b]) for a, b in parts))


def _sentence_lists(text: str) -> Iterator[_Enum]:
    """Lists written inside a sentence: a comma/'og' list after a colon, or named things joined by 'og'."""
    for s, e in _sentence_spans(text):
        listed = _colon_list(text, s, e)
        if listed:
            yield listed
            continue
        for m in _NAME_LIST_RE.finditer(text, s, e):
            parts = _split_items(text, m.start(), m.end())
            lead = text[s : m.start()].rstrip()
            if 2 <= len(parts) <= MAX_ITEMS and not (lead.endswith(":") and _is_label(lead)):
                yield _Enum(text[s : m.start()].strip(), s, parts[0][0], parts[-1][1],
                            tuple(_clean_item(text[a:b]) for a, b in parts))


def _is_label(lead: str) -> bool:
    """True when a colon ends a label ('ID: TB2021-16 Eieravdeling HOD:', 'Frist:'), not a list's lead-in."""
    return bool(norsk.OWNER_LABEL_RE.search(lead) or norsk.ID_RE.search(lead) or lead.strip().lower() == "id:"
                or norsk.FRIST_LINE_RE.match(lead.strip()))


def _lead_space(text: str, pos: int) -> int:
    """How many white-space characters stand at `pos`."""
    return len(text[pos:]) - len(text[pos:].lstrip())


def _enumerations(text: str) -> list[_Enum]:
    """Every enumeration in a text: marked lines, marks inside a line, lists inside a sentence."""
    return [*_line_lists(text), *_inline_marked(text), *_sentence_lists(text)]


MIN_LIST_SHARED = 1  # content words a list's lead-in must share with the question (its noun counts twice)


def _join(items: tuple[str, ...], language: str) -> str:
    """'A, B og C' ('A, B and C')."""
    word = "and" if language == "en" else "og"
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {word} {items[-1]}"


def list_fact(question: str, passage: str, language: str) -> Fact | None:
    """The named members of the enumeration in `passage` whose lead-in matches what the question asks about."""
    noun = _head_noun(_asked_phrase(question, language), language)
    keys = _noun_keys(noun, language) if noun else set()
    e = _best_enumeration(question, passage, language, keys)
    if e is None:
        return _named_kind(passage, keys, language)
    return Fact("list", _join(e.items, language), passage[e.start : e.end], passage[e.lead_start : e.end],
                items=e.items)


_QUESTION_KEYS = frozenset({"spørsmål", "question"})
# Words for bodies (agencies, directorates, ministries, organisations): a list of names is a list of them.
_BODY_KEYS = frozenset({"etat", "direktorat", "departement", "virksomhet", "organisasjon", "aktør", "instans",
                        "tilsyn", "institusjon", "virksomh", "ministry", "ministri", "agency", "agenci", "organisation",
                        "organization", "body", "bodi", "directorat", "partn", "partner"})
_IS_NAME_RE = re.compile(rf"^{_NAME}$")


def _is_name(item: str) -> bool:
    """Is a list item a name ('Politidirektoratet (POD)', 'KUD', 'Sekretariatet for konfliktrådene')?"""
    return bool(_IS_NAME_RE.match(item.strip()))
NOUN_IN_LEAD = 2  # weight of a lead-in naming the asked noun ("følgende land:")
NOUN_IN_ITEMS = 3  # weight of items that are themselves of the asked kind ("… velferdsdirektoratet (AVDir)")


def _best_enumeration(question: str, text: str, language: str, keys: set[str], need_noun: bool = False
                      ) -> _Enum | None:
    """The enumeration of `text` a list or count question asks about: most question words in its lead-in,
    more where the lead-in names the asked noun, more still where most of its items are of that kind; with
    `need_noun`, one naming the noun in neither place counts only if its lead-in shares two question words."""
    content = _content(question, language)
    asks_questions = bool(keys & _QUESTION_KEYS)  # items that end with "?" are questions
    asks_bodies = any(_matches(_BODY_KEYS, k) for k in keys)  # named items are agencies, ministries …
    best: tuple[int, int, _Enum] | None = None
    for e in _enumerations(text):
        shared = len(content & stem_tokens(e.lead))
        in_lead = any(_matches(keys, w) for w in _WORD_RE.findall(e.lead))
        of_kind = sum(any(_matches(keys, w) for w in _WORD_RE.findall(item)) or asks_questions and
                      item.rstrip().endswith("?") or asks_bodies and _is_name(item) for item in e.items)
        in_items = of_kind * 2 > len(e.items)
        score = shared + NOUN_IN_LEAD * in_lead + NOUN_IN_ITEMS * in_items
        enough = (in_lead or in_items or shared >= 2) if need_noun else score >= MIN_LIST_SHARED
        if enough and (best is None or score > best[0]):
            best = (score, -e.start, e)
    return best[2] if best else None


_KIND_NAME_RE = re.compile(_LINKED)


def _named_kind(passage: str, keys: set[str], language: str) -> Fact | None:
    """Names of the asked kind spread over a passage ("… lede Utvalg for X. … lede Utvalg for Y."): two or
    more distinct names whose first word is the asked noun, in the order the passage gives them."""
    found = [m for m in _KIND_NAME_RE.finditer(passage) if keys and _matches(keys, m.group(0).split()[0])]
    items = tuple(dict.fromkeys(" ".join(m.group(0).split()) for m in found))
    if not 2 <= len(items) <= MAX_ITEMS:
        return None
    span = passage[found[0].start() : found[-1].end()]
    return Fact("list", _join(items, language), span, span, items=items)


# --- Yes or no ------------------------------------------------------------------------------------
MIN_YESNO_SHARED = 2  # content words the deciding sentence must share with the question (all, if it has fewer)
# Plain negation; a cancellation ("utgår") is read through norsk.statuses_in.
_NEGATION_RE = re.compile(r"\b(?:ikke|ingen|intet|aldri|verken|not|no|never|none|nor)\b|n't\b", re.I)
# Where a sentence's clauses part: "…, men ikke …", "…; …", "… but not …".
_CLAUSE_BREAK_RE = re.compile(r";\s*|,?\s+(?:men|mens|but|while|whereas)\s+")
ANSWER_CHARS = 140  # the deciding clause is quoted up to this length
# A clause that leaves the matter open ("skal vurdere om …", "whether", "dersom"): neither yes nor no.
_HEDGE_RE = re.compile(r"\b(?:(?:vurdere|utrede|avklare|consider|assess)\w*\s+(?:om|hvorvidt|whether)|hvorvidt|"
                       r"whether|dersom|hvis|if)\b", re.I)


def _clauses(sentence: str) -> list[tuple[int, int]]:
    """(start, end) of the clauses of a sentence."""
    out, pos = [], 0
    for m in _CLAUSE_BREAK_RE.finditer(sentence):
        out.append((pos, m.start()))
        pos = m.end()  # "men"/"but" belongs to neither clause
    out.append((pos, len(sentence)))
    return [(s, e) for s, e in out if sentence[s:e].strip()]


def _deciding_clause(sentence: str, content: set[str]) -> str:
    """The clause of a sentence that answers the question."""
    # Most question words, fewest words the question lacks: '…, men ikke til lønn' decides 'brukes midlene til
    # lønn?' though its subject stands in the first clause.
    def score(c: tuple[int, int]) -> tuple[int, int, int]:
        """Question words minus other words, then fewest other words, then the earlier clause."""
        words = stem_tokens(_NEGATION_RE.sub(" ", sentence[c[0] : c[1]]))
        shared, other = len(words & content), len(words - content)
        return shared - other, -other, -c[0]

    spans = [c for c in _clauses(sentence) if stem_tokens(sentence[c[0] : c[1]]) & content] or _clauses(sentence)
    start, end = max(spans, key=score)
    return sentence[start:end].strip()


def _negative(text: str) -> bool:
    """True when a text denies: 'ikke', 'not', or a cancellation ('utgår') that is not itself denied."""
    return bool(_NEGATION_RE.search(text)) != ("cancelled" in norsk.statuses_in(text))


def _agrees(question: str, clause: str) -> bool:
    """Whether a clause says what the question asks (same polarity, no opposite status)."""
    q_status, s_status = norsk.statuses_in(question), norsk.statuses_in(clause)
    plain_same = bool(_NEGATION_RE.search(question)) == bool(_NEGATION_RE.search(clause))
    if q_status and s_status:
        return plain_same if q_status & s_status else not plain_same
    return _negative(question) == _negative(clause)


def _short(text: str, limit: int = ANSWER_CHARS) -> str:
    """`text` cut at a word boundary to at most `limit` characters."""
    text = " ".join(text.split()).rstrip(" .")
    return text if len(text) <= limit else text[: limit].rsplit(" ", 1)[0] + " …"


YES_SURE_SHARE = 0.8  # a "yes" is said only where the deciding sentence holds this share of the question's words


def shares_content(question: str, sentence: str, language: str) -> bool:
    """Does the sentence hold any of the question's content words (its glossary words, for English)?"""
    return bool(_content(question, language) & stem_tokens(sentence))


def sure_yes(question: str, sentence: str, language: str) -> bool:
    """Does the sentence say nearly all the question says (a 'yes' can be stated), not just share its topic?
    'Is the directorate responsible for the trial?' over 'The Labour directorate is responsible …' is not."""
    text = norsk.BUDGET_REF_RE.sub(" ", norsk.ID_RE.sub(" ", question))
    text = _FACT_STOP_RE.sub(" ", text)
    words = stem_tokens(norsk.expand_english(text)) if language == "en" else stem_tokens(text)
    return bool(words) and len(words & stem_tokens(sentence)) / len(words) >= YES_SURE_SHARE


def yesno_fact(question: str, sentences: list[str], language: str) -> Fact | None:
    """Yes or no from the sentence that shares the most content words with the question; None when unsure."""
    content = _content(question, language)
    if not content:
        return None
    scored = [(len(loosely_shared(content, stem_tokens(s))), -i, s) for i, s in enumerate(sentences)]
    if not scored:
        return None
    shared, _, sentence = max(scored)
    if shared < min(MIN_YESNO_SHARED, len(content)):
        return None
    clause = _deciding_clause(sentence, content)
    if _HEDGE_RE.search(clause):
        return None
    yes = _agrees(question, clause)
    word = ("Yes" if yes else "No") if language == "en" else ("Ja" if yes else "Nei")
    return Fact("yesno", f"{word} – {_short(clause)}", clause, sentence, yes=yes)


# --- Amounts --------------------------------------------------------------------------------------
MIN_AMOUNT_SHARED = 1  # content words an amount's sentence or row must share with the question (unless it is alone)
# "kr 300 000": the unit before the number (extract's _AMOUNT_RE reads "300 000 kroner" only).
_KR_FIRST_RE = re.compile(r"\bkr\.?\s*(?:\d{1,3}(?:[ \u00a0]\d{3})+|\d+)(?:,\d+)?(?!\d)(?!,\d)", re.I)
# The well-formed number an _AMOUNT_RE match ends with: in "post 21 35 mill." the amount is "35 mill.".
_NUMBER_TAIL_RE = re.compile(r"(?:\d{1,3}(?:[ \u00a0]\d{3})+|\d+)(?:[.,]\d+)?\s*$")
_UNIT_START_RE = re.compile(r"[^\d\s,.]")
# The currency after a magnitude word: "35 mill. kroner", "2 mill kr".
_UNIT_TAIL_RE = re.compile(r"\s*(?:kroner|kr)\b", re.I)
_CURRENCY_RE = re.compile(r"\bkr", re.I)
# "762.21", "kap. 762.21", "over 732.21": a chapter and post written with a dot.
_DOTTED_REF_RE = re.compile(r"(?:\bkap(?:ittel|\.)?\s*|\b(?:på|over|under|og)\s+)(\d{3,4})\.(\d{2})(?!\d)(?!\.\d)",
                            re.I)
# Words that say "amount" without naming what it is for: left out when rows and sentences are compared.
_AMOUNT_TALK_RE = re.compile(r"\b(?:beløp\w*|bevilg\w*|kroner|kr|mill\w*|tildel\w*|satt\s+av|avsatt|midler|"
                             r"allocated|allocation|amount|money|funding|budget\w*|kapittel|chapter|post|item)\b",
                             re.I)
# The row-name column of a budget-table header: the amount columns' names come after it.
_NAME_COLUMN_RE = re.compile(r"\b(?:Benevnelse|Betegnelse|Postnavn|Navn\s+på\s+post|Postnavn)\b", re.I)
# A budget-table header ("Kap. Post Postnavn Saldert 2020 Tildeling 2021"): its years name the figure columns.
_TABLE_HEAD_RE = re.compile(r"^\s*Kap\.?\s+Post\b", re.I)
# "kan nyttes under post 70, 74 og 79" inside a row's name: post numbers, not figures.
_UNDER_POST_RE = re.compile(r"\b(?:under|over)\s+post\s+\d{2}(?:/\d{2})*(?:\s*(?:,|og)\s*\d{2}(?:/\d{2})*)*", re.I)
# The digit groups after a space-separated row's name ("… 1 222 348 1 311 863", "… 30 100 2,7 mill. kr …",
# "… 15786 Det vises …"): not part of a word, a decimal, a year or an amount with a unit.
_FIGURE_RUN_RE = re.compile(r"(?<![\w,.])(?:(?!(?:19|20)\d\d\b)\d{4,7}|\d{1,3}(?:[ \u00a0]+\d{1,3})*)(?![\w,.])"
                            r"(?!\s*(?:mill|mrd|kr|%|prosent))")
_DIGIT_RE = re.compile(r"\d")
# A space row's own chapter and post ("783 21", "769 21/70", " 72"): the figures come after them and the name.
_ROW_LABEL_RE = re.compile(r"^\s*(?:\d{3,4}\s+)?\d{2}(?:/\d{2})*(?=\s)")
# A line of figures alone: a wrapped row's figures ("116 577 73 677" under its name).
_FIGURES_ONLY_RE = re.compile(r"\s*\d{1,3}(?:[ \u00a0]+\d{1,3})*\s*")
# A tab row's figure cell ("95 420", "15786").
_FIGURE_CELL_RE = re.compile(r"\d{1,3}(?:[ \u00a0]\d{3})+|\d+")
ROW_END_WORDS = 4  # a full stop ends an open row only on a line of this many words (a sentence, not "mv.")
MAX_FIGURE_GROUPS = 3  # a table figure (in thousands of kroner) has at most three digit groups: 999 999 999


@dataclass(frozen=True)
class _Amount:
    """An amount in a passage: its offsets, the sentence or row holding it, the budget lines it stands under."""

    start: int
    end: int
    region: tuple[int, int]
    refs: tuple[BudgetLine, ...]
    table: bool = False
    column: str = ""  # the table header's name for the cell it stands in ("Tildeling Hdir")


@dataclass
class _TableState:
    """What the lines read so far say about the budget line, and the table columns, of the next line."""

    chapter: str | None = None
    context: BudgetLine | None = None  # the row or "Kap. 714, post 21" heading the text stands under
    years: tuple[int, ...] = ()  # the header's years, one per figure column
    in_head: bool = False  # between a table header and its first row (the header may wrap)
    row: tuple[int, BudgetLine] | None = None  # an open row whose figures may follow on their own line
    head_words: tuple[str, ...] = ()  # the header's words after the row-name column ("Samlet ramme Tildeling Hdir")


def _refs(text: str) -> list[BudgetLine]:
    """The budget lines a text names: 'kap. 765, post 21', 'chapter 765 item 21', '762.21'."""
    found = norsk.budget_refs(text) + [(m.group(1), m.group(2)) for m in _DOTTED_REF_RE.finditer(text)]
    posted = {k for k, p in found if p}
    return list(dict.fromkeys((k, p) for k, p in found if p or k not in posted))


def _ref_matches(want: BudgetLine, have: BudgetLine) -> bool:
    """True when a budget line stands under the one a question names (a chapter alone takes every post)."""
    same_post = want[1] is None or (have[1] is not None and int(want[1]) == int(have[1]))
    return int(want[0]) == int(have[0]) and same_post


def _figure_ok(groups: list[str]) -> bool:
    """True when digit groups make one well-formed figure: '1', '222', '348' -> 1 222 348; '15786'."""
    if len(groups) == 1:
        return len(groups[0]) <= 7
    return len(groups) <= MAX_FIGURE_GROUPS and len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])


def _split_figures(groups: list[str], columns: int) -> list[tuple[int, int]]:
    """Group-index ranges of the figures a run of digit groups holds ('1 222 348 1 311 863': two figures)."""
    # The header's column count when it fits, else the fewest figures; the most even split first
    # ("133 966 180 553" is 133 966 and 180 553).
    n = len(groups)
    if not 0 < n <= 12:
        return []
    valid: list[list[tuple[int, int]]] = []
    for k in range(n):
        for cuts in combinations(range(1, n), k):
            bounds = list(zip((0, *cuts), (*cuts, n), strict=True))
            if all(_figure_ok(groups[a:b]) for a, b in bounds):
                valid.append(bounds)
    if not valid:
        return []
    fitting = [b for b in valid if len(b) == columns] or valid
    fewest = min(len(b) for b in fitting)
    def unevenness(bounds: list[tuple[int, int]]) -> int:
        """How much the figures' group counts differ."""
        sizes = [y - x for x, y in bounds]
        return max(sizes) - min(sizes)

    return min((b for b in fitting if len(b) == fewest), key=unevenness)


def _run_figures(line: str, start: int, columns: int) -> list[tuple[int, int]]:
    """(start, end) in `line` of the figures in the digit run that begins at `start`, one per column."""
    groups = list(re.finditer(r"\d+", line[start:]))
    bounds = _split_figures([g.group(0) for g in groups], columns)
    return [(start + groups[a].start(), start + groups[b - 1].end()) for a, b in bounds]


def _row_figures(line: str, columns: int) -> list[tuple[int, int]]:
    """(start, end) in `line` of a budget row's figures: a tab row's number cells, a space row's last digits."""
    if "\t" in line:
        out, pos = [], 0
        for i, cell in enumerate(line.split("\t")):
            body = cell.strip()
            if i >= 3 and _FIGURE_CELL_RE.fullmatch(body):
                out.append((pos + cell.index(body), pos + cell.index(body) + len(body)))
            pos += len(cell) + 1
        return out
    masked = line.rstrip()
    for rx in (_UNDER_POST_RE, _REFERENCE_NUMBER_RE):  # "under post 70, 74 og 79", "Innst. 11 S" are no figures
        masked = rx.sub(lambda m: " " * len(m.group(0)), masked)
    label = _ROW_LABEL_RE.match(masked)
    digit = _DIGIT_RE.search(masked, label.end()) if label else None
    m = _FIGURE_RUN_RE.match(masked, digit.start()) if digit else None  # the first number after the label
    return _run_figures(line[: m.end()], m.start(), columns) if m else []


def _pick_column(figures: list[tuple[int, int]], years: tuple[int, ...], year: int | None) -> tuple[int, int]:
    """The figure of the asked year's column (the last such column), else the last column: the allocation."""
    if year is not None and len(years) == len(figures) and year in years:
        return figures[len(years) - 1 - years[::-1].index(year)]
    return figures[-1]


def _columns(words: tuple[str, ...], n: int) -> list[str]:
    """A header's last words parted into the names of n amount columns, as evenly as they go (the text lost
    the cells' borders): 'Samlet ramme Tildeling Hdir' into 2 -> 'Samlet ramme', 'Tildeling Hdir'."""
    size, extra = divmod(len(words), n)
    out, pos = [], 0
    for i in range(n):
        step = size + (1 if i < extra else 0)
        out.append(" ".join(words[pos : pos + step]))
        pos += step
    return out


def _sentence_amounts(line: str, off: int, context: BudgetLine | None) -> Iterator[_Amount]:
    """The amounts with a unit in each sentence of a line, with the budget lines the sentence names or is under."""
    for s, e in _sentence_spans(line):
        sentence = line[s:e]
        refs = tuple(dict.fromkeys([*_refs(sentence), *([context] if context else [])]))
        taken: list[tuple[int, int]] = []
        for m in [*_AMOUNT_RE.finditer(sentence), *_KR_FIRST_RE.finditer(sentence)]:
            a, b = _amount_bounds(sentence, m)
            if any(a < y and x < b for x, y in taken):
                continue
            taken.append((a, b))
            yield _Amount(off + s + a, off + s + b, (off + s, off + e), refs)


def _amount_bounds(sentence: str, m: re.Match[str]) -> tuple[int, int]:
    """(start, end) of an amount: the well-formed number its match ends with, and a trailing 'kroner'."""
    text = m.group(0)
    if text[:1].isdigit():
        unit = _UNIT_START_RE.search(text)
        number = text[: unit.start()] if unit else text
        tail = _NUMBER_TAIL_RE.search(number)
        start = m.start() + (tail.start() if tail else 0)
        ext = None if _CURRENCY_RE.search(text) else _UNIT_TAIL_RE.match(sentence, m.end())
        return start, (ext.end() if ext else m.end())
    return m.start(), m.end()


def _table_line(line: str, off: int, state: _TableState, year: int | None) -> Iterator[_Amount]:
    """Read one line as part of a budget table: a header, a row (with its figures) or a row's wrapped figures."""
    if _TABLE_HEAD_RE.match(line):
        state.years, state.in_head = tuple(map(int, norsk.YEAR_RE.findall(line))), True
        m = _NAME_COLUMN_RE.search(line)
        state.head_words = tuple(line[m.end():].split()) if m else ()
        state.row = state.context = None
        return
    row = norsk.budget_row(line, state.chapter)
    if row is None and state.chapter and not line[:1].isspace():
        row = norsk.budget_row(" " + line, state.chapter)  # a later row whose indent the text lost: "74 Skolemat …"
    chapter_row = norsk.budget_chapter_row(line) if row is None else None
    place: BudgetLine | None = row or ((chapter_row, None) if chapter_row else norsk.budget_heading(line, state.chapter))
    if place is not None:
        state.chapter, state.context, state.in_head = place[0], place, False
        state.row = (off + len(line) - len(line.lstrip()), place) if row else None
    if state.in_head:
        state.years += tuple(map(int, norsk.YEAR_RE.findall(line)))
        return
    if row:
        figures = [(off + a, off + b) for a, b in _row_figures(line, len(state.years))]
    elif state.row and _FIGURES_ONLY_RE.fullmatch(line):
        figures = [(off + a, off + b) for a, b in _run_figures(line, 0, len(state.years))]
    else:
        if line.rstrip().endswith(".") and len(line.split()) >= ROW_END_WORDS:
            state.row = None  # a sentence ends the row; "mv." wrapped from its name does not
        return
    if figures and state.row:
        a, b = _pick_column(figures, state.years, year)
        # The whole row answers for its figure: the comment cell often says what the money is for.
        yield _Amount(a, b, (state.row[0], off + len(line.rstrip())), (state.row[1],), table=True)
        state.row = None  # its figures are read


def _amounts(passage: str, year: int | None) -> list[_Amount]:
    """Every amount in a passage: amounts with a unit in its sentences, and figures of its budget-table rows."""
    out: list[_Amount] = []
    state = _TableState()
    for off, line in _lines(passage):
        out.extend(_table_line(line, off, state, year))
        said = list(_sentence_amounts(line, off, state.context))
        is_row = norsk.budget_row(line, state.chapter) or norsk.budget_row(" " + line, state.chapter)
        if len(said) >= 2 and len(state.head_words) >= len(said) and is_row:
            # "21 Spesielle driftsutgifter 178 mill. kroner 112 mill. kroner" under "… Samlet ramme Tildeling Hdir"
            said = [dataclasses.replace(a, column=name) for a, name in zip(said, _columns(state.head_words, len(said)),
                                                                              strict=True)]
        out.extend(said)
    return out


def _label(amount: _Amount, wanted: list[BudgetLine]) -> str:
    """The budget line to name with an amount: the one the question asked for, else the first the text gives."""
    for have in amount.refs:
        if not wanted or any(_ref_matches(w, have) for w in wanted):
            return norsk.budget_label(*have)
    return ""


def _distance(passage: str, amount: _Amount, content: set[str]) -> int:
    """How far (in characters) an amount stands from the nearest question word of its sentence or row."""
    # Of three amounts in one sentence, the one next to the asked name answers.
    spots = [m.start() for m in _WORD_RE.finditer(passage, amount.region[0], amount.region[1])
             if stem_tokens(m.group(0)) & content]
    return min((abs(x - amount.start) for x in spots), default=len(passage))


# "Hvor mye av pengene til X går til Y?", "how much of …": a part of a total, not the row's total.
_ASKS_PART_RE = re.compile(r"\b(?:hvor\s+mye|how\s+much)\s+av\b|\bhow\s+much\s+of\b", re.I)
_HOW_MUCH_RE = re.compile(r"\b(?:hvor\s+mye|how\s+much)\b", re.I)
PART_NOT_TOTAL = 1.0  # a table row's figure weighs this much less when the question asks for a part


def amount_fact(question: str, passage: str, language: str, year: int | None = None) -> Fact | None:
    """The amount whose sentence or table row best matches the question (and stands under the line it names)."""
    wanted = _refs(question)
    rest = norsk.ID_RE.sub(" ", norsk.BUDGET_REF_RE.sub(" ", _DOTTED_REF_RE.sub(" ", question)))
    asked_year = norsk.YEAR_RE.search(rest)
    year = year if year is not None else (int(asked_year.group(0)) if asked_year else None)
    content = _content(_AMOUNT_TALK_RE.sub(" ", norsk.YEAR_RE.sub(" ", rest)), language)
    found = [a for a in _amounts(passage, year)
             if not wanted or any(_ref_matches(w, h) for w in wanted for h in a.refs)]
    if not found:
        return None

    # one "hvor mye av …" asks for a part; "hvor mye er tildelt, og hvor mye av det går til …" first the whole
    part = bool(_ASKS_PART_RE.search(question)) and len(_HOW_MUCH_RE.findall(question)) == 1

    def score(a: _Amount) -> tuple[float, int, int]:
        """Shared content words (its column's name counting; a named line's figure and the asked year weigh a
        little; a row's total weighs less when a part is asked for), then nearness."""
        region = passage[a.region[0] : a.region[1]]
        bonus = (0.5 if a.table and wanted else 0) + (0.25 if year and str(year) in region else 0)
        bonus -= PART_NOT_TOTAL if part and a.table else 0
        column = sum(1 for u in stem_tokens(a.column) if u in content or f"{u}s" in content)  # "Hdirs del"
        return len(content & stem_tokens(region)) + column + bonus, -_distance(passage, a, content), -a.start

    best = max(found, key=score)
    if not wanted and score(best)[0] < MIN_AMOUNT_SHARED and len(found) > 1:
        return None
    value = passage[best.start : best.end]
    return Fact("amount", value, value, passage[best.region[0] : best.region[1]], budget=_label(best, wanted),
                table=best.table)

"""Do the letters speak of what a question asks? Refusals before search, coverage of a topic after it."""

from __future__ import annotations

import os
import re

from assistant import phrasing
from assistant.corpus import Corpus
from assistant.extract import stem_tokens
from assistant.question import Question
from assistant.records import Answer
from index.records import Hit
from ingest import norsk

# Words of an English question that name no topic: they say what is asked, not about what.
_EN_QUESTION_WORDS = frozenset("""
what which when where who whom whose why how much many does do did done is are was were been being be have has
had the this that these those there their them they with from into onto about over under after before between
by for of on in at to and or but not any some all each every other than then also only just more most
assignment assignments task tasks letter letters deadline deadlines date dates due department departments
directorate ministry owner owns own owned responsible covers cover covering deals deal dealing concerns concern
concerning involve involves involved mention mentions mentioned say says said ask asks asked introduce
introduces introduced introduction give gives given describe describes described work working must should shall
will would could might need needs needed required require requires complete completed completion deliver
delivered delivery submit submitted send sent year years month months week weeks part item items sub-item
sub-task please tell know find list lists name names kind type allocation supplementary supplement hdir hod
want wants wanted answer answers answered question questions specific specifically exactly actually
""".split())
# Words of a Norwegian question that name no topic, and that letters in officialese need not use ("ifølge"), or
# that name the letter asked about ("tilleggsbrev 2"), not what it says.
_NO_QUESTION_STEMS = frozenset(w[:6] for w in """
ifølge iflg angående vedrørende hvilken hvilket hvilke hvordan hvorfor hvorvidt egentlig akkurat nøyaktig
spesifikt konkret totalt samlet tilsammen fortsatt fremdeles allerede lenger betyr innebærer inneholder stemmer
riktig korrekt sitte sitter nevnt nevnes nevner omtalt omtales omtaler skjedde skjedd finnes fantes gjelder
handler trenger ønsker tillegg tilleggsbrev supplerende supplement tildelingsbrev brevet brevene
punkter punktene kulepunkter elementer framover fremover heretter etterhvert igjen uansett likevel allikevel
hittil foreløpig""".split())
_WORD_RE = re.compile(r"[A-Za-zÆØÅæøåÉéÜü]{2,}")
# SQL or shell text pasted into the chat is no question about the letters.
_CODE_RE = re.compile(r";\s*(?:drop|delete|insert|update|select|alter|truncate)\b|\bunion\s+select\b|--\s*$|"
                      r"^\s*(?:select|drop|delete|insert)\s+.*\b(?:from|table|into)\b", re.IGNORECASE)
# The year is the letter's or the money's ("tildelingsbrevet for 2022", "the 2022 letter", "bevilget i 2022"), not
# a year the text speaks of ("budsjettforslaget for 2022" in the 2021 letter).
_YEAR_SCOPE_RE = re.compile(r"\b(?:tildelingsbrev\w*|brev\w*|letters?|supplement\w*|tillegg\w*|bevilg\w*|tildelt|"
                            r"allocated|granted|appropriat\w*)\b\D{0,25}\b(?:19|20)\d\d\b|"
                            r"\b(?:19|20)\d\d\b\D{0,12}\b(?:tildelingsbrev\w*|allocation|letter|supplement\w*)", re.I)


def out_of_scope(c: Corpus, q: Question) -> Answer | None:
    """Questions no letter can answer, refused before any search: no words at all ('', emojis, '?!?'),
    code rather than a question, a name no letter writes, or a letter year the index holds no letter of."""
    if not _WORD_RE.search(q.text) or _CODE_RE.search(q.text):
        return Answer(q.text, phrasing.rephrase(q.language), False)
    names = unknown_names(c, q)
    if names:  # "Svalbard", "LMA": a name the letters never write is a topic they do not have
        return Answer(q.text, phrasing.unknown_name(names[0], q.language), False)
    years = c.years()
    if q.year and years and q.year not in years and not q.ids and _YEAR_SCOPE_RE.search(q.text):
        return Answer(q.text, phrasing.no_letter_year(q.year, sorted(years), q.language), False)
    if q.letter_hint and q.letter_hint[1] is not None and not _numbered_letter(c, q.letter_hint[1], q.year):
        held = sorted({phrasing.short_title(x.title, x.year) for x in c.letters.values() if x.kind != "allocation"})
        return Answer(q.text, phrasing.no_such_letter(q.letter_hint[1], held, q.language), False)
    return None


def _numbered_letter(c: Corpus, number: int, year: int | None) -> bool:
    """Is there a later letter (a supplement of any name) with this number, of this year where one is named?"""
    return any(re.search(rf"\bnr\.?\s*{number}\b", x.title, re.I) and (not year or x.year == year)
               and x.kind != "allocation" for x in c.letters.values())


def letter_year(c: Corpus, q: Question) -> int | None:
    """The year of the letters a question is scoped to ("what does the 2024 letter say about …"), where the
    index holds letters of that year; None for a year the text only speaks of."""
    m = _YEAR_SCOPE_RE.search(q.text)  # the year beside "letter", not another ("Demensplan 2025 … brevet for 2024")
    year = int(re.search(r"(?:19|20)\d\d", m.group(0)).group(0)) if m else None  # type: ignore[union-attr]
    return year if year in c.years() else None


def scope(c: Corpus, q: Question) -> int | str | None:
    """The one letter a question names (its file), else the year of the letters it is scoped to."""
    hinted = c.hinted_letters(q)
    return hinted[0].file if len(hinted) == 1 else letter_year(c, q)


def content_words(text: str) -> list[str]:
    """The words of an English question that can name its topic (not 'what', 'deadline', 'assignment')."""
    return [w for w in re.findall(r"[a-zæøå]+(?:-[a-zæøå]+)*", norsk.ID_RE.sub(" ", text).lower())
            if len(w) >= 4 and w not in _EN_QUESTION_WORDS]


def cognates(c: Corpus, word: str) -> list[str]:
    """Words of the letters that an English word is another spelling of: 'ichthyosis' -> 'iktyose';
    none for a word the letters use as it is or the glossary translates."""
    if len(word) < 6 or word in c.words or norsk.expand_english(word):
        return []
    target = norsk.norwegian_spelling(word)
    need = max(5, -(-3 * len(target) // 4))  # three quarters of it, from the start (compounds go on)
    out = [w for w in c.words_by_prefix(target[:4]) if len(os.path.commonprefix([target, w])) >= need]
    return sorted(out, key=len)[:4]


def covers(c: Corpus, q: Question, hits: list[Hit]) -> bool:
    """Do the letters speak of what a Norwegian question names? Cosine alone does not tell
    'droner' or 'cannabis' from topics the letters have; a word the letters never use does. A question
    scoped to one letter, or one year's letters, is judged by their words ('antibiotikaresistens' in the 2021
    letter is no answer about the 2024 one)."""
    if c.config == "bm25":
        return True
    scoped = scope(c, q)
    vocab = c.vocabulary_of(scoped) if scoped else c.vocabulary
    if q.language == "en":
        return _covers_en(c, q, hits, vocab)
    s = c.settings
    # "2024-oppdrag", "10-årsplan": a word that opens with a number names no topic of its own
    terms = {t for t in stem_tokens(norsk.ID_RE.sub(" ", q.text)) if len(t) >= 4 and not t[0].isdigit()}
    if not terms:
        return True
    top = hits[0].dense or 0.0
    # a word the letters never use, in no inflection ('etater' when they write 'etaten'), that is no question word
    prefixes = c.prefixes_of(scoped or None)
    unknown = {t for t in terms if len(t) >= 5 and t not in _NO_QUESTION_STEMS and t[:5] not in prefixes
               and t not in _passives(q.text)} - vocab
    if scoped and unknown & c.vocabulary:
        return False  # a topic of the other letters, not of the one asked about
    covered = len(terms & set().union(*(stem_tokens(h.chunk.text) for h in hits[:3]))) / len(terms)
    return not ((unknown and top < s.cover_unknown_word_dense)
                or (covered < s.cover_min_overlap and top < s.cover_low_overlap_dense))


# A Norwegian passive after a modal ("skal … bakes inn", "kan brukes"): how something is done, not a topic.
_PASSIVE_RE = re.compile(r"\b(?:skal|kan|må|bør|vil|blir|ble)\b(?:\s+\w+){0,6}?\s+(\w{3,}es)\b", re.I)


def _passives(text: str) -> set[str]:
    """The stems of the passive verbs a Norwegian question uses after its modal."""
    return {t for m in _PASSIVE_RE.finditer(text) for t in stem_tokens(m.group(1))}


# A name: a capitalised word or an acronym inside a question (not its first word, not after a full stop).
_NAME_RE = re.compile(r"(?<=[^.!?:\s] )[A-ZÆØÅ][A-Za-zÆØÅæøå]{3,}\b|\b[A-ZÆØÅ]{3,}\b")


def unknown_names(c: Corpus, q: Question) -> list[str]:
    """The names a question uses that no letter writes, in any spelling the glossary or the letters' words give:
    a Norwegian question's capitalised words inside it, any question's acronyms ("LMA")."""
    out = []
    for m in _NAME_RE.finditer(norsk.ID_RE.sub(" ", q.text)):
        w = m.group(0).lower()
        if w in c.words or w.removesuffix("s") in c.words or norsk.expand_english(w) or cognates(c, w):
            continue
        if q.language == "en" and not m.group(0).isupper():
            continue  # English capitalises more than names ("Board", "March"): only its acronyms count
        out.append(m.group(0))
    return out


def _covers_en(c: Corpus, q: Question, hits: list[Hit], vocab: set[str]) -> bool:
    """An English question is known to the letters through the glossary's Norwegian terms or words
    the letters use as they are (names, English terms). One that names only words of neither kind
    ("sugar tax") is not covered unless the meaning match is strong."""
    words = content_words(q.text)
    if not words:
        return True
    top = hits[0].dense or 0.0
    said = {w: stem_tokens(norsk.expand_english(w)) for w in words}  # the Norwegian the glossary gives
    spelled = {w: stem_tokens(" ".join(cognates(c, w))) for w in words}  # 'ichthyosis': 'iktyose'
    known = [w for w in words if w[:6] in vocab or said[w] & vocab or spelled[w] & vocab]
    if known:
        # "helicopter landing sites at hospitals": one word the letters know among more they never use (and the
        # glossary does not give) is a topic they do not have, unless the meaning match is strong.
        return len(words) - len(known) <= len(known) or top >= c.settings.cover_unknown_word_dense
    # Not one word the letters use. One the glossary knows whose Norwegian the letters never use
    # ("salt": "salt") makes it surer that the topic is not theirs than a word it does not know.
    absent = any(said[w] for w in words)
    return top >= (c.settings.cover_en_absent_dense if absent else c.settings.cover_en_unknown_dense)

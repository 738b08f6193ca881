"""Extractive answers: the best sentence or two of the retrieved paragraphs, chosen by a sentence scorer."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

from ingest import norsk

_SENT_RE = re.compile(r"(?<=[.!?»])\s+(?=[A-ZÆØÅ«\"(\-])")
SECOND_SENTENCE_CHARS = 260  # a nearly-as-good sentence further off in the passage joins a short best one
LOCAL_MIN_SENTENCES = 4  # from this many candidate sentences, a word common among them counts less
LOCAL_DISCOUNT = 0.5  # a word in every candidate sentence counts half
LIST_CHARS = 340  # a list introduced by "følgende:" is answered whole up to this length
_PARA_RE = re.compile(r"\n\s*\n")
# A list item that opens with an assignment's ID and title: "- TB2021-25 Utarbeide informasjon om NIPT: …".
_TITLE_LEAD_RE = re.compile(rf"^[\s\-–•]*{norsk.ID_PATTERN}(?:\s*/\s*{norsk.ID_PATTERN})*\s+[^:.]{{3,140}}:\s+",
                            re.I)
# A question about what became of something: "hva skjedde med", "hva endret", "i stedet for", "what happens to".
_ASKS_OUTCOME_RE = re.compile(r"\b(?:skjedde|skjer|endret|endres|endring\w*|i\s+stedet|happen\w*|chang\w*|"
                              r"instead|outcome)\b", re.I)
# A sentence where the ministry decides: "HOD gir sin tilslutning til …", "det er besluttet", "… utgår".
_DECISION_RE = re.compile(r"\b(?:HOD|[Dd]epartementet)\b[^.]{0,40}?\b(?:gir|vil|ber|forventer|anerkjenner|støtter|"
                          r"besluttet|godtar|aksepterer)\b|\b(?:tilslutning|besluttet|i\s+stedet|utgår|utsettes|"
                          r"nedskaleres|tas\s+ut)\b")
DECISION_BONUS = 1.5  # in shared-word units
# A sentence that limits or denies: where a yes/no question is decided.
_RESTRICT_RE = re.compile(r"\b(?:ikke|ingen|kun|bare|unntatt|utelukkende|not|only|except|never)\b", re.I)
RESTRICTION_BONUS = 1.0  # in shared-word units: worth one more common word shared with the question
# An abbreviation's full stop ends no sentence: "jf. EU-direktivet", "bl.a. Helsedirektoratet", "f.eks. NOU".
_ABBREVIATION_RE = re.compile(r"(?:^|\s|\()(?:jf|jfr|bl\.\s?a|f\.\s?eks|dvs|ca|nr|pkt|evt|inkl|ekskl|iht|vedr|mht|"
                              r"pr|kl|e\.\s?g|i\.\s?e|cf|vs|ref|Prop|St|Meld|kap)\.$", re.I)
_BULLET_ITEM_RE = re.compile(r"\s*[-–•▪*]\s+\S")  # a paragraph that is a bulleted list item
_ITEM_CHARS = 400  # longer than this, a bulleted paragraph is prose and is split into its sentences
_MARKER_RE = re.compile(r"(?:[a-h]|\d{1,2})[.)]")
_ITEM_RE = re.compile(r"(?<=[:.])(?<!\d{4}:)\s+(?=(?:[a-h]|\d{1,2})[.)]\s+[A-ZÆØÅ«])")
# "How many teams", "hvor mange": the answer is a count, a number that is not a year.
# "Hvor stort skal lageret være?", "how long …": a size, a length or a share, said with a number.
ASKS_SIZE_RE = re.compile(r"\b(?:hvor\s+(?:stor|lang|høy|omfattende)\w*|how\s+(?:big|large|long|high|extensive)|"
                           r"what\s+size)\b", re.I)
ASKS_COUNT_RE = re.compile(r"\b(?:how\s+many|hvor\s+mange|antall|number\s+of)\b", re.I)
_COUNT_RE = re.compile(r"(?<![\d.,-])(?!(?:19|20)\d\d\b)\d{1,6}(?![\d.,-]?\d)(?!\s*(?:%|prosent))")
_COUNT_WORD_RE = re.compile(r"\b(?:to|tre|fire|fem|seks|sju|syv|åtte|ti|elleve|tolv|femten|tjue|tretti|femti|hundre)\b",
                            re.I)
# A name that is a body which can act: an acronym ("FHI", "KS", "RHF") or a name with an organisation's word
# ("Folkehelseinstituttet", "Medietilsynet", "Legeforeningen", "Bufdir"), not "Nasjonalt" opening a title.
_ACTOR_RE = re.compile(r"[A-ZÆØÅ]{2,}|[A-ZÆØÅ]\w*(?:direktorat|institutt|tilsyn|foretak|departement|forbund|"
                       r"forening|senter|sentre|kontor|råd|etat|universitet|sykehus|kommune|ombud|organisasjon|"
                       r"stiftelse|byrå|verk|dir|helse)\w*$|Helse\b")
# "Hvem har hatt ansvaret …", "who leads …": the answer names someone.
ASKS_WHO_RE = re.compile(r"\b(?:hvem|who|whom)\b", re.I)
# A name inside a sentence: a capitalised word not opening it, or an acronym ("Norsk Fysioterapeutforbund (NFF)").
_NAME_RE = re.compile(r"(?<=[^.!?:\s] )[A-ZÆØÅ][a-zæøå]+(?:-[A-Za-zæøå]+)?|\b[A-ZÆØÅ]{2,}\b")
# Capitalised words that cite a document, not name someone: "jf. Prop. 1 S", "Meld. St. 23", "NOU 2019: 24".
_REFERENCE_WORDS = frozenset({"Prop", "Meld", "St", "S", "L", "NOU", "Innst", "Kap", "Post", "Dokument", "Ot", "EU", "EØS"})
# "Hva skal direktoratet gjøre med …", "what must they do": the answer is what the letter asks for.
_ASKS_TASK_RE = re.compile(r"\b(?:gjøre|gjøres|gjennomføre|what\s+(?:must|should|shall|is)\b[^?]{0,60}\bdo(?:ne)?|"
                           r"asked\s+to\s+do)\b", re.I)
# "Hva går oppdraget ut på?", "what does TB2024-50 involve?": about one assignment, its task sentences answer.
ASKS_ABOUT_RE = re.compile(r"\b(?:går\b[^?]{0,80}\but\s+på|innebærer|what\s+does\b[^?]{0,80}\b"
                            r"(?:involve|entail|require|ask(?:\s+for)?))\b", re.I)
_TASK_RE = re.compile(r"\b(?:skal|bes|ber\s+\w+(?:\s+\w+)?\s+(?:om\s+)?å?|må|anmodes|oppdras)\b", re.I)
_AMOUNT_RE = re.compile(r"\d[\d  ,.]*\s*(?:mill\w*\.?|mrd\.?|milliard\w*|kroner|kr\.?)(?!\w)", re.I)
_WORD_RE = re.compile(r"[a-zæøå0-9]+(?:-[a-zæøå0-9]+)*", re.I)
_STOP = {"og", "i", "for", "av", "til", "på", "som", "med", "det", "er", "en", "et", "om", "å", "at", "skal", "de",
         "den", "hva", "hvilke", "hvilket", "hvem", "når", "the", "of", "and", "to", "a", "in", "is", "what", "which",
         "does", "do", "about", "helsedirektoratet", "oppdrag", "oppdraget", "assignment", "letter", "brevet", "går",
         "ut", "be", "bes", "ber", "har", "kan", "fra", "eller", "this", "that", "with", "how", "much", "hvor", "mye",
         "punkt", "deloppdrag", "del", "sub", "item", "task", "involve", "ask", "asks", "innebærer", "handler",
         "mean", "means", "point", "part", "under", "tb", "ttb", "stb", "rtb", "dreier", "seg", "gjelder",
         "omhandler", "omtaler", "skulle", "kommer", "finnes", "står", "fikk", "ligger", "inneholder", "nevner",
         "sier", "være", "blir", "bli", "ble", "klart", "klar", "ferdig", "levere", "leveres", "frist", "fristen",
         "mange", "many"}


def sentences(text: str) -> list[str]:
    """Sentences of a passage; a paragraph break (a table row, a list item) always ends one, and so does
    an item marker after a colon or a full stop ("alternativer: a. Et … b. Et …")."""
    text = _ITEM_RE.sub("\n\n", text)
    parts: list[str] = []
    for para in _PARA_RE.split(text):
        if _BULLET_ITEM_RE.match(para) and len(para) <= _ITEM_CHARS:
            parts.append(para.strip())  # a list item is one unit, its question and follow-up question too
            continue
        for p in (x.strip() for x in _SENT_RE.split(para)):
            if p and parts and (_MARKER_RE.fullmatch(parts[-1]) or _ABBREVIATION_RE.search(parts[-1])):
                parts[-1] = f"{parts[-1]} {p}"  # "a." starts its item; "jf." goes on
            elif p:
                parts.append(p)
    return [p for p in parts if len(p) > 2]


def stem_tokens(text: str) -> set[str]:
    # A crude Norwegian stem (first 6 letters) is enough to match "e-sigaretter" with "e-sigarett";
    # the parts of a hyphenated word count too ("FACT-team" has "team").
    words = _WORD_RE.findall(text.lower())
    parts = [p for w in words if "-" in w and not norsk.ID_RE.search(w) for p in w.split("-")]
    return {w[:6] for w in (*words, *parts) if w not in _STOP and len(w) > 1}


def _long_words(text: str) -> set[str]:
    return {w for w in _WORD_RE.findall(text.lower()) if len(w) >= 6 and w not in _STOP}


def _compound_hits(q_words: set[str], matched: set[str], sentence: str) -> int:
    """Question words that stand inside a longer word of the sentence: Norwegian writes compounds,
    "veiledning" in "gruppeveiledning" (not in "gruppeveilederutdanning"), "kompensasjon" in
    "praksiskompensasjon". Words whose stem already matched are not counted twice."""
    words = [w for w in _WORD_RE.findall(sentence.lower()) if len(w) > 6]
    return sum(1 for q in q_words if q[:6] not in matched and any(q in w and q != w for w in words))


def has_amount(text: str) -> bool:
    return bool(_AMOUNT_RE.search(text))


def _bonus(s: str, want_amount: bool, want_date: bool, want_count: bool = False, want_task: bool = False,
           asked: set[str] | None = None) -> float:
    undated = norsk.DATE_RE.sub(" ", s)
    return ((3 if want_amount and has_amount(s) else 0) + (3 if want_date and norsk.DATE_RE.search(s) else 0)
            + (3 if want_count and (_COUNT_RE.search(undated) or _COUNT_WORD_RE.search(undated)) else 0)
            + (3 if want_task and _TASK_RE.search(s) else 0)
            + (3 if asked is not None and new_names(s, asked) else 0))


HEADING_WORDS = 8  # a line this short without a full stop is a heading: the text after it says something


def is_heading(text: str) -> bool:
    """A short line without a full stop or a list mark ("Pasientens måledata", "Differensiert statistikk")."""
    s = text.strip()
    return 0 < len(s.split()) <= HEADING_WORDS and not s.endswith((".", ":", "?", "!")) and not s.startswith(("-", "•"))


def is_header(sentence: str) -> bool:
    """An assignment's header line ("TB2024-86 Avd.HOD: KTA Fysioterapi A2K", "ID: TB2021-60 Eieravdeling …")."""
    s = sentence.strip()
    return bool(norsk.ID_RE.match(s) and norsk.OWNER_LABEL_RE.search(s) or s.startswith("ID:"))


def new_names(sentence: str, asked: set[str]) -> list[str]:
    """The names in a sentence (capitalised inside it, or acronyms) that the question does not use: who a
    'hvem …?' question asks for ("… ligget hos Norsk Fysioterapeutforbund (NFF)")."""
    if is_header(sentence):
        return []  # an assignment's header names its owner, not who does what
    flat = " ".join(norsk.ID_RE.sub(" ", sentence).split())  # a name after a line break ("med\nHelse Midt") counts
    return [m.group(0) for m in _NAME_RE.finditer(flat)
            if m.group(0).lower() not in asked and m.group(0) not in _REFERENCE_WORDS]


Scored = tuple[float, int, int, str]  # (score, passage index, sentence index, sentence)


def best_sentences(question: str, passages: Sequence[str], want_amount: bool = False, n: int = 2,
                   embed: Callable[[list[str]], np.ndarray] | None = None,
                   query_vec: np.ndarray | None = None, want_date: bool = False,
                   weight: Callable[[str], float] | None = None, one_assignment: bool = False,
                   restrictive: bool = False) -> list[tuple[int, str, float]]:
    """(passage index, sentence, score) for the best sentences, in passage order within the top n.

    Lexical overlap with the question decides (each shared stem counted by `weight`, its rarity in the
    letters, where given: 'sekundærmålgruppe' says more than 'fastlege'); the passage's rank is a small
    prior; where the words do not meet (an English question over Norwegian text) the sentences are
    embedded and compared. `one_assignment`: the passages are one assignment's, so "what is it about" is
    answered by what it asks the directorate to do. `restrictive` (a yes/no question): a sentence that limits
    or denies ("skal omtales, men ikke integreres") and shares two question words is preferred, for that is
    where a yes/no is decided.
    """
    q_tokens = stem_tokens(norsk.ID_RE.sub(" ", question))
    scored, met = _scored(question, q_tokens, passages, weight)
    if not scored:
        return []
    scored = _wanted(question, scored, want_amount, want_date, one_assignment)
    if restrictive:
        scored = [_restriction_scored(c, q_tokens, weight) for c in scored]
    if _ASKS_OUTCOME_RE.search(question):  # "hva skjedde med kurset?": where the ministry decides, not the background
        scored = [(c[0] + DECISION_BONUS, *c[1:]) if _DECISION_RE.search(c[3]) and _says_any(met, c) else c
                  for c in scored]
    if not q_tokens:  # "Hva går det ut på?": nothing to match, the opening sentences say it
        first = sorted(scored, key=lambda x: (x[1], x[2]))[:2]
        return [(c[1], c[3], c[0]) for c in first if c[1] == first[0][1]]
    words_met = max(met[c[1], c[2]] for c in scored)
    if embed is not None and query_vec is not None and words_met < 1.5 and len(scored) > 1:
        # Few shared words (an English question over Norwegian text): meaning decides, words still count.
        cand = sorted(scored, reverse=True)[:10]  # each embedded sentence costs ~3 ms on a CPU core
        sims = embed([c[3] for c in cand]) @ query_vec
        scored = [(float(sim) * 10 + c[0] - 0.1 * c[2], c[1], c[2], c[3]) for c, sim in zip(cand, sims, strict=True)]
    return [(c[1], c[3], c[0]) for c in _kept(sorted(scored, reverse=True)[:n], passages)]


def _says_any(met: dict[tuple[int, int], float], c: Scored) -> bool:
    """Does the sentence share any question word (its item's title counting)? `met` holds the words shared less
    the place penalties _scored takes off; they are added back here."""
    return met[c[1], c[2]] + 0.3 * c[1] + 0.05 * c[2] > 0


def gist(question: str, text: str, limit: int) -> str:
    """A long quote cut to what the question asks about: the text itself when it fits in `limit`, else its
    sentences that answer best, in the text's order ('hva skjedde med kurset?' quotes the ministry's decision,
    not the background the item opens with)."""
    if len(text) <= limit:
        return text
    best = best_sentences(question, [text], n=2)
    return " ".join(s for _, s, _ in best) if best else text


def loosely_shared(q_tokens: set[str], tokens: set[str]) -> set[str]:
    """Question stems a sentence holds, an inflection or compound counting ('maten'/'matens',
    'klimaavtrykket'/'klima-'): one stem opens the other and the shorter has five letters or more."""
    return {t for t in q_tokens
            if t in tokens or any(min(len(t), len(u)) >= 5 and (t.startswith(u) or u.startswith(t)) for u in tokens)}


def _restriction_scored(c: Scored, q_tokens: set[str], weight: Callable[[str], float] | None) -> Scored:
    """A sentence that limits or denies and holds two question words (inflections and compounds counting,
    and counted) scores RESTRICTION_BONUS more: a yes/no is decided where the letter draws a line."""
    tokens = stem_tokens(c[3])
    loose = loosely_shared(q_tokens, tokens)
    if len(loose) < 2 or not _RESTRICT_RE.search(c[3]):
        return c
    inflected = sum((weight or (lambda _t: 1.0))(t) for t in loose - tokens)
    return (c[0] + inflected + RESTRICTION_BONUS, *c[1:])


def _scored(question: str, q_tokens: set[str], passages: Sequence[str], weight: Callable[[str], float] | None
            ) -> tuple[list[Scored], dict[tuple[int, int], float]]:
    """Every sentence but a header line, scored by the question words it shares (and the words met, unweighted)."""
    q_words = _long_words(norsk.ID_RE.sub(" ", question))
    # A question word in most of these sentences (the assignment's topic, 'Kjernegruppe') tells them apart less
    # than one in few ('etatssamarbeidet'): its weight is lowered by the share of sentences holding it.
    held = [stem_tokens(s) for p in passages for s in sentences(p)]
    share = {t: sum(t in h for h in held) / len(held) for t in q_tokens} if len(held) >= LOCAL_MIN_SENTENCES else {}
    base = weight or (lambda _t: 1.0)

    def w(t: str) -> float:
        return base(t) * (1 - LOCAL_DISCOUNT * share.get(t, 0.0))

    scored: list[Scored] = []
    met: dict[tuple[int, int], float] = {}  # words shared, unweighted: few means meaning must decide
    # "TB2024-84 Avd.HOD: SHA Felles aktivitetsmål …" names an assignment, it answers nothing (unless all do)
    headers_only = all(is_header(s) for p in passages for s in sentences(p))
    for pi, passage in enumerate(passages):
        title: set[str] = set()  # the leading "- TB2021-25 Utarbeide informasjon …:" of the item read
        for si, s in enumerate(sentences(passage)):
            if is_header(s) and not headers_only:
                continue
            # an item's leading title names what all its sentences say: its words count for each of them alike
            lead = _TITLE_LEAD_RE.match(s)
            if lead or _BULLET_ITEM_RE.match(s):
                title = q_tokens & stem_tokens(lead.group(0)) if lead else set()
            said = s[lead.end():] if lead else s
            shared = (q_tokens & stem_tokens(said)) | title
            compound = 0.5 * _compound_hits(q_words, shared, said)
            met[pi, si] = len(shared) + compound - 0.3 * pi - 0.05 * si
            scored.append((sum(w(t) for t in shared) + compound - 0.3 * pi - 0.05 * si, pi, si, s))
    return scored, met


def _wanted(question: str, scored: list[Scored], want_amount: bool, want_date: bool, one_assignment: bool
            ) -> list[Scored]:
    """The sentences that hold what the question asks for (an amount, a date, a count, a task, a name), where any do."""
    want_count = bool(ASKS_COUNT_RE.search(question) or ASKS_SIZE_RE.search(question))
    asks_task = _ASKS_TASK_RE.search(question) or one_assignment and ASKS_ABOUT_RE.search(question)
    want_task = bool(asks_task) and not (want_amount or want_date or want_count)
    # "hvem …": a sentence naming someone the question does not name, where any does
    who = {w.lower() for w in _WORD_RE.findall(question)} if ASKS_WHO_RE.search(question) else None
    wanted = [c for c in scored if _bonus(c[3], want_amount, want_date, want_count, want_task, who) > 0]
    if who is not None:  # a body that acts ("i samarbeid med Folkehelseinstituttet") before any capitalised word
        actors = [c for c in wanted if any(_ACTOR_RE.match(n) for n in new_names(c[3], who))]
        wanted = actors or wanted
    return wanted or scored


def _kept(top: list[Scored], passages: Sequence[str]) -> list[Scored]:
    """The best sentence, with a second only when it is nearly as good and next to it, or both are short (answers
    stay a sentence or two); a sentence ending in a colon brings the list that follows."""
    best = top[0]
    keep = [best]
    for other in top[1:]:
        near = abs(other[2] - best[2]) == 1 or len(best[3]) + len(other[3]) <= SECOND_SENTENCE_CHARS
        if other[1] == best[1] and near and other[0] >= best[0] - 1:
            keep.append(other)
    keep.sort(key=lambda x: (x[1], x[2]))
    last = keep[-1]
    if last[3].rstrip().endswith(":"):
        # "… følgende to alternativer utredes:": the answer is the list that follows.
        keep = [last]
        for si, sentence in enumerate(sentences(passages[last[1]])[last[2] + 1 :], start=last[2] + 1):
            if sum(len(c[3]) + 1 for c in keep) + len(sentence) > LIST_CHARS:
                break
            keep.append((last[0], last[1], si, sentence))
    return keep

"""Understanding a question: assignment IDs, sub-item, intent, filters, language, and what follow-ups inherit."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, Literal

from ingest import norsk


class Intent(StrEnum):
    """What a question asks for; the router picks the answerer by it (a StrEnum: it compares and prints as text)."""

    CHANGE = "change"
    DEADLINE = "deadline"
    OWNER = "owner"
    AMOUNT = "amount"
    LIST = "list"
    CONTENT = "content"


# A question that opens with one of these verbs wants a yes or a no.
YESNO_VERBS = frozenset({
    "skal", "er", "kan", "må", "har", "inngår", "gjelder", "blir", "ble", "får", "bør", "vil", "var", "finnes",
    "utgår", "does", "is", "are", "can", "must", "should", "will", "has", "have", "do", "did", "was", "were",
    "shall", "could", "would"})

Age = Literal["new", "earlier"]

_EN_WORDS = {"what", "which", "when", "who", "the", "is", "of", "does", "deadline", "due", "department", "owns",
             "how", "much", "assignment", "did", "happen", "happened", "to", "about", "ask", "and", "are",
             "there", "any", "money", "set", "aside", "responsible", "list", "sub-item", "item", "part", "in", "was",
             "cancelled", "changed", "task", "tasks", "assignments", "where", "letter", "says", "say"}
_NO_WORDS = {"hva", "hvilke", "hvilket", "hvem", "når", "er", "fristen", "frist", "oppdrag", "oppdraget", "og", "det",
             "til", "hvor", "mye", "skal", "går", "ut", "på", "eier", "har", "om", "med", "av", "som", "deloppdrag",
             "ble", "endret", "utgår", "hvordan", "ansvarlig", "avdeling", "brevet", "sier", "hvilken", "satt"}

_INTENT_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("change", re.compile(r"\b(endret|endring\w*|endres|utgår|utgått|utgikk|utsatt|utsettes|kanseller\w*|tatt ut|"
                          r"skjedde|happened|happen|cancel\w*|changed?|changes|renumber\w*|nummerering|nytt nummer|"
                          r"omnummerert|presiser\w*|clarif\w*|reword\w*|omformulert|ny oppdragstekst|new wording|"
                          r"postponed|senere brev|later letter|videreført|carried over|withdrawn|dropped)\b", re.I)),
    ("deadline", re.compile(r"\b(frist\w*|tidsfrist\w*|når(?!\s+det\s+gjelder)|innen når|when|due|deadline\w*|levere?s?\s+innen|"
                            r"by what date|what date|date|ferdig\w*\s+innen)\b", re.I)),
    ("owner", re.compile(r"\b(ansvarlig\w*|eier|eies|eieravdeling\w*|hvem\b[^?]{0,25}\b(?:eier|ansvar\w*)|"
                         r"avdeling\w*|avd\.?\s?hod|department\w*|who owns|owner\w*|own|owns|responsible)\b", re.I)),
    ("amount", re.compile(r"\b(hvor mye|beløp\w*|mill\w*|kroner|how much|amount|budget\w*|nok|bevilg\w*|"
                          r"satt av|set aside|funding|midler|tildelt\w*|tildelingen|innslagspunkt\w*|threshold|compensation|kompensasjon|honorar|sats\w*|rate|"
                          r"ramme\w*|hvor store?|financial|frame)\b", re.I)),
    ("list", re.compile(r"\b(hvilke|which\b[^?]{0,40}\b(?:assignments|tasks)|list\w*|oversikt|alle oppdrag\w*|"
                        r"all assignments|how many|hvor mange)\b", re.I)),
)
# "After the rewording …, when must …": a question that asks when is a deadline question.
_ASKS_WHEN_RE = re.compile(r"^(?:.*(?:,|\s[-–:])\s*)?(?:when|by when|når|innen når|hva er (?:den nye )?fristen|"
                           r"hvilken (?:ny\s+)?frist|what (?:is the (?:new )?)?deadline|which deadline)\b", re.I)
_WEAK_CHANGE_RE = re.compile(r"\b(?:status|(?:fortsatt|fremdeles)\s+(?:aktiv\w*|gjeldende|gyldig|aktuelt|i\s+kraft|"
                             r"skal\s+(?:gjennomføres|utføres|leveres)|med)|gjelder\b[^?.]{0,40}\b(?:fortsatt|fremdeles)|"
                             r"still\s+(?:active|valid|open|running|on|in\s+force|ongoing|current|required|to\s+be)|"
                             r"(?:is|are)\s+\S+(?:\s+\S+)?\s+(?:active|cancelled|canceled|withdrawn)|er\s+\S+(?:\s+\S+)?\s+aktivt?)\b",
                             re.I)
_WHICH_DEPARTMENT_RE = re.compile(r"\b(?:which|what)\s+(?:hod\s+)?departments?\b(?![^?]*\b(?:assignments|tasks)\b)|"
                                  r"\bhvilke(?:n|t)?\s+(?:hod-?)?avdeling\w*\b(?![^?]*\boppdrag\b)", re.I)
_ASSIGNMENTS_RE = re.compile(r"\b(?:\w*oppdrag\w*|assignments?|tasks?|(?:TB|TTB|STB|RTB)\s?\d{4})\b", re.I)
_WHO_OWNS_RE = re.compile(r"\b(?:who|hvem)\b[^?]{0,30}\b(?:responsible|owns?|ansvar\w*|eier)\b", re.I)
_ONLY_RE = re.compile(r"\b(only|sole|eneste|alene|kun)\b", re.I)
_LETTER_HINT_RE = re.compile(
    r"\b(?P<k>tillegg\w*|supplement|addendum|supplerende\s+tildelingsbrev|supplementary\s+(?:allocation\s+)?letter)"
    r"(?:\s+(?:nr\.?|no\.?|number))?\s*(?P<n>\d{1,3})?\b", re.I)
_YEAR_RE = re.compile(r"\b((?:19|20)\d\d)\b")
_DEPT_RE = re.compile(r"\b(" + "|".join(norsk.DEPARTMENTS) + r")\b")
_SAME_PART_RE = re.compile(r"\b(?:det|dette|samme)\s+(?:deloppdraget|punktet|delen|fasen)|"
                           r"\b(?:that|this|the\s+same)\s+(?:sub-?task|sub-?item|part|phase|item)\b", re.I)
# "under 2.3.2", "section 2.4.4", "punkt 2.6", "kapittel 2.3": a numbered section of a letter (not a date).
_SECTION_RE = re.compile(r"\b(?:under|avsnitt|seksjon|section|kapittel|kap\.?|chapter|punkt|pkt\.?|del|i)\s+"
                         r"(?P<n>\d{1,2}(?:\.\d{1,2}){1,3})(?![.\d]*\d{4})(?!\.\d)\b", re.I)
_SECTION_PAREN_RE = re.compile(r"\((?P<n>\d{1,2}(?:\.\d{1,2}){1,3})\)")
# "nye oppdrag", "new assignments": assignments the letter gives (its own year); "tidligere / ikke fullførte /
# earlier / unfinished": those carried over from an earlier year.
_NEW_AGE_RE = re.compile(r"\b(?:nye|new)\s+(?:\w+\s+){0,2}(?:oppdrag|assignments?|tasks?|TB)", re.I)
_EARLIER_AGE_RE = re.compile(r"\b(?:tidligere|eldre|ikke\s+(?:fullførte|avsluttede|ferdigstilte)|uavsluttede|"
                             r"videreførte|earlier|older|unfinished|previous|ongoing|carried[- ]over)\b", re.I)
_FOLLOWUP_RE = re.compile(r"^\s*(og|and|hva med|what about|samme|same|den|det|it|that)\b", re.I)


@dataclass(frozen=True)
class Question:
    text: str
    language: str  # "no" | "en"
    intent: Intent
    ids: tuple[str, ...] = ()
    sub: str | None = None  # a bare label ("d", "2") or "fase 1"
    year: int | None = None
    owner: str | None = None
    date: str | None = None  # a full date the question names ("due on 1 May 2024")
    due: tuple[str, str] | None = None  # the window of deadline dates a list question asks for (inclusive)
    only_owner: bool = False  # "EHE as their only owner department"
    letter_hint: tuple[str, int | None] | None = None  # ("addendum", 18): "tillegg nr. 18"
    explicit_intent: bool = True
    inherited: bool = False
    context: str = ""  # an earlier turn's words, for a follow-up that names too little on its own
    cognates: str = ""  # letters' words an English question's words are another spelling of ("iktyose")
    section: str | None = None  # a section number the question is scoped to ("2.3.2")
    age: Age | None = None  # "new" assignments of the letter, or "earlier" ones it carries over
    also: tuple[Intent, ...] = ()  # a second thing asked ("… og hvilken avdeling har ansvaret?")


def detect_language(text: str) -> str:
    words = re.findall(r"[a-zæøå-]+", text.lower())
    en = sum(w in _EN_WORDS for w in words)
    no = sum(w in _NO_WORDS for w in words) + (1 if any(ch in text.lower() for ch in "æøå") else 0)
    return "en" if en > no else "no"


def also_asked(text: str, intent: Intent) -> tuple[Intent, ...]:
    """A second thing the question asks for: 'Når er fristen for X, og hvilken avdeling har ansvaret?'."""
    low = text.lower()
    if intent == Intent.DEADLINE and (_WHICH_DEPARTMENT_RE.search(low) or _WHO_OWNS_RE.search(low)):
        return (Intent.OWNER,)
    if intent == Intent.OWNER and dict(_INTENT_RULES)["deadline"].search(low):
        return (Intent.DEADLINE,)
    return ()


def _intent(text: str, has_id: bool) -> tuple[Intent, bool]:
    name, explicit = _intent_name(text, has_id)
    return Intent(name), explicit


def asks_about_assignments(text: str) -> bool:
    """'hvilke nye oppdrag', 'which TB2024 tasks': the question is about assignments (a registry list can answer)."""
    return bool(_ASSIGNMENTS_RE.search(text))


def asks_yes_no(text: str) -> bool:
    """Does the question open with a verb ('Skal …', 'Is …'): a yes or a no is asked."""
    words = text.strip().split(maxsplit=1)
    return bool(words) and words[0].lower() in YESNO_VERBS


def section_scope(text: str) -> str | None:
    clean = norsk.ID_RE.sub(" ", text)
    m = _SECTION_RE.search(clean) or _SECTION_PAREN_RE.search(clean)
    return m.group("n") if m else None


def age_scope(text: str) -> Age | None:
    if _EARLIER_AGE_RE.search(text):
        return "earlier"
    return "new" if _NEW_AGE_RE.search(text) else None


def _intent_name(text: str, has_id: bool) -> tuple[str, bool]:
    low = text.lower()
    hits = [name for name, rx in _INTENT_RULES if rx.search(low)]
    if "owner" in hits and asks_yes_no(low) and not _DEPT_RE.search(text):
        hits.remove("owner")  # "Is the directorate responsible for …?": its role, not the ministry's department
    if "amount" in hits and asks_yes_no(low):
        hits.remove("amount")  # "Skal Hdir forvalte programmet på 75 mill.?": whether, the sum only names it
    if "owner" in hits and _WHICH_DEPARTMENT_RE.search(low) and not _ASKS_WHEN_RE.match(low):
        return "owner", True  # "which departments are listed as owners of …": the owner, not a list
    if "list" in hits and not has_id:
        return "list", True
    if "change" in hits and not ("deadline" in hits and _ASKS_WHEN_RE.match(low)):
        return "change", True
    for name in ("deadline", "owner", "amount"):
        if name in hits:
            # "Which department owns …" is an owner question even though it says "which".
            return name, True
    if "list" in hits:
        return "list", True
    if _WEAK_CHANGE_RE.search(low):
        return "change", True
    return "content", False


def letter_hint(text: str) -> tuple[str, int | None] | None:
    m = _LETTER_HINT_RE.search(text)
    if not m:
        return None
    kind = "supplementary" if m.group("k").lower().startswith(("supplerende", "supplementary")) else "addendum"
    return kind, int(m.group("n")) if m.group("n") else None


def _full_date(text: str) -> str | None:
    for m in norsk.DATE_RE.finditer(norsk.ID_RE.sub(" ", text)):
        if m.group("d") and m.group("y") or m.group("ny"):
            return norsk.date_from_match(m, None)
    en = re.search(rf"\b({'|'.join(norsk.MONTH_NAMES_EN[1:])})\s+(\d{{1,2}}),?\s+((?:19|20)\d\d)\b", text, re.I)
    if en:
        return norsk.make_date(int(en.group(2)), norsk.MONTHS[en.group(1).lower()], int(en.group(3)))
    return None


_EN_DATE_RE = re.compile(rf"\b(?P<m>{'|'.join(norsk.MONTH_NAMES_EN[1:])})\s+(?P<d>\d{{1,2}}),?\s+(?P<y>(?:19|20)\d\d)\b", re.I)
_BETWEEN_RE = re.compile(r"\b(?:mellom|between|fra|from)\s*$", re.I)
_AND_RE = re.compile(r"^\s*(?:og|and|til|to|–|-)\s*$", re.I)
_BEFORE_RE = re.compile(r"\b(?:før|before|prior\s+to|earlier\s+than)\s*$", re.I)
_BY_RE = re.compile(r"\b(?:innen|by|senest|no\s+later\s+than|til\s+og\s+med|t\.o\.m\.|up\s+to|until)\s*$", re.I)
_AFTER_RE = re.compile(r"\b(?:etter|after|later\s+than)\s*$", re.I)
_FIRST, _LAST = "0001-01-01", "9999-12-31"


def _day(iso: str, delta: int) -> str:
    return (dt.date.fromisoformat(iso) + dt.timedelta(days=delta)).isoformat()


def _spans(text: str) -> list[tuple[int, int, str, str]]:
    """(start, end, first day, last day) of each date or period the text names with its year."""
    out = []
    for m in norsk.DATE_RE.finditer(text):
        # "mellom 1. mars og 1. juni 2024": a day without its year takes the next year the text names
        later = _YEAR_RE.search(text, m.end())
        iso = norsk.date_from_match(m, int(later.group(1)) if later else None)
        if iso and (m.group("d") or m.group("ny")):
            out.append((m.start(), m.end(), iso, iso))
    for m in _EN_DATE_RE.finditer(text):
        iso = norsk.make_date(int(m.group("d")), norsk.MONTHS[m.group("m").lower()], int(m.group("y")))
        if iso:
            out.append((m.start(), m.end(), iso, iso))
    for m in norsk.PERIOD_RE.finditer(text):
        span = None if m.group("y5") else norsk.period_span(m, None)  # a bare year is the year filter's
        if span and (m.group("y1") or m.group("y2") or m.group("y3") or m.group("y4")) and \
                not any(a <= m.start() < b or m.start() <= a < m.end() for a, b, _, _ in out):
            out.append((m.start(), m.end(), span[0], span[1]))
    return sorted(out)


def due_window(text: str) -> tuple[str, str] | None:
    """The deadline dates a question asks for: "i mars 2024", "før 1. juni 2024", "by 15 March 2024",
    "1. kvartal 2024", "mellom 1. mars og 1. juni 2024", "after 1 May 2024"; inclusive ISO bounds."""
    clean = norsk.ID_RE.sub(lambda m: " " * len(m.group(0)), text)
    spans = _spans(clean)
    if not spans:
        return None
    start, end, lo, hi = spans[0]
    before = clean[max(0, start - 25) : start]
    if len(spans) > 1 and _BETWEEN_RE.search(before) and _AND_RE.match(clean[end : spans[1][0]]):
        return lo, spans[1][3]
    if _BEFORE_RE.search(before):
        return _FIRST, _day(lo, -1)
    if _BY_RE.search(before):
        return _FIRST, hi
    if _AFTER_RE.search(before):
        return _day(hi, 1), _LAST
    return lo, hi


def _sub(text: str) -> str | None:
    named = norsk.sub_in_question(text)
    if named is None:
        return None
    word, label = named
    return f"fase {label}" if word == "fase" else label


def understand(text: str, history: list[dict[str, Any]] | None = None) -> Question:
    """Parse a question; a follow-up without its own ID reuses the last assignment (and intent) talked about."""
    ids = list(dict.fromkeys(norsk.find_ids(text)))
    intent, explicit = _intent(text, bool(ids))
    years = [int(y) for y in _YEAR_RE.findall(norsk.ID_RE.sub(" ", text))]
    dept = _DEPT_RE.search(text)
    date = _full_date(text)
    q = Question(text=text, language=detect_language(text), intent=intent, ids=tuple(ids), sub=_sub(text),
                 year=years[0] if years else None, owner=dept.group(1) if dept else None,
                 explicit_intent=explicit, date=date, only_owner=bool(_ONLY_RE.search(text)),
                 letter_hint=letter_hint(text), due=due_window(text), section=section_scope(text),
                 age=age_scope(text), also=also_asked(text, intent))
    if history and not ids:
        q = _inherit(q, history)
    return q


def _inherit(q: Question, history: list[dict[str, Any]]) -> Question:
    for turn in reversed(history):
        prev_text = str(turn.get("question", ""))
        prev_ids = norsk.find_ids(prev_text) or norsk.find_ids(str(turn.get("assignment") or ""))
        if not prev_ids:
            continue
        short = len(q.text.split()) <= 8 or _FOLLOWUP_RE.match(q.text) is not None
        if not (short or q.sub):
            return q
        prev = understand(prev_text)
        intent = q.intent if q.explicit_intent else prev.intent
        if intent == "list":
            intent = prev.intent
        language = q.language if len(q.text.split()) > 3 else prev.language
        # "Og fristen for det deloppdraget?" / "that sub-task": the part the last turn named
        sub = q.sub or (prev.sub if _SAME_PART_RE.search(q.text) else None)
        return replace(q, ids=tuple(prev_ids[:1]), intent=intent, language=language, inherited=True,
                       context=prev_text, sub=sub)
    return q

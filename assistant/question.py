"""Understanding a question: assignment IDs, sub-item, intent, filters, language, and what follow-ups inherit."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from ingest import norsk

INTENTS = ("change", "deadline", "owner", "amount", "list", "content")

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
    ("deadline", re.compile(r"\b(frist\w*|tidsfrist\w*|når|innen når|when|due|deadline\w*|levere?s?\s+innen|"
                            r"by what date|what date|date|ferdig\w*\s+innen)\b", re.I)),
    ("owner", re.compile(r"\b(ansvarlig\w*|eier|eies|eieravdeling\w*|hvem\b[^?]{0,25}\b(?:eier|ansvar\w*)|"
                         r"avdeling\w*|avd\.?\s?hod|department\w*|who owns|owner\w*|own|owns|responsible)\b", re.I)),
    ("amount", re.compile(r"\b(hvor mye|beløp\w*|mill\w*|kroner|how much|amount|budget\w*|nok|bevilg\w*|"
                          r"satt av|set aside|funding|midler|tildelt\w*|compensation|kompensasjon|honorar|sats\w*|rate)\b", re.I)),
    ("list", re.compile(r"\b(hvilke|which\b[^?]{0,40}\b(?:assignments|tasks)|list\w*|oversikt|alle oppdrag\w*|"
                        r"all assignments|how many|hvor mange)\b", re.I)),
)
# "After the rewording …, when must …": a question that asks when is a deadline question.
_ASKS_WHEN_RE = re.compile(r"^(?:.*,\s*)?(?:when|by when|når|innen når|hva er fristen|what is the deadline)\b", re.I)
_WEAK_CHANGE_RE = re.compile(r"\bstatus\b", re.I)
_ONLY_RE = re.compile(r"\b(only|sole|eneste|alene|kun)\b", re.I)
_LETTER_HINT_RE = re.compile(
    r"\b(?P<k>tillegg\w*|supplement|addendum|supplerende\s+tildelingsbrev|supplementary\s+(?:allocation\s+)?letter)"
    r"(?:\s+(?:nr\.?|no\.?|number))?\s*(?P<n>\d{1,3})?\b", re.I)
_SUB_RES = (
    re.compile(r"\bdeloppdrag\s+(?P<l>[a-z]|\d{1,2})\b\)?", re.I),
    re.compile(r"\b(?:sub-?(?:item|task|assignment)|part|item|punkt|point|del)\s+\(?(?P<l>[a-z]|\d{1,2})\b\)?", re.I),
    re.compile(r"\b(?P<f>fase|phase)\s+(?P<l>\d{1,2})\b", re.I),
    re.compile(r"(?:^|[\s(])\(?(?P<l>[a-k])\)(?=[\s?.,!]|$)"),
)
_MONTH_RE = re.compile(rf"\b(?:i|in|during|innen|before|før)\s+(?P<m>{'|'.join(sorted(norsk.MONTHS, key=len, reverse=True))})"
                       r"\s+(?P<y>(?:19|20)\d\d)\b", re.I)
_YEAR_RE = re.compile(r"\b((?:19|20)\d\d)\b")
_DEPT_RE = re.compile(r"\b(" + "|".join(norsk.DEPARTMENTS) + r")\b")
_FOLLOWUP_RE = re.compile(r"^\s*(og|and|hva med|what about|samme|same|den|det|it|that)\b", re.I)


@dataclass(frozen=True)
class Question:
    text: str
    language: str  # "no" | "en"
    intent: str
    ids: tuple[str, ...] = ()
    sub: str | None = None  # a bare label ("d", "2") or "fase 1"
    year: int | None = None
    owner: str | None = None
    month: tuple[int, int] | None = None  # (year, month) for "frister i mars 2024"
    date: str | None = None  # a full date the question names ("due on 1 May 2024")
    only_owner: bool = False  # "EHE as their only owner department"
    letter_hint: tuple[str, int | None] | None = None  # ("addendum", 18): "tillegg nr. 18"
    explicit_intent: bool = True
    inherited: bool = False
    context: str = ""  # an earlier turn's words, for a follow-up that names too little on its own


def detect_language(text: str) -> str:
    words = re.findall(r"[a-zæøå-]+", text.lower())
    en = sum(w in _EN_WORDS for w in words)
    no = sum(w in _NO_WORDS for w in words) + (1 if any(ch in text.lower() for ch in "æøå") else 0)
    return "en" if en > no else "no"


def _intent(text: str, has_id: bool) -> tuple[str, bool]:
    low = text.lower()
    hits = [name for name, rx in _INTENT_RULES if rx.search(low)]
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


def _sub(text: str, ids: list[str]) -> str | None:
    # Strip the IDs first so "TB2024-07" never reads as a sub-item.
    rest = norsk.ID_RE.sub(" ", text)
    for rx in _SUB_RES:
        m = rx.search(rest)
        if m:
            label = m.group("l").lower()
            return f"fase {label}" if "f" in m.groupdict() and m.group("f") else label
    if ids:  # "TB2024-07 d" right after the ID
        m = re.search(norsk.ID_PATTERN + r"\s*\(?([a-h])\)?(?=[\s?.,!]|$)", text, re.I)
        if m:
            return m.group(1).lower()
    return None


def understand(text: str, history: list[dict[str, Any]] | None = None) -> Question:
    """Parse a question; a follow-up without its own ID reuses the last assignment (and intent) talked about."""
    ids = list(dict.fromkeys(norsk.find_ids(text)))
    intent, explicit = _intent(text, bool(ids))
    month_m = _MONTH_RE.search(text)
    month = (int(month_m.group("y")), norsk.MONTHS[month_m.group("m").lower()]) if month_m else None
    years = [int(y) for y in _YEAR_RE.findall(norsk.ID_RE.sub(" ", text))]
    dept = _DEPT_RE.search(text)
    date = _full_date(text)
    if date and month and date[:7] == f"{month[0]}-{month[1]:02d}":
        month = None  # "1. mai 2024" names a day, not the month
    q = Question(text=text, language=detect_language(text), intent=intent, ids=tuple(ids), sub=_sub(text, ids),
                 year=years[0] if years else None, owner=dept.group(1) if dept else None, month=month,
                 explicit_intent=explicit, date=date, only_owner=bool(_ONLY_RE.search(text)),
                 letter_hint=letter_hint(text))
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
        return replace(q, ids=tuple(prev_ids[:1]), intent=intent, language=language, inherited=True,
                       context=prev_text)
    return q

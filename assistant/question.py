"""Understanding a question: assignment IDs, sub-item, intent, filters, language, and what follow-ups inherit."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from ingest import norsk

INTENTS = ("change", "deadline", "owner", "amount", "list", "content")

_EN_WORDS = {"what", "which", "when", "who", "the", "is", "of", "does", "deadline", "due", "department", "owns",
             "how", "much", "assignment", "did", "happen", "happened", "to", "about", "ask", "for", "and", "are",
             "there", "any", "money", "set", "aside", "responsible", "list", "sub-item", "item", "part", "in", "was",
             "cancelled", "changed", "task", "tasks", "assignments", "where", "letter", "says", "say"}
_NO_WORDS = {"hva", "hvilke", "hvilket", "hvem", "når", "er", "fristen", "frist", "oppdrag", "oppdraget", "og", "det",
             "til", "hvor", "mye", "skal", "går", "ut", "på", "eier", "har", "om", "med", "av", "som", "deloppdrag",
             "ble", "endret", "utgår", "hvordan", "ansvarlig", "avdeling", "brevet", "sier", "hvilken", "satt", "av"}

_INTENT_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("change", re.compile(r"\b(endret|endring\w*|endres|utgår|utgått|utgikk|utsatt|utsettes|kanseller\w*|status|"
                          r"skjedde|happened|happen|cancel\w*|changed?|changes|renumber\w*|nummerering|nytt nummer|"
                          r"omnummerert|presiser\w*|clarif\w*|reworded|omformulert|postponed|senere brev|later letter|"
                          r"videreført|carried over|tillegg\w*\s+\w+\s+(?:om|til)\b)", re.I)),
    ("deadline", re.compile(r"\b(frist\w*|tidsfrist\w*|når|innen når|when|due|deadline\w*|levere?s?\s+innen|"
                            r"by what date|date)\b", re.I)),
    ("owner", re.compile(r"\b(ansvarlig\w*|eier|eies|eieravdeling|hvem|hvilken avdeling|which department|"
                         r"department|who owns|owner|owns|responsible|avdeling)\b", re.I)),
    ("amount", re.compile(r"\b(hvor mye|beløp\w*|mill\w*|kroner|how much|amount|budget\w*|nok|bevilg\w*|"
                          r"satt av|set aside|funding|midler|tildel\w*)\b", re.I)),
    ("list", re.compile(r"\b(hvilke|which (?:assignments|tasks)|list\w*|oversikt|alle oppdrag\w*|all assignments|"
                        r"how many|hvor mange)\b", re.I)),
)
_SUB_RES = (
    re.compile(r"\bdeloppdrag\s+(?P<l>[a-h]|\d{1,2})\b\)?", re.I),
    re.compile(r"\b(?:sub-?(?:item|task|assignment)|part|item|punkt|point|del)\s+\(?(?P<l>[a-h]|\d{1,2})\b\)?", re.I),
    re.compile(r"\b(?P<f>fase|phase)\s+(?P<l>\d{1,2})\b", re.I),
    re.compile(r"(?:^|[\s(])\(?(?P<l>[a-h])\)(?=[\s?.,!]|$)"),
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
    explicit_intent: bool = True
    inherited: bool = False


def detect_language(text: str) -> str:
    words = re.findall(r"[a-zæøå-]+", text.lower())
    if any(ch in text.lower() for ch in "æøå"):
        return "no"
    en = sum(w in _EN_WORDS for w in words)
    no = sum(w in _NO_WORDS for w in words)
    return "en" if en > no else "no"


def _intent(text: str, has_id: bool) -> tuple[str, bool]:
    low = text.lower()
    hits = [name for name, rx in _INTENT_RULES if rx.search(low)]
    if "list" in hits and not has_id:
        return "list", True
    if "change" in hits:
        return "change", True
    for name in ("deadline", "owner", "amount"):
        if name in hits:
            # "Which department owns …" is an owner question even though it says "which".
            return name, True
    if "list" in hits:
        return "list", True
    return "content", False


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
    q = Question(text=text, language=detect_language(text), intent=intent, ids=tuple(ids), sub=_sub(text, ids),
                 year=years[0] if years else None, owner=dept.group(1) if dept else None, month=month,
                 explicit_intent=explicit)
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
        return replace(q, ids=tuple(prev_ids[:1]), intent=intent, language=language, inherited=True)
    return q

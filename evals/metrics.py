"""Scoring one gold question against what the assistant said, and aggregating the scores: pure functions.

The rules (SPEC "Gold question format"):

- **answer**: the answer text, lowercased and whitespace-normalised (and once more with dashes,
  non-breaking spaces and quotes folded), contains one of `accept` (for type `list`: all of
  them), the assistant said it found something, and the answer stays short: at most
  `MAX_ANSWER_CHARS` (400) characters for every type but `list`, so pasting a whole paragraph
  that happens to contain the date does not count as an answer.
- **deadline**: where the gold has `answer_iso`, that ISO date appears in the answer text (written
  as ISO or as a dated phrase such as "15. september 2024"), or in the structured deadline the
  ask JSON reports (`deadline` / `deadlines`).
- **citation**: some citation matches the evidence: with `evidence_lines` the same letter file and
  the citation's [line, line_end] overlaps the range; with `evidence` text the citation's text
  contains it (whitespace-normalised, case-insensitive). Either rule suffices when both are given.
- **negative**: for type `negative`, `found` is false.
- **recall@5 / mrr@10**: the same evidence rule over the search hits, best first.
- **latency**: p50/p95 of the `ask` wall time, linear interpolation between closest ranks.

A metric that does not apply to a question (no `answer_iso`, no evidence, not negative) is None
for it and left out of that metric's mean.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import PurePath
from typing import Any

from ingest import norsk

MAX_ANSWER_CHARS = 400
METRICS = ("answer", "deadline", "citation", "negative", "recall@5", "mrr@10")
TYPES = ("deadline", "responsible", "content", "subtask", "amendment", "topic", "list", "budget", "negative")

_WS_RE = re.compile(r"\s+")
_ISO_RE = re.compile(r"\b((?:19|20)\d\d-\d\d-\d\d)\b")
# English month-first dates ("July 1, 2024"), which norsk.DATE_RE (day first) does not read.
_MONTH_FIRST_RE = re.compile(
    rf"\b(?P<m>{'|'.join(sorted(norsk.MONTHS, key=len, reverse=True))})\.?\s+(?P<d>\d{{1,2}}),?\s+(?P<y>(?:19|20)\d\d)\b",
    re.IGNORECASE,
)
# Typography that extraction and phrasing vary freely: all dashes to '-', quotes to '"' and "'".
_FOLD = str.maketrans({
    "\u00a0": " ", "\u202f": " ", "\u2007": " ", "\u2009": " ",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u00ab": '"', "\u00bb": '"', "\u201c": '"', "\u201d": '"', "\u201e": '"',
    "\u2018": "'", "\u2019": "'",
    "\u00ad": None,  # soft hyphen: invisible in the letter, so never part of what a reader types
})


def normalise(text: str | None) -> str:
    """Lowercase with runs of whitespace as one space."""
    return _WS_RE.sub(" ", (text or "").lower()).strip()


def fold(text: str | None) -> str:
    """`normalise` with dashes, non-breaking spaces and quotes folded to plain ASCII."""
    return normalise((text or "").translate(_FOLD))


def contains(haystack: str | None, needle: str | None) -> bool:
    """`needle` in `haystack`, compared normalised, and again folded."""
    n = normalise(needle)
    if not n:
        return False
    return n in normalise(haystack) or fold(needle) in fold(haystack)


# --- per-question rules ----------------------------------------------------------------------------


def answer_correct(gold: Mapping[str, Any], ask: Mapping[str, Any]) -> bool:
    """Right and short: see the module docstring. Negative questions are scored by `negative_correct`."""
    if gold.get("type") == "negative":
        return negative_correct(ask)
    text = str(ask.get("answer") or "")
    accept = [a for a in gold.get("accept") or [] if a]
    if not ask.get("found") or not accept:
        return False
    if gold.get("type") != "list" and len(text) > MAX_ANSWER_CHARS:
        return False
    hits = [contains(text, a) for a in accept]
    return all(hits) if gold.get("type") == "list" else any(hits)


def _structured_dates(ask: Mapping[str, Any]) -> list[str]:
    """ISO dates in the ask JSON's structured deadline fields, whatever shape the assistant gives them."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            found.extend(_ISO_RE.findall(value))
        elif isinstance(value, Mapping):
            for v in value.values():
                walk(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v)

    for key in ("deadline", "deadlines"):
        walk(ask.get(key))
    return found


def dates_in_text(text: str, default_year: int | None = None) -> set[str]:
    """ISO dates written in `text`: ISO, '15. september 2024', '15 September 2024', 'September 15, 2024', '31.12.2025'.

    A date without a year ('1. februar') counts only with `default_year`: the metric must not
    guess a year the answer left out, unless the gold answer leaves it out too.
    """
    dates = set(_ISO_RE.findall(text))
    for m in norsk.DATE_RE.finditer(text):
        iso = norsk.date_from_match(m, default_year)
        if iso:
            dates.add(iso)
    for m in _MONTH_FIRST_RE.finditer(text):
        iso = norsk.make_date(int(m.group("d")), norsk.MONTHS[m.group("m").lower()], int(m.group("y")))
        if iso:
            dates.add(iso)
    return dates


def deadline_correct(gold: Mapping[str, Any], ask: Mapping[str, Any]) -> bool | None:
    """The gold ISO date is in the answer text or its structured deadline; None without `answer_iso`.

    When the gold answer itself gives the day without a year (a yearly deadline, "hvert år innen
    1. februar"), the same day without a year is an exact match too.
    """
    iso = gold.get("answer_iso")
    if not iso or gold.get("type") == "negative":
        return None
    text = str(ask.get("answer") or "")
    gold_text = str(gold.get("answer") or "")
    yearless = bool(gold_text) and iso not in dates_in_text(gold_text)
    year = int(iso[:4]) if yearless else None
    return iso in dates_in_text(text, year) or iso in _structured_dates(ask)


def _same_letter(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and PurePath(str(a)).name == PurePath(str(b)).name


def _span(item: Mapping[str, Any]) -> tuple[int, int] | None:
    line = item.get("line")
    if line is None:
        return None
    end = item.get("line_end")
    return int(line), int(end if end is not None else line)


def has_evidence(gold: Mapping[str, Any]) -> bool:
    return bool(gold.get("evidence")) or bool(gold.get("evidence_lines") and gold.get("letter"))


def evidence_match(gold: Mapping[str, Any], cited: Mapping[str, Any]) -> bool:
    """One citation (or hit) against the gold evidence: line overlap in the same letter, or text containment."""
    lines = gold.get("evidence_lines")
    if lines and gold.get("letter") and _same_letter(gold["letter"], cited.get("letter")):
        span = _span(cited)
        start, end = int(lines[0]), int(lines[-1])
        if span is not None and span[0] <= end and start <= span[1]:
            return True
    evidence = gold.get("evidence")
    return bool(evidence) and contains(str(cited.get("text") or ""), str(evidence))


def citation_correct(gold: Mapping[str, Any], ask: Mapping[str, Any]) -> bool | None:
    """Some citation matches the evidence; None when the gold has no evidence (e.g. negatives)."""
    if gold.get("type") == "negative" or not has_evidence(gold):
        return None
    return any(evidence_match(gold, c) for c in ask.get("citations") or [])


def negative_correct(ask: Mapping[str, Any]) -> bool:
    return not ask.get("found")


def first_relevant_rank(gold: Mapping[str, Any], hits: Sequence[Mapping[str, Any]], depth: int = 10) -> int | None:
    """1-based rank of the first hit matching the evidence within `depth`, else None."""
    for rank, hit in enumerate(hits[:depth], start=1):
        if evidence_match(gold, hit):
            return rank
    return None


def recall_at(gold: Mapping[str, Any], hits: Sequence[Mapping[str, Any]], k: int = 5) -> float | None:
    if gold.get("type") == "negative" or not has_evidence(gold):
        return None
    return 1.0 if first_relevant_rank(gold, hits, k) is not None else 0.0


def mrr_at(gold: Mapping[str, Any], hits: Sequence[Mapping[str, Any]], k: int = 10) -> float | None:
    if gold.get("type") == "negative" or not has_evidence(gold):
        return None
    rank = first_relevant_rank(gold, hits, k)
    return 1.0 / rank if rank else 0.0


def score_question(gold: Mapping[str, Any], ask: Mapping[str, Any], hits: Sequence[Mapping[str, Any]],
                   ms: float) -> dict[str, Any]:
    """Every metric for one question: True/False/None (not applicable), plus its type and latency."""
    negative = gold.get("type") == "negative"
    return {
        "type": gold.get("type"),
        "answer": None if negative else answer_correct(gold, ask),
        "deadline": deadline_correct(gold, ask),
        "citation": citation_correct(gold, ask),
        "negative": negative_correct(ask) if negative else None,
        "recall@5": recall_at(gold, hits, 5),
        "mrr@10": mrr_at(gold, hits, 10),
        "ms": ms,
    }


# --- aggregation -----------------------------------------------------------------------------------


def percentile(values: Iterable[float], q: float) -> float | None:
    """The q-th percentile (0..100) by linear interpolation between closest ranks; None when empty."""
    xs = sorted(values)
    if not xs:
        return None
    pos = (len(xs) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def mean(values: Iterable[float | bool | None]) -> float | None:
    """Mean of the values that apply (None left out); None when none applies."""
    xs = [float(v) for v in values if v is not None]
    return sum(xs) / len(xs) if xs else None


def _summary(scores: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"n": len(scores)}
    for metric in METRICS:
        value = mean(s[metric] for s in scores)
        out[metric] = None if value is None else round(value, 4)
    for name, q in (("p50_ms", 50), ("p95_ms", 95)):
        value = percentile((s["ms"] for s in scores), q)
        out[name] = None if value is None else round(value, 1)
    return out


def aggregate(scores: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The config summary of SPEC `letters eval --json`, plus `by_type` with the same keys per question type."""
    by_type: dict[str, list[Mapping[str, Any]]] = {}
    for s in scores:
        by_type.setdefault(str(s["type"]), []).append(s)
    known = [t for t in TYPES if t in by_type] + sorted(t for t in by_type if t not in TYPES)
    return _summary(scores) | {"by_type": {t: _summary(by_type[t]) for t in known}}

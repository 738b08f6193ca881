"""Deadlines: every style the letters use, found with our own patterns and dated from the letter's year."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import replace

from ingest import norsk
from ingest.records import Assignment, Deadline, Letter, Paragraph, Section

_LABEL_LIST_RE = re.compile(
    r"(?P<labels>(?:(?:deloppdrag|punkt|oppdrag|fase)\s+)?\(?[a-h1-9]\d?\)"
    r"(?:\s*(?:,|og|til|–|-|t\.o\.m\.)\s*(?:(?:deloppdrag|punkt|fase)\s+)?\(?[a-h1-9]\d?\))*)"
    r"\s+(?:har\s+)?(?:ny\s+)?frist(?:en)?\s*(?:er\s+)?:?\s*",
    re.IGNORECASE,
)
# "…, b) og c) 1. juni 2022, mens d) skal leveres innen 1. oktober 2022": more labels and their date
# later in the same sentence as a label list with its deadline.
_MORE_LABELS_RE = re.compile(
    r"\s*(?:,\s*(?:og\s+|mens\s+|samt\s+)?|;\s*|\s+(?:og|mens|samt)\s+)"
    r"(?P<labels>(?:(?:deloppdrag|punkt)\s+)?\(?[a-h1-9]\d?\)(?:\s*(?:,|og|til|–|-)\s*\(?[a-h1-9]\d?\))*)"
    r"(?P<gap>[^.;!?()]{0,50}?)(?=\d)", re.IGNORECASE)
_PHASE_RE = re.compile(r"\bFase\s+(?P<n>\d{1,2})\s*[:\-–]?\s*", re.IGNORECASE)
_LOOKBACK = 170
_WEEKDAY_RE = re.compile(r"\b(?:mandag|tirsdag|onsdag|torsdag|fredag|lørdag|søndag)\s*(?:den\s*)?$", re.IGNORECASE)
_JOINED_RE = re.compile(r"^\s*(?:,|og|samt|eller|,\s*og)\s*$", re.IGNORECASE)
_TIGHT_CUE_RE = re.compile(r"(?:\bfrist\w*\s*:?|\binnen|\bsenest|\btil)\s*$", re.IGNORECASE)
_YEAR_CUE_RE = re.compile(r"(?:\bfrist\w*\s*:?|\b(?:utsettes|forlenges|endres|flyttes)\s+til)\s*$", re.IGNORECASE)


def _expand_labels(spec: str, known: set[str]) -> list[str]:
    raw = [m.group(1).lower() for m in norsk.SUB_REF_RE.finditer(spec)]
    out: list[str] = []
    for k, lab in enumerate(raw):
        before = spec.lower().split(f"{lab})")[0] if k else ""
        if k and re.search(r"(?:til|–|-|t\.o\.m\.)\s*(?:\w+\s+)?\(?$", before.rstrip()) and out:
            prev = raw[k - 1]
            if prev.isalpha() and lab.isalpha():
                out.extend(chr(c) for c in range(ord(prev) + 1, ord(lab)))
            elif prev.isdigit() and lab.isdigit():
                out.extend(str(n) for n in range(int(prev) + 1, int(lab)))
        out.append(lab)
    return [map_label(lab, known, spec) for lab in out]


def map_label(raw: str, known: set[str], context: str = "") -> str:
    """A bare 'd' or '1' named in a deadline becomes the assignment's own label for it."""
    raw = raw.lower()
    if raw in known:
        return raw
    for style in ("deloppdrag", "fase"):
        if f"{style} {raw}" in known or style in context.lower():
            return f"{style} {raw}"
    return raw


def _cue_before(text: str, start: int) -> int | None:
    """Where the deadline cue before the date at `start` begins ('Frist: ', 'innen ', 'frist for X er '), or None."""
    base = max(0, start - _LOOKBACK)
    window = text[base:start]
    best = None
    for m in norsk.DEADLINE_CUE_RE.finditer(window):
        best = m
    if best is None:
        return None
    gap = _WEEKDAY_RE.sub("", window[best.end() :])  # "er fredag 2. februar 2024"
    if len(gap.strip()) <= 3:
        return base + best.start()
    cue = best.group(0).lower()
    # "Frist for endelig svar settes til 2. august", "Frist utkast til ny strategi er 1. juni",
    # "Frist for oversendelse av forslag til modell: 1. oktober"
    if cue.startswith(("frist", "ny frist", "tidsfrist")) and re.match(
            r"^[^.!?]{0,140}?(?:\ber|(?:er\s+)?(?:settes|satt|fastsatt)\s+til|:)\s*$", gap, re.IGNORECASE):
        return base + best.start()
    # "Det skal leveres en felles statusrapport for arbeidet 1. april 2024",
    # "HOD ber om å få et førsteutkast til plan 1. mars 2021"
    if cue.startswith(("lever", "ber om", "ønsker")) and len(gap) <= 60 and not re.search(r"[.!?]", gap):
        return base + best.start()
    if re.match(r"^\s*(?:for\b[^.]{0,90}\ber\s*|er\s+|den\s+|:\s*|for(?:\s+[a-zæøå]+){1,2}\s*)$", gap, re.IGNORECASE):
        return base + best.start()
    return None


def _period_kind(sentence: str) -> str:
    return "annual" if norsk.ANNUAL_RE.search(sentence) else "date"


def find_deadlines(text: str, year: int | None, sub: str | None, line: int,
                   known: set[str] | None = None) -> list[Deadline]:
    """Deadlines stated in one paragraph; `sub` is the sub-item the paragraph belongs to."""
    known = known or set()
    if norsk.DEFAULT_RULE_RE.search(text):
        return []
    out: list[Deadline] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= x or a >= y for x, y in taken)

    # "Deloppdrag d) til f) har frist 1. juli 2024", "b) og c) har frist ..."
    for m in _LABEL_LIST_RE.finditer(text):
        dm = norsk.DATE_RE.match(text, m.end())
        if not dm:
            continue
        iso = norsk.date_from_match(dm, year)
        for lab in _expand_labels(m.group("labels"), known):
            out.append(Deadline(lab, " ".join(text[m.start() : dm.end()].split()), iso, "date", line))
        taken.append((m.start(), dm.end()))
        end = dm.end()
        while more := _MORE_LABELS_RE.match(text, end):
            dm = norsk.DATE_RE.match(text, more.end())
            if not dm:
                break
            iso = norsk.date_from_match(dm, year)
            for lab in _expand_labels(more.group("labels"), known):
                out.append(Deadline(lab, " ".join(text[more.start("labels") : dm.end()].split()), iso, "date", line))
            taken.append((more.start(), dm.end()))
            end = dm.end()
    # "Frist: Fase 1: 25.04.25 – Fase 2: 30.05.25"
    if re.search(r"frist", text, re.IGNORECASE):
        for m in _PHASE_RE.finditer(text):
            dm = norsk.DATE_RE.match(text, m.end())
            if dm and free(m.start(), dm.end()):
                out.append(Deadline(f"fase {m.group('n')}", " ".join(text[m.start() : dm.end()].split()),
                                    norsk.date_from_match(dm, year), "date", line))
                taken.append((m.start(), dm.end()))
    for sentence_start, sentence in _sentences(text):
        named = norsk.SUB_NAMED_RE.search(sentence)
        own_sub = map_label(named.group(2), known, named.group(1)) if named else sub
        out.extend(_sentence_deadlines(sentence, sentence_start, year, own_sub, line, free, taken))
    return out


def _sentences(text: str) -> Iterable[tuple[int, str]]:
    pos = 0
    for part in norsk.SENTENCE_BREAK_RE.split(text):
        start = text.find(part, pos)
        pos = start + len(part)
        yield start, part


def _sentence_deadlines(sentence: str, offset: int, year: int | None, sub: str | None, line: int,
                        free, taken: list[tuple[int, int]]) -> list[Deadline]:  # type: ignore[no-untyped-def]
    out: list[Deadline] = []
    for m in norsk.DATE_RE.finditer(sentence):
        a, b = offset + m.start(), offset + m.end()
        cue = _cue_before(sentence, m.start()) if free(a, b) else None
        if cue is None:
            continue
        if m.group("nd") and not m.group("ny") and re.match(r"\s*(?:mill|kr|prosent|%)", sentence[m.end():]):
            continue
        iso = norsk.date_from_match(m, year)
        if iso is None:
            continue
        end = m.end()
        every = re.match(r"\s+(?:hvert\s+år|årlig)\b", sentence[end:], re.IGNORECASE)
        end += every.end() if every else 0  # "innen 1. februar hvert år" as written
        phrase = " ".join(sentence[cue:end].split())
        out.append(Deadline(sub, phrase, iso, _period_kind(sentence[max(0, cue - 60) : m.end() + 16]), line))
        taken.append((a, b))
    last_end = None
    for m in norsk.DATE_RE.finditer(sentence):  # "Frist: 1. mars og 1. september": the second shares the cue
        a, b = offset + m.start(), offset + m.end()
        if last_end is not None and free(a, b) and _JOINED_RE.match(sentence[last_end : m.start()]):
            iso = norsk.date_from_match(m, year)
            if iso:
                out.append(Deadline(sub, " ".join(m.group(0).split()), iso,
                                    _period_kind(sentence[max(0, m.start() - 60) : m.end() + 16]), line))
                taken.append((a, b))
        last_end = m.end() if not free(a, b) else None
    for m in norsk.DONE_DURING_YEAR_RE.finditer(sentence):
        if free(offset + m.start(), offset + m.end()):
            out.append(Deadline(sub, " ".join(m.group(0).split()), f"{m.group('y')}-12-31", "period_end", line))
            taken.append((offset + m.start(), offset + m.end()))
    for m in norsk.BY_WEEK_RE.finditer(sentence):
        out.append(Deadline(sub, " ".join(m.group(0).split()), None, "week", line))
    for m in norsk.BY_END_OF_RE.finditer(sentence):
        y = year if m.group("y").lower() == "året" else int(m.group("y"))
        mon = norsk.MONTHS.get((m.group("m") or "").lower())
        if y is None or (m.group("m") and not mon):
            continue
        iso = norsk.month_end(y, mon or 12)
        out.append(Deadline(sub, " ".join(m.group(0).split()), iso, "period_end", line))
        taken.append((offset + m.start(), offset + m.end()))
    out.extend(_period_deadlines(sentence, offset, year, sub, line, free, taken))
    vague = norsk.VAGUE_DEADLINE_RE.search(sentence)
    if not out and vague:
        out.append(Deadline(sub, vague.group(1), None, "none", line))
    if not out and norsk.PERMANENT_RE.search(sentence):
        out.append(Deadline(sub, norsk.PERMANENT_RE.search(sentence).group(0).strip(), None, "none", line))  # type: ignore[union-attr]
    if not out and norsk.ASAP_RE.search(sentence) and re.search(r"frist|innen|levere|snarest\s+mulig", sentence, re.I):
        out.append(Deadline(sub, "snarest", None, "none", line))
    if not out and norsk.DIALOG_RE.search(sentence) and not norsk.DATE_RE.search(sentence):
        out.append(Deadline(sub, " ".join(sentence.split())[:200], None, "dialog", line))
    return out


def _period_deadlines(sentence: str, offset: int, year: int | None, sub: str | None, line: int,
                      free, taken: list[tuple[int, int]]) -> list[Deadline]:  # type: ignore[no-untyped-def]
    """'Frist: 1. kvartal 2023', 'innen utgangen av første halvår', 'leveres medio mars 2024', 'Frist: juni 2023'."""
    out: list[Deadline] = []
    for m in norsk.PERIOD_RE.finditer(sentence):
        a, b = offset + m.start(), offset + m.end()
        if not free(a, b):
            continue
        # A bare month or year only right after a deadline word: "innen 2030" is as often a goal
        # ("nå bærekraftsmålene innen 2030") as a deadline, "Frist: 2023" never is.
        before = sentence[max(0, m.start() - 30) : m.start()]
        if m.group("y5") and not _YEAR_CUE_RE.search(before) or m.group("m2") and not _TIGHT_CUE_RE.search(before):
            continue
        if re.match(r"\s*(?:kr|mill|mrd|prosent|%|\d)", sentence[m.end() :], re.IGNORECASE):
            continue
        cue = _cue_before(sentence, m.start())
        if cue is None:
            continue
        iso, kind = norsk.period_date(m, year)
        if iso is None:
            continue
        out.append(Deadline(sub, " ".join(sentence[cue : m.end()].split()), iso, kind, line))
        taken.append((a, b))
    return out


def section_default(paras: tuple[Paragraph, ...]) -> Deadline | None:
    """'Der ikke annen frist er spesifisert, ... i løpet av 2021' becomes the section's default deadline."""
    for p in paras:
        m = norsk.DEFAULT_RULE_RE.search(p.text)
        if m:
            return Deadline(None, " ".join(p.text.split()), norsk.default_rule_date(m), "default_rule", p.line)
    return None


def apply_default_rules(assignments: list[Assignment], sections: tuple[Section, ...],
                        restated: Collection[int] = ()) -> list[Assignment]:
    """Assignments that state no deadline of their own take their section's rule (kind default_rule), or
    the rule of a numbered section above theirs; `restated` (positions of an assignment headed again
    further down the letter) take none: the rule is for what was given without a deadline."""
    rules: dict[str, Deadline] = {}
    numbered: dict[str, Deadline] = {}
    for s in sections:
        if s.default_deadline is not None:
            rules[s.name] = s.default_deadline
            if s.number:
                numbered[s.number.rstrip(".")] = s.default_deadline
    out = []
    for i, a in enumerate(assignments):
        if i in restated:
            out.append(a)
            continue
        rule = rules.get(a.section) or _parent_rule(a.section, numbered)
        # The rule covers what has no deadline of its own: the whole assignment, when only some of
        # its parts are dated ("Del 2 av oppdraget utsettes til 2022").
        if rule is not None and not any(d.sub is None for d in a.deadlines) and not _all_parts_dated(a):
            a = replace(a, deadlines=(*a.deadlines, rule))
        out.append(a)
    return out


def _parent_rule(section: str, numbered: dict[str, Deadline]) -> Deadline | None:
    """The rule of the nearest numbered section above ("3 Mål og oppdrag" covers "3.4 Digitalisering")."""
    number = section.split(" ", 1)[0].rstrip(".")
    if not number[:1].isdigit():
        return None
    parts = number.split(".")
    for n in range(len(parts) - 1, 0, -1):
        rule = numbered.get(".".join(parts[:n]))
        if rule is not None:
            return rule
    return None


def _all_parts_dated(a: Assignment) -> bool:
    dated = {d.sub for d in a.deadlines}
    return bool(a.subitems) and all(s.label in dated for s in a.subitems)


def amendment_deadlines(letter: Letter) -> list[tuple[str, Deadline]]:
    """Deadlines a later letter sets for another letter's assignment ('Oppdragsteksten endres til: … innen 31. mai')."""
    out: list[tuple[str, Deadline]] = []
    for r in letter.references:
        if r.source is not None or r.kind not in ("reworded", "deadline"):
            continue
        for s in letter.sections:
            idx = next((i for i, p in enumerate(s.paragraphs) if p.line <= r.line <= p.line_end), None)
            if idx is None:
                continue
            for p in s.paragraphs[idx : idx + 4]:
                out.extend((r.target, d) for d in find_deadlines(p.text, letter.year, None, p.line))
    return out

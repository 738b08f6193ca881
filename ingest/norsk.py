"""Norwegian knowledge in one place: assignment IDs, month names, deadline phrases, change words, departments."""

from __future__ import annotations

import calendar
import datetime as dt
import re

# --- Assignment IDs ---------------------------------------------------------------------------
# TB (tildelingsbrev), TTB (tillegg), STB (supplerende), RTB (revidert). Numbers may carry a
# sub-number ("TTB2019-45.5"). Dashes come as hyphen, en dash or minus from PDF extraction.
ID_PREFIXES = ("TTB", "STB", "RTB", "TB")
ID_PREFIX = "(?:" + "|".join(ID_PREFIXES) + ")"
DASH = r"[-‐‑–—−]"
ID_PATTERN = rf"(?<![A-Za-z]){ID_PREFIX}\s?(?:19|20)\d\d\s?{DASH}\s?\d{{1,3}}(?:\.\d{{1,2}}(?!\d))?"
ID_RE = re.compile(ID_PATTERN, re.IGNORECASE)
_ID_PARTS = re.compile(rf"^({ID_PREFIX})\s?((?:19|20)\d\d)\s?{DASH}\s?(\d{{1,3}})(?:\.(\d{{1,2}}))?$", re.I)
# An ID the extraction cut at its dash ("TB2019-" / "7/TTB2019-38"), and one whose number is missing
# altogether ("TB2020 - tillegg ..."): both still head an assignment.
BROKEN_ID_RE = re.compile(rf"{ID_PREFIX}\s?(?:19|20)\d\d\s?{DASH}\s*$", re.IGNORECASE)
PARTIAL_ID_RE = re.compile(rf"{ID_PREFIX}\s?(?:19|20)\d\d(?:{DASH}(?=\s|$))?", re.IGNORECASE)
PARTIAL_ID_START_RE = re.compile(rf"^\s*{ID_PREFIX}\s?\d{{4}}\b(?!\s?{DASH}\s?\d)")
# What may stand before the IDs of a header: a numbered heading sharing the line ("2.3.1 TB2024-07 Title"),
# the label "ID:" (2021) or "Oppdrag (nr.)" ("Oppdrag TB2023-05 – Title").
HEADER_LEAD = r"(?P<num>\d{1,2}(?:\.\d{1,3})+\.?\s+)?(?:ID\s*:\s*|(?P<lab>Oppdrag\s+(?:nr\.?\s*)?))?"
ID_LIST = rf"{ID_PATTERN}(?:\s*(?:,|/|og)\s*{ID_PATTERN})*"


def normalise_id(text: str) -> str | None:
    """'tb 2024–7' -> 'TB2024-7'; the number keeps the digits as written (no padding added)."""
    m = _ID_PARTS.match(text.strip())
    if not m:
        return None
    prefix, year, num, sub = m.groups()
    out = f"{prefix.upper()}{year}-{num}"
    return f"{out}.{sub}" if sub else out


def id_key(text: str) -> str | None:
    """Comparison key where 'TB2024-07' and 'TB2024-7' are the same assignment."""
    m = _ID_PARTS.match(text.strip())
    if not m:
        return None
    prefix, year, num, sub = m.groups()
    out = f"{prefix.upper()}{year}-{int(num)}"
    return f"{out}.{int(sub)}" if sub else out


def find_ids(text: str) -> list[str]:
    """Every assignment ID in `text`, normalised, in order of appearance."""
    out = []
    for m in ID_RE.finditer(text):
        norm = normalise_id(m.group(0))
        if norm:
            out.append(norm)
    return out


# --- A sub-item named in a question ------------------------------------------------------------
# "d)", "(d)", "deloppdrag 2", "punkt c", "fase 1", "phase 2", "sub-item b", "del 3", "TB2024-07 d".
_SUB_WORD_RE = re.compile(
    r"\b(deloppdrag|fase|phase|punkt|point|sub-?(?:item|task|assignment)|subtask|part|del|item|oppgave|bokstav)"
    r"\s*\(?([a-k]|\d{1,2})\)?(?!\w)", re.IGNORECASE)
_SUB_PAREN_RE = re.compile(r"(?:^|[\s(,])\(?([a-k])\)(?=[\s?.,!:;)]|$)", re.IGNORECASE)
# A bare letter right after the ID; an English "a" only when nothing follows ("Is TB2024-07 a priority?").
_SUB_AFTER_ID_RE = re.compile(ID_PATTERN + r"\s*\(?(?:([b-h])\)?(?=[\s?.,!]|$)|(a)\)?(?=\s*[?.,!]|\s*$))",
                              re.IGNORECASE)


def sub_in_question(text: str) -> tuple[str, str] | None:
    """(word, label) of the sub-item a question names: ('deloppdrag', '2'), ('fase', '1'), ('', 'd'); else None.

    The IDs are taken out first so the number of 'TB2024-07' never reads as a sub-item."""
    rest = ID_RE.sub(" ", text)
    m = _SUB_WORD_RE.search(rest)
    if m:
        word = m.group(1).lower()
        kind = "fase" if word in ("fase", "phase") else "deloppdrag" if word == "deloppdrag" else ""
        return kind, m.group(2).lower()
    m = _SUB_PAREN_RE.search(rest)
    if m:
        return "", m.group(1).lower()
    m = _SUB_AFTER_ID_RE.search(text)
    if m:
        return "", (m.group(1) or m.group(2)).lower()
    return None


# --- Budget lines (kapittel / post) ----------------------------------------------------------
# Budget tables list "kap. 761 post 21" as rows ("761<TAB>21<TAB>Spesielle driftsutgifter", the chapter
# cell left empty on the chapter's later rows; with spaces after PDF extraction), and the text under
# them often opens with the line it is about ("Kap. 714, post 21 Helsedirektoratet tildeles ...").
_BUDGET_TAB_ROW_RE = re.compile(r"^(?!(?:19|20)\d\d\t)(\d{3,4})?\t+(\d{2})(?:/\d{2})*\t")
_BUDGET_SPACE_ROW_RE = re.compile(r"^(?!(?:19|20)\d\d )(\d{3,4}) +(\d{2})(?:/\d{2})* +[A-ZÆØÅ]")
_BUDGET_POST_ROW_RE = re.compile(r"^[ \t]+(\d{2})(?:/\d{2})* +[A-ZÆØÅ][a-zæøå]")
_BUDGET_HEAD_RE = re.compile(r"^kap(?:ittel|\.)?\s*(\d{3,4})\s*[,.]?\s*post\s*(\d{2})\b", re.IGNORECASE)
BUDGET_REF_RE = re.compile(
    r"\b(?:kap(?:ittel|\.)?|chapter|ch\.)\s*(\d{3,4})(?:\s*[,.]?\s*(?:,\s*)?(?:post|item|line)\s*(\d{2})\b)?",
    re.IGNORECASE)


def budget_label(chapter: str, post: str | None = None) -> str:
    """'kap. 762 post 21' (or 'kap. 762'): how a budget line is named in chunk headers."""
    return f"kap. {int(chapter)} post {post}" if post else f"kap. {int(chapter)}"


def budget_row(line: str, chapter: str | None) -> tuple[str, str] | None:
    """(chapter, post) of a budget-table row as extracted (tabs kept); an empty chapter cell takes `chapter`."""
    m = _BUDGET_TAB_ROW_RE.match(line) or _BUDGET_SPACE_ROW_RE.match(line)
    if m and (m.group(1) or chapter):
        return m.group(1) or chapter or "", m.group(2)
    m = _BUDGET_POST_ROW_RE.match(line)
    if m and chapter:
        return chapter, m.group(1)
    return None


# A table row naming a chapter alone, its post cell empty and no figures: "710<TAB><TAB>Vaksiner mv.",
# "710 Vaksiner mv." (a year is no chapter).
_BUDGET_CHAPTER_ROW_RE = re.compile(r"^(?!(?:19|20)\d\d\b)(\d{3,4})(?:\t[ \t]*\t\s*|[ \t]+)[A-ZÆØÅ][^\d\n]*$")


def budget_chapter_row(line: str) -> str | None:
    """The chapter a tab-separated table row names alone ('710\t\tVaksiner mv.' -> '710'), else None."""
    m = _BUDGET_CHAPTER_ROW_RE.match(line)
    return m.group(1) if m else None


_BUDGET_CHAPTER_HEAD_RE = re.compile(r"^kap(?:ittel|\.)?\s*(\d{3,4})\s+[A-ZÆØÅ]", re.IGNORECASE)
_BUDGET_POST_HEAD_RE = re.compile(r"^post\s+(\d{2})\s+[A-ZÆØÅ]", re.IGNORECASE)


def budget_heading(text: str, chapter: str | None) -> tuple[str, str | None] | None:
    """(chapter, post) a paragraph opens with: 'Kap. 714, post 21 Helsedirektoratet tildeles ...'; a short
    heading 'Kap. 575 Ressurskrevende tjenester' names the chapter alone, 'Post 60 Toppfinansiering' a
    post of `chapter`."""
    t = text.strip()
    m = _BUDGET_HEAD_RE.match(t)
    if m:
        return m.group(1), m.group(2)
    if len(t) > 90:
        return None
    m = _BUDGET_CHAPTER_HEAD_RE.match(t)
    if m:
        return m.group(1), None
    m = _BUDGET_POST_HEAD_RE.match(t)
    return (chapter, m.group(1)) if m and chapter else None


def budget_refs(text: str) -> list[tuple[str, str | None]]:
    """The budget lines a question names: 'kap. 762 post 21' -> ('762', '21'); 'kapittel 740' -> ('740', None)."""
    return [(m.group(1), m.group(2)) for m in BUDGET_REF_RE.finditer(text)]


# --- Departments of HOD (eieravdeling / Avd.HOD / Ansvarlig avdeling) -------------------------
DEPARTMENTS = {
    "FHA": "Folkehelse- og likestillingsavdelingen",
    "KTA": "Kommunetjenesteavdelingen",
    "SHA": "Spesialisthelsetjenesteavdelingen",
    "HRA": "Helserettsavdelingen",
    "EHE": "E-helseavdelingen",
    "PTA": "Primærhelsetjenesteavdelingen",
    "OTA": "Omsorgstjenesteavdelingen",
    "ADA": "Administrasjonsavdelingen",
    "EIA": "Avdeling for økonomi, innovasjon og analyse",
    "BSA": "Budsjett- og styringsavdelingen",
    "DIA": "Digitaliseringsavdelingen",
}
OWNER_CODES = r"[A-ZÆØÅ]{2,4}(?:\s?(?:/|,|og)\s?[A-ZÆØÅ]{2,4})*"
OWNER_VALUE = rf"{OWNER_CODES}(?:\s*\(pkt\.?\s*[\d, og]+\))?"  # "SHA og KTA (pkt. 1)"
OWNER_RE = re.compile(rf"^\s*({OWNER_VALUE})(?=\s|$|\t|[.;,])")
# The label before a department code, in every spelling seen: "Eieravdeling HOD:", "Eieravdeling i HOD:",
# "Avd.HOD:", "Avd. HOD:", "Ansvarlig avdeling:", "Ansvarlig avdeling (i) HOD:", "Ansv. avd.:", "Ansvarlig avd.:",
# "Eier i HOD:", "HOD-avdeling:". Case and spacing are free; the colon is what makes it a label.
OWNER_LABEL = (r"(?<![\w.])(?:(?:Eier|Ansvarlig|Ansv\.?)\s*(?:avdeling|avd\.?)(?:\s+i)?(?:\s+HOD)?"
               r"|Eier(?:\s+i)?\s+HOD|HOD\s*-?\s*avdeling|Avd\.?\s?(?:i\s+)?HOD)\s*:")
OWNER_LABEL_RE = re.compile(OWNER_LABEL, re.IGNORECASE)
_OWNER_SAID_RE = re.compile(rf"(?i:{OWNER_LABEL})\s*({OWNER_VALUE})(?![\wÆØÅæøå])")


def owner_said(text: str) -> re.Match[str] | None:
    """The first "Ansvarlig avdeling: SHA" (any label spelling) in running text; group 1 is the code(s)."""
    return _OWNER_SAID_RE.search(text)


def owner_code(text: str) -> str:
    """'SHA / KTA' -> 'SHA/KTA': department codes as the registry keeps them."""
    return re.sub(r"\s*(/|,)\s*", r"\1", " ".join(text.split()))


# --- Dates -------------------------------------------------------------------------------------
MONTHS = {
    "januar": 1, "jan": 1, "january": 1,
    "februar": 2, "feb": 2, "february": 2,
    "mars": 3, "mar": 3, "march": 3,
    "april": 4, "apr": 4,
    "mai": 5, "may": 5,
    "juni": 6, "jun": 6, "june": 6,
    "juli": 7, "jul": 7, "july": 7,
    "august": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10, "october": 10, "oct": 10,
    "november": 11, "nov": 11,
    "desember": 12, "des": 12, "december": 12, "dec": 12,
}
MONTH_NAMES_NO = [
    "", "januar", "februar", "mars", "april", "mai", "juni",
    "juli", "august", "september", "oktober", "november", "desember",
]
MONTH_NAMES_EN = [
    "", "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]
_MONTH_ALT = "|".join(sorted(MONTHS, key=len, reverse=True))
YEAR = r"(?:19|20)\d\d"  # a year of the letters, in every pattern below
YEAR_RE = re.compile(rf"\b{YEAR}\b")
# "1. juli 2024", "1 september 2021", "4. april" (year from the letter)
WORD_DATE = rf"(?<!\d)(?P<d>\d{{1,2}})(?:\.\s*|\s+)(?P<m>{_MONTH_ALT})\.?(?:\s+(?P<y>(?:19|20)\d\d))?(?![a-zæøå])"
# "31.12.2025", "25.04.25", "1.07.2021", "19.05" (year from the letter)
NUM_DATE = r"(?<!\d)(?P<nd>\d{1,2})\.(?P<nm>\d{1,2})(?:\.(?P<ny>(?:19|20)?\d\d))?(?![\d])"
DATE_RE = re.compile(rf"(?:{WORD_DATE}|{NUM_DATE})", re.IGNORECASE)
WEEK_RE = re.compile(r"\buke\s+(?P<w>\d{1,2})\b", re.IGNORECASE)
PERIOD_END_RE = re.compile(
    rf"utgangen\s+av\s+(?:(?P<m>{_MONTH_ALT})\s+)?(?P<y>(?:19|20)\d\d)|"
    rf"utgangen\s+av\s+(?P<m2>{_MONTH_ALT})\b",
    re.IGNORECASE,
)


# Named periods a deadline may end with: "1. kvartal 2023", "første halvår", "2. tertial 2024",
# "medio mars 2023", "ultimo juni", "høsten 2023", "juni 2023". Each is dated by its last day
# (medio/primo by the day they name), so "frister i juni" and "due before" questions see them.
_ORDINALS = {"1": 1, "første": 1, "2": 2, "andre": 2, "annet": 2, "3": 3, "tredje": 3, "4": 4, "fjerde": 4}
_PERIOD_MONTHS = {"kvartal": 3, "tertial": 4, "halvår": 6}
_SEASONS = {"våren": ((3, 1), (6, 30)), "sommeren": ((6, 1), (8, 31)), "høsten": ((9, 1), (12, 31))}
PERIOD_RE = re.compile(
    rf"(?:(?:utgangen|slutten)\s+av\s+|i\s+løpet\s+av\s+)?(?:"
    rf"(?P<ord>[1-4]\.|første|andre|annet|tredje|fjerde)\s+(?P<unit>kvartal|tertial|halvår)(?:et)?"
    rf"(?:\s+(?P<y1>{YEAR}))?"
    rf"|(?P<pos>primo|medio|ultimo|midten\s+av|begynnelsen\s+av|starten\s+av)\s+(?P<m1>{_MONTH_ALT})(?:\s+(?P<y2>{YEAR}))?"
    rf"|(?P<season>våren|sommeren|høsten)\s+(?P<y3>{YEAR})"
    rf"|(?P<m2>{_MONTH_ALT})\s+(?P<y4>{YEAR})"
    rf"|(?P<y5>{YEAR})(?!\s*[-–]\s*\d)"
    rf")(?![\w-])",
    re.IGNORECASE,
)


def period_span(m: re.Match[str], default_year: int | None) -> tuple[str, str, str] | None:
    """(first day, last day, kind) of a PERIOD_RE match: a period is dated by its last day ("period_end");
    medio and primo name one day ("date"). None when the period does not exist ("5. kvartal")."""
    g = m.groupdict()
    year_text = g["y1"] or g["y2"] or g["y3"] or g["y4"] or g["y5"]
    year = int(year_text) if year_text else default_year
    if year is None:
        return None
    if g["unit"]:
        n, span = _ORDINALS[g["ord"].lower().rstrip(".")], _PERIOD_MONTHS[g["unit"].lower()]
        if n * span > 12:
            return None
        return f"{year}-{(n - 1) * span + 1:02d}-01", month_end(year, n * span), "period_end"
    if g["pos"]:
        month = MONTHS[g["m1"].lower()]
        pos = " ".join(g["pos"].lower().split())
        day = 15 if pos in ("medio", "midten av") else 1 if pos in ("primo", "begynnelsen av", "starten av") else None
        if day is not None:
            iso = make_date(day, month, year)
            return (iso, iso, "date") if iso else None
        return f"{year}-{month:02d}-01", month_end(year, month), "period_end"
    if g["season"]:
        (m0, d0), (m1, d1) = _SEASONS[g["season"].lower()]
        return f"{year}-{m0:02d}-{d0:02d}", f"{year}-{m1:02d}-{d1:02d}", "period_end"
    if g["m2"]:
        month = MONTHS[g["m2"].lower()]
        return f"{year}-{month:02d}-01", month_end(year, month), "period_end"
    return f"{year}-01-01", f"{year}-12-31", "period_end"


def period_date(m: re.Match[str], default_year: int | None) -> tuple[str | None, str]:
    """(ISO date, kind) a deadline stated as a PERIOD_RE match is dated by."""
    span = period_span(m, default_year)
    return (span[1], span[2]) if span else (None, "period_end")


def make_date(day: int, month: int, year: int) -> str | None:
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def month_end(year: int, month: int) -> str:
    return dt.date(year, month, calendar.monthrange(year, month)[1]).isoformat()


def date_from_match(m: re.Match[str], default_year: int | None) -> str | None:
    """ISO date from a DATE_RE match; a missing year is the letter's year."""
    if m.group("d"):
        day, month = int(m.group("d")), MONTHS[m.group("m").lower()]
        year = int(m.group("y")) if m.group("y") else default_year
    else:
        day, month = int(m.group("nd")), int(m.group("nm"))
        ny = m.group("ny")
        year = (2000 + int(ny) if len(ny) == 2 else int(ny)) if ny else default_year
    if year is None or not 1 <= month <= 12:
        return None
    return make_date(day, month, year)


def format_date_no(iso: str) -> str:
    d = dt.date.fromisoformat(iso)
    return f"{d.day}. {MONTH_NAMES_NO[d.month]} {d.year}"


def format_date_en(iso: str) -> str:
    d = dt.date.fromisoformat(iso)
    return f"{d.day} {MONTH_NAMES_EN[d.month]} {d.year}"


# --- Deadline phrases --------------------------------------------------------------------------
# Words that make a date in running text a deadline ("innen 4. mars", "Frist: ...", "har frist").
DEADLINE_CUE_RE = re.compile(
    r"\b(?:ny\s+frist|tidsfrist|frist(?:en)?(?:\s+(?:for\s+[^.:]{0,80}?\s)?er)?|har\s+frist|med\s+frist|"
    r"innen|senest|leveres|levere|(?:forlenges|utsettes|endres|flyttes)\s+til|ber\s+om(?:\s+å\s+få)?|"
    r"ønsker\s+å\s+få)\b\s*:?\s*",
    re.IGNORECASE,
)
# A deadline left to be agreed: "Frist avklares i dialog ...", "Frist deloppdrag 2: Avtales med departementet",
# "Frist for oppdraget fastsettes etter samråd med HOD".
_DIALOG_WORDS = r"(?:dialog\w*|avklar\w*|diskutere|nærmere|møte|avtal\w*|samråd\w*|fastsettes\s+(?:senere|etter|i|av))"
DIALOG_RE = re.compile(rf"\bfrist\w*\b[^.]*\b{_DIALOG_WORDS}|\b{_DIALOG_WORDS}[^.]*\bfrist\w*", re.IGNORECASE)
# Deadline phrases without a day: "ferdigstilt i løpet av 2023", "innen uke 12", "innen utgangen av mars 2024"
# ("året": the letter's year), "ferdigstilles før sommeren".
DONE_DURING_YEAR_RE = re.compile(rf"\b(?:gjennomført|ferdigstilt|ferdig|levert|avsluttet)\s+i\s+løpet\s+av\s+(?P<y>{YEAR})\b",
                                 re.IGNORECASE)
BY_WEEK_RE = re.compile(r"\b(?:innen|frist\w*:?|senest|i)\s+(?:løpet\s+av\s+)?uke\s+(?P<w>\d{1,2})\b", re.IGNORECASE)
BY_END_OF_RE = re.compile(rf"\b(?:innen|frist\w*:?)\s+(?:utgangen|slutten)\s+av\s+(?:(?P<m>[a-zæøå]+)\s+)?(?P<y>{YEAR}|året)",
                          re.IGNORECASE)
VAGUE_DEADLINE_RE = re.compile(r"\b(?:frist\w*|innen|ferdigstilles|ferdigstilt|levere\w*|ferdig)\b[^.]{0,60}?\b"
                               rf"(før\s+(?:påske|sommeren|jul|ferien|sommerferien|årsskiftet)(?:\s+{YEAR})?)", re.IGNORECASE)
# A line that states deadlines: "Frist:", "Frister:", "Ny frist", "Tidsfrist".
FRIST_LINE_RE = re.compile(r"^(?:ny\s+|tids)?frist(?:er)?\b", re.IGNORECASE)
ANNUAL_RE = re.compile(r"\b(?:hvert\s+år|årlig|hvert\s+kvartal)\b", re.IGNORECASE)
ASAP_RE = re.compile(r"\bsnarest\b", re.IGNORECASE)
# The section rule for assignments without a deadline of their own, in its usual wordings: "Der ikke annen
# frist er spesifisert/angitt, … i løpet av 2021", "… innen 31. desember 2026", "For oppdrag uten egen frist
# gjelder frist 31. desember 2023", "Oppdrag uten angitt frist skal være gjennomført innen utgangen av 2023".
DEFAULT_RULE_RE = re.compile(
    r"(?:Der\s+(?:det\s+)?ikke\s+(?:er\s+)?(?:annen|egen|oppgitt|angitt|spesifisert)\s+(?:annen\s+)?frist|"
    r"(?:For\s+)?oppdrag(?:ene)?\s+(?:som\s+er\s+)?uten\s+(?:egen|annen|angitt|oppgitt|spesifisert)\s+frist)"
    r"[^.]*?(?:i\s+løpet\s+av\s+(?P<y>(?:19|20)\d\d)|utgangen\s+av\s+(?P<y2>(?:19|20)\d\d)|"
    r"(?:innen|frist|til|er)\s*:?\s*(?P<d>\d{1,2}\.\s*(?:desember|des\.?|12\.)\s*(?P<y3>(?:19|20)\d\d)))",
    re.IGNORECASE,
)


def default_rule_date(m: re.Match[str]) -> str:
    """The day a section rule sets: the year's end ("i løpet av 2021") or the date it names (31 December)."""
    return f"{m.group('y') or m.group('y2') or m.group('y3')}-12-31"
PERMANENT_RE = re.compile(r"\bFrist\s*:\s*(?P<t>Varig[^.\n]*|Løpende[^.\n]*|Fast oppdrag[^.\n]*)", re.IGNORECASE)

# --- Sub-items ---------------------------------------------------------------------------------
SUB_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("deloppdrag", re.compile(r"^(?:[-–•*]\s*)?Deloppdrag\s+(?P<l>\d{1,2}|[a-h])\)?\s*(?:[:.)–-]|$)", re.I)),
    ("fase", re.compile(r"^(?:[-–•*]\s*)?Fase\s+(?P<l>\d{1,2})\s*(?:[:.)–-]|$)", re.I)),
    ("letter", re.compile(r"^(?:[-–•*]\s*)?\(?(?P<l>[a-h])\)\s+\S")),
    ("number", re.compile(r"^(?:[-–•*]\s*)?\(?(?P<l>\d{1,2})[.)]\s+\S")),
)


def sub_label(style: str, raw: str) -> str:
    raw = raw.lower()
    return f"{style} {raw}" if style in ("deloppdrag", "fase") else raw


# Label lists in deadline lines: "Deloppdrag b) og c) har frist", "d) til f)", "punkt 2 og 3".
SUB_REF_RE = re.compile(r"\b(?:deloppdrag|punkt|oppdrag)?\s*\(?([a-h]|\d{1,2})\)", re.IGNORECASE)
# A sub-item named by its word in a deadline sentence: "Del 2 av oppdraget utsettes", "Frist deloppdrag 2: ...".
SUB_NAMED_RE = re.compile(r"\b(del|deloppdrag|punkt|fase)\s+(\d{1,2}|[a-h])\b(?!\))", re.IGNORECASE)
SUB_RANGE_WORDS = ("til", "–", "-", "t.o.m.")

# Where a sentence ends in running text: a stop, then a capital (or a quote, parenthesis or dash) opening the next.
SENTENCE_BREAK_RE = re.compile(r"(?<=[.!?])\s+(?=[A-ZÆØÅ«\"(-])")

# --- Changes made by later letters -------------------------------------------------------------
CHANGE_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("renumbered", re.compile(r"endr\w*\s+nummerering|nummereres\s+om|nytt\s+nummer|renummer", re.I)),
    ("cancels", re.compile(r"\butgår\b|\bbortfaller\b|\btas\s+ut\b|\bavsluttes\b|\btrekkes\b|\btrekker\b|"
                           r"\bfrafalles\b|\bannulleres\b|\bstrykes\b|\bavlyses\b", re.I)),
    ("reworded", re.compile(r"oppdragsteksten\s+(?:endres|erstattes|justeres)|endres\s+til\s+følgende|"
                            r"erstattes\s+(?:av|med)|ny\s+ordlyd|ny\s+oppdragstekst|skal\s+nå\s+lyde", re.I)),
    ("deadline", re.compile(r"utsatt\s+frist|\bny\s+frist|frist\w*\b[^.]{0,90}?\b(?:kan\s+)?(?:utsettes|utsatt|forlenges|"
                            r"forlenget|endres|endret|flyttes|flyttet|forskyves)\b|"
                            r"\b(?:utsettes|forlenges|flyttes|forskyves)\s+(?:fra\s+[^.]{0,40}?\s+)?til\b|"
                            r"\b(?:endrer|forlenger|utsetter|flytter|forskyver)\s+(?:\w+\s+){0,3}?frist\w*", re.I)),
    ("clarified", re.compile(r"\bpresiser\w*", re.I)),
    ("continued", re.compile(r"\bvidereføres\b|\binkluderes\s+i\b|ikke\s+(?:er\s+)?(?:ferdigstilt|gjennomført)", re.I)),
    ("refers", re.compile(r"\bvis(?:es|er)\s+til\b|\bjf\.|\bse\s+(?:også\s+)?oppdrag", re.I)),
)


# The value a change sets: the date after "til" / "ny frist" ("fristen endres fra 1. juni til 1. september",
# "Ny frist er 1. november", "forlenges til …"); the new number after "til" / "nytt nummer"; the new
# wording after "endres til følgende:" / "erstattes med:"; the assignment that "erstatter" another.
NEW_VALUE_CUE_RE = re.compile(
    r"(?:\btil|\bny\s+frist(?:en)?(?:\s+(?:er|blir|settes\s+til))?|\bfrist(?:en)?\s*(?:er|blir|settes\s+til)?\s*:|"
    r"\bny\s+frist\s*:|\bmed\s+ny\s+frist|\bnytt\s+nummer|\bnummer)\s*:?\s*(?:den\s+)?$", re.IGNORECASE)
# "fristen kan utsettes": the letter allows a change without making it; the deadline stands until one is set.
MODAL_CHANGE_RE = re.compile(r"\bkan\s+(?:\w+\s+)?(?:utsettes|forlenges|endres|flyttes|forskyves)\b", re.IGNORECASE)
PAST_CHANGE_RE = re.compile(r"\b(?:ble|var|har\s+vært|tidligere|opprinnelig)\b", re.IGNORECASE)
OLD_VALUE_CUE_RE = re.compile(r"\bfra\s*$", re.IGNORECASE)
NEW_WORDING_RE = re.compile(r"(?:endres\s+til(?:\s+følgende)?|erstattes\s+(?:av|med)(?:\s+følgende)?|ny\s+ordlyd|"
                            r"skal\s+nå\s+lyde)\s*:\s*", re.IGNORECASE)
REPLACES_RE = re.compile(r"\berstatter\b", re.IGNORECASE)
# A sub-item a change names: "deloppdrag b)", "del 2", "punkt 3", "b)"; ranges "b) til d)" are expanded.
CHANGE_SUB_RE = re.compile(r"\b(?:deloppdrag|delopp\w*|punkt|del|fase)\s+\(?([a-h]|\d{1,2})\b\)?|"
                           r"(?<![\w(])\(?([a-h])\)(?=[\s,.;:]|$)", re.IGNORECASE)


def classify_change(text: str) -> str | None:
    for kind, rx in CHANGE_KINDS:
        if rx.search(text):
            return kind
    return None


# What an answer may say about an assignment's standing, in Norwegian and English: a phrased answer that
# calls an assignment cancelled, postponed or active must have a source (or a recorded change) saying so.
STATUS_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("cancelled", re.compile(
        r"\b(?:utgår|utgått|bortfal(?:ler|t)|faller\s+bort|avlys\w*|kansell\w*|trukket|trekkes|tas\s+ut|tatt\s+ut|"
        r"avslutte[st]|strøket|strykes|stanse[st]|cancel+(?:ed|ation|s)?|withdrawn|dropped|discontinued|"
        r"terminated|scrapped|no\s+longer\s+(?:applies|active|required|valid))\b", re.I)),
    ("postponed", re.compile(
        r"\b(?:utsatt|utsettes|utsette|forlenget|forlenges|forskjøvet|ny\s+frist|senere\s+frist|postpone[ds]?|"
        r"deferred|delayed|extended|pushed\s+back|new\s+deadline|later\s+deadline)\b", re.I)),
    ("active", re.compile(
        r"\b(?:aktivt?|fortsatt\s+gjeldende|gjelder\s+fortsatt|står\s+(?:fortsatt\s+)?ved\s+lag|videreføres|"
        r"videreført|active|ongoing|still\s+(?:applies|valid|in\s+force|running|stands)|in\s+force|"
        r"remains?\s+in\s+effect|carried\s+over)\b", re.I)),
)
# The reference kinds (CHANGE_KINDS) that record a status: an assignment a later letter cancels or postpones.
STATUS_OF_CHANGE = {"cancels": "cancelled", "deadline": "postponed"}


def statuses_in(text: str) -> set[str]:
    """The statuses `text` states: 'oppdraget er avlyst' -> {'cancelled'}."""
    return {status for status, rx in STATUS_WORDS if rx.search(text)}


# --- Letters -----------------------------------------------------------------------------------
LETTER_TITLE_RE = re.compile(
    r"^\s*((?:Supplerende\s+)?tildelingsbrev\b.*|Tillegg\s+(?:nr\.?\s*\d+\s+)?til\s+tildelingsbrev.*|"
    r"Tillegg\s+nr\.?\s*\d+.*|Endring\w*\s+(?:i|av)\s+tildelingsbrev.*)$",
    re.IGNORECASE,
)
# The letter's own date: a line that is a date, or one led by "Dato", "Vår dato", "Oslo," ("Oslo, 02.06.2023").
LETTER_DATE_LABEL_RE = re.compile(r"^\s*(?:(?:vår\s+)?dato\s*:?|oslo\s*,?(?:\s+den)?)\s*", re.IGNORECASE)
LETTER_KIND_RULES = (
    ("supplementary", re.compile(r"supplerende", re.I)),
    ("addendum", re.compile(r"^\s*tillegg|endring", re.I)),
    ("allocation", re.compile(r"tildelingsbrev", re.I)),
)
CLOSING_RE = re.compile(r"^\s*(Med\s+(?:vennlig\s+)?hilsen|Vennlig\s+hilsen)\b", re.IGNORECASE)
LETTERHEAD_LABELS = {
    "postadresse", "kontoradresse", "besøksadresse", "telefon", "telefon*", "org.nr.", "org. nr.", "org.nr",
    "avdeling", "saksbehandler", "e-post", "telefaks", "deres ref", "vår ref", "dato",
}
PAGE_FURNITURE_RE = re.compile(
    r"^\s*(?:(?:Side|Page)\s+\d+(?:\s*(?:av|of)\s*\d+)?|Dokumentet er elektronisk (?:signert|godkjent).*)\s*$",
    re.IGNORECASE,
)
# A running title printed with the page number ("Tildelingsbrev – Helsedirektoratet" over "Side 7 av 22"):
# short, no sentence, naming the letter or the sender; or the same line again at another page break.
RUNNING_TITLE_RE = re.compile(r"^(?!\s*[\d(•-])(?=.{3,80}$)(?!.*[.:;!?,]\s*$).*?"
                              r"\b(?:tildelingsbrev\w*|tillegg|departement\w*|direktorat\w*)\b.*$", re.IGNORECASE)
# Bullet marks as extraction tools write them: PDF symbol-font glyphs, "•", "▪", Word's second-level "o".
BULLET_MARK_RE = re.compile(r"^\s*(?:[\uf0b7\uf0a7\uf02d•·▪◦●■–—]|o(?=\s+\S))\s*")
PHONE_RE = re.compile(r"^\s*(?:\+47\s*)?\d{2}\s?\d{2}\s?\d{2}\s?\d{2}\s*$")
REF_NO_RE = re.compile(r"^\s*(\d{2}/\d{2,6}(?:-\d*)?)\s*$")



# --- English questions over Norwegian letters ----------------------------------------------------
# BM25 cannot match "suicide" to "selvmord"; staff ask in English too. A small domain glossary added to
# an English query lets the lexical ranking take part (the dense model is multilingual already).
EN_NO_GLOSSARY = {
    "deadline": "frist", "due": "frist", "assignment": "oppdrag", "task": "oppdrag", "report": "rapport",
    "strategy": "strategi", "plan": "plan", "evaluation": "evaluering", "evaluate": "evaluere", "evaluating": "evaluere",
    "health": "helse", "mental": "psykisk", "suicide": "selvmord", "police": "politi politibistand",
    "assistance": "bistand", "tobacco": "tobakk", "alcohol": "alkohol", "cancer": "kreft", "children": "barn",
    "young": "unge", "youth": "ungdom", "elderly": "eldre", "older": "eldre", "dementia": "demens",
    "preparedness": "beredskap", "emergency": "beredskap", "stock": "lager beredskapslager", "stockpile": "lager",
    "infection": "smittevern", "equipment": "utstyr", "medicines": "legemidler", "medicine": "legemiddel",
    "drugs": "legemidler rusmidler", "substance": "rus", "addiction": "avhengighet", "violence": "vold",
    "abuse": "overgrep", "prevention": "forebygging", "preventive": "forebyggende", "national": "nasjonal nasjonalt",
    "register": "register", "registry": "register", "mapping": "kartlegging", "survey": "undersøkelse",
    "system": "system", "digital": "digital digitale", "tools": "verktøy", "tool": "verktøy",
    "collaboration": "samhandling samarbeid", "cooperation": "samarbeid", "municipalities": "kommuner",
    "municipality": "kommune", "hospital": "sykehus", "hospitals": "sykehus", "specialist": "spesialist",
    "doctors": "leger", "doctor": "lege", "gp": "fastlege", "gps": "fastleger", "nurses": "sykepleiere",
    "nurse": "sykepleier", "training": "utdanning opplæring", "education": "utdanning", "competence": "kompetanse",
    "grant": "tilskudd", "grants": "tilskudd", "subsidy": "tilskudd", "funding": "finansiering tilskudd",
    "allocated": "tildelt bevilget", "budget": "budsjett", "amount": "beløp", "million": "mill", "costs": "kostnader",
    "compensation": "kompensasjon", "supervision": "veiledning", "guidance": "veiledning", "guideline": "retningslinje",
    "guidelines": "retningslinjer", "regulation": "forskrift regelverk", "regulations": "regelverk", "law": "lov",
    "act": "lov", "circular": "rundskriv", "proposal": "forslag", "propose": "foreslå", "draft": "utkast",
    "recommendations": "anbefalinger", "recommendation": "anbefaling", "programme": "program", "program": "program",
    "pilot": "pilot", "project": "prosjekt", "assessment": "vurdering", "review": "gjennomgang",
    "indicators": "indikatorer", "statistics": "statistikk", "waiting": "venteliste ventetid", "list": "liste",
    "lists": "lister", "residents": "innbyggere", "patients": "pasienter", "patient": "pasient",
    "safety": "sikkerhet pasientsikkerhet", "quality": "kvalitet", "palliative": "palliasjon palliativ",
    "care": "omsorg", "rehabilitation": "rehabilitering", "genome": "genom genomsenter", "artificial": "kunstig",
    "intelligence": "intelligens", "consent": "samtykke", "research": "forskning", "pregnant": "gravide",
    "women": "kvinner", "breastfeeding": "amming ammefri", "diet": "kosthold", "nutrition": "ernæring",
    "physical": "fysisk", "activity": "aktivitet", "loneliness": "ensomhet", "sexual": "seksuell",
    "prisoners": "innsatte", "prison": "fengsel", "migrants": "innvandrere", "refugees": "flyktninger",
    "disability": "funksjonsnedsettelse", "frailty": "skrøpelighet skrøpeligheit", "physiotherapy": "fysioterapi",
    "physiotherapists": "fysioterapeuter", "dental": "tannhelse", "teeth": "tann", "ambulance": "ambulanse",
    "casualty": "masseskader", "mass": "masse", "calendar": "kalender styringskalender",
    "annual": "årlig årsrapport", "accounts": "regnskap årsregnskap", "management": "styring",
    "supplementary": "supplerende", "supplement": "tillegg", "letter": "brev", "ministry": "departementet",
    "department": "avdeling", "directorate": "direktoratet", "sketch": "skisse", "solution": "løsning",
    "information": "informasjon", "communication": "kommunikasjon", "campaign": "kampanje",
    "warning": "advarsel advarselsmerking", "labelling": "merking", "disposable": "engangsbruk",
    "cigarettes": "sigaretter e-sigaretter", "advertising": "reklame", "internet": "internett",
    "social": "sosial sosiale", "inequality": "ulikhet", "climate": "klima", "environment": "miljø",
    "wellbeing": "livskvalitet", "quality-of-life": "livskvalitet", "public": "offentlig folkehelse",
    "rare": "sjeldne", "diagnoses": "diagnoser", "diagnosis": "diagnose", "pain": "smerte", "headache": "hodepine",
    "eye": "øye øyesykdom", "hearing": "hørsel", "disorders": "forstyrrelser lidelser", "psychiatric": "psykiatrisk",
    "forensic": "rettspsykiatriske", "coordination": "koordinering", "coordinate": "koordinere",
    "implementation": "implementering gjennomføring", "follow-up": "oppfølging", "follow": "følge oppfølging",
    # everyday words of health administration
    "telephone": "telefon", "phone": "telefon", "helpline": "hjelpetelefon", "helplines": "hjelpetelefoner",
    "walking": "gå gående", "neighbourhood": "nærmiljø", "neighbourhoods": "nærmiljøer", "accident": "ulykke",
    "accidents": "ulykker", "injury": "skade", "injuries": "skader", "study": "studie utredning", "studies": "studier",
    "evidence": "kunnskap kunnskapsgrunnlag", "storage": "oppbevaring lagring", "storing": "oppbevaring",
    "assault": "overgrep vold", "centre": "senter", "centres": "sentre", "center": "senter", "library": "bibliotek",
    "libraries": "bibliotek", "school": "skole", "schools": "skoler", "kindergarten": "barnehage", "sport": "idrett",
    "work": "arbeid", "employment": "arbeid sysselsetting", "welfare": "velferd", "housing": "bolig",
    "home": "hjem hjemme", "homes": "hjem", "nursing": "sykepleie sykehjem", "pharmacy": "apotek",
    "pharmacies": "apotek", "prescription": "resept", "vaccine": "vaksine", "vaccines": "vaksiner",
    "vaccination": "vaksinasjon", "screening": "screening", "pandemic": "pandemi", "obesity": "overvekt fedme",
    "overweight": "overvekt", "salt": "salt", "tax": "avgift skatt", "taxes": "avgifter",
    "fee": "egenandel avgift", "fees": "egenandeler avgifter", "price": "pris",
    "prices": "priser", "payment": "betaling egenbetaling", "reimbursement": "refusjon", "waiting-list": "venteliste",
    "workforce": "personell bemanning", "personnel": "personell", "staff": "ansatte personell", "recruitment": "rekruttering",
    "data": "data", "sharing": "deling", "records": "journal journaler", "journal": "journal", "privacy": "personvern",
    "security": "sikkerhet", "cyber": "digital", "interpreter": "tolk", "interpreters": "tolker", "language": "språk",
    "sami": "samisk", "immigrants": "innvandrere", "minority": "minoritet", "minorities": "minoriteter",
    "gambling": "pengespill", "drowning": "drukning", "suicide-prevention": "selvmordsforebygging",
    "volunteers": "frivillige", "voluntary": "frivillig", "municipal": "kommunal",
    "regional": "regional", "health-trusts": "helseforetak", "trusts": "helseforetak", "trust": "helseforetak",
    # The letters' own vocabulary: their frequent content words, each under the English a question would
    # use for it (a plural in 's' finds its singular; other plurals, -ing and -ed forms stand on their own).
    # purposes, goals and results
    "purpose": "formål formålet", "aim": "mål målet", "goal": "mål målet målene",
    "objective": "mål målet målene", "target": "mål målet målgruppen", "achievement": "måloppnåelse",
    "attainment": "måloppnåelse", "result": "resultater resultatene", "outcome": "resultater resultatene",
    "effect": "effekt effekter effekten", "impact": "effekt effekter konsekvenser",
    "benefit": "gevinster nytte", "gain": "gevinster", "priority": "prioritet prioritering prioriteringer",
    "priorities": "prioriteringer", "prioritise": "prioritere prioriteres",
    "prioritize": "prioritere prioriteres", "prioritised": "prioritert prioriterte",
    "prioritized": "prioritert prioriterte",
    # measures, schemes and instruments
    "measure": "tiltak tiltaket tiltakene", "initiative": "initiativ tiltak", "effort": "innsats innsatsen",
    "scheme": "ordning ordningen ordninger tilskuddsordning", "arrangement": "ordning ordningen ordninger",
    "instrument": "virkemidler virkemiddel", "framework": "rammeverk rammer", "model": "modell modeller",
    "method": "metoder", "approach": "tilnærming", "activities": "aktiviteter aktivitet",
    "escalation": "opptrappingsplan opptrappingsplanen", "reform": "reformen", "strategies": "strategier",
    "policy": "politikk",
    # money: allocations, appropriations, costs
    "allocation": "tildeling tildelingen tildelinger", "allocate": "tildeles tildeling",
    "appropriation": "bevilgning bevilgningen bevilgninger", "appropriated": "bevilget",
    "granted": "tildelt bevilget", "awarded": "tildelt", "chapter": "kapittel",
    "threshold": "innslagspunkt innslagspunktet", "rate": "takster", "compensated": "kompensert",
    "reimbursed": "refundert", "refund": "refusjon", "disbursement": "utbetaling utbetale",
    "pay": "utbetale betaling", "expense": "utgifter utgiftene", "expenditure": "utgifter utgiftene",
    "spending": "utgifter ressursbruk", "operating": "drift driftsutgifter", "operation": "drift",
    "cost": "kostnader utgifter", "fund": "midler midlene", "money": "midler midlene",
    "resource": "ressurser", "earmarked": "øremerket øremerkede", "transfer": "overføres overføring",
    "transferred": "overføres overført", "extra": "ekstra", "additional": "ekstra ytterligere",
    "total": "totalt samlet", "share": "andel dele", "proportion": "andel", "estimate": "anslag",
    "thousand": "tusen", "nok": "kroner", "recipient": "mottakere tilskuddsmottakere",
    "application": "søknader", "apply": "søke søknader", "consultancy": "konsulenttjenester konsulentbruken",
    "purchase": "kjøp innkjøp", "procurement": "innkjøp anskaffelse", "income": "inntekter gebyrinntekter",
    "co-payment": "egenbetaling egenandelstak", "funded": "finansiert", "financial": "økonomiske",
    "economic": "økonomiske",
    # what the directorate is asked to do
    "deliver": "levere leveres leveranse", "deliverable": "leveranse leveranser",
    "submit": "oversende oversendes", "reporting": "rapportering rapportere",
    "reported": "rapportere rapporteres", "evaluated": "evaluert evaluering",
    "establish": "etablere etableres etablering", "establishing": "etablere etablering",
    "established": "etablert etableres", "establishment": "etablering etableringen",
    "develop": "utvikle utvikling videreutvikle", "developing": "utvikle utvikling",
    "developed": "utviklet utvikles", "development": "utvikling utviklingen",
    "implement": "implementere implementering iverksette innføre", "implemented": "implementert innført",
    "assess": "vurdere vurdering", "assessing": "vurdere vurdering", "assessed": "vurdert vurderes",
    "consider": "vurdere vurderes", "proposed": "foreslått foreslåtte", "suggest": "foreslå forslag",
    "coordinating": "koordinere koordinering", "coordinated": "koordinert koordinerte samordnet",
    "cooperate": "samarbeide samarbeid", "collaborate": "samarbeide samarbeid", "partnership": "partnerskap",
    "investigate": "utrede utredning", "investigating": "utrede utredning",
    "investigation": "utredning utredningen", "examine": "utrede vurdere", "analysis": "analyse analyser",
    "prepare": "utarbeide forberede", "prepared": "utarbeidet utarbeides",
    "preparation": "utarbeidelse forberedelse", "update": "oppdatere oppdatert",
    "updating": "oppdatere oppdatering", "updated": "oppdatert oppdaterte", "revise": "revidere revidert",
    "revised": "revidert", "revision": "revisjon revidering", "amend": "endre endring",
    "amendment": "endring endringer", "change": "endring endringer", "changed": "endret endringer",
    "continue": "videreføre fortsette", "continued": "videreføres videreføring",
    "continuation": "videreføring", "strengthen": "styrke styrking", "strengthening": "styrking styrke",
    "strengthened": "styrket", "improve": "forbedre bedre forbedring",
    "improving": "forbedre bedre forbedring", "improved": "bedre forbedret",
    "improvement": "forbedring forbedringer kvalitetsforbedring", "better": "bedre",
    "reduce": "redusere reduksjon", "reducing": "redusere reduksjon", "reduced": "redusert redusere",
    "increase": "økning øke økt", "increased": "økt økning", "growth": "vekst", "ensure": "sikre sørge",
    "secure": "sikre", "promote": "fremme", "promotion": "fremme helsefremmende",
    "health-promoting": "helsefremmende", "support": "støtte understøtte", "contribute": "bidra bidrar",
    "contribution": "bidrag bidra", "help": "hjelp bistå", "assist": "bistå bistand",
    "facilitate": "tilrettelegge tilrettelegging", "participate": "delta deltakelse",
    "participation": "deltakelse", "participant": "deltakere", "involvement": "involvering medvirkning",
    "monitor": "monitorering", "monitoring": "monitorering", "measurement": "måling måledata",
    "collect": "innsamling innhenting", "collection": "innsamling innhenting", "compile": "sammenstille",
    "summarise": "oppsummere", "summarize": "oppsummere", "clarify": "avklare presisere klargjøre",
    "clarification": "avklaring presisering", "adapt": "tilpasse tilpasset", "adapted": "tilpasset",
    "adjust": "justere justeringer", "adjustment": "justeringer", "expand": "utvidelse",
    "expansion": "utvidelse", "extension": "utvidelse", "phasing": "innfasing",
    "discontinue": "avvikling avvikles", "termination": "opphør", "move": "flytte flyttet",
    "lead": "lede ledes", "manage": "forvalte forvaltning", "administer": "forvalte forvalter",
    "administration": "forvaltning forvaltningen", "governance": "styring styringsdialogen",
    "steering": "styring styringsinformasjon", "operate": "drifte drift",
    "maintain": "vedlikeholde opprettholde", "maintenance": "vedlikehold",
    "design": "utforming utforme innretning", "adopted": "vedtatt", "decision": "vedtak beslutninger",
    "decided": "besluttet vedtatt", "approval": "godkjenning", "approved": "godkjent",
    "recommended": "anbefalt anbefalte", "recommend": "anbefalinger anbefales", "input": "innspill",
    "consultation": "høring høringsnotat samråd", "meeting": "møte møter", "overview": "oversikt",
    "description": "beskrivelse", "discuss": "drøftes", "agreed": "omforent", "prevent": "forebygge motvirke",
    "preventing": "forebygge forebygging", "combat": "motvirke", "stimulate": "stimulere",
    "encourage": "stimulere", "start": "starte oppstart", "finalise": "ferdigstille ferdigstilt",
    "finalize": "ferdigstille ferdigstilt", "finalised": "ferdigstilt", "finalized": "ferdigstilt",
    "finished": "ferdigstilt", "final": "endelig sluttrapport", "postponed": "utsatt utsettes",
    "postpone": "utsatt utsettes", "cancelled": "utgår", "canceled": "utgår", "replace": "erstatter",
    "replaced": "erstatter", "published": "publiseres", "notify": "varslet", "receive": "mottar",
    # organisation, governance and rules
    "agreement": "avtale avtaler", "contract": "avtale avtaler", "responsibility": "ansvar ansvaret",
    "responsibilities": "ansvar ansvarsområder", "role": "rolle roller", "authority": "myndighet fullmakt",
    "authorities": "myndigheter helsemyndighetene", "delegation": "delegering", "delegated": "delegert",
    "duties": "oppgaver plikt", "duty": "plikt", "obligation": "forpliktelser plikt", "requirement": "krav",
    "demand": "krav behov", "condition": "vilkår", "terms": "vilkår", "parameter": "styringsparametere",
    "routine": "rutiner", "procedure": "prosedyrer", "structure": "struktur", "network": "nettverk",
    "group": "gruppen grupper", "committee": "utvalg", "expert": "ekspertutvalg fagmiljøer", "council": "råd",
    "advice": "råd rådgivning", "agency": "etaten etater", "agencies": "etater etatene",
    "government": "regjeringen regjeringens", "parliament": "stortinget", "proposition": "prop",
    "governor": "statsforvalteren", "county": "fylkeskommunene", "auditor": "riksrevisjonen",
    "audit": "revisjon riksrevisjonen", "inspection": "tilsyn", "oversight": "tilsyn", "control": "kontroll",
    "compliance": "etterlevelse", "breach": "brudd", "rules": "regelverk", "legislation": "regelverk lov",
    "legal": "juridiske lovlig", "statutory": "hjemmel lovfestede", "illegal": "ulovlig", "coercion": "tvang",
    "compulsory": "tvang tvungent", "website": "nettsiden",
    # the letters' everyday descriptive words
    "area": "område området områder fagområder", "field": "område feltet", "topic": "tema", "theme": "tema",
    "issue": "problemstillinger saker", "challenge": "utfordringer", "opportunities": "muligheter",
    "basis": "grunnlag", "knowledge": "kunnskap kunnskapsgrunnlag", "knowledge-based": "kunnskapsbasert",
    "evidence-based": "kunnskapsbasert", "experience": "erfaringer erfaring", "expertise": "kompetanse",
    "skills": "kompetanse", "professional": "faglig faglige", "interdisciplinary": "tverrfaglig tverrfaglige",
    "multidisciplinary": "tverrfaglig tverrfaglige", "cross-sectoral": "tverrsektoriell tverrsektorielt",
    "service": "tjeneste tjenesten tjenester", "offer": "tilbud tilby", "provision": "tilbud",
    "provide": "tilby", "user": "bruker brukere", "use": "bruk bruken", "used": "brukes benyttes nyttes",
    "holistic": "helhetlig helhetlige", "comprehensive": "helhetlig omfattende",
    "coherent": "sammenhengende helhetlig", "integrated": "integrert", "targeted": "målrettet",
    "efficient": "effektive effektivt", "simplify": "forenkle enklere", "necessary": "nødvendig nødvendige",
    "appropriate": "hensiktsmessig", "sufficient": "tilstrekkelig", "special": "spesielle særskilt",
    "existing": "eksisterende", "ongoing": "pågående løpende", "future": "fremtidig framtidig",
    "long-term": "langsiktig langsiktige", "temporary": "midlertidige", "local": "lokale lokalt",
    "common": "felles", "shared": "felles", "broad": "bred bredere", "rapid": "rask raskt",
    "safe": "trygg trygt trygge", "harmful": "skadelig", "classified": "gradert",
    "serious": "alvorlig alvorlige", "severe": "alvorlig alvorlige", "complex": "sammensatte sammensatt",
    "early": "tidlig", "equal": "likeverdig likeverdige", "access": "tilgang",
    "availability": "tilgjengelighet", "available": "tilgjengelig", "difference": "forskjeller",
    "disparities": "helseforskjeller forskjeller", "inequalities": "ulikhet helseforskjeller",
    "sustainable": "bærekraftig bærekraftige", "sustainability": "bærekraft", "emission": "klimagassutslipp",
    "green": "grønn grønt", "footprint": "naturfotavtrykk", "international": "internasjonale internasjonalt",
    "abroad": "utlandet", "foreign": "utenlandske utlandet", "norwegian": "norsk norske", "norway": "norge",
    "community": "samfunn nærmiljø", "society": "samfunn", "yearly": "årlig årlige", "half-year": "halvår",
    "summer": "sommeren", "spring": "våren", "autumn": "høsten", "progress": "framdrift framdriftsplan",
    "timetable": "framdriftsplan", "planning": "planlegging", "planned": "planlagte planlegge",
    "figures": "nøkkeltall tall",
    # services, people and health topics
    "treatment": "behandling behandlingen behandlingstilbud", "therapy": "behandling",
    "pathway": "pasientforløp pakkeforløp", "specialists": "spesialister spesialisthelsetjenesten",
    "secondary": "spesialisthelsetjenesten sekundærmålgruppe", "specialised": "spesialisert spesialisthelsetjenesten",
    "specialized": "spesialisert spesialisthelsetjenesten", "specialties": "spesialiteter",
    "primary": "primærhelsetjenesten kommunehelsetjenesten", "practitioner": "allmennlege fastlege",
    "physician": "lege leger", "healthcare": "helsetjenester helsetjenesten", "enterprise": "helseforetak",
    "region": "helseregioner regionale", "communities": "helsefellesskapene",
    "institute": "folkehelseinstituttet", "illness": "sykdom lidelse lidelser",
    "illnesses": "sykdommer lidelser", "disease": "sykdom sykdommer", "disorder": "lidelse lidelser",
    "sick": "syke", "ill": "syke", "infectious": "smittsomme", "drug": "legemidler rusmidler",
    "medication": "legemidler", "pharmaceutical": "legemidler legemiddelområdet", "intoxicants": "rusmidler",
    "relatives": "pårørende", "carer": "pårørende", "caregiver": "pårørende", "adult": "voksne",
    "adolescent": "ungdom unge", "teenager": "ungdom unge", "child": "barn",
    "pregnancy": "graviditet svangerskapet", "birth": "fødsel", "maternity": "fødselsomsorg",
    "antenatal": "svangerskapsomsorgen", "midwives": "jordmødre",
    "psychologist": "psykolog psykologspesialister", "dentist": "tannleger", "oral": "orale tannhelse",
    "professionals": "helsepersonell personell", "employee": "ansatte", "position": "stilling",
    "full-time": "heltidsstillinger", "apprentice": "lærlinger", "course": "kurs",
    "learning": "læringsmål lærings", "supervisor": "veileder", "guide": "veileder", "coping": "mestring",
    "mastery": "mestring", "lifestyle": "levevaner", "habit": "levevaner",
    "healthy": "sunne sunnere frisklivssentraler", "fruit": "frukt", "vegetable": "grønnsaker",
    "food": "mat matvarebransjen", "drink": "drikk", "water": "vann", "smoking": "røykeslutt",
    "quitting": "røykeslutt", "bullying": "mobbing", "honour-related": "æresrelatert",
    "vulnerable": "sårbare utsatte", "risk": "risiko", "incident": "hendelser", "event": "hendelser",
    "civil": "sivil sivilt", "military": "militært forsvaret", "exercises": "øvelser",
    "supply": "forsyningskritiske forsyningssikkerhet", "manufacturing": "tilvirkning produksjon",
    "wholesalers": "grossister", "capacity": "kapasitet", "acute": "akuttmottak",
    "personalised": "persontilpasset", "personalized": "persontilpasset", "e-health": "e-helse",
    "ehealth": "e-helse", "digitalisation": "digitalisering", "digitalization": "digitalisering",
    "coding": "kodeverk", "registries": "registre helseregistre", "registration": "registrering",
    "exchange": "utveksling informasjonsutveksling", "homelessness": "bostedsløshet",
    "homeless": "bostedsløshet", "low-income": "lavinntektsfamilier", "poverty": "lavinntektsfamilier",
    "home-based": "hjemmebaserte", "habilitation": "habilitering", "relief": "lindrende",
    "resistance": "antibiotikaresistens", "organ": "organdonasjon", "donation": "organdonasjon",
    "abortion": "svangerskapsavbrudd", "domestic": "nære relasjoner", "literacy": "helsekompetanse",
    "stockpiling": "beredskapslagring lagring", "outreach": "oppsøkende", "low-threshold": "lavterskeltilbud",
    "medical": "medisinsk medisinske", "intellectual": "utviklingshemming",
    "disabilities": "funksjonsnedsettelse", "chronic": "langvarige", "population": "befolkningen befolkning",
    "citizen": "innbyggere borgere", "inhabitant": "innbyggere", "people": "personer mennesker folk",
    "age-friendly": "aldersvennlig", "integration": "integrerings", "inclusion": "inkludering",
    "ombudsman": "brukerombud", "ngo": "ideelle frivillige", "non-profit": "ideelle",
    "dietary": "kostrådene kosthold", "packaging": "pakningsmerking", "marketing": "markedsføring",
    "media": "medier", "trade": "handel", "industry": "næringslivet matvarebransjen",
    "business": "næringslivet", "material": "materiell veiledningsmateriell",
    "consumable": "forbruksmateriell", "choice": "behandlingsvalg valg", "deviation": "avvik",
    "rights": "rettigheter", "examination": "undersøkelse helsekartlegging", "practice": "praksis",
    "worker": "helsepersonell fagarbeidere", "stakeholder": "aktører aktørene", "actor": "aktører aktørene",
    "performance": "resultater måloppnåelse resultatkrav", "directive": "føringer tobakksdirektiv",
    "across": "tvers", "handling": "håndtering håndtere", "handle": "håndtere håndtering", "level": "nivå",
    "trial": "utprøving forsøk", "testing": "utprøving", "frame": "ramme rammer",
    "overall": "overordnet overordnede helhetlig", "distribution": "fordeling fordelt",
    "distribute": "fordeling fordeles", "conduct": "gjennomføre gjennomføring",
    "conducted": "gjennomført gjennomføres", "background": "bakgrunn", "map": "kartlegge kartlegging",
    "suitable": "egnet", "affected": "berørte", "build": "bygge oppbygging", "coverage": "dekning",
    "protective": "smittevernutstyr", "safeguard": "ivareta ivaretas", "emphasis": "vekt vektlegges",
    "reserved": "avsatt", "consideration": "hensyn", "hiring": "ansettelser", "appointments": "ansettelser",
    "paper": "meld stortingsmelding", "achieve": "oppnå måloppnåelse", "achieved": "oppnådde måloppnåelse",
    "incorporate": "innarbeides innarbeide", "behaviour": "atferd", "behavior": "atferd",
    "expected": "forventes forventet", "expectation": "forventninger", "ultrasound": "ultralyd",
    "normative": "normerende", "licence": "bevillingsordning bevillingsordningen",
    "license": "bevillingsordning bevillingsordningen", "licensing": "bevillingsordning bevillingsordningen",
    "fte": "årsverk", "leadership": "ledelse", "remote": "hjemmeoppfølging", "upcoming": "kommende",
    "preliminary": "forprosjekt forprosjektet", "instruction": "instruks", "staffing": "bemanning",
    "trend": "utviklingstrekk utviklingen", "repatriation": "hjemhenting", "representative": "representanter",
    "create": "opprette opprettes", "created": "opprettet opprettes", "assurance": "kvalitetssikring",
    "archive": "helsearkiv", "influence": "påvirke påvirker", "processing": "saksbehandlingstid",
    "prevalence": "utbredelse", "independent": "uavhengig", "insurance": "folketrygden", "findings": "funn",
    "absence": "fravær", "interpretation": "regelverksfortolkning fortolke", "attached": "vedlagte",
    "code": "kodeverk", "criteria": "kriterier kriteriene vurderingskriterier",
    # countries and regions: list answers name them, English questions ask for them
    "question": "spørsmål", "country": "land", "countries": "land", "denmark": "danmark", "sweden": "sverige", "finland": "finland",
    "iceland": "island",
    "germany": "tyskland", "netherlands": "nederland", "france": "frankrike", "britain": "storbritannia",
    "ukraine": "ukraina", "australia": "australia", "canada": "canada", "europe": "europa", "nordic": "nordisk nordiske",
}


def expand_english(text: str) -> str:
    """Norwegian words for the English domain terms of a question (empty when there are none)."""
    words = re.findall(r"[a-z]+(?:-[a-z]+)?", text.lower())
    words += [part for w in words if "-" in w for part in w.split("-")]  # "mass-casualty": "mass", "casualty"
    out = []
    for w in words:
        hit = EN_NO_GLOSSARY.get(w) or (EN_NO_GLOSSARY.get(w[:-1]) if w.endswith("s") else None)
        if hit:
            out.append(hit)
    return " ".join(dict.fromkeys(out))


def english_for(word: str) -> str | None:
    """The English glossary word for a Norwegian one ("Danmark" -> "Denmark"), in its capitalisation."""
    back = _NO_EN.get(word.lower())
    return None if back is None or back == word.lower() else back.capitalize() if word[:1].isupper() else back


_NO_EN: dict[str, str] = {}
for _en, _no in EN_NO_GLOSSARY.items():
    if " " not in _no:
        _NO_EN.setdefault(_no, _en)


# Many English domain words are the Norwegian ones in another spelling: "ichthyosis" / "iktyose",
# "vaccination" / "vaksinasjon", "physiotherapy" / "fysioterapi", "tobacco" / "tobakk". These rules
# write an English word the Norwegian way; the assistant looks the result up among the letters' words.
_EN_ENDINGS = (("ction", "ksjon"), ("ssion", "sjon"), ("tion", "sjon"), ("sis", "se"), ("ical", "isk"),
               ("ic", "isk"), ("ity", "itet"), ("ology", "ologi"), ("graphy", "grafi"), ("ism", "isme"),
               ("ce", "se"), ("ia", "i"), ("y", "i"))
_EN_LETTERS = (("ph", "f"), ("th", "t"), ("ch", "k"), ("ck", "kk"), ("qu", "kv"), ("x", "ks"), ("w", "v"), ("z", "s"))


def norwegian_spelling(word: str) -> str:
    """'ichthyosis' -> 'iktyose', 'vaccination' -> 'vaksinasjon', 'tobacco' -> 'tobakko'."""
    w = word.lower()
    for end, repl in _EN_ENDINGS:
        if w.endswith(end) and len(w) > len(end) + 2:
            w = w[: -len(end)] + repl.upper()  # upper case: the ending is already Norwegian
            break
    for en, no in _EN_LETTERS:
        w = w.replace(en, no)
    w = re.sub(r"c(?=[eiy])", "s", w)
    return w.replace("c", "k").lower()

"""Structure: letter metadata, numbered sections, assignments with owners, titles, sub-items and body paragraphs."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from ingest import norsk
from ingest.changes import letter_changes
from ingest.clean import clean_lines, join_lines, running_titles
from ingest.deadlines import apply_default_rules, find_deadlines, section_default
from ingest.errors import LetterReadError
from ingest.readers import SourceLine, read_source
from ingest.records import Assignment, Deadline, Letter, Paragraph, Reference, Section, SubItem
from ingest.references import find_references, restated_changes
from ingest.settings import Settings

PARSER_VERSION = 12  # bump when parsing changes: the next ingest re-parses every letter

_SECTION_RE = re.compile(r"^\s*(?P<num>\d{1,2}(?:\.\d{1,2}){1,4})\.?\s+(?P<title>[A-ZÆØÅ«\"].{1,140})$|"
                         r"^\s*(?P<num1>\d{1,2})\s+(?P<title1>[A-ZÆØÅ«\"][^.]{1,90})$")
_HEADER_START_RE = re.compile(rf"^\s*{norsk.HEADER_LEAD}(?P<ids>{norsk.ID_LIST})(?P<rest>.*)$", re.IGNORECASE)
# A numbered heading and an assignment header sharing one line: "2.3.1 Psykisk helse TB2026-11 Tittel".
_SECTION_WITH_ID_RE = re.compile(rf"^\s*(?P<num>\d{{1,2}}(?:\.\d{{1,2}}){{1,3}})\.?\s+(?P<sec>[A-ZÆØÅ][^\t.:;]{{1,60}}?)\s+"
                                 rf"(?P<rest>{norsk.ID_PATTERN}\s.*)$", re.IGNORECASE)
_ID_LABEL_RE = re.compile(r"^\s*ID\s*:", re.IGNORECASE)
_BULLET_START_RE = re.compile(r"^-\s+\S")
_NESTED_ITEM_RE = re.compile(r"^\(?(?:[a-h]|[ivx]{1,4})\.\s+\S")  # "a. Innføre …" under "2) Utrede …:"
# A deadline column: a date, a period or a word the deadline parser knows ("Løpende", "avklares i dialog").
_DUE_CELL_RE = re.compile(rf"^(?:frist(?:er)?\s*:?\s*)?(?:(?:fase|deloppdrag|del)\s+\w{{1,2}}\)?\s*:\s*)?(?:innen\s+)?"
                          rf"(?:{norsk.DATE_RE.pattern}|{norsk.PERIOD_RE.pattern}|"
                          r"løpende|varig|fast oppdrag|årlig|hvert år|avklares|dialog|uke\s+\d)", re.IGNORECASE)
_TRAILING_ID_RE = re.compile(
    rf"^(?P<title>[A-ZÆØÅ«][^.!?:;\t]{{3,120}}?)\s*(?:\(|\[|\s[–-])\s*"
    rf"(?P<ids>{norsk.ID_LIST})\s*[)\]]?\s*$", re.IGNORECASE)
_TRAILING_STOP = {"til", "i", "av", "om", "for", "med", "og", "jf", "se", "på", "ved", "under", "fra"}
_TABLE_ROW_RE = re.compile(r"\S\t+\S")  # cells split by tabs: a row of a table (calendar, budget)
_CONTINUATION_WORDS = {"og", "i", "for", "av", "med", "om", "til", "på", "mot", "fra", "under", "ved", "eller",
                       "en", "et", "å", "the", "of", "and", "in", "to", "innen", "samt", "knyttet", "mellom"}
_GROUP_HEADING_RE = re.compile(r"\boppdrag\b", re.IGNORECASE)
# "På denne bakgrunn gis Helsedirektoratet følgende oppdrag:" introduces a list; it is no heading.
_LEAD_IN_RE = re.compile(r"\b(?:følgende|skal|bes|ber|gis|vil)\b", re.IGNORECASE)
_SENTENCE_END = tuple(".:;!?»\")")


@dataclass
class _Block:
    """A header-delimited run of lines being collected (an assignment or a section's own text)."""

    kind: str  # "assignment" | "section"
    section: str
    lines: list[SourceLine] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    raw_id: str = ""
    title: str = ""
    owner: str | None = None
    line: int = 0
    page: int | None = None
    context: str | None = None  # change kind implied by a heading ("presisering" -> clarified)
    header: str = ""
    header_end: int = 0
    due: str = ""  # the header's deadline cell, if it has one


# --- metadata ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Meta:
    title: str | None
    body_start: int
    date: str | None
    reference: str | None


def _meta(lines: list[SourceLine]) -> _Meta:
    head = lines[:80]
    title, body_start = None, 0
    furniture = running_titles(head)
    for i, ln in enumerate(head):
        t = ln.text.strip()
        if i not in furniture and len(t) < 200 and norsk.LETTER_TITLE_RE.match(t) and not t.endswith("."):
            title, body_start = " ".join(t.split()), i
            j = i + 1
            while j < len(head) and head[j].text.strip() and head[j].text.strip()[0].islower():
                title += " " + " ".join(head[j].text.split())
                j += 1
            break
    date = reference = None
    window = lines[: max(body_start, 1) + 40]
    for k, ln in enumerate(window):
        t = ln.text.strip()
        m = norsk.DATE_RE.fullmatch(norsk.LETTER_DATE_LABEL_RE.sub("", t, count=1).rstrip("."))
        if m is None and k < body_start + 1 and "dato" in f"{window[k - 1].text if k else ''} {t}".lower():
            # a letterhead row under "Deres ref. Vår ref. Vår dato": "25/3391-19 12.03.2026"
            end = list(norsk.DATE_RE.finditer(t))
            m = end[-1] if end and end[-1].end() >= len(t.rstrip(". ")) else None
        if date is None and m and (m.group("y") or m.group("ny")):
            date = norsk.date_from_match(m, None)
        r = norsk.REF_NO_RE.match(t)
        if reference is None and r:
            reference = r.group(1)
    return _Meta(title, body_start, date, reference)


def _letter_kind(title: str | None) -> str:
    for kind, rx in norsk.LETTER_KIND_RULES:
        if title and rx.search(title):
            return kind
    return "allocation"


def _letter_year(title: str | None, date: str | None, ids: list[str]) -> int | None:
    if title:
        m = re.search(rf"\bfor\s+({norsk.YEAR})\b", title)
        if m:
            return int(m.group(1))
        years = norsk.YEAR_RE.findall(title)
        if years:
            return int(years[-1])
    if date:
        return int(date[:4])
    counts = Counter(int(m.group(0)) for i in ids if (m := re.search(norsk.YEAR, i)))
    return counts.most_common(1)[0][0] if counts else None


# --- line classification -------------------------------------------------------------------------


def _section_heading(text: str, current: list[int]) -> tuple[list[int], str] | None:
    m = _SECTION_RE.match(text)
    if not m or norsk.ID_RE.search(text):
        return None
    num = m.group("num") or m.group("num1")
    title = (m.group("title") or m.group("title1") or "").strip()
    if num.startswith("0") or re.search(r"\d+\s+\d+\s*$", title):  # budget-table rows: "06 Post 84 529"
        return None
    if re.match(r"(?:mill|kr|prosent|%)", title, re.IGNORECASE) or title.endswith((",", ";")):
        return None
    parts = [int(p) for p in num.split(".")]
    if not _plausible_next(current, parts):
        return None
    return parts, f"{num} {' '.join(title.split())}"


def _plausible_next(cur: list[int], new: list[int]) -> bool:
    """A numbered heading must follow the current one (next sibling, first child, or a small skip)."""
    if not cur:
        return all(p <= 2 for p in new)
    for k in range(min(len(cur), len(new))):
        if new[:k] == cur[:k] and 1 <= new[k] - cur[k] <= 2 and all(p == 1 for p in new[k + 1 :]):
            return True
    return new[: len(cur)] == cur and len(new) > len(cur) and all(p <= 5 for p in new[len(cur) :])


def _heading_like(lines: list[SourceLine], i: int) -> bool:
    t = lines[i].text.strip()
    if not t or norsk.ID_RE.search(t) or norsk.OWNER_LABEL_RE.match(t):
        return False
    if len(t) > 90 or not (t[0].isupper() or t[0] in "«\"") or _BULLET_START_RE.match(t):
        return False
    if t.endswith(".") and (len(t) > 70 or ". " in t[:-1]):
        return False
    if t.endswith((",", ";")) or norsk.FRIST_LINE_RE.match(t) or re.search(r"[.:;]\s+\S", t):
        return False  # a heading is one phrase, not sentences or "Label: value"
    if t.endswith(":") and len(t.split()) > 4:
        # "Departementet presiserer med dette følgende:" introduces the list under it; "Oppdrag som
        # videreføres:" over assignment headers and a short "Nye oppdrag:" are headings.
        j = _next_nonblank(lines, i)
        nxt = lines[j].text.strip() if j is not None else ""
        if _BULLET_START_RE.match(nxt) or re.match(r"^(?:\d{1,2}|[a-h])[.)]\s+\S", nxt):
            return False
    return _alone(lines, i)


def _alone(lines: list[SourceLine], i: int) -> bool:
    """Does line i stand as a paragraph of its own: blank lines around it, or, where the extraction dropped
    them, a finished sentence, label line or the letter title before it and a sentence or list after it?"""
    before = i == 0 or not lines[i - 1].text.strip()
    after = i + 1 >= len(lines) or not lines[i + 1].text.strip()
    if not (before and after) and _dense(lines, i):
        # PDF extraction without blank lines: a heading stands after a finished sentence or label line
        # and before a line that opens a sentence or a list.
        nxt = lines[i + 1].text.strip() if i + 1 < len(lines) else ""
        before = before or _standalone(lines, i) or bool(norsk.LETTER_TITLE_RE.match(lines[i - 1].text))
        after = after or nxt[:1].isupper() or nxt[:1] in "«\"" or bool(_BULLET_START_RE.match(nxt))
    return before and after


def _dense(lines: list[SourceLine], i: int, reach: int = 4) -> bool:
    """No blank line near line i: text extracted without paragraph breaks."""
    return all(lines[k].text.strip() for k in range(max(0, i - reach), min(len(lines), i + reach + 1)))


def _next_nonblank(lines: list[SourceLine], i: int, limit: int = 3) -> int | None:
    j = i + 1
    while j < len(lines) and j - i <= limit:
        if lines[j].text.strip():
            return j
        j += 1
    return None


def _is_structural(text: str) -> bool:
    t = text.strip()
    return bool(
        _HEADER_START_RE.match(t) or norsk.FRIST_LINE_RE.match(t) or _BULLET_START_RE.match(t)
        or any(rx.match(t) for _, rx in norsk.SUB_PATTERNS) or norsk.OWNER_LABEL_RE.match(t)
    )


def _continues(title: str, nxt: str, gap: int) -> bool:
    nxt = nxt.strip()
    if not nxt or len(nxt) > 75 or _is_structural(nxt) or _ID_LABEL_RE.match(nxt):
        return False
    last = title.rstrip().split(" ")[-1].lower() if title.strip() else ""
    if title.rstrip().endswith(("-", "–", ",", "/")) or last in _CONTINUATION_WORDS or re.search(r"\d\.$", title):
        return gap <= 1
    starts_low = nxt[0].islower() or nxt[0] in "(«\""
    return starts_low and (gap == 0 or not nxt.endswith("."))


# --- assignment headers --------------------------------------------------------------------------


@dataclass
class _Header:
    ids: list[str]
    raw_id: str
    owner: str | None
    title: str
    end: int  # index of the first line after the header
    due: str = ""  # a deadline column of a table row header ("TB2023-05<TAB>Title<TAB>FHA<TAB>1. mars 2023")


def _split_owner(rest: str) -> tuple[str | None, str]:
    m = norsk.OWNER_RE.match(rest)
    if not m:
        return None, rest.strip()
    return norsk.owner_code(m.group(1)), rest[m.end() :].strip()


def _ids_in(text: str) -> list[str]:
    seen: list[str] = []
    for i in norsk.find_ids(text):
        if norsk.id_key(i) not in {norsk.id_key(s) for s in seen}:
            seen.append(i)
    return seen


def _take_title(lines: list[SourceLine], j: int, title: str) -> tuple[str, int]:
    """Extend a title over wrapped lines; returns the title and the index after it."""
    for _ in range(4):
        gap, k = 0, j
        while k < len(lines) and not lines[k].text.strip() and gap < 2:
            gap, k = gap + 1, k + 1
        if k >= len(lines) or not _continues(title, lines[k].text, gap):
            break
        title, j = join_lines([title, lines[k].text]), k + 1
    return " ".join(title.split()), j


def _parse_header(lines: list[SourceLine], i: int) -> _Header | None:
    text = lines[i].text.strip()
    if _ID_LABEL_RE.match(text):
        return _parse_id_label_header(lines, i)
    m = _HEADER_START_RE.match(text)
    if not m or text.startswith("-"):
        return None
    ids, rest = _ids_in(m.group("ids")), m.group("rest")
    rest_s = rest.strip().lstrip(":–- \t")
    label = norsk.OWNER_LABEL_RE.match(rest_s)
    if label:  # "TB2024-07<TAB>Avd.HOD: FHA<TAB>Title"
        fields = [f.strip() for f in rest_s[label.end() :].split("\t") if f.strip()]
        owner, title = _split_owner(fields[0] if fields else "")
        if len(fields) > 1:
            title = " ".join([title, *fields[1:]]).strip()
        if not title:
            j = _next_nonblank(lines, i)
            if j is None:
                return _Header(ids, "", owner, "", i + 1)
            title, end = _take_title(lines, j + 1, lines[j].text.strip())
            return _Header(ids, "", owner, title, end)
        title, end = _take_title(lines, i + 1, title)
        return _Header(ids, "", owner, title, end)
    if not rest_s:  # ID alone; owner and title on the next lines
        j = _next_nonblank(lines, i)
        if j is None:
            return None
        nxt = lines[j].text.strip()
        lab = norsk.OWNER_LABEL_RE.match(nxt)
        if lab:
            owner, title = _split_owner(nxt[lab.end() :].replace("\t", " "))
            end = j + 1
            if not title:
                k = _next_nonblank(lines, j)
                if k is None:
                    return _Header(ids, "", owner, "", end)
                title, end = _take_title(lines, k + 1, lines[k].text.strip())
            else:
                title, end = _take_title(lines, end, title)
            return _Header(ids, "", owner, title, end)
        if (_heading_like(lines, j) and not _is_structural(nxt)) or (_standalone(lines, i) and _title_like(nxt)):
            # "TB2023-05" alone, its title on the next line and the text right under it: the ID line
            # heads a new assignment (else its text would be filed under the one above).
            title, end = _take_title(lines, j + 1, nxt)
            return _Header(ids, "", None, title, end)
        return None
    # Plain "TB2025-74 Title" standing as its own paragraph, or a table row of cells:
    # "TB2023-05<TAB>Title<TAB>FHA<TAB>1. mars 2023" (owner and deadline columns told by their content).
    owner = None
    due = ""
    row = "\t" in rest.strip()  # a table row of cells: a header by its form, wherever it stands
    if row:
        owner, rest_s, due = _header_cells(rest)
    colon = re.match(r"^\s*[:–-]\s", rest) is not None  # "TB2023-05: Title", "TB2023-05 – Title"
    labelled = colon or bool(m.group("lab") or m.group("num")) or row
    if labelled and rest_s.rstrip().endswith((".", ":")) and (norsk.classify_change(rest_s) or len(rest_s) > 100):
        return None  # "TB2021-46: Oppdraget utgår." is a sentence about it, not its header
    if len(text) > 170 or not _title_start(rest_s) or not (rest.startswith((" ", "\t")) or colon):
        return None
    # PDF extraction drops blank lines, so a header may also stand between whole sentences.
    nxt = lines[i + 1].text.strip() if i + 1 < len(lines) else ""
    before = _standalone(lines, i) or labelled
    said = norsk.owner_said(nxt)
    after = (not nxt or _continues(rest_s, nxt, 0) or (nxt[:1].isupper() and not rest_s.endswith((".", ",")))
             or labelled or bool(said and said.start() == 0))
    standalone = before and after
    if not standalone or (rest_s.endswith(".") and len(rest_s) > 100 and not row):
        return None
    title, end = _take_title(lines, i + 1, rest_s) if not due else (rest_s, i + 1)
    return _Header(ids, "", owner, title, end, due)


def _trailing_id_header(lines: list[SourceLine], i: int) -> _Header | None:
    """A heading with its ID last: "Oppfølging av en fiktiv strategi (TB2023-05)", standing alone
    above its text. A sentence that ends on an ID ("… jf. oppdrag TB2021-03") is not one."""
    m = _TRAILING_ID_RE.match(lines[i].text.strip())
    if not m or not _heading_like(lines, i) and not _standalone(lines, i):
        return None
    title = " ".join(m.group("title").split())
    words = title.lower().split()
    if len(words) > 14 or words[-1] in _TRAILING_STOP or re.search(r"\b(?:skal|vises|jf|se|viser)\b", title, re.I):
        return None
    if norsk.classify_change(title) is not None:
        return None  # "Presisering av oppdrag (TB2023-12)" heads a change to it, not the assignment
    j = _next_nonblank(lines, i)
    if j is None or not lines[j].text.strip()[:1].isupper():
        return None
    return _Header(_ids_in(m.group("ids")), "", None, title, i + 1)


def _title_like(text: str) -> bool:
    """One phrase that can be a title: capitalised, not a sentence, a label, an item or a table row."""
    t = text.strip()
    if not t or len(t) > 150 or "\t" in t or not _title_start(t) or _is_structural(t):
        return False
    if norsk.DATE_RE.match(t) or re.search(r"[.!?]\s+[A-ZÆØÅ]", t):
        return False
    return not t.endswith((".", ",", ";")) or len(t) <= 60


def _owner_line(lines: list[SourceLine], end: int) -> tuple[str, int] | None:
    """(owner, index after it) of an owner line right under a header: "Ansvarlig avdeling i HOD: KTA"."""
    j = end if end < len(lines) and lines[end].text.strip() else _next_nonblank(lines, end - 1, 2)
    if j is None or j >= len(lines):
        return None
    t = lines[j].text.strip()
    m = norsk.owner_said(t)
    if m is None or m.start() != 0 or t[m.end() :].strip(" .;"):
        return None
    return norsk.owner_code(m.group(1)), j + 1


def _change_heading(lines: list[SourceLine], i: int) -> bool:
    t = lines[i].text.strip()
    if len(t) > 90 or t.endswith((".", ",", ";")) or not norsk.ID_RE.search(t):
        return False
    alone = _alone(lines, i)
    kind = norsk.classify_change(t)
    if kind == "continued":  # "TB2021-13 videreføres" heads what is said of it; a sentence saying so does not
        return alone and len(t) <= 50 and bool(norsk.ID_RE.match(t))
    return alone and kind not in (None, "refers")


def _standalone(lines: list[SourceLine], i: int) -> bool:
    """Does line i start a block: after a blank line, a finished sentence, an owner line or another header?"""
    prev = lines[i - 1].text.strip() if i > 0 else ""
    if not prev or prev.endswith(_SENTENCE_END) or norsk.FRIST_LINE_RE.match(prev) or norsk.LETTER_TITLE_RE.match(prev):
        return True
    if _BULLET_START_RE.match(prev) and _ends_bullet(prev, lines[i].text):
        return True
    said = norsk.owner_said(prev)
    return bool(said and said.start() == 0) or bool(_HEADER_START_RE.match(prev) and not prev.startswith("-"))


def _ends_bullet(item: str, nxt: str) -> bool:
    """Does a one-line list item end before `nxt`? A wrapped item goes on in lower case or after a cut word."""
    last = item.rstrip().rsplit(" ", 1)[-1].lower()
    n = nxt.strip()
    return (n[:1].isupper() and not item.rstrip().endswith(("-", ",", "/")) and last not in _CONTINUATION_WORDS
            and not _BULLET_START_RE.match(n))


def _title_start(text: str) -> bool:
    """A title opens with a capital, a quote, or a number that is no date ("0-24 samarbeidet")."""
    t = text.strip()
    return t[:1].isupper() or t[:1] in "«\"" or (t[:1].isdigit() and not norsk.DATE_RE.match(t))


def _header_cells(rest: str) -> tuple[str | None, str, str]:
    """(owner, title, deadline cell) of the cells after the ID in a tab-separated header row."""
    owner: str | None = None
    due = ""
    title: list[str] = []
    for cell in (c.strip() for c in rest.split("\t")):
        if not cell:
            continue
        m = norsk.OWNER_RE.match(cell)
        codes = re.split(r"\s*(?:/|,|og)\s*", m.group(1)) if m and m.end() == len(cell.rstrip()) else []
        # a cell that is only department codes ("KTA", "DIGI", "SHA/KTA"): the owner column, known code or not
        if owner is None and codes and (all(c in norsk.DEPARTMENTS for c in codes) or len(cell) <= 12):
            owner = norsk.owner_code(cell)
        elif not due and title and _DUE_CELL_RE.match(cell):
            due = cell
        else:
            title.append(cell)
    return owner, " ".join(title), due


def _parse_id_label_header(lines: list[SourceLine], i: int) -> _Header:
    """2021 style: 'ID: TB2021-01 Eieravdeling HOD: FHA Title', wrapped in many ways."""
    acc, j = re.sub(r"^\s*ID\s*:\s*", "", lines[i].text.strip(), flags=re.I), i + 1
    # An incomplete ID may wrap over several short lines before the owner label.
    while not norsk.OWNER_LABEL_RE.search(acc) and j < len(lines) and j - i <= 8:
        t = lines[j].text.strip()
        if t:
            if _ID_LABEL_RE.match(t) or _section_heading(t, []) is not None:
                break
            acc = acc.rstrip() + ("" if acc.rstrip().endswith(("-", "/")) else " ") + t
        j += 1
    label = norsk.OWNER_LABEL_RE.search(acc)
    id_part, rest = (acc[: label.start()], acc[label.end() :]) if label else (acc, "")
    joined = re.sub(r"([-/])\s+", r"\1", id_part)
    ids = _ids_in(joined)
    # "TB2020-57/2": a bare number after a slash is a second ID of the same series.
    for m in re.finditer(rf"({norsk.ID_PATTERN})/(\d{{1,3}})(?![\d.-])", joined, re.IGNORECASE):
        base = norsk.normalise_id(m.group(1)) or ""
        ids.append(f"{base.rsplit('-', 1)[0]}-{m.group(2)}")
    owner, title = _split_owner(rest)
    if owner is None and not title:
        k = _next_nonblank(lines, j - 1)
        if k is not None and norsk.OWNER_RE.match(lines[k].text.strip()):
            owner, title = _split_owner(lines[k].text.strip())
            j = k + 1
    if not title:
        k = _next_nonblank(lines, j - 1)
        if k is not None and not _is_structural(lines[k].text) and len(lines[k].text.strip()) <= 90:
            title, j = lines[k].text.strip(), k + 1
    title, end = _take_title(lines, j, title)
    partial = norsk.PARTIAL_ID_RE.search(id_part)
    raw = partial.group(0).replace(" ", "").upper() if partial else ""
    return _Header(ids, raw if not ids else "", owner, title, end)


# --- paragraphs, sub-items -------------------------------------------------------------------------


def _starts_block(text: str, prev: str) -> bool:
    t = text.strip()
    if _BULLET_START_RE.match(t) or norsk.FRIST_LINE_RE.match(t) or norsk.OWNER_LABEL_RE.match(t):
        return True
    if _TABLE_ROW_RE.search(t):  # each row of a table is a paragraph of its own: "15. mars\tÅrsrapport"
        return True
    for style, rx in norsk.SUB_PATTERNS:
        m = rx.match(t)
        if not m:
            continue
        if style in ("deloppdrag", "fase"):
            return True
        # "15. mars 2021 ..." at the start of a wrapped line is a date, not item 15.
        after = t[m.end("l") :].lstrip(".) ").split(" ")[0].lower()
        if after.rstrip(".,") in norsk.MONTHS:
            return False
        return not prev or prev.rstrip().endswith(_SENTENCE_END)
    return False


def _item_label(text: str) -> tuple[str, str] | None:
    """(style, label) of a line that opens a lettered or numbered item: 'b) vurdere …' -> ('letter', 'b')."""
    for style, rx in norsk.SUB_PATTERNS[2:]:
        m = rx.match(text.strip())
        if m:
            return style, m.group("l").lower()
    return None


def _next_item(prev: tuple[str, str] | None, text: str) -> bool:
    """Does `text` open the item after `prev` ('b)' after 'a)', '3.' after '2.')? Then it starts a
    paragraph even when the item before it ends without a stop ("a) sammenstille kunnskap" / "b) …")."""
    now = _item_label(text)
    if prev is None or now is None or now[0] != prev[0]:
        return False
    if prev[0] == "number":
        return int(now[1]) == int(prev[1]) + 1
    return ord(now[1]) == ord(prev[1]) + 1


def build_paragraphs(lines: list[SourceLine]) -> list[Paragraph]:
    groups: list[list[SourceLine]] = []
    cur: list[SourceLine] = []
    for ln in lines:
        t = ln.text.strip()
        if not t:
            if cur:
                groups.append(cur)
            cur = []
            continue
        ended = (_BULLET_START_RE.match(cur[0].text) is not None and len(cur) == 1
                 and _ends_bullet(cur[-1].text, t) and t.endswith(_SENTENCE_END)) if cur else False
        if cur and (ended or _starts_block(t, cur[-1].text) or _next_item(_item_label(cur[0].text), t)):
            groups.append(cur)
            cur = []
        cur.append(ln)
    if cur:
        groups.append(cur)
    paras = [Paragraph(join_lines([g.text for g in grp]), grp[0].no, grp[-1].no, grp[0].page) for grp in groups]
    return _merge_broken(_budget_lines(paras, [grp[0].text for grp in groups]))


_AMOUNT_ONLY_RE = re.compile(r"^[\d\s.,()-]+$")


def _budget_lines(paras: list[Paragraph], first_lines: list[str]) -> list[Paragraph]:
    """Mark the paragraphs that are a budget-table row, or stand under a "Kap. 714, post 21" opening,
    with their budget line. A row's line carries to what is still in its cells (text on its own lines,
    indented continuations, wrapped amounts); an opening's to every paragraph after it until the next
    budget line."""
    out: list[Paragraph] = []
    chapter: str | None = None
    label: str | None = None
    row_end = 0  # last source line of the current row (0: the label came from an opening, or none)
    for p, first in zip(paras, first_lines, strict=True):
        row = norsk.budget_row(first, chapter)
        head = None if row else norsk.budget_heading(p.text, chapter)
        if row or head:
            chapter, post = row or head or ("", None)
            label, row_end = norsk.budget_label(chapter, post), p.line_end if row else 0
        elif row_end and (p.line <= row_end or first[:1] in "\t " or _AMOUNT_ONLY_RE.match(p.text)):
            row_end = max(row_end, p.line_end)
        elif row_end:
            label, row_end = None, 0
        out.append(replace(p, budget=label) if label else p)
    return out


def _merge_broken(paras: list[Paragraph]) -> list[Paragraph]:
    """Re-join a sentence cut by a page break or a letterhead ('... et' / 'presentasjonsmateriale ...')."""
    out: list[Paragraph] = []
    for p in paras:
        if out:
            prev = out[-1]
            cut = prev.text.rsplit(" ", 1)[-1].lower() in _CONTINUATION_WORDS
            if (not prev.text.endswith(_SENTENCE_END) and (p.text[:1].islower() or cut)
                    and not _BULLET_START_RE.match(p.text) and not _starts_block(p.text, "")):
                out[-1] = Paragraph(join_lines([prev.text, p.text]), prev.line, p.line_end, prev.page, prev.budget)
                continue
        out.append(p)
    return out


def _sub_match(text: str) -> tuple[str, str] | None:
    if re.search(r"\bhar\s+frist\b", text, re.IGNORECASE) and len(text) < 160:
        return None  # "Deloppdrag a) har frist ..." is a deadline line, not a sub-item
    for style, rx in norsk.SUB_PATTERNS:
        m = rx.match(text.strip())
        if m:
            return style, norsk.sub_label(style, m.group("l"))
    return None


def split_subitems(paras: tuple[Paragraph, ...]) -> tuple[tuple[SubItem, ...], list[str | None]]:
    """Sub-items of an assignment and, for each paragraph, the sub-item it belongs to.

    The first sub-item style seen is the top level; other styles nest inside it. A lettered or
    numbered item spans its paragraph and the bullets under it; a 'Deloppdrag'/'Fase' block spans
    everything up to the next one.
    """
    top: str | None = None
    owner: list[str | None] = []
    items: dict[str, list[Paragraph]] = {}
    current: str | None = None
    for p in paras:
        sm = _sub_match(p.text)
        if sm and top is None:
            top = sm[0]
        if sm and sm[0] == top and sm[1] not in items:
            current = sm[1]
            items[current] = [p]
        elif current is not None and (top in ("deloppdrag", "fase") or sm or _BULLET_START_RE.match(p.text)
                                      or _NESTED_ITEM_RE.match(p.text)):
            items[current].append(p)
        else:
            current = None
        owner.append(current)
    subs = tuple(
        SubItem(label, " ".join(p.text for p in ps), ps[0].line, ps[-1].line_end, ps[0].page)
        for label, ps in items.items()
    )
    return subs, owner


# --- the walk ------------------------------------------------------------------------------------


def _own_owner(paras: tuple[Paragraph, ...]) -> str | None:
    for p in paras:
        m = norsk.owner_said(p.text)
        if m:
            return norsk.owner_code(m.group(1))
    return None


def _partial_id_header(lines: list[SourceLine], i: int) -> bool:
    """'TB2020 - tillegg …' with 'Eieravdeling HOD:' a few lines below: a header whose ID is incomplete."""
    if not norsk.PARTIAL_ID_START_RE.match(lines[i].text):
        return False
    for ln in lines[i + 1 : i + 6]:
        if norsk.OWNER_LABEL_RE.match(ln.text.strip()):
            return True
    return False


def _header_text(lines: list[SourceLine], start: int, end: int) -> tuple[str, int]:
    part = [ln for ln in lines[start:end] if ln.text.strip()]
    return " ".join(" ".join(ln.text.split()) for ln in part), (part[-1].no if part else lines[start].no)


def _walk(lines: list[SourceLine]) -> tuple[list[_Block], list[tuple[str, int, tuple[Paragraph, ...]]]]:
    blocks: list[_Block] = []
    sections: list[tuple[str, int, list[SourceLine]]] = []
    current_num: list[int] = []
    section_name = ""
    context: str | None = None
    block: _Block | None = None
    numbered_seen = False

    def open_section(name: str, line: int) -> None:
        nonlocal section_name, block
        section_name = name
        sections.append((name, line, []))
        block = None

    i = 0
    while i < len(lines):
        ln = lines[i]
        t = ln.text.strip()
        if not t:
            if block is not None:
                block.lines.append(ln)
            elif sections:
                sections[-1][2].append(ln)
            i += 1
            continue
        heading = _section_heading(t, current_num)
        if heading:
            current_num, numbered_seen, context = heading[0], True, None
            open_section(heading[1], ln.no)
            i += 1
            continue
        shared = _SECTION_WITH_ID_RE.match(t)
        heading = None
        if shared and not norsk.ID_RE.search(shared.group("sec")):
            # "2.3.1 Psykisk helse TB2026-11 Lavterskeltilbud": the section opens, and the assignment with it
            # (the ID vouches for a first heading whose number does not start at 1)
            name = f"{shared.group('num')} {' '.join(shared.group('sec').split())}"
            heading = _section_heading(name, current_num) or (
                ([int(x) for x in shared.group("num").split(".")], name) if not numbered_seen else None)
        if shared and heading:
            current_num, numbered_seen, context = heading[0], True, None
            open_section(heading[1], ln.no)
            lines[i] = replace(ln, text=shared.group("rest"))
            t = lines[i].text.strip()
        header = _parse_header(lines, i) or _trailing_id_header(lines, i)
        if header:
            said = _owner_line(lines, header.end) if header.owner is None else None
            if said:
                header.owner, header.end = said
            block = _Block("assignment", section_name, [], header.ids, header.raw_id, header.title,
                           header.owner, ln.no, ln.page, context, *_header_text(lines, i, header.end), header.due)
            blocks.append(block)
            i = header.end
            continue
        if _ID_LABEL_RE.match(t) or _partial_id_header(lines, i):  # "ID: Eieravdeling HOD: FHA Title", ID missing
            h = _parse_id_label_header(lines, i)
            block = _Block("assignment", section_name, [], [], h.raw_id or "", h.title, h.owner, ln.no, ln.page, context,
                           *_header_text(lines, i, h.end))
            blocks.append(block)
            i = h.end
            continue
        if block is not None and _change_heading(lines, i):
            # "Presisering av oppdrag (TB2022-12)" standing alone: the assignment above has ended and
            # what follows speaks of the named one.
            context, block = norsk.classify_change(t), None
            if not sections:
                open_section("", ln.no)
            sections[-1][2].append(ln)
            i += 1
            continue
        if _heading_like(lines, i) and _GROUP_HEADING_RE.search(t) and len(t) <= 65 and not _LEAD_IN_RE.search(t):
            context = norsk.classify_change(t)
            if not numbered_seen:
                open_section(t.rstrip(":. "), ln.no)
            else:
                block = None
                sections[-1][2].append(ln) if sections else None
            i += 1
            continue
        if block is None and not numbered_seen and _heading_like(lines, i) and sections:
            base = sections[-1][0].split(" / ")[0]
            open_section(f"{base} / {t.rstrip(':. ')}" if base else t.rstrip(":. "), ln.no)
            i += 1
            continue
        if block is not None:
            block.lines.append(ln)
        else:
            if not sections:
                open_section("", ln.no)
            sections[-1][2].append(ln)
            if t.endswith(":") and len(t.split()) > 4:
                context = norsk.classify_change(t) or context
        i += 1
    return blocks, [(name, line, tuple(build_paragraphs(ls))) for name, line, ls in sections]


def _assignment(block: _Block, year: int | None, letter_file: str) -> tuple[Assignment, list[Reference]]:
    paras = tuple(build_paragraphs(block.lines))
    subs, owners = split_subitems(paras)
    deadlines: list[Deadline] = []
    if block.due:  # the header row's deadline column
        deadlines.extend(replace(d, text=block.due) for d in find_deadlines(f"Frist: {block.due}", year, None, block.line))
    for p, sub in zip(paras, owners, strict=True):
        deadlines.extend(find_deadlines(p.text, year, sub, p.line, {s.label for s in subs}))
    ident = block.ids[0] if block.ids else (block.raw_id or "")
    aliases = tuple(block.ids[1:])
    last = max([p.line_end for p in paras], default=block.line)
    a = Assignment(
        id=ident,
        aliases=aliases,
        title=block.title,
        owner=block.owner or _own_owner(paras),
        section=block.section,
        line=block.line,
        line_end=last,
        paragraphs=paras,
        subitems=subs,
        deadlines=tuple(_dedupe(deadlines)),
        page=block.page,
        header=block.header,
        header_end=block.header_end,
    )
    refs = find_references(a, year, block.context)
    return a, refs


def _dedupe(items: list) -> list:  # type: ignore[type-arg]
    seen, out = set(), []
    for d in items:
        key = (d.sub, d.date, d.kind, d.line, d.text if d.date is None else "")
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out


def parse_lines(raw: list[SourceLine], file: str, sha256: str) -> Letter:
    """Parse source lines into a Letter; raises LetterReadError when the text is not a letter."""
    meta = _meta(raw)
    lines = clean_lines(raw, meta.body_start)
    blocks, section_parts = _walk(lines)
    all_ids = [i for b in blocks for i in b.ids[:1]]
    year = _letter_year(meta.title, meta.date, all_ids)
    sections = tuple(Section(number=name.split(" ")[0] if name[:1].isdigit() else "",
                             title=name.split(" ", 1)[1] if name[:1].isdigit() and " " in name else name,
                             line=line, paragraphs=paras, default_deadline=section_default(paras))
                     for name, line, paras in section_parts)
    assignments: list[Assignment] = []
    references: list[Reference] = []
    headed: set[str] = set()
    restated: set[int] = set()
    for b in blocks:
        a, refs = _assignment(b, year, file)
        key = norsk.id_key(a.id)
        if key and key in headed:  # restated further down the same letter: what its text does to the first one
            refs = [*restated_changes(a), *refs]
            restated.add(len(assignments))
        if key:
            headed.add(key)
        assignments.append(a)
        references.extend(refs)
    for s in sections:
        references.extend(find_references(None, year, norsk.classify_change(s.name), s.paragraphs))
    assignments = apply_default_rules(assignments, sections, restated)
    if not assignments and not references and meta.title is None:
        raise LetterReadError(file, "this does not look like an allocation letter: no title such as "
                                    "'Tildelingsbrev …' and no assignment IDs such as TB2024-01")
    title = meta.title or (f"Tildelingsbrev {year}" if year else Path(file).stem)
    warnings = tuple(f"assignment header without a complete ID at line {a.line}" for a in assignments
                     if not norsk.id_key(a.id))
    kind = _letter_kind(meta.title)
    paragraphs = sorted([p for s in sections for p in s.paragraphs] + [p for a in assignments for p in a.paragraphs],
                        key=lambda p: p.line)
    changes = letter_changes(kind, year, assignments, references, paragraphs)
    return Letter(file=file, title=title, kind=kind, year=year, date=meta.date,
                  reference=meta.reference, sha256=sha256, sections=sections, assignments=tuple(assignments),
                  references=tuple(references), page_count=max((ln.page or 0 for ln in raw), default=0) or None,
                  warnings=warnings, changes=changes)


def parse_text(text: str, file: str = "letter.txt") -> Letter:
    """Parse a letter given as text (tests and property checks use this)."""
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return parse_lines([SourceLine(i + 1, t) for i, t in enumerate(text.splitlines())], file, sha)


def read_letter(path: Path, settings: Settings | None = None) -> Letter:
    """Read and parse one letter file within the limits of `settings` (default: Settings());
    raises LetterReadError with the file name and a reason."""
    limits = settings or Settings()
    raw = read_source(path, limits)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    try:
        letter = parse_lines(raw, path.name, sha)
    except LetterReadError:
        raise
    except Exception as exc:  # a parser bug must not take the whole ingest down
        raise LetterReadError(path.name, f"could not parse the letter ({exc.__class__.__name__}: {exc})") from exc
    n = len(letter.assignments)
    if n > limits.max_assignments_per_letter:  # many thousands are a data dump, not a letter
        raise LetterReadError(path.name, f"the letter holds {n} assignments; the limit is "
                                         f"{limits.max_assignments_per_letter} per letter (is it one letter? "
                                         f"{Settings.how_to_raise('max_assignments_per_letter')})")
    return letter


__all__ = ["read_letter", "parse_text", "parse_lines", "build_paragraphs", "split_subitems", "replace"]

"""Pure helpers the chat and assignment pages use: markdown, citation labels, uploads, tables, CSV.

Nothing here imports Streamlit, so every rule the pages follow is tested without a browser.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import PurePath
from typing import Any

from assistant.phrasing import EVENT_NO, KIND_EN, KIND_NO
from assistant.records import Answer, Citation
from ingest.registry import owner_codes

UPLOAD_TYPES = ("pdf", "docx", "txt", "md", "html", "htm")
MAX_NAME = 100

# --- markdown -----------------------------------------------------------------------------------

# Letter text is shown as markdown, where `*`, `_`, `$` (LaTeX in Streamlit), `<` and `[` mean
# something: escape them so a paragraph always reads exactly as in the letter.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~$:])")  # ':' starts emoji shortcodes and colour directives
_LINE_START = re.compile(r"^(\s*)(?:([-+])|(\d+)([.)]))(?=\s)", re.M)
_MARKER = re.compile(r"\\\[(\d{1,2})\\\]")


def _escape_list_marker(m: re.Match[str]) -> str:
    indent, bullet, number, punct = m.groups()
    return f"{indent}\\{bullet}" if bullet else f"{indent}{number}\\{punct}"


def md_escape(text: str) -> str:
    """Text that Streamlit's markdown renders literally (no emphasis, lists, links, maths or HTML)."""
    out = _MD_SPECIAL.sub(r"\\\1", text)
    out = _LINE_START.sub(_escape_list_marker, out)
    return out.replace("\n", "  \n")


def answer_markdown(answer: Answer) -> str:
    """The answer text with its source markers [1] in bold, matching the numbered sources under it.
    An answer without markers gets [1] at the end when it has a source, so every answer points at one."""
    text = md_escape(answer.text)
    if answer.citations and not _MARKER.search(text):
        text += " \\[1\\]"
    return _MARKER.sub(r"**[\1]**", text)


def _loose(sentence: str) -> re.Pattern[str] | None:
    words = sentence.split()
    if not words:
        return None
    return re.compile(r"\s+".join(re.escape(w) for w in words), re.IGNORECASE)


def highlight(text: str, sentence: str | None) -> str:
    """The cited paragraph as markdown with the answering sentence marked (whitespace-insensitive match).

    When the sentence is not in the paragraph (or there is none) the paragraph is shown unmarked.
    """
    pattern = _loose(sentence or "")
    m = pattern.search(text) if pattern else None
    if not m:
        return md_escape(text)
    marked = md_escape(m.group(0)).replace("  \n", " ")
    return f"{md_escape(text[: m.start()])}:orange-background[**{marked}**]{md_escape(text[m.end():])}"


# --- citations ----------------------------------------------------------------------------------


def sub_label(sub: str | None) -> str:
    """How a sub-item is named: 'd' -> 'd)', '2' -> 'deloppdrag 2', 'fase 1' stays."""
    if not sub:
        return ""
    sub = sub.strip()
    if re.fullmatch(r"[a-hA-H]", sub):
        return f"{sub.lower()})"
    if re.fullmatch(r"\d{1,2}", sub):
        return f"deloppdrag {sub}"
    return sub


def where(line: int | None, line_end: int | None = None, page: int | None = None, language: str = "no") -> str:
    """'side 13, linje 240–244' / 'linje 12' / 'page 3, line 40'."""
    words = ("side", "linje") if language == "no" else ("page", "line")
    parts = []
    if page:
        parts.append(f"{words[0]} {page}")
    if line:
        parts.append(f"{words[1]} {line}" + (f"–{line_end}" if line_end and line_end != line else ""))
    return ", ".join(parts)


def citation_label(c: Citation, number: int | None = None, language: str = "no") -> str:
    """One line naming a source: '[1] Tildelingsbrev … (2024) · 2.1.2 Oppdrag · TB2024-07 d) · linje 244'."""
    title = c.title or c.letter
    parts = [f"{title} ({c.year})" if c.year and str(c.year) not in title else title]
    if c.section:
        parts.append(c.section)
    if c.assignment:
        parts.append(" ".join(p for p in (c.assignment, sub_label(c.sub)) if p))
    spot = where(c.line, c.line_end, c.page, language)
    if spot:
        parts.append(spot)
    label = " · ".join(parts)
    return f"[{number}] {label}" if number is not None else label


def context_lines(rows: Sequence[dict[str, Any]], c: Citation, language: str = "no") -> list[str]:
    """Markdown lines around a citation from its assignment's registry rows: title, owner, sub-items,
    deadlines and later changes, with the cited sub-item in bold."""
    row = next((r for r in rows if r.get("letter") == c.letter), rows[0] if rows else None)
    if row is None:
        return []
    no = language == "no"
    lines = [f"**{md_escape(row['id'])} {md_escape(row.get('title') or '')}**"
             + (f" — {'eier' if no else 'owner'}: {md_escape(row['owner'])}" if row.get("owner") else "")]
    for s in row.get("subitems") or []:
        text = md_escape(s["text"].lstrip("-• ").strip())
        spot = where(s.get("line"), s.get("line_end"), s.get("page"), language)
        lines.append(f"- {'**' + text + '**' if c.sub and s['label'] == c.sub else text} _({spot})_")
    for text in dict.fromkeys(d["text"] for d in row.get("deadlines") or []):  # "d) til f)" once, not thrice
        lines.append(f"- {'Frist' if no else 'Deadline'}: {md_escape(text)}")
    kinds = KIND_NO if no else KIND_EN
    for a in row.get("amendments") or []:
        lines.append(f"- {md_escape(a['letter'])}: {kinds.get(a['kind'], a['kind'])} — {md_escape(a['text'])}")
    return lines


def history(turns: Iterable[dict[str, Any]]) -> list[dict[str, str]]:
    """The chat turns as `Assistant.ask` wants them: [{question, answer}]."""
    return [{"question": t["question"], "answer": t["answer"].text} for t in turns if t.get("answer") is not None]


# --- uploads ------------------------------------------------------------------------------------


class UploadRejected(ValueError):
    """An uploaded file that is not saved; the message says why in Norwegian."""


def safe_filename(name: str) -> str:
    """A file name safe to save in the letters folder: no folders, no control or shell characters,
    no leading dot, Norwegian letters kept, a known suffix (lower case), at most MAX_NAME characters."""
    base = PurePath(name.replace("\\", "/")).name
    base = unicodedata.normalize("NFC", base)
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    suffix = suffix.lower()
    if suffix not in UPLOAD_TYPES:
        raise UploadRejected(f"filtypen «.{suffix}» støttes ikke; bruk {', '.join(UPLOAD_TYPES)}"
                             if suffix else f"filen mangler filtype ({', '.join(UPLOAD_TYPES)})")
    stem = re.sub(r"[^\w.\- ]+", "_", stem, flags=re.UNICODE)
    stem = re.sub(r"[\s_]+", "_", stem).strip("._-")[: MAX_NAME - len(suffix) - 1]
    return f"{stem or 'brev'}.{suffix}"


def free_names(name: str) -> Iterator[str]:
    """`name`, then 'stem (2).suffix', 'stem (3).suffix' …: the names an upload may take, so a letter
    already in the folder is never replaced by one with the same name."""
    yield name
    stem, _, suffix = name.rpartition(".")
    for n in range(2, 1000):
        tag = f" ({n})"
        yield f"{stem[: MAX_NAME - len(suffix) - 1 - len(tag)]}{tag}.{suffix}"


def check_upload(name: str, size: int, max_mb: int) -> str:
    """The safe name to save an upload under, or UploadRejected (too big, empty, wrong type)."""
    safe = safe_filename(name)
    if size <= 0:
        raise UploadRejected("filen er tom")
    if size > max_mb * 1024 * 1024:
        raise UploadRejected(f"filen er {size / 1024 / 1024:.1f} MB; grensen er {max_mb} MB")
    return safe


SKIPPED = "hoppet over"  # a sub-folder, a link out of the letters folder: reported, not read
_STATUS = {"added": "lagt til", "updated": "oppdatert", "unchanged": "uendret", "removed": "fjernet"}


def ingest_rows(report: dict[str, Any], only: Iterable[str] | None = None) -> list[dict[str, str]]:
    """One row per file of an ingest report: {file, status, reason}; `only` keeps those files."""
    keep = set(only) if only is not None else None
    rows = [{"file": f, "status": label, "reason": ""}
            for key, label in _STATUS.items() for f in report.get(key, [])]
    rows += [{"file": f["file"], "status": "feilet", "reason": f["error"]} for f in report.get("failed", [])]
    rows += [{"file": f["file"], "status": SKIPPED, "reason": f["reason"]} for f in report.get("skipped", [])]
    return [r for r in rows if keep is None or r["file"] in keep]


ALREADY = "finnes allerede"  # an upload whose content is a letter in the folder already: not saved twice


def upload_result(report: dict[str, Any], saved: Sequence[str], rejected: Sequence[dict[str, str]],
                  everything: bool = False, renamed: Mapping[str, str] | None = None,
                  duplicates: Sequence[dict[str, str]] = ()) -> list[dict[str, str]]:
    """Rows {file, status, reason} to show after an upload (or a rebuild, with `everything`): each
    uploaded file's fate in the ingest (saved under a new name when `renamed` maps it to the uploaded
    name), the uploads that were there already ({file, existing}), then the files refused before it."""
    if everything:
        rows = [r for r in ingest_rows(report) if r["status"] != "uendret"]
    else:
        rows = ingest_rows(report, only=saved)
        seen = {r["file"] for r in rows}
        rows += [{"file": f, "status": "feilet", "reason": "ble ikke med i indeksen"}
                 for f in saved if f not in seen and "error" not in report]
    for r in rows:
        if renamed and r["file"] in renamed:
            note = f"lastet opp som «{renamed[r['file']]}»; et brev med det navnet finnes fra før og er beholdt"
            r["reason"] = f"{note}; {r['reason']}" if r["reason"] else note
    rows += [{"file": d["file"], "status": ALREADY, "reason": f"samme innhold som {d['existing']}; ikke lagret på nytt"}
             for d in duplicates]
    return rows + [{"file": r["file"], "status": "feilet", "reason": r["error"]} for r in rejected]


def ingest_summary(report: dict[str, Any]) -> str:
    """'3 brev, 120 oppdrag, 800 tekstbiter (1 lagt til, 0 oppdatert, 1 feilet)'."""
    counts = ", ".join(f"{len(report.get(k, []))} {label}" for k, label in _STATUS.items() if k != "unchanged")
    return (f"{report.get('letters', 0)} brev, {report.get('assignments', 0)} oppdrag, "
            f"{report.get('chunks', 0)} tekstbiter ({counts}, {len(report.get('failed', []))} feilet)")


# Share of the bar each ingest stage fills, and what the bar says meanwhile.
_STAGES = {"parse": (0.0, 0.2, "Leser brevene"), "embed": (0.2, 0.95, "Lager vektorer"),
           "save": (0.95, 1.0, "Lagrer indeksen")}


def progress_step(stage: str, done: int, total: int) -> tuple[float, str]:
    """Where the one progress bar stands (0..1) and its text, from an ingest progress callback."""
    lo, hi, label = _STAGES.get(stage, (0.0, 1.0, stage))
    share = done / total if total else 1.0
    return min(1.0, lo + (hi - lo) * share), f"{label} … {done}/{total}"


def status_lines(status: dict[str, Any]) -> list[str]:
    """The index status as short Norwegian lines for the sidebar."""
    built = status.get("built_at")
    when = "ukjent"
    if built:
        try:
            when = dt.datetime.fromisoformat(str(built)).strftime("%d.%m.%Y %H:%M")
        except ValueError:
            when = str(built)
    return [f"**{len(status.get('letters', []))}** brev, **{status.get('assignments', 0)}** oppdrag, "
            f"**{status.get('chunks', 0)}** tekstbiter", f"Sist bygget: {when}"]


# --- the assignment registry ----------------------------------------------------------------------


def owners(rows: Iterable[dict[str, Any]]) -> list[str]:
    """Every HOD department code that owns an assignment, sorted."""
    return sorted({code for r in rows for code in owner_codes(r.get("owner"))})


def years(rows: Iterable[dict[str, Any]]) -> list[int]:
    return sorted({r["year"] for r in rows if r.get("year")}, reverse=True)


def deadline_text(row: dict[str, Any]) -> str:
    """'d): 2024-07-01; g): 2024-09-01' or the kind when there is no date ('løpende')."""
    parts = []
    for d in row.get("deadlines") or []:
        what = d.get("date") or d.get("text") or d.get("kind") or ""
        parts.append(f"{sub_label(d['sub'])}: {what}" if d.get("sub") else what)
    return "; ".join(dict.fromkeys(parts))


def next_date(row: dict[str, Any]) -> str:
    """The earliest dated deadline (ISO) or ''."""
    dates = sorted(d["date"] for d in row.get("deadlines") or [] if d.get("date"))
    return dates[0] if dates else ""


def filter_assignments(rows: Iterable[dict[str, Any]], year: int | None = None, owner: str | None = None,
                       text: str = "", due_from: dt.date | None = None, due_days: int | None = None) -> list[dict[str, Any]]:
    """Rows matching a year, an owner code, words in ID/title/sub-items, and a deadline within
    `due_days` days from `due_from` (inclusive)."""
    words = text.lower().split()
    end = due_from + dt.timedelta(days=due_days) if due_from and due_days is not None else None
    out = []
    for r in rows:
        if year and r.get("year") != year:
            continue
        if owner and owner.upper() not in owner_codes(r.get("owner")):
            continue
        if words:
            hay = " ".join([r["id"], *r.get("aliases", []), r.get("title") or "",
                            *(s["text"] for s in r.get("subitems") or [])]).lower()
            if not all(w in hay for w in words):
                continue
        if due_from and end and not any(
                d.get("date") and due_from.isoformat() <= d["date"] <= end.isoformat() for d in r.get("deadlines") or []):
            continue
        out.append(r)
    return out


TABLE_COLUMNS = {"id": "Oppdrag", "year": "År", "owner": "Eier", "title": "Tittel", "next": "Første frist",
                 "deadlines": "Frister", "changes": "Endringer", "letter": "Brev"}


def letter_name(file: str, titles: dict[str, str] | None = None) -> str:
    """A letter's title where known, else its file name."""
    return (titles or {}).get(file) or file


def table_rows(rows: Iterable[dict[str, Any]], titles: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Flat rows for the table and the CSV, with Norwegian column names; `titles` maps file -> letter title."""
    return [{
        TABLE_COLUMNS["id"]: r["id"] + (f" ({', '.join(r['aliases'])})" if r.get("aliases") else ""),
        TABLE_COLUMNS["year"]: r.get("year"),
        TABLE_COLUMNS["owner"]: r.get("owner") or "",
        TABLE_COLUMNS["title"]: r.get("title") or "",
        TABLE_COLUMNS["next"]: next_date(r),
        TABLE_COLUMNS["deadlines"]: deadline_text(r),
        TABLE_COLUMNS["changes"]: len(r.get("amendments") or []),
        TABLE_COLUMNS["letter"]: letter_name(r.get("letter") or "", titles),
    } for r in rows]


def csv_bytes(rows: Sequence[dict[str, Any]]) -> bytes:
    """CSV (UTF-8 with BOM so Excel reads æøå) of flat rows; the header is the first row's keys."""
    buf = io.StringIO()
    fields = list(rows[0]) if rows else list(TABLE_COLUMNS.values())
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def row_key(row: dict[str, Any], titles: dict[str, str] | None = None) -> str:
    """A label unique per assignment row (the same ID can appear in two letters)."""
    return f"{row['id']} — {row.get('title') or ''} ({letter_name(row.get('letter') or '', titles)}, linje {row.get('line')})"


# Amendment kinds that change an assignment (a mere reference or continuation is no example of a change).
CHANGE_KINDS = ("cancels", "deadline", "reworded", "renumbered", "clarified")


def detail_lines(row: dict[str, Any], titles: dict[str, str] | None = None) -> list[str]:
    """Markdown for one assignment on the assignments page: where it is, its owner, sub-items,
    deadlines (each with its line) and the changes made by later letters."""

    def bullet(text: str, line: int | None, line_end: int | None = None, page: int | None = None) -> str:
        spot = where(line, line_end, page)
        return f"- {md_escape(text.lstrip('-• ').strip())}" + (f" _({spot})_" if spot else "")

    lines = [f"### {md_escape(row['id'])} {md_escape(row.get('title') or '')}", "",
             f"{md_escape(letter_name(row['letter'], titles))} · {md_escape(row.get('section') or '')} · "
             f"{where(row.get('line'), row.get('line_end'), row.get('page'))}  ",
             f"Eier i HOD: **{md_escape(row.get('owner') or 'ikke oppgitt')}**"
             + (f"  \nOgså kalt: {md_escape(', '.join(row['aliases']))}" if row.get("aliases") else "")]
    if row.get("subitems"):
        lines += ["", "**Deloppdrag**", ""]
        lines += [bullet(x["text"], x.get("line"), x.get("line_end"), x.get("page")) for x in row["subitems"]]
    if row.get("deadlines"):
        lines += ["", "**Frister**", ""]
        seen: dict[str, dict[str, Any]] = {}
        for d in row["deadlines"]:  # "d) til f)" once, not once per sub-item
            seen.setdefault(d["text"], d)
        lines += [bullet(d["text"] + (f" ({d['date']})" if d.get("date") else ""), d.get("line")) for d in seen.values()]
    later = [a for a in row.get("amendments") or [] if a.get("letter") != row.get("letter")]
    if later:
        lines += ["", "**Endringer i senere brev**", ""]
        lines += [f"- {md_escape(letter_name(a['letter'], titles))}, {where(a.get('line'), None, a.get('page'))}: "
                  f"{KIND_NO.get(a['kind'], a['kind'])} — «{md_escape(a['text'].lstrip('-• ').strip())}»" for a in later]
    return lines


_STATUS_NO = {"active": "aktivt", "cancelled": "utgår", "renumbered": "nytt nummer", "replaced": "erstattet"}


def timeline_lines(tl: dict[str, Any], titles: dict[str, str] | None = None) -> list[str]:
    """Markdown for an assignment's timeline (`assistant.timeline.timeline_json`): the status and the current
    deadlines first, then each event with its letter, date and line."""
    status = _STATUS_NO.get(tl["status"], tl["status"]) + (f" → {tl['current_id']}" if tl.get("current_id") else "")
    lines = ["", "**Tidslinje**", "", f"Status: **{md_escape(status)}**  "]
    for c in tl.get("current_deadlines") or []:
        d, was = c.get("deadline"), c.get("replaced")
        part = f"deloppdrag {c['sub']}" if c.get("sub") else "oppdraget"
        value = (f"{d['date'] or d['text']}" if d else "endret, men ny dato kan ikke leses — se brevet")
        flags = " ⚠ tidligere enn fristen den erstatter" if "earlier_than_replaced" in c.get("flags", []) else ""
        flags += " ⚠ før brevets dato" if "before_the_letter" in c.get("flags", []) else ""
        flags += " (et senere brev sier at fristen kan utsettes)" if "may_be_postponed" in c.get("flags", []) else ""
        lines.append(f"Gjeldende frist for {part}: **{md_escape(value)}**"
                     + (f" (erstattet {md_escape(was['date'] or was['text'])})" if was else "") + flags + "  ")
    lines.append("")
    for e in tl.get("events") or []:
        when = e.get("letter_date") or (str(e["year"]) if e.get("year") else "")
        values = "; ".join((f"{d['sub']}: " if d.get("sub") else "") + (d.get("date") or d.get("kind") or "")
                           for d in e.get("deadlines") or [] if d)
        subs = f" (deloppdrag {', '.join(e['subs'])})" if e.get("subs") else ""
        new = f" {e['new_id']}" if e.get("new_id") else ""
        lines.append(f"1. {md_escape(when)} — **{EVENT_NO.get(e['kind'], e['kind'])}**{md_escape(new)}{subs}"
                     + (f": {md_escape(values)}" if values else "")
                     + f" _({md_escape(letter_name(e['letter'], titles))}, {where(e.get('line'), None, e.get('page'))})_")
    return lines


def parse_report_lines(reports: Iterable[dict[str, Any]], only: Iterable[str] | None = None) -> list[str]:
    """Markdown per letter of what the parser understood and what staff should check (ingest 'report')."""
    keep = set(only) if only is not None else None
    lines: list[str] = []
    for r in reports:
        if keep is not None and r["file"] not in keep:
            continue
        mark = "✅ forstått" if r["complete"] else "⚠ sjekk"
        lines.append(f"**{md_escape(r['file'])}** — {mark}: {r['assignments']} oppdrag, {r['changes']} endringer, "
                     f"{r['ids_mentioned']} ID-er nevnt")
        if r["not_parsed"]:
            lines.append(f"- ID-er nevnt, men ikke lest som oppdrag: {md_escape(', '.join(r['not_parsed'][:12]))}")
        if r["without_owner"]:
            lines.append(f"- uten eier: {md_escape(', '.join(r['without_owner'][:12]))}")
        if r["without_deadline"]:
            lines.append(f"- uten frist: {len(r['without_deadline'])} oppdrag")
        for x in (r.get("loose_deadlines") or [])[:5]:
            lines.append(f"- frist-setning ikke knyttet til noe (linje {x['line']}): «{md_escape(x['text'][:120])}»")
        for x in (r.get("loose_changes") or [])[:5]:
            lines.append(f"- endrings-setning ikke knyttet til noe (linje {x['line']}): «{md_escape(x['text'][:120])}»")
    return lines


def example_questions(rows: Sequence[dict[str, Any]], n: int = 4, prefer: Iterable[str] = ()) -> list[str]:
    """Up to `n` example questions about assignments that exist in the index: a sub-item deadline, an
    owner, a later change, and what an assignment asks for (in English). Letters named in `prefer`
    (the main allocation letters) come first, then the newest."""
    first = set(prefer)
    ordered = sorted(rows, key=lambda r: (r.get("letter") not in first, -(r.get("year") or 0),
                                          r.get("letter") or "", r.get("line") or 0))
    out: list[str] = []
    used: set[str] = set()

    def pick(test: Any) -> dict[str, Any] | None:
        row = next((r for r in ordered if r["id"] not in used and test(r)), None)
        if row:
            used.add(row["id"])
        return row

    def dated_subs(r: dict[str, Any]) -> list[dict[str, Any]]:
        return [d for d in r.get("deadlines") or [] if d.get("sub") and d.get("date")]

    row = pick(lambda r: len(dated_subs(r)) >= 2)
    if row:
        subs = dated_subs(row)
        # A deadline shared by several sub-items ("d) til f)") makes the most telling example.
        d = max(subs, key=lambda x: (sum(y["text"] == x["text"] for y in subs), -subs.index(x)))
        out.append(f"Hva er fristen for {row['id']} {sub_label(d['sub'])}?")
    row = pick(lambda r: bool(r.get("owner")))
    if row:
        out.append(f"Hvilken avdeling i HOD eier {row['id']}?")
    def changed(kinds: tuple[str, ...]) -> Any:
        return lambda r: any(a.get("letter") != r.get("letter") and a.get("kind") in kinds
                             for a in r.get("amendments") or [])

    row = pick(changed(CHANGE_KINDS[:4])) or pick(changed(CHANGE_KINDS))
    if row:
        out.append(f"Hva skjedde med {row['id']}?")
    row = pick(lambda r: bool(r.get("title")))
    if row:
        out.append(f"What does {row['id']} ask for?")
    return out[:n]

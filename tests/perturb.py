"""Layout perturbations: a letter's text rewritten the ways other years and extraction tools write it, and the
registry facts compared before and after (run `python -m tests.perturb --report` for the table).

Each perturbation is a named, seeded, deterministic function of the text. They keep the letter's meaning by
construction (same assignments, owners, sub-items, deadlines and changes), so every fact the parser finds in
the original must be found again in the rewritten letter. The patterns here are the generator's own, written
apart from ingest/norsk.py, so the parser is not checked against itself.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import sys
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ingest import norsk, parse_text, read_letter
from ingest.records import Letter

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_LETTERS = ROOT / "tests" / "fixtures" / "letters"
FLOORS = ROOT / "tests" / "golden" / "perturbation_floors.json"

Fact = tuple[str | None, ...]


# --- facts -----------------------------------------------------------------------------------------


def _key(ident: str | None) -> str:
    return norsk.id_key(ident or "") or (ident or "")


def facts(letter: Letter) -> set[Fact]:
    """The registry facts a layout must not change: IDs, sub-item labels, owners, deadlines, changes."""
    out: set[Fact] = set()
    for a in letter.assignments:
        k = _key(a.id)
        out.add(("id", k))
        out.update(("alias", k, _key(x)) for x in a.aliases)
        out.update(("sub", k, s.label) for s in a.subitems)
        if a.owner:
            out.add(("owner", k, a.owner.replace(" ", "")))
        out.update(("deadline", k, d.sub, d.date, d.kind) for d in a.deadlines)
    out.update(("ref", _key(r.target), r.kind) for r in letter.references)
    out.update(("change", _key(c.target), c.kind, ",".join(c.subs), c.deadline.date if c.deadline else None,
                _key(c.new_id) if c.new_id else None) for c in letter.changes)
    return out


@dataclass(frozen=True)
class Outcome:
    kept: int
    total: int
    lost: tuple[Fact, ...]
    added: tuple[Fact, ...]

    @property
    def rate(self) -> float:
        return self.kept / self.total if self.total else 1.0


def compare(before: set[Fact], after: set[Fact]) -> Outcome:
    return Outcome(len(before & after), len(before), tuple(sorted(before - after, key=str)),
                   tuple(sorted(after - before, key=str)))


# --- the letter being rewritten --------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    """An assignment header of the original (0-based line span) and what it says."""

    start: int
    end: int  # last line, inclusive
    ids: str
    title: str
    owner: str | None
    section: str


@dataclass(frozen=True)
class Source:
    name: str
    text: str
    headers: tuple[Header, ...]

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n")


def source(name: str, text: str, letter: Letter) -> Source:
    """The original text with its headers located by the parse of the original (line numbers only)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    heads = []
    last = -1
    for a in letter.assignments:
        if not norsk.id_key(a.id) or a.line - 1 <= last:
            continue
        end = max(a.header_end, a.line) - 1
        heads.append(Header(a.line - 1, end, ", ".join([a.id, *a.aliases]), a.title, a.owner, a.section))
        last = end
    return Source(name, text, tuple(heads))


def _rng(name: str, src: Source) -> random.Random:
    return random.Random(zlib.crc32(f"{name}:{src.name}".encode()))


# --- generic text rewrites -------------------------------------------------------------------------

_SENT_END = (".", ":", ";", "!", "?", "»", '"', ")")
_MARK = re.compile(r"^\s*(?:[-•o*]\s|\(?[a-h1-9]\d?[.)]\s|(?:ID:|TB|TTB|STB|RTB)|\d+(?:\.\d+)+\s|<|\|)")
_MONTHS = ["januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober",
           "november", "desember"]
_ABBR = {"januar": "jan.", "februar": "feb.", "mars": "mar.", "april": "apr.", "juni": "jun.", "juli": "jul.",
         "august": "aug.", "september": "sep.", "oktober": "okt.", "november": "nov.", "desember": "des."}
_DATE = re.compile(rf"\b(\d{{1,2}})\. ({'|'.join(_MONTHS)}) ((?:19|20)\d\d)\b")
_ID = re.compile(r"\b(T?TB|STB|RTB)(20\d\d)-(\d{1,3})\b")
_OWNER_LABEL = re.compile(r"(?:Avd\.HOD|Eieravdeling HOD|Ansvarlig avdeling(?: i HOD)?)\s*:")
_OWNER_VARIANTS = ("Ansvarlig avdeling HOD:", "Ansvarlig avdeling i HOD:", "Eieravdeling HOD:", "Ansv. avd.:",
                   "Eier i HOD:", "HOD-avdeling:", "Avd. HOD:", "Ansvarlig avd.:")


def _logical_lines(lines: list[str]) -> list[str]:
    """Hard-wrapped lines joined back into one line per paragraph (a lower-case start continues a line)."""
    out: list[str] = []
    for ln in lines:
        s = ln.strip()
        if (out and out[-1].strip() and s and s[0].islower() and not _MARK.match(ln) and "\t" not in ln
                and "\t" not in out[-1] and not out[-1].rstrip().endswith(_SENT_END)):
            out[-1] = out[-1].rstrip() + " " + s
        else:
            out.append(ln.rstrip())
    return out


def _wrap(line: str, width: int) -> list[str]:
    if len(line) <= width or "\t" in line or line.lstrip().startswith("<"):
        return [line]
    out, cur = [], ""
    for word in line.split(" "):
        if cur and len(cur) + 1 + len(word) > width:
            out.append(cur)
            cur = word
        else:
            cur = f"{cur} {word}" if cur else word
    return [*out, cur] if cur else out


def rewrap(src: Source, rng: random.Random) -> str:
    """PDF extraction at another page width: paragraphs re-flowed to 64 characters."""
    return "\n".join(w for ln in _logical_lines(src.lines) for w in _wrap(ln, 64))


def unwrap(src: Source, rng: random.Random) -> str:
    """Word or HTML extraction: a paragraph on one long line instead of hard-wrapped lines."""
    return "\n".join(_logical_lines(src.lines))


def hyphenate(src: Source, rng: random.Random) -> str:
    """Re-flowed at 60 characters with long words hyphenated at line ends ("kvalitets-" / "register")."""
    out: list[str] = []
    for ln in _logical_lines(src.lines):
        parts = _wrap(ln, 60)
        for k in range(len(parts) - 1):
            first, _, rest = parts[k + 1].partition(" ")
            if len(first) >= 10 and first.isalpha() and first.islower():
                cut = len(first) // 2
                parts[k] += " " + first[:cut] + "-"
                parts[k + 1] = (first[cut:] + " " + rest).rstrip()
        out.extend(parts)
    return "\n".join(out)


def page_furniture(src: Source, rng: random.Random) -> str:
    """Page breaks mid-paragraph: "Side 7 av 22" and a running title line every 35-55 lines."""
    lines = src.lines
    out: list[str] = []
    page, nxt = 1, rng.randint(35, 55)
    total = len(lines) // 45 + 2
    for i, ln in enumerate(lines):
        out.append(ln)
        if i >= nxt and ln.strip() and i + 1 < len(lines) and lines[i + 1].strip():
            page += 1
            out.extend([f"Side {page} av {total}", "Tildelingsbrev – Helsedirektoratet"])
            nxt = i + rng.randint(35, 55)
    return "\n".join(out)


def date_nospace(src: Source, rng: random.Random) -> str:
    """"1. juli 2024" written "1.juli 2024"."""
    return _DATE.sub(lambda m: f"{m.group(1)}.{m.group(2)} {m.group(3)}", src.text)


def date_numeric(src: Source, rng: random.Random) -> str:
    """"1. juli 2024" written "01.07.2024"."""
    return _DATE.sub(lambda m: f"{int(m.group(1)):02d}.{_MONTHS.index(m.group(2)) + 1:02d}.{m.group(3)}", src.text)


def date_abbrev(src: Source, rng: random.Random) -> str:
    """"1. juli 2024" written "1. jul. 2024"."""
    return _DATE.sub(lambda m: f"{m.group(1)}. {_ABBR.get(m.group(2), m.group(2))} {m.group(3)}", src.text)


def owner_label(src: Source, rng: random.Random) -> str:
    """Owner labels of other years: "Ansvarlig avdeling HOD:", "Ansv. avd.:", "Eier i HOD:", "HOD-avdeling:" ..."""
    return _OWNER_LABEL.sub(lambda m: rng.choice(_OWNER_VARIANTS), src.text)


def bullets(src: Source, rng: random.Random) -> str:
    """Dash bullets as the extraction tool writes them: "•" or Word's "o"."""
    mark = rng.choice(["•", "o"])
    return re.sub(r"(?m)^(\s*)- ", lambda m: f"{m.group(1)}{mark} ", src.text)


def blank_lines_dropped(src: Source, rng: random.Random) -> str:
    """PDF extraction without blank lines between paragraphs."""
    return "\n".join(ln for ln in src.lines if ln.strip())


def crlf(src: Source, rng: random.Random) -> str:
    """Windows line ends."""
    return src.text.replace("\n", "\r\n")


def extra_spaces(src: Source, rng: random.Random) -> str:
    """Doubled spaces inside lines, trailing spaces and tabs."""
    out = []
    for ln in src.lines:
        ln = re.sub(r"(?<=\S) (?=\S)", lambda m: "  " if rng.random() < 0.15 else " ", ln)
        out.append(ln + rng.choice(["", " ", "  ", "\t", " \t"]) if ln.strip() else ln)
    return "\n".join(out)


def nbsp(src: Source, rng: random.Random) -> str:
    """Non-breaking spaces in dates, after IDs and labels, and here and there (U+00A0, U+202F)."""
    text = re.sub(r"(\d\.) (?=[a-zæøå])", "\\1\u00a0", src.text)
    text = re.sub(r"(\d{4}-\d{1,3}) ", "\\1\u00a0", text)
    text = re.sub(r": (?=[A-ZÆØÅ0-9])", ":\u202f", text)
    return re.sub(r"(?<=\S) (?=\S)", lambda m: "\u00a0" if rng.random() < 0.08 else " ", text)


def id_dash(src: Source, rng: random.Random) -> str:
    """IDs with an en dash: "TB2024–07"."""
    return _ID.sub(lambda m: f"{m.group(1)}{m.group(2)}–{m.group(3)}", src.text)


def label_case(src: Source, rng: random.Random) -> str:
    """Labels in capitals: "FRIST:", "FRISTER:", "AVD.HOD:", "EIERAVDELING HOD:", "DELOPPDRAG 1:"."""
    text = re.sub(r"(?m)^(\s*(?:[-•]\s*)?)(Frist(?:er)?|Ny frist|Deloppdrag)\b",
                  lambda m: m.group(1) + m.group(2).upper(), src.text)
    return _OWNER_LABEL.sub(lambda m: m.group(0).upper(), text)


# --- header rewrites --------------------------------------------------------------------------------


def _owner_line(h: Header, rng: random.Random) -> list[str]:
    return [f"{rng.choice(_OWNER_VARIANTS)} {h.owner}"] if h.owner else []


def _rewrite_headers(src: Source, form: Callable[[Header, int], list[str]]) -> str:
    lines = src.lines
    out: list[str] = []
    pos = 0
    for n, h in enumerate(src.headers, start=1):
        out.extend(lines[pos : h.start])
        out.extend(form(h, n))
        pos = h.end + 1
    out.extend(lines[pos:])
    return "\n".join(out)


def header_colon(src: Source, rng: random.Random) -> str:
    """"TB2024-07: Title", the owner on a line of its own under it."""
    return _rewrite_headers(src, lambda h, n: [f"{h.ids}: {h.title}", *_owner_line(h, rng)])


def header_oppdrag(src: Source, rng: random.Random) -> str:
    """"Oppdrag TB2024-07 – Title"."""
    return _rewrite_headers(src, lambda h, n: [f"Oppdrag {h.ids} – {h.title}", *_owner_line(h, rng)])


def header_id_alone(src: Source, rng: random.Random) -> str:
    """The ID alone on its line, the title on the next, then the owner; no blank line before the text."""
    return _rewrite_headers(src, lambda h, n: [h.ids, h.title, *_owner_line(h, rng)])


def header_numbered(src: Source, rng: random.Random) -> str:
    """A numbered heading sharing the line with the ID: "2.3.1 TB2024-07 Title" (numbered within its section)."""
    count: dict[str, int] = {}

    def form(h: Header, n: int) -> list[str]:
        num = h.section.split(" ", 1)[0].rstrip(".")
        num = num if re.fullmatch(r"\d+(?:\.\d+)*", num) else "4"
        count[num] = count.get(num, 0) + 1
        return [f"{num}.{count[num]} {h.ids} {h.title}", *_owner_line(h, rng)]
    return _rewrite_headers(src, form)


def table_tabs(src: Source, rng: random.Random) -> str:
    """The header as a tab-separated table row: ID, title, owner."""
    return _rewrite_headers(src, lambda h, n: ["\t".join([h.ids, h.title, *([h.owner] if h.owner else [])])])


def table_pipes(src: Source, rng: random.Random) -> str:
    """The header as a Markdown pipe-table row: "| TB2024-07 | Title | FHA |"."""
    def form(h: Header, n: int) -> list[str]:
        cells = [h.ids, h.title, *([h.owner] if h.owner else [])]
        return ["| " + " | ".join(cells) + " |", "|" + "|".join("---" for _ in cells) + "|"]
    return _rewrite_headers(src, form)


_TABLE_ROW = "\x1e"  # marks a line that becomes a Word table row (cells split by tabs)


def table_docx(src: Source, rng: random.Random) -> str:
    """The text as a Word document: headers as table rows (ID | title | owner), paragraphs as paragraphs,
    dash bullets as list paragraphs. Returns the marked text `to_docx` turns into the document."""
    return _rewrite_headers(src, lambda h, n: [_TABLE_ROW + "\t".join([h.ids, h.title, *([h.owner] if h.owner else [])])])


def to_docx(text: str, path: Path) -> None:
    import docx

    d = docx.Document()
    table = None
    for ln in _logical_lines(text.split("\n")):
        if ln.startswith(_TABLE_ROW) or ("\t" in ln.strip() and not ln.lstrip().startswith("<")):
            cells = ln.lstrip(_TABLE_ROW).split("\t")
            if table is None or len(table.columns) != len(cells):
                table = d.add_table(rows=0, cols=len(cells))
            row = table.add_row()
            for cell, value in zip(row.cells, cells, strict=True):
                cell.text = value.strip()
            continue
        table = None
        if not ln.strip():
            continue
        if ln.lstrip().startswith("- "):
            d.add_paragraph(ln.lstrip()[2:], style="List Bullet")
        else:
            d.add_paragraph(ln.strip())
    d.save(str(path))


@dataclass(frozen=True)
class Perturbation:
    name: str
    fn: Callable[[Source, random.Random], str]
    docx: bool = False

    def text(self, src: Source) -> str:
        return self.fn(src, _rng(self.name, src))

    def parse(self, src: Source) -> Letter:
        out = self.text(src)
        if not self.docx:
            return parse_text(out, src.name)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / (Path(src.name).stem + ".docx")
            to_docx(out, path)
            return read_letter(path)


PERTURBATIONS = tuple(Perturbation(f.__name__, f) for f in (
    rewrap, unwrap, hyphenate, page_furniture, date_nospace, date_numeric, date_abbrev, owner_label, bullets,
    blank_lines_dropped, crlf, extra_spaces, nbsp, id_dash, label_case, header_colon, header_oppdrag,
    header_id_alone, header_numbered, table_tabs, table_pipes)) + (Perturbation("table_docx", table_docx, docx=True),)
BY_NAME = {p.name: p for p in PERTURBATIONS}


# --- running them ------------------------------------------------------------------------------------


def load(path: Path) -> tuple[Source, set[Fact]]:
    letter = read_letter(path)
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    return source(path.name, text, letter), facts(letter)


def run(path: Path, perturbation: Perturbation) -> Outcome:
    src, before = load(path)
    return compare(before, facts(perturbation.parse(src)))


def letter_paths(real: Path | None) -> list[Path]:
    paths = sorted(FIXTURE_LETTERS.glob("*.txt"))
    if real is not None and real.is_dir():
        paths += sorted(real.glob("*.txt"))
    return paths


def table(paths: list[Path]) -> dict[str, dict[str, Outcome]]:
    loaded = {p.name: load(p) for p in paths}
    return {pert.name: {name: compare(before, facts(pert.parse(src))) for name, (src, before) in loaded.items()}
            for pert in PERTURBATIONS}


def _short(name: str) -> str:
    return name.removesuffix(".txt")[:14]


def report(results: dict[str, dict[str, Outcome]], real: set[str]) -> str:
    names = list(next(iter(results.values())))
    head = f"{'perturbation':<20}" + "".join(f"{_short(n):>15}" for n in names) + f"{'real min':>10}"
    rows = [head, "-" * len(head)]
    for pert, by_letter in results.items():
        real_rates = [o.rate for n, o in by_letter.items() if n in real]
        cells = "".join(f"{o.rate:>10.3f}{('+' + str(len(o.added))) if o.added else '':<5}" for o in by_letter.values())
        rows.append(f"{pert:<20}{cells}{(min(real_rates) if real_rates else 1.0):>10.3f}")
    rows.append("(rate = facts kept / facts in the original; +N = facts the rewritten letter adds)")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--report", action="store_true", help="print the perturbation × letter table")
    ap.add_argument("--real", type=Path, default=ROOT.parent / "shared" / "letters", help="the real letters")
    ap.add_argument("--write-floors", action="store_true", help="record the real letters' rates as floors")
    ap.add_argument("--show", metavar="PERTURBATION", help="print the facts lost/added per letter")
    ap.add_argument("--text", nargs=2, metavar=("PERTURBATION", "LETTER"), help="print a rewritten letter")
    args = ap.parse_args(argv)
    paths = letter_paths(args.real)
    real = {p.name for p in paths if p.parent != FIXTURE_LETTERS}
    if args.text:
        path = next(p for p in paths if p.name.startswith(args.text[1]))
        print(BY_NAME[args.text[0]].text(load(path)[0]))
        return
    if args.show:
        for p in paths:
            o = run(p, BY_NAME[args.show])
            print(f"== {p.name}: {o.rate:.3f} ({o.kept}/{o.total})")
            for f in o.lost:
                print("  lost ", f)
            for f in o.added:
                print("  added", f)
        return
    results = table(paths)
    print(report(results, real))
    if args.write_floors:
        floors = {pert: {n: {"rate": math.floor(o.rate * 1000) / 1000, "added": len(o.added)}
                         for n, o in by_letter.items() if n in real} for pert, by_letter in results.items()}
        FLOORS.write_text(json.dumps(floors, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print("wrote", FLOORS, file=sys.stderr)


if __name__ == "__main__":
    main()

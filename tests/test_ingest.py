"""Parsing: fixture letters in every style against golden outputs, readers per format, bad input, properties."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest import norsk, parse_text, read_letter
from ingest.deadlines import find_deadlines
from ingest.errors import LetterReadError, SettingsError
from ingest.settings import Settings
from tests.conftest import FIXTURE_LETTERS, GOLDEN
from tests.golden_summary import summary

FIXTURES = sorted(FIXTURE_LETTERS.glob("*.txt"))


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_fixture_letter_matches_golden(path: Path) -> None:
    expected = json.loads((GOLDEN / "fixtures" / f"{path.stem}.json").read_text(encoding="utf-8"))
    assert json.loads(json.dumps(summary(read_letter(path)))) == expected


@pytest.mark.parametrize(
    ("text", "year", "expected"),
    [
        ("Frist: 15. september 2024", 2024, [(None, "2024-09-15", "date")]),
        ("Frist: 31.12.2025.", 2025, [(None, "2025-12-31", "date")]),
        ("Frist: 19.05", 2025, [(None, "2025-05-19", "date")]),
        ("- Deloppdrag d) til f) har frist 1. juli 2024.", 2024,
         [("d", "2024-07-01", "date"), ("e", "2024-07-01", "date"), ("f", "2024-07-01", "date")]),
        ("Direktoratet skal levere innen 4. mars 2024 et notat.", 2024, [(None, "2024-03-04", "date")]),
        ("Innen uke 12 skal direktoratet levere en plan.", 2025, [(None, None, "week")]),
        ("Frist: Fase 1: 25.04.25 – Fase 2: 30.05.25", 2025, [("fase 1", "2025-04-25", "date"), ("fase 2", "2025-05-30", "date")]),
        ("Planen skal foreligge innen utgangen av 2023.", 2023, [(None, "2023-12-31", "period_end")]),
        ("Rapporten sendes hvert år innen 1. februar.", 2024, [(None, "2024-02-01", "annual")]),
        ("Frist avklares i dialog mellom departementet og direktoratet.", 2024, [(None, None, "dialog")]),
        ("Frist: 1 september 2021", 2021, [(None, "2021-09-01", "date")]),
        ("Frist for endelig svar settes til 2. august 2024.", 2024, [(None, "2024-08-02", "date")]),
        ("Det er satt av 12,5 mill. kroner til arbeidet i 2024.", 2024, []),
        ("Rapporten ble levert 31.1.25 og fulgt opp fra 15. april.", 2025, []),
        # Named periods end on their last day; medio/primo name a day.
        ("Frist: 1. kvartal 2026.", 2026, [(None, "2026-03-31", "period_end")]),
        ("Planen leveres innen utgangen av første halvår 2026.", 2026, [(None, "2026-06-30", "period_end")]),
        ("Frist: 2. tertial", 2026, [(None, "2026-08-31", "period_end")]),
        ("Frist: medio mars 2026", 2026, [(None, "2026-03-15", "date")]),
        ("Frist: ultimo september 2026", 2026, [(None, "2026-09-30", "period_end")]),
        ("Frist: høsten 2026", 2026, [(None, "2026-12-31", "period_end")]),
        ("Frist: juni 2026", 2026, [(None, "2026-06-30", "period_end")]),
        ("Del 2 av oppdraget utsettes til 2027.", 2026, [("2", "2027-12-31", "period_end")]),
        ("Frist for oppdraget er satt til 1. oktober 2026.", 2026, [(None, "2026-10-01", "date")]),
        ("Frist: 1. mars, 1. juni og 1. september 2026.", 2026,
         [(None, "2026-03-01", "date"), (None, "2026-06-01", "date"), (None, "2026-09-01", "date")]),
        ("Departementet ber om å få et utkast til veileder 1. mars 2026.", 2026, [(None, "2026-03-01", "date")]),
        ("Frist for svar på oppdraget er fredag 6. februar 2026.", 2026, [(None, "2026-02-06", "date")]),
        # A bare year after "innen" is as often a goal as a deadline; a quarter that does not exist is none.
        ("Tiltakene skal bidra til å nå målene innen 2030.", 2026, []),
        ("Frist: 5. kvartal 2026", 2026, []),
        ("Frist: 2 000 kroner per deltaker.", 2026, []),
    ],
)
def test_deadline_styles(text: str, year: int, expected: list[tuple[str | None, str | None, str]]) -> None:
    got = [(d.sub, d.date, d.kind) for d in find_deadlines(text, year, None, 1, {"a", "b", "c", "d", "e", "f"})]
    assert got == expected


def test_the_section_rule_still_covers_an_assignment_with_only_a_part_dated() -> None:
    text = ("Tildelingsbrev til Helsedirektoratet for 2036\n\n1 Oppdrag\n\n"
            "Der ikke annen frist er spesifisert, skal de fiktive oppdragene her gjøres i løpet av 2036.\n\n"
            "TB2036-01\tAvd.HOD: SHA\tEt fiktivt oppdrag i to deler\n"
            "Helsedirektoratet skal gjøre et fiktivt arbeid i to deler. Del 2 av oppdraget utsettes til 2037.\n")
    (a,) = parse_text(text, "regel.txt").assignments
    assert [(d.sub, d.date, d.kind) for d in a.deadlines] == [("2", "2037-12-31", "period_end"),
                                                             (None, "2036-12-31", "default_rule")]

_HEAD = "Tildelingsbrev til Helsedirektoratet for 2037\n\n2 Oppdrag\n\n"
_BODY = "\nHelsedirektoratet skal gjøre et fiktivt arbeid.\n\n"


@pytest.mark.parametrize("header, owner, deadline", [
    ("TB2037-05\tEt fiktivt kartleggingsoppdrag\tFHA\t1. mars 2037", "FHA", ("2037-03-01", "date")),
    ("TB2037-05\tEt fiktivt kartleggingsoppdrag\tSHA/KTA\t1. kvartal 2037", "SHA/KTA", ("2037-03-31", "period_end")),
    ("TB2037-05: Et fiktivt kartleggingsoppdrag", None, None),
    ("TB2037-05 – Et fiktivt kartleggingsoppdrag", None, None),
    ("Oppdrag TB2037-05 Et fiktivt kartleggingsoppdrag", None, None),
    ("Et fiktivt kartleggingsoppdrag (TB2037-05)", None, None),
    ("Et fiktivt kartleggingsoppdrag – TB2037-05", None, None),
])
def test_header_styles_of_other_years(header: str, owner: str | None, deadline: tuple[str, str] | None) -> None:
    (a,) = parse_text(_HEAD + header + _BODY, "stil.txt").assignments
    assert (a.id, a.title, a.owner) == ("TB2037-05", "Et fiktivt kartleggingsoppdrag", owner)
    assert [(d.date, d.kind) for d in a.deadlines] == ([deadline] if deadline else [])
    assert a.paragraphs[0].text == "Helsedirektoratet skal gjøre et fiktivt arbeid."


@pytest.mark.parametrize("line, kind", [
    ("TB2037-05: Oppdraget utgår.", "cancels"),
    ("Oppdrag TB2037-05 Et fiktivt kartleggingsoppdrag utgår.", "cancels"),
    ("TB2037-05: Fristen utsettes til 1. desember 2037.", "deadline"),
])
def test_a_sentence_about_an_id_is_a_reference_not_a_header(line: str, kind: str) -> None:
    letter = parse_text("Tillegg nr. 4 til tildelingsbrevet for 2037\n\nDepartementet har disse endringene:\n\n"
                        + line + "\n", "tillegg.txt")
    assert letter.assignments == ()
    assert ("TB2037-05", kind) in {(r.target, r.kind) for r in letter.references}


def test_a_change_heading_ends_the_assignment_above_it() -> None:
    text = (_HEAD + "Et fiktivt kartleggingsoppdrag (TB2037-05)" + _BODY
            + "Presisering av oppdrag (TB2036-12)\n\nArbeidet skal også omfatte fiktive sykkelveier.\n")
    letter = parse_text(text, "stil.txt")
    (a,) = letter.assignments
    assert all("sykkelveier" not in p.text for p in a.paragraphs)
    assert ("TB2036-12", "clarified") in {(r.target, r.kind) for r in letter.references}

@pytest.mark.parametrize("question, terms", [
    ("When is the suicide report due?", {"selvmord", "rapport", "frist"}),
    ("By when must the mass-casualty preparedness plans be completed?", {"masseskader", "beredskap", "plan"}),
    ("Hva er fristen?", set()),
])
def test_english_questions_carry_the_norwegian_terms(question: str, terms: set[str]) -> None:
    assert terms <= set(norsk.expand_english(question).split())
    assert bool(norsk.expand_english(question)) == bool(terms)

def test_dateparser_trap_is_not_ours() -> None:
    # dateparser's search_dates gives 2024-03-10 here; our own patterns must give the 1st.
    assert [d.date for d in find_deadlines("levere innen 1. mars 2024", 2024, None, 1)] == ["2024-03-01"]


@pytest.mark.parametrize("spelling", ["TB2024-07", "tb 2024-7", "TB2024–07", "TB 2024 - 07"])
def test_id_spellings_share_a_key(spelling: str) -> None:
    assert norsk.id_key(norsk.find_ids(spelling)[0]) == "TB2024-7"


def test_later_letter_cancellation_is_a_reference() -> None:
    letter = read_letter(FIXTURE_LETTERS / "addendum2031.txt")
    kinds = {(r.target, r.kind) for r in letter.references}
    assert ("TB2031-06", "cancels") in kinds and ("TB2031-03", "deadline") in kinds
    assert letter.assignments == ()


def test_paragraph_keeps_its_source_lines() -> None:
    letter = read_letter(FIXTURE_LETTERS / "style2035_plain.txt")
    a = next(a for a in letter.assignments if a.id == "TB2035-74")
    # The letterhead inside the paragraph is gone and the sentence is whole again.
    first = a.paragraphs[0]
    assert "Postadresse" not in first.text and "oversiktsnotat" in first.text
    assert first.line < first.line_end


def test_each_table_row_is_a_paragraph_and_keeps_its_first_cell() -> None:
    text = ("Tildelingsbrev til Helsedirektoratet for 2036\n\n1 Styringskalender\n\nNår\tHva\n"
            "15. mars\t<ul style=\"list-style-type: none\"> Frist for en fiktiv årsrapport</ul>\n"
            "17. april\tEt fiktivt etatsstyringsmøte\n"
            "24. mai\t<ul> - Oversikt over fiktive midler. - Forslag til fiktive tekster.</ul>\n")
    section = next(s for s in parse_text(text, "kalender.txt").sections if "Styringskalender" in s.title)
    rows = [(p.line, p.text) for p in section.paragraphs]
    assert (6, "15. mars Frist for en fiktiv årsrapport") in rows
    assert (7, "17. april Et fiktivt etatsstyringsmøte") in rows
    may = [text for line, text in rows if line == 8]  # the cell's list items stay items, the date on the first
    assert may[0].startswith("24. mai") and "Oversikt over fiktive midler" in may[0] and len(may) == 2


_BUDGET_TEXT = (
    "Tildelingsbrev til Helsedirektoratet for 2037\n\n1 Tildelinger\n\n"
    "Kap.\tPost\tBetegnelse\tTildeling\n"
    "740\t01\tDriftsutgifter\t1 000 000\n"
    "\t21\tSpesielle driftsutgifter\t<p>Direktoratet skal sende en fiktiv plan innen 1. mars 2037.</p>\n"
    "\n"
    "\t\t\t<p>Planen skal vise bundne midler.</p>\n"
    "761\t21\tSpesielle driftsutgifter\t<p>Direktoratet skal sende en fiktiv plan innen 1. mars 2037.</p>\n"
    "\n"
    "Teksten etter tabellen gjelder hele budsjettet.\n\n"
    "714 60 Kommunale tiltak 20 000\n\n"
    " 70 Rusmiddeltiltak, kan overføres\n\n"
    "30 000\n\n"
    "2037 15 Ikke en budsjettlinje, bare et årstall først på linjen.\n\n"
    "Kap. 762, post 21 Helsedirektoratet tildeles fiktive midler til forsøk.\n\n"
    "Midlene skal fordeles etter søknad.\n\n"
    "Kap. 575 Ressurskrevende tjenester\n\n"
    "Post 60 Toppfinansiering\n\n"
    "Ordningen gjelder alle kommuner.\n"
)


def test_budget_lines_mark_table_rows_and_the_text_under_an_opening() -> None:
    section = next(s for s in parse_text(_BUDGET_TEXT, "budsjett.txt").sections if "Tildelinger" in s.title)
    line_of = {p.text: p.budget for p in section.paragraphs}
    plan = [p.budget for p in section.paragraphs if "sende en fiktiv plan" in p.text]
    assert plan == ["kap. 740 post 21", "kap. 761 post 21"]  # an empty chapter cell takes the row above's
    assert line_of["740 01 Driftsutgifter 1 000 000"] == "kap. 740 post 01"
    assert line_of["Planen skal vise bundne midler."] == "kap. 740 post 21"  # still in the row's cell
    assert line_of["Teksten etter tabellen gjelder hele budsjettet."] is None
    assert line_of["714 60 Kommunale tiltak 20 000"] == "kap. 714 post 60"  # a row extracted with spaces
    assert line_of["70 Rusmiddeltiltak, kan overføres"] == "kap. 714 post 70"
    assert line_of["30 000"] == "kap. 714 post 70"  # its wrapped amount
    assert line_of["2037 15 Ikke en budsjettlinje, bare et årstall først på linjen."] is None
    assert line_of["Midlene skal fordeles etter søknad."] == "kap. 762 post 21"  # under the opening
    assert line_of["Kap. 575 Ressurskrevende tjenester"] == "kap. 575"
    assert line_of["Ordningen gjelder alle kommuner."] == "kap. 575 post 60"


@pytest.mark.parametrize("question, lines", [
    ("Når skal disposisjonsplanen for kap. 762 post 21 sendes?", [("762", "21")]),
    ("How much is allocated on chapter 740, item 01?", [("740", "01")]),
    ("Hva står det om kapittel 761?", [("761", None)]),
    ("Hva er fristen for TB2024-07?", []),
])
def test_budget_lines_named_in_a_question(question: str, lines: list[tuple[str, str | None]]) -> None:
    assert norsk.budget_refs(question) == lines


# --- readers ---------------------------------------------------------------------------------------


def _docx(path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_paragraph("Tildelingsbrev til Helsedirektoratet for 2036")
    d.add_paragraph("TB2036-01\tAvd.HOD: FHA\tEksempel i Word")
    d.add_paragraph("Helsedirektoratet skal lage et eksempel. Frist: 1. mars 2036.")
    table = d.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Kap. 700"
    table.rows[0].cells[1].text = "5 mill. kroner"
    d.add_paragraph("TB2036-02\tAvd.HOD: SHA\tEtter tabellen")
    d.add_paragraph("Direktoratet skal levere innen 2. april 2036.")
    d.save(str(path))


def _pdf(path: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    for page, lines in enumerate([["Tildelingsbrev til Helsedirektoratet for 2037", "", "TB2037-01 Eksempel i PDF", "",
                                   "Helsedirektoratet skal lage et eksempel."],
                                  ["TB2037-02 Andre side", "", "Frist: 1. juni 2037."]], start=1):
        y = 800
        for line in lines:
            c.drawString(60, y, line)
            y -= 18
        c.drawString(280, 40, f"Side {page}")
        c.showPage()
    c.save()


def test_docx_reader_keeps_tables_in_order(tmp_path: Path) -> None:
    path = tmp_path / "brev.docx"
    _docx(path)
    letter = read_letter(path)
    assert [a.id for a in letter.assignments] == ["TB2036-01", "TB2036-02"]
    assert [d.date for d in letter.assignments[1].deadlines] == ["2036-04-02"]
    assert "5 mill. kroner" in " ".join(p.text for p in letter.assignments[0].paragraphs)


def test_pdf_reader_keeps_pages(tmp_path: Path) -> None:
    path = tmp_path / "brev.pdf"
    _pdf(path)
    letter = read_letter(path)
    second = next(a for a in letter.assignments if a.id == "TB2037-02")
    assert second.page == 2
    assert [d.date for d in second.deadlines] == ["2037-06-01"]
    assert not any("Side 1" in p.text for a in letter.assignments for p in a.paragraphs)


def test_html_reader_keeps_list_structure(tmp_path: Path) -> None:
    path = tmp_path / "brev.html"
    path.write_text("<html><body><h1>Tildelingsbrev til Helsedirektoratet for 2038</h1>"
                    "<p>TB2038-01 Eksempel i HTML</p><p>Helsedirektoratet bes om:</p>"
                    "<ol><li>Lage en plan innen 1. mai 2038.</li><li>Lage en rapport.</li></ol></body></html>",
                    encoding="utf-8")
    letter = read_letter(path)
    a = letter.assignments[0]
    assert [s.label for s in a.subitems] == ["1", "2"]
    assert [(d.sub, d.date) for d in a.deadlines] == [("1", "2038-05-01")]


def test_text_reader_falls_back_to_cp1252(tmp_path: Path) -> None:
    path = tmp_path / "brev.txt"
    path.write_bytes("Tildelingsbrev for 2039\n\nTB2039-01 Særlig økt åpenhet\n\nFrist: 1. mai 2039.\n".encode("cp1252"))
    letter = read_letter(path)
    assert letter.assignments[0].title == "Særlig økt åpenhet"


_UTF16_LETTER = "Tildelingsbrev for 2039\n\nTB2039-01 Særlig økt åpenhet\n\nHelsedirektoratet skal gjøre noe.\nFrist: 1. mai 2039.\n"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_text_reader_reads_utf16_and_utf32(tmp_path: Path, encoding: str) -> None:
    # Windows Notepad's "Unicode" is UTF-16 LE with a BOM; without a BOM charset-normalizer tells the byte order.
    path = tmp_path / "brev.txt"
    path.write_bytes(_UTF16_LETTER.encode(encoding))
    letter = read_letter(path)
    assert letter.assignments[0].title == "Særlig økt åpenhet"
    assert [d.date for d in letter.assignments[0].deadlines] == ["2039-05-01"]


def test_html_reader_reads_utf16(tmp_path: Path) -> None:
    path = tmp_path / "brev.html"
    path.write_bytes("<html><body><p>Tildelingsbrev for 2039</p><p>TB2039-01 Særlig økt åpenhet</p>"
                     "<p>Frist: 1. mai 2039.</p></body></html>".encode("utf-16"))
    assert read_letter(path).assignments[0].title == "Særlig økt åpenhet"


# --- bad input -------------------------------------------------------------------------------------


def _encrypted_pdf(path: Path, tmp: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    plain = tmp / "plain.pdf"
    _pdf(plain)
    writer = PdfWriter()
    for page in PdfReader(str(plain)).pages:
        writer.add_page(page)
    writer.encrypt(user_password="hemmelig", owner_password="hemmelig")
    with path.open("wb") as fh:
        writer.write(fh)


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("tom.txt", b"", "empty"),
        ("binaer.txt", b"\x00\x01\x02" * 100, "binary"),
        ("brev.xyz", b"TB2024-01 Noe", "unsupported file type"),
        ("odelagt.pdf", b"%PDF-1.4 this is not really a pdf", "corrupt"),
        ("falsk.pdf", b"just text pretending", "not a valid PDF"),
        ("odelagt.docx", b"PK\x03\x04 broken zip", "corrupt"),
        ("handleliste.txt", "Melk\nBrød\nEgg\n".encode(), "does not look like an allocation letter"),
    ],
)
def test_bad_files_fail_with_file_and_reason(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(LetterReadError) as err:
        read_letter(path)
    assert err.value.file == name and reason in err.value.reason


def test_a_file_over_the_size_limit_fails_naming_the_limit_and_the_setting(tmp_path: Path) -> None:
    path = tmp_path / "stor.txt"
    path.write_bytes(_UTF16_LETTER.encode() * (2 * 1024 * 1024 // len(_UTF16_LETTER.encode()) + 1))
    with pytest.raises(LetterReadError) as err:
        read_letter(path, Settings().replace(max_letter_mb=1))
    assert err.value.file == "stor.txt"
    assert "2.0 MB" in err.value.reason and "1 MB" in err.value.reason
    assert "max_letter_mb" in err.value.reason and "LETTERS_MAX_LETTER_MB" in err.value.reason


def test_a_letter_over_the_text_limit_fails(tmp_path: Path) -> None:
    path = tmp_path / "lang.txt"
    path.write_text(_UTF16_LETTER * 50, encoding="utf-8")
    with pytest.raises(LetterReadError) as err:
        read_letter(path, Settings().replace(max_letter_chars=1000))
    assert "1,000" in err.value.reason and "max_letter_chars" in err.value.reason
    assert "LETTERS_MAX_LETTER_CHARS" in err.value.reason


def test_a_letter_over_the_assignment_limit_fails(tmp_path: Path) -> None:
    path = tmp_path / "mange.txt"
    path.write_text("Tildelingsbrev for 2039\n\n" + "".join(
        f"TB2039-{i:02d} Oppdrag nummer {i}\n\nHelsedirektoratet skal gjøre noe.\n\n" for i in range(1, 6)),
        encoding="utf-8")
    assert len(read_letter(path).assignments) == 5  # within the default limit
    with pytest.raises(LetterReadError) as err:
        read_letter(path, Settings().replace(max_assignments_per_letter=3))
    assert err.value.file == "mange.txt" and "5 assignments" in err.value.reason and "limit is 3" in err.value.reason
    assert "max_assignments_per_letter" in err.value.reason and "LETTERS_MAX_ASSIGNMENTS" in err.value.reason


def test_the_limits_are_settings_with_descriptions_and_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    described = Settings.describe()
    for name in ("max_letter_mb", "max_letter_chars", "max_assignments_per_letter"):
        assert described[name]
    monkeypatch.setenv("LETTERS_MAX_LETTER_MB", "7")
    monkeypatch.setenv("LETTERS_MAX_ASSIGNMENTS", "12")
    monkeypatch.setenv("LETTERS_MAX_LETTER_CHARS", "3000")
    s = Settings()
    assert (s.max_letter_mb, s.max_assignments_per_letter, s.max_letter_chars) == (7, 12, 3000)
    monkeypatch.setenv("LETTERS_MAX_LETTER_MB", "sju")
    with pytest.raises(SettingsError, match="LETTERS_MAX_LETTER_MB.*'sju'"):
        Settings()


def test_encrypted_pdf_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "last.pdf"
    _encrypted_pdf(path, tmp_path)
    with pytest.raises(LetterReadError, match="encrypted"):
        read_letter(path)


# --- properties ------------------------------------------------------------------------------------

_LINE = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=80)
_ID = st.builds(lambda p, y, n: f"{p}{y}-{n:02d}", st.sampled_from(["TB", "TTB", "STB", "RTB"]),
                st.integers(2019, 2035), st.integers(1, 99))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_LINE, max_size=40))
def test_parser_never_raises_on_arbitrary_text(lines: list[str]) -> None:
    text = "\n".join(lines)
    try:
        parse_text(text)
    except LetterReadError:
        pass  # "not a letter" is an answer, not a crash


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_LINE, _ID.map(lambda i: f"{i} Et oppdrag"), _ID.map(lambda i: f"- {i} omtales her.")),
                min_size=1, max_size=30),
       _ID)
def test_parser_never_loses_an_assignment_id(lines: list[str], anchor: str) -> None:
    text = "Tildelingsbrev for 2030\n\n" + "\n".join([f"{anchor} Fast oppdrag", "", *lines])
    letter = parse_text(text)
    kept = " ".join([*(a.id for a in letter.assignments), *(x for a in letter.assignments for x in a.aliases),
                     *(a.header for a in letter.assignments), *(r.target for r in letter.references),
                     *(p.text for a in letter.assignments for p in a.paragraphs),
                     *(p.text for s in letter.sections for p in s.paragraphs)])
    kept_keys = {norsk.id_key(i) for i in norsk.find_ids(kept)}
    for line in text.splitlines():
        for ident in norsk.find_ids(line):
            assert norsk.id_key(ident) in kept_keys, f"lost {ident} from line {line!r}"


@pytest.mark.parametrize("english, norwegian", [
    ("ichthyosis", "iktyose"), ("vaccination", "vaksinasjon"), ("physiotherapy", "fysioterapi"),
    ("psychiatry", "psykiatri"), ("production", "produksjon"), ("communication", "kommunikasjon"),
])
def test_english_words_written_the_norwegian_way(english: str, norwegian: str) -> None:
    assert norsk.norwegian_spelling(english) == norwegian



# --- layouts of letters not seen before (each a general rule; tests/test_perturb.py checks them over whole letters)


def test_an_id_alone_on_its_line_heads_its_own_assignment() -> None:
    text = (_HEAD + "TB2037-05\nEt fiktivt kartleggingsoppdrag\nHelsedirektoratet skal kartlegge fiktive benker.\n"
            "Frist: 1. mars 2037.\nTB2037-06\nEt fiktivt oppfølgingsoppdrag\nAnsvarlig avdeling i HOD: KTA\n"
            "Helsedirektoratet skal følge opp fiktive benker.\nFrist: 28.mars 2037\n")
    first, second = parse_text(text, "alene.txt").assignments
    assert (first.id, first.title, [d.date for d in first.deadlines]) == (
        "TB2037-05", "Et fiktivt kartleggingsoppdrag", ["2037-03-01"])
    assert (second.id, second.title, second.owner, [d.date for d in second.deadlines]) == (
        "TB2037-06", "Et fiktivt oppfølgingsoppdrag", "KTA", ["2037-03-28"])
    assert all("følge opp" not in p.text for p in first.paragraphs)


@pytest.mark.parametrize("label", ["Ansvarlig avdeling HOD:", "Ansvarlig avdeling i HOD:", "Ansv. avd.:", "Eier i HOD:",
                                   "HOD-avdeling:", "Eieravdeling HOD:", "Avd. HOD:", "ANSVARLIG AVDELING:"])
def test_owner_labels_of_other_years(label: str) -> None:
    text = _HEAD + f"TB2037-05 Et fiktivt kartleggingsoppdrag\n{_BODY}Frist: 1. mars 2037. {label} KTA.\n"
    (a,) = parse_text(text, "eier.txt").assignments
    assert a.owner == "KTA"
    assert norsk.owner_said(f"Frist: 1. mars 2037. {label} SHA / KTA").group(1) == "SHA / KTA"  # type: ignore[union-attr]


@pytest.mark.parametrize("text, expected", [
    ("Frist: 28.mars 2037.", [(None, "2037-03-28", "date")]),
    ("Frist: 1. jul. 2037", [(None, "2037-07-01", "date")]),
    ("Frist deloppdrag 2: Avtales med departementet.", [("deloppdrag 2", None, "dialog")]),
    ("Frist for oppdraget fastsettes etter samråd med HOD.", [(None, None, "dialog")]),
    ("Rapporten for 2024.mars er levert.", []),  # no date hides in a year
])
def test_deadline_spellings_of_other_years(text: str, expected: list[tuple[str | None, str | None, str]]) -> None:
    got = [(d.sub, d.date, d.kind) for d in find_deadlines(text, 2037, None, 1, {"deloppdrag 1", "deloppdrag 2"})]
    assert got == expected


@pytest.mark.parametrize("header", [
    "| TB2037-05 | Et fiktivt kartleggingsoppdrag | KTA | 1. juni 2037 |\n|---|---|---|---|",
    "2.1.3 TB2037-05 Et fiktivt kartleggingsoppdrag\nAnsvarlig avdeling HOD: KTA\nFrist: 1. juni 2037",
    "Oppdrag TB2037-05 – Et fiktivt kartleggingsoppdrag\nEier i HOD: KTA\nFrist: 1. juni 2037",
])
def test_header_rows_and_numbered_headings(header: str) -> None:
    text = "Tildelingsbrev til Helsedirektoratet for 2037\n\n2 Oppdrag\nNoe innledende tekst.\n" + header + _BODY
    (a,) = parse_text(text, "rad.txt").assignments
    assert (a.id, a.title, a.owner) == ("TB2037-05", "Et fiktivt kartleggingsoppdrag", "KTA")
    assert [(d.date, d.kind) for d in a.deadlines] == [("2037-06-01", "date")]


def test_a_word_table_row_is_a_header_and_its_cells_paragraphs_are_lines(tmp_path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_paragraph("Tildelingsbrev til Helsedirektoratet for 2037")
    d.add_paragraph("Noe innledende tekst.")
    table = d.add_table(rows=2, cols=4)
    for cell, value in zip(table.rows[0].cells, ["TB2037-05", "Et fiktivt kartleggingsoppdrag", "KTA", "1. juni 2037"],
                           strict=True):
        cell.text = value
    body = table.rows[1].cells[0].merge(table.rows[1].cells[3])
    body.text = "Helsedirektoratet skal kartlegge fiktive benker."
    body.add_paragraph("Deloppdrag 1: Kartlegge benkene.")
    body.add_paragraph("Deloppdrag 2: Foreslå flere benker.")
    body.add_paragraph("Frist deloppdrag 2: Avtales med departementet.")
    path = tmp_path / "tabell.docx"
    d.save(str(path))
    (a,) = read_letter(path).assignments
    assert (a.id, a.title, a.owner) == ("TB2037-05", "Et fiktivt kartleggingsoppdrag", "KTA")
    assert [s.label for s in a.subitems] == ["deloppdrag 1", "deloppdrag 2"]
    assert {(d.sub, d.date, d.kind) for d in a.deadlines} == {(None, "2037-06-01", "date"),
                                                              ("deloppdrag 2", None, "dialog")}


def test_running_titles_and_word_bullets_are_layout_not_text() -> None:
    text = (_HEAD + "TB2037-05 Et fiktivt kartleggingsoppdrag\n\nHelsedirektoratet skal kartlegge\nSide 2 av 5\n"
            "Tildelingsbrev – Helsedirektoratet\nfiktive benker i parken.\n\no a) Telle benkene.\no b) Male benkene.\n")
    letter = parse_text(text, "side.txt")
    (a,) = letter.assignments
    assert letter.title == "Tildelingsbrev til Helsedirektoratet for 2037"
    assert a.paragraphs[0].text == "Helsedirektoratet skal kartlegge fiktive benker i parken."
    assert [s.label for s in a.subitems] == ["a", "b"]

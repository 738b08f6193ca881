"""Changes as data and timelines: what a later letter does to an assignment, read in its many wordings;
the timeline over letters ordered by their own dates; answers that state the current value first; the parse
report. Fictional letters in tests/fixtures/changes (fake embedder, real parser, SQLite, FAISS and BM25)."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.service import Assistant
from index.build import ingest_folder
from index.embed import FakeEmbedder
from ingest import parse_text, read_letter
from ingest.changes import (
    FLAG_BEFORE_LETTER,
    FLAG_EARLIER,
    FLAG_MAY_CHANGE,
    FLAG_UNREADABLE,
    letter_order,
    timeline,
)
from ingest.records import Letter
from ingest.report import parse_report
from ingest.settings import Settings
from tests.conftest import FIXTURES

CHANGES = FIXTURES / "changes"


def _supplement(body: str, date: str = "Dato: 1. mars 2041") -> Letter:
    return parse_text(f"{date}\n\nTillegg nr. 3 til tildelingsbrev 2041\n\n{body}\n", "tillegg.txt")


# --- one change, many wordings: (text, target, kind, sub-items, new ISO date or None, new ID) -------------------
WORDINGS = [
    ("Fristen for TB2041-01 utsettes til 1. oktober 2041.", "TB2041-01", "new_deadline", (), "2041-10-01", None),
    ("Fristen for oppdrag TB2041-01 forlenges til 15.10.2041.", "TB2041-01", "new_deadline", (), "2041-10-15", None),
    ("TB2041-01: ny frist 1. desember 2041.", "TB2041-01", "new_deadline", (), "2041-12-01", None),
    ("Fristen for TB2041-01 endres fra 1. juni til 1. september 2041.", "TB2041-01", "new_deadline", (),
     "2041-09-01", None),
    ("Fristen for deloppdrag b) i TB2041-02 flyttes fra 1. mai til 1. august 2041.", "TB2041-02", "new_deadline",
     ("b",), "2041-08-01", None),
    ("Frist for TB2041-02 deloppdrag 2 utsettes til 2. kvartal 2042.", "TB2041-02", "new_deadline", ("2",),
     "2042-06-30", None),
    ("Fristen for TB2041-01 kan utsettes.", "TB2041-01", "new_deadline", (), None, None),
    ("TB2041-03 trekkes tilbake.", "TB2041-03", "cancelled", (), None, None),
    ("Departementet trekker oppdrag TB2041-03.", "TB2041-03", "cancelled", (), None, None),
    ("Deloppdrag c) i TB2041-02 utgår.", "TB2041-02", "cancelled", ("c",), None, None),
    ("Oppdrag STB2041-1 endrer nummerering til TB2041-73.", "STB2041-1", "renumbered", (), None, "TB2041-73"),
    ("Oppdrag TB2041-05 gis nytt nummer TB2041-15.", "TB2041-05", "renumbered", (), None, "TB2041-15"),
    ("TB2041-04 Nasjonal oversikt: oppdraget presiseres slik at kommunene tas med.", "TB2041-04", "clarified", (),
     None, None),
    # history told in the past tense is not the change; the verb may come before "frist"
    ("- TB2041-01 Kartlegge ventetider: Fristen ble i tillegg nr. 1 utsatt til 1. juni 2041. Fristen utsettes derfor "
     "på nytt, til 1. september 2041.", "TB2041-01", "new_deadline", (), "2041-09-01", None),
    ("- TB2041-01 Kartlegge ventetider: Departementet endrer fristen fra 1. juli til 1. desember 2041.", "TB2041-01",
     "new_deadline", (), "2041-12-01", None),
    ("- Frist for punkt 2) i TB2041-02 flyttes fra 1. oktober til 1. desember 2041. Fristene for punkt 1) og 3) er "
     "uendret.", "TB2041-02", "new_deadline", ("2",), "2041-12-01", None),
]


@pytest.mark.parametrize(("text", "target", "kind", "subs", "iso", "new_id"), WORDINGS, ids=[w[0][:40] for w in WORDINGS])
def test_a_change_is_read_with_its_new_value(text: str, target: str, kind: str, subs: tuple[str, ...],
                                             iso: str | None, new_id: str | None) -> None:
    changes = [c for c in _supplement(text).changes if c.target == target]
    assert len(changes) == 1, changes
    c = changes[0]
    assert (c.kind, c.subs, c.deadline.date if c.deadline else None, c.new_id) == (kind, subs, iso, new_id)


def test_two_assignments_in_one_sentence_each_get_their_own_date() -> None:
    letter = _supplement("Fristen for TB2041-01 utsettes til 1. oktober 2041, og fristen for TB2041-04 til 1. november 2041.")
    got = {c.target: c.deadline.date for c in letter.changes if c.deadline}
    assert got == {"TB2041-01": "2041-10-01", "TB2041-04": "2041-11-01"}


def test_a_restated_header_in_a_supplement_changes_its_assignment() -> None:
    letter = _supplement("TB2041-06 Pilot for ny rapportering\n\nFristen utsettes til 1. juni 2041.")
    assert [(c.target, c.kind, c.deadline.date if c.deadline else None) for c in letter.changes] == [
        ("TB2041-06", "new_deadline", "2041-06-01")]


def test_one_paragraph_cancels_its_own_assignment_and_withdraws_another() -> None:
    letter = _supplement("TB2041-03 Evaluere en fiktiv tilskuddsordning\nAnsvarlig avdeling HOD: FHA\n\n"
                         "Oppdraget utgår. TB2041-04 trekkes tilbake. Midlene omdisponeres.")
    assert sorted((c.target, c.kind) for c in letter.changes) == [("TB2041-03", "cancelled"), ("TB2041-04", "cancelled")]


@pytest.mark.parametrize("gap", ["\n", "\n\n"])
def test_a_quoted_new_wording_runs_to_its_closing_mark_and_sets_its_deadline(gap: str) -> None:
    letter = _supplement(f"3 Endret oppdragstekst{gap}TB2041-09 Kvalitetsindikatorer{gap}Oppdragsteksten erstattes med:{gap}"
                         f"«Direktoratet skal utvikle tre til fem indikatorer for fiktive tjenester.{gap}"
                         f"Arbeidet skal skje i samarbeid med helseforetakene. Frist: 1. november 2041.»{gap}"
                         "Ansvarlig avdeling er fortsatt SPA.")
    c = next(c for c in letter.changes if c.target == "TB2041-09")
    assert c.kind == "reworded" and c.deadline is not None and c.deadline.date == "2041-11-01"
    assert c.new_text is not None and "tre til fem" in c.new_text and "1. november 2041" in c.new_text


def test_a_restated_table_row_changes_its_own_assignment_not_the_ones_its_text_names() -> None:
    letter = _supplement("ID\tOppdrag\tAvd. HOD\tNy frist\n"
                         "TB2041-01\tKartlegge ventetider\tDIGI\t1. februar 2042\n"
                         "Fristen utsettes på nytt, til 1. februar 2042.\n\n"
                         "- Fristen for TB2041-04 forlenges til 30. november 2041.")
    a = next(a for a in letter.assignments if a.id == "TB2041-01")
    assert a.owner == "DIGI"  # an owner column holds a code the grammar does not know
    got = sorted((c.target, c.deadline.date if c.deadline else None) for c in letter.changes)
    assert got == [("TB2041-01", "2042-02-01"), ("TB2041-04", "2041-11-30")]


@pytest.mark.parametrize("line", ["Dato: 14. mars 2041", "Oslo, 14.03.2041", "Vår dato: 14.03.2041", "Dato\n14. mars 2041"])
def test_the_letter_date_is_read_in_its_usual_forms(line: str) -> None:
    assert _supplement("TB2041-03 utgår.", date=line).date == "2041-03-14"


# --- the timeline over the fixture letters ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def letters() -> list[Letter]:
    return [read_letter(p) for p in sorted(CHANGES.glob("*.txt"))]


def test_letters_are_ordered_by_their_own_date_not_their_file_name(letters: list[Letter]) -> None:
    ordered = [x.file for x in sorted(letters, key=letter_order)]
    assert ordered == ["tildelingsbrev2041.txt", "a_tillegg2041_nr1.txt", "tillegg2041_nr2.txt"]
    shuffled = letters[:]
    random.Random(7).shuffle(shuffled)
    assert json.dumps(str(timeline("TB2041-01", shuffled))) == json.dumps(str(timeline("TB2041-01", letters)))


def test_a_chain_of_postponements_ends_on_the_newest(letters: list[Letter]) -> None:
    tl = timeline("TB2041-01", letters)
    assert tl is not None
    assert [e.kind for e in tl.events] == ["created", "new_deadline", "new_deadline"]
    cur = tl.current()
    assert cur is not None and cur.deadline is not None
    assert (cur.deadline.date, cur.replaced.date if cur.replaced else None) == ("2042-01-15", "2041-10-01")
    assert [s.deadline.date for s in tl.history() if s.deadline] == ["2041-06-01", "2041-10-01", "2042-01-15"]


def test_a_sub_item_change_moves_that_sub_item_only(letters: list[Letter]) -> None:
    tl = timeline("TB2041-02", letters)
    assert tl is not None
    got = {sub: (s.deadline.date if s and s.deadline else None) for sub in "abc" if (s := tl.current(sub))}
    assert got == {"a": "2041-03-01", "b": "2041-09-01", "c": "2041-12-01"}


def test_cancelled_renumbered_and_their_new_number(letters: list[Letter]) -> None:
    cancelled, renumbered, new = (timeline(i, letters) for i in ("TB2041-03", "TB2041-05", "TB2041-15"))
    assert cancelled is not None and cancelled.status == "cancelled"
    assert renumbered is not None and (renumbered.status, renumbered.current_id) == ("renumbered", "TB2041-15")
    # the new number's timeline is the assignment's, from its first letter under the old number
    assert new is not None and [(e.kind, e.assignment) for e in new.events] == [("created", "TB2041-05"),
                                                                               ("renumbered", None)]
    assert new.status == "active" and (cur := new.current()) is not None and cur.deadline is not None
    assert cur.deadline.date == "2041-11-01"


def test_an_earlier_new_date_is_flagged_and_an_unreadable_one_is_unknown(letters: list[Letter]) -> None:
    earlier = timeline("TB2041-04", letters)
    assert earlier is not None and (cur := earlier.current()) is not None
    assert cur.deadline is not None and cur.deadline.date == "2041-03-01"
    assert FLAG_EARLIER in cur.flags and FLAG_BEFORE_LETTER in cur.flags
    unreadable = timeline("TB2041-20", letters)
    assert unreadable is not None and (cur := unreadable.current()) is not None
    assert cur.deadline is None and FLAG_UNREADABLE in cur.flags
    assert cur.replaced is not None and cur.replaced.date == "2041-08-01"


def test_a_deadline_that_may_be_postponed_stands_with_a_note(letters: list[Letter]) -> None:
    may = _supplement("- TB2041-01 Kartlegge ventetider: direktoratet må prioritere, men fristen kan utsettes.",
                      date="Dato: 1. april 2041")
    main = next(x for x in letters if x.kind == "allocation")
    tl = timeline("TB2041-01", [main, may])
    assert tl is not None and (cur := tl.current()) is not None
    assert FLAG_MAY_CHANGE in cur.flags and cur.deadline is not None and cur.deadline.date == "2041-06-01"


def test_a_new_assignments_own_words_are_no_change_to_it() -> None:
    letter = _supplement("TB2041-30 Avvikle en fiktiv ordning\nAnsvarlig avdeling i HOD: KTA\n"
                         "Ordningen avsluttes, og direktoratet skal planlegge overgangen.\nFrist: 1. juni 2041")
    tl = timeline("TB2041-30", [letter])
    assert tl is not None and tl.status == "active" and not tl.changed()


# --- answers: the current value first, never the superseded one ------------------------------------------------


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    settings = Settings().replace(index_dir=tmp_path_factory.mktemp("changes-index"), letters_dir=CHANGES)
    embedder = FakeEmbedder()
    report = ingest_folder(CHANGES, settings, embedder=embedder)
    assert not report["failed"], report["failed"]
    return Assistant(settings, embedder=embedder)


def _dates(text: str) -> list[str]:
    return re.findall(r"\b20\d\d-\d\d-\d\d\b", text)


@pytest.mark.parametrize(("question", "current", "superseded"), [
    ("Hva er fristen for TB2041-01?", "2042-01-15", ["2041-06-01", "2041-10-01"]),
    ("When is TB2041-01 due?", "2042-01-15", ["2041-06-01", "2041-10-01"]),
    ("frist tb2041-2 c", "2041-12-01", ["2041-09-01"]),
    ("Hva er fristen for TB2041-04?", "2041-03-01", ["2041-05-01"]),
])
def test_the_current_deadline_comes_first_and_cites_the_change(assistant: Assistant, question: str, current: str,
                                                                superseded: list[str]) -> None:
    answer = assistant.ask(question)
    assert answer.found and _dates(answer.text)[0] == current
    assert answer.citations[0].letter != "tildelingsbrev2041.txt"  # the letter that set it
    assert any(c.letter == "tildelingsbrev2041.txt" for c in answer.citations)  # and what it replaced


def test_an_unchanged_sub_item_keeps_its_own_deadline(assistant: Assistant) -> None:
    answer = assistant.ask("Hva er fristen for TB2041-02 b)?")
    assert _dates(answer.text)[0] == "2041-09-01"


def test_an_earlier_postponement_is_flagged_in_the_answer(assistant: Assistant) -> None:
    answer = assistant.ask("Hva er fristen for TB2041-04?")
    assert "tidligere enn fristen den erstatter" in answer.text


def test_an_unreadable_new_deadline_is_said_and_quoted_not_replaced_by_the_old(assistant: Assistant) -> None:
    answer = assistant.ask("Hva er fristen for TB2041-20?")
    assert "ingen ny dato" in answer.text and "fristen utsettes inntil videre" in answer.text
    assert answer.text.index("2041-08-01") > answer.text.index("Før endringen")


def test_a_cancelled_assignment_is_said_to_be_cancelled(assistant: Assistant) -> None:
    for question, word in (("Hva er fristen for TB2041-03?", "utgår"), ("Is TB2041-03 still active?", "cancelled")):
        answer = assistant.ask(question)
        assert answer.found and word in answer.text.lower()
        assert answer.citations[0].letter == "a_tillegg2041_nr1.txt"


def test_a_renumbered_assignment_names_its_new_number_and_the_new_number_its_owner(assistant: Assistant) -> None:
    answer = assistant.ask("Hva skjedde med TB2041-05?")
    assert "TB2041-15" in answer.text
    owner = assistant.ask("Hvem eier TB2041-15?")
    assert owner.found and "SHA" in owner.text


def test_cli_timeline_json(assistant: Assistant) -> None:
    from ui.cli import app

    result = CliRunner().invoke(app, ["timeline", "TB2041-01", "--index", str(assistant.settings.index_dir), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [e["kind"] for e in data["events"]] == ["created", "new_deadline", "new_deadline"]
    assert data["current_deadlines"][0]["deadline"]["date"] == "2042-01-15"
    missing = CliRunner().invoke(app, ["timeline", "TB2041-99", "--index", str(assistant.settings.index_dir)])
    assert missing.exit_code != 0 and "TB2041-99" in missing.output
    one = CliRunner().invoke(app, ["assignments", "--id", "tb2041-3", "--index", str(assistant.settings.index_dir),
                                   "--json"])
    assert one.exit_code == 0, one.output
    rows = json.loads(one.output)
    assert {r["letter"] for r in rows} == {"tildelingsbrev2041.txt", "a_tillegg2041_nr1.txt"}  # given, restated
    assert all(r["timeline"]["status"] == "cancelled" for r in rows)


# --- the parse report ---------------------------------------------------------------------------------------------


def test_the_parse_report_counts_what_was_understood(letters: list[Letter]) -> None:
    by_file = {x.file: parse_report(x) for x in letters}
    main = by_file["tildelingsbrev2041.txt"]
    assert (main.assignments, main.ids_mentioned, main.not_parsed, main.without_owner) == (6, 6, (), ())
    assert main.complete
    assert by_file["a_tillegg2041_nr1.txt"].changes == 5


def test_the_parse_report_shows_what_was_missed() -> None:
    letter = _supplement("Fristen for arbeidet med fiktive registre utsettes til 1. mai 2041.\n\n"
                         "TB2041-07 Et oppdrag uten eier\nDirektoratet skal gjøre noe, se også TB2041-08.")
    r = parse_report(letter)
    assert not r.complete
    assert r.without_owner == ("TB2041-07",) and r.not_parsed == ("TB2041-08",)
    assert [x.text for x in r.loose_changes] == ["Fristen for arbeidet med fiktive registre utsettes til 1. mai 2041."]
    assert r.to_json()["counts"]["loose_changes"] == 1


def test_ingest_json_carries_the_parse_report(tmp_path: Path) -> None:
    settings = Settings().replace(index_dir=tmp_path / "ix", letters_dir=CHANGES)
    report = ingest_folder(CHANGES, settings, embedder=FakeEmbedder())
    files = {r["file"]: r for r in report["report"]}
    assert set(files) == {p.name for p in CHANGES.glob("*.txt")}
    assert files["tildelingsbrev2041.txt"]["complete"] is True and report["changes"] >= 8


def test_a_list_by_status_reads_the_timelines(assistant: Assistant) -> None:
    answer = assistant.ask("Hvilke oppdrag i 2041 er utgått?")
    assert answer.found and "TB2041-03" in answer.text and "TB2041-01" not in answer.text
    postponed = assistant.ask("Which 2041 assignments got a new deadline?")
    assert all(i in postponed.text for i in ("TB2041-01", "TB2041-02", "TB2041-04")) and "TB2041-03" not in postponed.text


def test_a_restated_header_moving_one_part_leaves_the_others(letters: list[Letter]) -> None:
    main = next(x for x in letters if x.kind == "allocation")
    later = _supplement("TB2041-02 Veileder for digitale konsultasjoner\nAnsvarlig avdeling i HOD: DIA\n"
                        "Fristen for deloppdrag c) utsettes til 1. desember 2041. Fristen for deloppdrag a) er uendret.",
                        date="Dato: 1. april 2041")
    tl = timeline("TB2041-02", [main, later])
    assert tl is not None
    got = {sub: (s.deadline.date if s and s.deadline else None) for sub in "abc" if (s := tl.current(sub))}
    assert got == {"a": "2041-03-01", "b": "2041-09-01", "c": "2041-12-01"}


def test_a_follow_up_about_that_sub_item_keeps_it(assistant: Assistant) -> None:
    answer = assistant.ask("Og hva er fristen for det deloppdraget nå?",
                           history=[{"question": "Hva går deloppdrag c) i TB2041-02 ut på?"}])
    assert answer.found and re.findall(r"\b20\d\d-\d\d-\d\d\b", answer.text)[0] == "2041-12-01"


def test_a_header_that_clarifies_its_own_assignment_is_a_change_answered_with_its_text(tmp_path: Path) -> None:
    letter = _supplement("ID\tOppdrag\tAvd. HOD\tFrist\n"
                         "TB2041-04\tPresisering av TB2041-04 Nasjonal oversikt over fiktive registre\tEHE\tUendret\n"
                         "Oppdraget omfatter også registrene i den fiktive tannhelsetjenesten.")
    assert [(c.target, c.kind) for c in letter.changes] == [("TB2041-04", "clarified")]


def test_a_new_letter_changes_the_timeline_the_assistant_already_computed(tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "letters"
    shutil.copytree(CHANGES, folder)
    settings = Settings().replace(index_dir=tmp_path / "ix", letters_dir=folder)
    embedder = FakeEmbedder()
    ingest_folder(folder, settings, embedder=embedder)
    a = Assistant(settings, embedder=embedder)
    before = a.timeline("TB2041-02")
    assert before is not None and before.status == "active"
    (folder / "tillegg2041_nr3.txt").write_text(
        "Dato: 1. november 2041\n\nTillegg nr. 3 til tildelingsbrev 2041\n\n"
        "- TB2041-02 Veileder for digitale konsultasjoner: Oppdraget utgår.\n", encoding="utf-8")
    ingest_folder(folder, settings, embedder=embedder)
    after = a.timeline("TB2041-02")
    assert after is not None and after.status == "cancelled"
    assert "utgår" in a.ask("Hva er fristen for TB2041-02 b)?").text


def test_a_letters_list_of_changes_names_slash_joined_ids_once_and_its_lead_in_word_names_them_all() -> None:
    from assistant.answerers.change import _lead_in, _one_entry
    from ingest.records import Change, Letter, Paragraph, Section

    changes = (Change("TB2018-42", "clarified", "- TB2018-42/TTB2018-11.1 Fiktivt forløp: beskrevet i eget brev.", 5),
               Change("TTB2018-11.1", "clarified", "- TB2018-42/TTB2018-11.1 Fiktivt forløp: beskrevet i eget brev.", 5),
               Change("TB2021-46", "cancelled", "- TB2021-46 Fiktiv melding: oppdraget utgår.", 7))
    lead = Paragraph("Departementet har følgende presiseringer til enkelte av oppdragene:", 3, 3)
    letter = Letter("x.txt", "Tillegg nr. 9", "supplement", 2021, None, None, "0",
                    sections=(Section("", "", 1, (lead,)),), changes=changes)
    assert {_one_entry(x) for x in changes} == {"TB2018-42/TTB2018-11.1", "TB2021-46"}
    assert _lead_in(letter) == lead.text

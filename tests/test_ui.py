"""The Streamlit chat and assignments page through AppTest, the pure view helpers, and chat feedback.

AppTest runs `ui/app.py` in this process over an index built from the fixture letters with the
fake embedder (LETTERS_FAKE_EMBEDDER=1), so no model is needed; `tests/test_browser.py` covers the
real model in a real browser.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from assistant.feedback import export_candidates, list_feedback, record_feedback
from assistant.records import Answer, Citation
from index.build import ingest_folder
from index.embed import FakeEmbedder
from ingest.parse import read_letter
from ingest.settings import Settings
from tests.conftest import FIXTURE_LETTERS, ROOT
from ui import view

APP = str(ROOT / "ui" / "app.py")
SAMPLES = ROOT / "ui" / "samples"
DEADLINE_Q = "Hva er fristen for TB2034-02 d)?"

NEW_LETTER = """Tildelingsbrev til Helsedirektoratet for 2036 - EKSEMPEL / fiktivt

1 Oppdrag

TB2036-01\tAvd.HOD: SHA\tKartlegge ventetid for fiktive sykkelreparasjoner
Helsedirektoratet skal kartlegge ventetiden for sykkelreparasjoner i fem fiktive kommuner.
Frist: 2. november 2036.
"""


# --- fixtures -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(letters, index) built once from the fixture letters with the fake embedder."""
    root = tmp_path_factory.mktemp("ui")
    letters = root / "letters"
    shutil.copytree(FIXTURE_LETTERS, letters)
    ingest_folder(letters, Settings().replace(index_dir=root / "index"), embedder=FakeEmbedder())
    return letters, root / "index"


@pytest.fixture
def fresh(tmp_path: Path, built: tuple[Path, Path]) -> tuple[Path, Path]:
    """A private copy of the built index and its letters, for tests that write (uploads, feedback)."""
    letters, index = tmp_path / "letters", tmp_path / "index"
    shutil.copytree(built[0], letters)
    shutil.copytree(built[1], index)
    return letters, index


def app(monkeypatch: pytest.MonkeyPatch, letters: Path | None, index: Path) -> AppTest:
    monkeypatch.setenv("LETTERS_FAKE_EMBEDDER", "1")
    monkeypatch.setenv("LETTERS_INDEX", str(index))
    if letters is None:
        monkeypatch.delenv("LETTERS_DIR", raising=False)
    else:
        monkeypatch.setenv("LETTERS_DIR", str(letters))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input[0].set_value(question).run()
    assert not at.exception, at.exception
    return at


def texts(block: Any) -> str:
    return "\n".join(m.value for m in block.markdown)


def last_answer(at: AppTest) -> Any:
    return at.chat_message[-1]


# --- the chat ---------------------------------------------------------------------------------------


def test_chat_renders_the_answer_and_its_source(monkeypatch: pytest.MonkeyPatch, built: tuple[Path, Path]) -> None:
    at = ask(app(monkeypatch, *built), DEADLINE_Q)
    assert [m.name for m in at.chat_message] == ["user", "assistant"]
    answer = last_answer(at)
    shown = texts(answer)
    assert "1. juli 2034" in shown.replace("\\", "")
    assert "**[1]**" in shown  # the marker that points at the numbered source
    label = next(m.value for m in answer.markdown if m.value.startswith("**\\[1\\]"))
    assert "TB2034-02 d)" in label and "linje" in label and "2034" in label
    # The cited paragraph, with the answering sentence marked.
    assert any(":orange-background[" in m.value and "juli 2034" in m.value for m in answer.markdown)
    assert len(answer.expander) >= 1  # the rest of the assignment / further sources


def test_empty_chat_offers_examples_that_exist(monkeypatch: pytest.MonkeyPatch, built: tuple[Path, Path]) -> None:
    at = app(monkeypatch, *built)
    examples = [b for b in at.button if b.key and b.key.startswith("example-")]
    assert 3 <= len(examples) <= 4
    from assistant.service import Assistant

    known = {r["id"] for r in Assistant(Settings().replace(index_dir=built[1]), embedder=FakeEmbedder()).assignments()}
    for b in examples:
        assert any(ident in b.label for ident in known), b.label
    examples[0].click().run()
    assert [m.name for m in at.chat_message] == ["user", "assistant"]
    assert texts(at.chat_message[0]).replace("\\", "") == examples[0].label


def test_follow_up_passes_the_history(monkeypatch: pytest.MonkeyPatch, built: tuple[Path, Path]) -> None:
    from assistant.service import Assistant

    seen: list[Any] = []
    real = Assistant.ask

    def spy(self: Assistant, question: str, history: Any = None, filters: Any = None) -> Answer:
        seen.append(history)
        return real(self, question, history=history, filters=filters)

    monkeypatch.setattr(Assistant, "ask", spy)
    at = ask(app(monkeypatch, *built), DEADLINE_Q)
    ask(at, "Og b)?")
    assert seen[0] == [] and seen[1][0]["question"] == DEADLINE_Q
    assert "15. mars 2034" in texts(last_answer(at)).replace("\\", "")


def test_a_long_list_shows_a_few_sources_and_lists_the_rest(monkeypatch: pytest.MonkeyPatch,
                                                              built: tuple[Path, Path]) -> None:
    import dataclasses

    from assistant.service import Assistant
    from ui.state import SOURCES_SHOWN

    real = Assistant.ask

    def many(self: Assistant, question: str, history: Any = None, filters: Any = None) -> Answer:
        answer = real(self, question, history=history, filters=filters)
        cites = tuple(dataclasses.replace(answer.citations[0], line=n) for n in range(1, SOURCES_SHOWN + 5))
        return dataclasses.replace(answer, citations=cites)

    monkeypatch.setattr(Assistant, "ask", many)
    answer = last_answer(ask(app(monkeypatch, *built), DEADLINE_Q))
    labels = [e.label for e in answer.expander]
    assert "4 kilder til" in labels
    assert len(labels) <= SOURCES_SHOWN + 1  # one each for sources 2..8, the rest of the assignment, the list
    rest = next(e for e in answer.expander if e.label == "4 kilder til")
    assert texts(rest).count("- ") == 4 and f"linje {SOURCES_SHOWN + 4}" in texts(rest)

def test_sidebar_filters_reach_ask(monkeypatch: pytest.MonkeyPatch, built: tuple[Path, Path]) -> None:
    from assistant.service import Assistant

    seen: list[Any] = []
    real = Assistant.ask

    def spy(self: Assistant, question: str, history: Any = None, filters: Any = None) -> Answer:
        seen.append(filters)
        return real(self, question, history=history, filters=filters)

    monkeypatch.setattr(Assistant, "ask", spy)
    at = app(monkeypatch, *built)
    year = next(s for s in at.sidebar.selectbox if s.label == "År")
    owner = next(s for s in at.sidebar.selectbox if s.label == "Avdeling i HOD")
    assert 2034 in year.options or "2034" in year.options
    year.set_value(2034)
    owner.set_value("FHA")
    at.run()
    ask(at, "Hvilke oppdrag har FHA?")
    assert seen[-1] == {"year": 2034, "letter": None, "owner": "FHA"}
    cited = [m.value for m in last_answer(at).markdown if m.value.startswith("**\\[")]
    assert cited and all("2034" in c for c in cited)


def test_not_found_offers_candidates_that_ask(monkeypatch: pytest.MonkeyPatch, built: tuple[Path, Path]) -> None:
    at = ask(app(monkeypatch, *built), "Hva er fristen for TB2034-09?")
    candidates = [b for b in at.button if b.key and b.key.startswith("cand-")]
    assert candidates, "a not-found answer shows the nearest questions"
    label = candidates[0].label
    candidates[0].click().run()
    questions = [texts(m).replace("\\", "") for m in at.chat_message if m.name == "user"]
    assert questions[-1] == label


def test_feedback_round_trip(monkeypatch: pytest.MonkeyPatch, fresh: tuple[Path, Path], tmp_path: Path) -> None:
    letters, index = fresh
    at = ask(app(monkeypatch, letters, index), DEADLINE_Q)
    at.feedback[0].set_value(0).run()  # thumbs down
    rows = list_feedback(index)
    assert [(r["question"], r["score"], r["comment"]) for r in rows] == [(DEADLINE_Q, -1, None)]
    at.text_input(key=f"fbc-{at.session_state['turns'][0]['id']}").set_value("feil deloppdrag").run()
    at.feedback[0].set_value(1).run()  # changed their mind: one row, the latest word
    rows = list_feedback(index)
    assert [(r["score"], r["comment"]) for r in rows] == [(1, "feil deloppdrag")]
    assert rows[0]["intent"] == "deadline" and rows[0]["citations"][0]["assignment"] == "TB2034-02"
    out = tmp_path / "candidates.jsonl"
    assert export_candidates(index, out) == 1
    gold = json.loads(out.read_text(encoding="utf-8"))
    assert gold["type"] == "deadline" and gold["accept"] == [] and gold["needs_review"] is True
    assert gold["assignment"] == "TB2034-02" and gold["answer_iso"] == "2034-07-01"


# --- uploads and rebuilds -----------------------------------------------------------------------------


def test_upload_adds_a_letter_and_answers_from_it(monkeypatch: pytest.MonkeyPatch, fresh: tuple[Path, Path]) -> None:
    letters, index = fresh
    at = app(monkeypatch, letters, index)
    at.sidebar.file_uploader[0].set_value(("../ny brev 2036.txt", NEW_LETTER.encode(), "text/plain"))
    next(b for b in at.sidebar.button if b.label.startswith("Last opp")).click().run()
    assert not at.exception, at.exception
    assert (letters / "ny_brev_2036.txt").is_file()  # the safe name, inside the letters folder
    assert [s.value for s in at.sidebar.success] == ["ny_brev_2036.txt: lagt til"]
    # what the parser understood of the new letter is shown beside it
    report = texts(at.sidebar).replace("\\", "")
    assert "ny_brev_2036.txt" in report and "oppdrag" in report and ("forstått" in report or "sjekk" in report)
    ask(at, "Hva er fristen for TB2036-01?")
    assert "2. november 2036" in texts(last_answer(at)).replace("\\", "")


def test_an_upload_never_replaces_a_letter(monkeypatch: pytest.MonkeyPatch, fresh: tuple[Path, Path]) -> None:
    letters, index = fresh
    old = (letters / "style2034_tabs.txt").read_bytes()
    at = app(monkeypatch, letters, index)
    at.sidebar.file_uploader[0].set_value([("../../style2034_tabs.txt", NEW_LETTER.encode(), "text/plain"),
                                           ("kopi.txt", old, "text/plain")])
    next(b for b in at.sidebar.button if b.label.startswith("Last opp")).click().run()
    assert not at.exception, at.exception
    assert (letters / "style2034_tabs.txt").read_bytes() == old  # the letter that was there is kept
    assert (letters / "style2034_tabs (2).txt").read_text(encoding="utf-8") == NEW_LETTER
    assert not (letters / "kopi.txt").exists()
    [saved] = [s.value for s in at.sidebar.success]
    assert saved.startswith("style2034_tabs (2).txt: lagt til – lastet opp som «../../style2034_tabs.txt»")
    assert [i.value for i in at.sidebar.info] == \
        ["kopi.txt: finnes allerede – samme innhold som style2034_tabs.txt; ikke lagret på nytt"]
    ask(at, DEADLINE_Q)  # the old letter still answers
    assert "1. juli 2034" in texts(last_answer(at)).replace("\\", "")
    ask(at, "Hva er fristen for TB2036-01?")  # and so does the new one
    assert "2. november 2036" in texts(last_answer(at)).replace("\\", "")


class _Upload:
    def __init__(self, name: str, data: bytes):
        self.name, self.size, self._data = name, len(data), data

    def getvalue(self) -> bytes:
        return self._data


def test_save_uploads_keeps_both_of_two_names_that_collide(tmp_path: Path) -> None:
    from ui.state import save_uploads

    (tmp_path / "brev.txt").write_bytes(b"det gamle brevet")
    out = save_uploads([_Upload("a/brev.txt", b"nytt 1"), _Upload("b\\brev.txt", b"nytt 2"),
                        _Upload("../../BREV.txt", b"nytt 3"), _Upload("annet.txt", b"nytt 1"),
                        _Upload("x" * 300 + ".txt", b"langt navn"), _Upload("x" * 300 + ".txt", b"langt navn 2")],
                       tmp_path, 20)
    long_name = "x" * 96 + ".txt"
    assert out["saved"] == ["brev (2).txt", "brev (3).txt", "BREV (4).txt", long_name, "x" * 92 + " (2).txt"]
    assert out["renamed"] == {"brev (2).txt": "a/brev.txt", "brev (3).txt": "b\\brev.txt",
                              "BREV (4).txt": "../../BREV.txt", "x" * 92 + " (2).txt": "x" * 300 + ".txt"}
    assert out["duplicates"] == [{"file": "annet.txt", "existing": "brev (2).txt"}]
    assert (tmp_path / "brev.txt").read_bytes() == b"det gamle brevet"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no part files left


def test_rebuild_reports_a_bad_file_and_keeps_the_index(monkeypatch: pytest.MonkeyPatch,
                                                         fresh: tuple[Path, Path]) -> None:
    letters, index = fresh
    at = app(monkeypatch, letters, index)
    (letters / "skadet.pdf").write_bytes(b"dette er ingen pdf")
    next(b for b in at.sidebar.button if b.label.startswith("Oppdater indeksen")).click().run()
    errors = [e.value for e in at.sidebar.error]
    assert len(errors) == 1 and errors[0].startswith("skadet.pdf: feilet – ")
    ask(at, DEADLINE_Q)
    assert "1. juli 2034" in texts(last_answer(at)).replace("\\", "")


def test_rebuild_reports_a_link_out_and_a_sub_folder(monkeypatch: pytest.MonkeyPatch, fresh: tuple[Path, Path]) -> None:
    letters, index = fresh
    at = app(monkeypatch, letters, index)
    (letters / "passwd.txt").symlink_to("/etc/passwd")
    (letters / "arkiv").mkdir()
    next(b for b in at.sidebar.button if b.label.startswith("Oppdater indeksen")).click().run()
    warnings = sorted(w.value for w in at.sidebar.warning)
    assert [w.split(":")[0] for w in warnings] == ["arkiv", "passwd.txt"]
    assert "hoppet over" in warnings[1] and "outside the letters folder" in warnings[1]
    assert not at.sidebar.error


def test_read_only_letters_folder_disables_upload(monkeypatch: pytest.MonkeyPatch, fresh: tuple[Path, Path]) -> None:
    letters, index = fresh
    letters.chmod(0o555)  # like ../shared/letters; root could still write, the UI must not
    try:
        at = app(monkeypatch, letters, index)
        assert not at.sidebar.file_uploader
        assert any("skrivebeskyttet" in c.value for c in at.sidebar.caption)
    finally:
        letters.chmod(0o755)


def test_no_letters_configured_serves_the_samples(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    at = app(monkeypatch, None, tmp_path / "index")
    assert any("fiktive eksempelbrev" in w.value for w in at.sidebar.warning)
    copied = sorted(p.name for p in (tmp_path / "index" / "eksempelbrev").iterdir())
    assert copied == sorted(p.name for p in SAMPLES.iterdir())
    ask(at, "Hva er fristen for TB2031-01 a)?")
    assert "1. mars 2031" in texts(last_answer(at)).replace("\\", "")


@pytest.mark.parametrize("sample", sorted(SAMPLES.iterdir()), ids=lambda p: p.name)
def test_samples_are_marked_fictional_and_parse(sample: Path) -> None:
    letter = read_letter(sample)
    assert "EKSEMPEL / fiktivt" in letter.title
    assert letter.assignments and len(sample.read_text(encoding="utf-8").splitlines()) < 60


# --- the assignments page ------------------------------------------------------------------------------


def test_assignments_page_filters_shows_one_and_exports(monkeypatch: pytest.MonkeyPatch,
                                                         built: tuple[Path, Path]) -> None:
    at = app(monkeypatch, *built)
    at.switch_page("pages/1_Oppdrag.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Alle oppdrag"
    total = len(at.dataframe[0].value)
    at.text_input[0].set_value("løvblåsere").run()
    assert list(at.dataframe[0].value["Oppdrag"]) == ["TB2034-02"] and total > 1
    chosen = next(s for s in at.selectbox if s.label == "Vis ett oppdrag")
    chosen.set_value(chosen.options[1]).run()
    detail = texts(at).replace("\\", "")
    assert "Deloppdrag" in detail and "Frister" in detail and "linje" in detail
    assert "Tidslinje" in detail and "Status: **aktivt**" in detail and "gitt" in detail
    assert at.get("download_button")


# --- pure helpers ----------------------------------------------------------------------------------------


def test_timeline_lines_say_status_current_deadline_and_flags() -> None:
    tl = {"status": "active", "current_id": None,
          "current_deadlines": [{"sub": None, "deadline": {"date": "2041-03-01", "text": "1. mars 2041"},
                                 "replaced": {"date": "2041-05-01", "text": "Frist: 1. mai 2041"},
                                 "flags": ["earlier_than_replaced"]},
                                {"sub": "c", "deadline": None, "replaced": None, "flags": ["new_value_unreadable"]}],
          "events": [{"kind": "created", "letter": "a.txt", "letter_date": "2041-01-20", "year": 2041, "line": 3,
                      "page": None, "subs": [], "deadlines": [{"sub": None, "date": "2041-05-01", "kind": "date"}],
                      "new_id": None},
                     {"kind": "new_deadline", "letter": "b.txt", "letter_date": "2041-09-02", "year": 2041, "line": 7,
                      "page": None, "subs": [], "deadlines": [{"sub": None, "date": "2041-03-01", "kind": "date"}],
                      "new_id": None}]}
    text = "\n".join(view.timeline_lines(tl))
    assert "Status: **aktivt**" in text and "**2041-03-01** (erstattet 2041-05-01)" in text
    assert "tidligere enn fristen den erstatter" in text and "ny dato kan ikke leses" in text
    assert text.index("**gitt**") < text.index("**ny frist**")


def test_parse_report_lines_mark_what_to_check() -> None:
    reports = [{"file": "ok.txt", "complete": True, "assignments": 3, "changes": 0, "ids_mentioned": 3,
                "not_parsed": [], "without_owner": [], "without_deadline": [], "loose_deadlines": [],
                "loose_changes": []},
               {"file": "new.pdf", "complete": False, "assignments": 2, "changes": 1, "ids_mentioned": 4,
                "not_parsed": ["TB2041-08"], "without_owner": ["TB2041-07"], "without_deadline": [],
                "loose_deadlines": [], "loose_changes": [{"line": 12, "text": "Fristen utsettes til 1. mai."}]}]
    text = "\n".join(view.parse_report_lines(reports, only=["new.pdf"]))
    assert "ok.txt" not in text and "new.pdf" in text and "sjekk" in text
    assert "TB2041-08" in text and "TB2041-07" in text and "linje 12" in text


def cite(**kw: Any) -> Citation:
    base: dict[str, Any] = {"letter": "brev.txt", "title": "Tildelingsbrev 2024", "year": 2024, "section": "2.1 Oppdrag",
                            "assignment": "TB2024-07", "sub": "d", "line": 244, "page": None,
                            "text": "- Deloppdrag d) til f) har frist 1. juli 2024."}
    return Citation(**(base | kw))


def test_highlight_marks_the_sentence_whitespace_insensitively() -> None:
    text = "Forslag skal\nutformes. Deloppdrag d) til f) har frist 1. juli 2024. Mer tekst."
    md = view.highlight(text, "Deloppdrag d)  til f) har\nfrist 1. juli 2024.")
    assert ":orange-background[**Deloppdrag d) til f) har frist 1. juli 2024.**]" in md
    assert md.startswith("Forslag skal  \nutformes. ")
    assert view.highlight(text, "ikke i teksten") == view.md_escape(text)
    assert view.highlight(text, None) == view.md_escape(text)


@pytest.mark.parametrize(("raw", "escaped"), [
    ("*ikke* _kursiv_", "\\*ikke\\* \\_kursiv\\_"),
    ("koster $5 og $6", "koster \\$5 og \\$6"),
    ("<b>tag</b> [lenke](x)", "\\<b\\>tag\\</b\\> \\[lenke\\](x)"),
    ("- a) punkt\n1. nummer", "\\- a) punkt  \n1\\. nummer"),
    ("Frist: :smile:", "Frist\\: \\:smile\\:"),
    ("2024 er et år", "2024 er et år"),
])
def test_md_escape_keeps_letter_text_literal(raw: str, escaped: str) -> None:
    assert view.md_escape(raw) == escaped


def test_citation_label_and_answer_markers() -> None:
    assert view.citation_label(cite(), 1) == "[1] Tildelingsbrev 2024 · 2.1 Oppdrag · TB2024-07 d) · linje 244"
    assert view.citation_label(cite(title="Brev", sub="2", page=13, line_end=250), 2, "en") == \
        "[2] Brev (2024) · 2.1 Oppdrag · TB2024-07 deloppdrag 2 · page 13, line 244–250"
    plain = Answer("q", "Fristen er 1. juli 2024.", True, (cite(),))
    assert view.answer_markdown(plain) == "Fristen er 1. juli 2024. **[1]**"
    marked = Answer("q", "Se [2] og [1].", True, (cite(), cite()))
    assert view.answer_markdown(marked) == "Se **[2]** og **[1]**."
    assert view.answer_markdown(Answer("q", "Finner ikke.", False)) == "Finner ikke."


@pytest.mark.parametrize(("name", "safe"), [
    ("Tildelingsbrev 2026.PDF", "Tildelingsbrev_2026.pdf"),
    ("../../etc/passwd.txt", "passwd.txt"),
    ("C:\\Users\\x\\brev.docx", "brev.docx"),
    (".skjult.md", "skjult.md"),
    ("særlig brev (endelig); rm -rf.html", "særlig_brev_endelig_rm_-rf.html"),
    ("æøå.htm", "æøå.htm"),
    ("x" * 300 + ".txt", "x" * 96 + ".txt"),
])
def test_safe_filename(name: str, safe: str) -> None:
    assert view.safe_filename(name) == safe


@pytest.mark.parametrize(("name", "size", "reason"), [
    ("brev.exe", 10, "filtypen «.exe» støttes ikke"),
    ("brev", 10, "filen mangler filtype"),
    ("brev.pdf", 0, "filen er tom"),
    ("brev.pdf", 21 * 1024 * 1024, "grensen er 20 MB"),
])
def test_check_upload_rejects_with_a_reason(name: str, size: int, reason: str) -> None:
    with pytest.raises(view.UploadRejected, match=reason):
        view.check_upload(name, size, 20)


def test_upload_result_rows() -> None:
    report = {"added": ["ny.txt"], "updated": ["gammel.pdf"], "removed": ["borte.txt"], "unchanged": ["a.txt"],
              "failed": [{"file": "skadet.pdf", "error": "skadet.pdf: the file is not a valid PDF"}]}
    rows = view.upload_result(report, ["ny.txt", "skadet.pdf"], [{"file": "x.exe", "error": "filtypen"}])
    assert rows == [{"file": "ny.txt", "status": "lagt til", "reason": ""},
                    {"file": "skadet.pdf", "status": "feilet", "reason": "skadet.pdf: the file is not a valid PDF"},
                    {"file": "x.exe", "status": "feilet", "reason": "filtypen"}]
    every = view.upload_result(report, [], [], everything=True)
    assert [r["status"] for r in every] == ["lagt til", "oppdatert", "fjernet", "feilet"]
    linked = {**report, "skipped": [{"file": "passwd.txt", "reason": "a link to a file outside the letters folder"}]}
    assert view.upload_result(linked, [], [], everything=True)[-1] == \
        {"file": "passwd.txt", "status": "hoppet over", "reason": "a link to a file outside the letters folder"}
    assert view.ingest_summary({"letters": 3, "assignments": 9, "chunks": 40, **report}) == \
        "3 brev, 9 oppdrag, 40 tekstbiter (1 lagt til, 1 oppdatert, 1 fjernet, 1 feilet)"


def row(ident: str, year: int, owner: str | None, dates: list[str], title: str = "Tittel") -> dict[str, Any]:
    return {"id": ident, "aliases": [], "letter": f"{year}.txt", "title": title, "owner": owner, "year": year,
            "section": "1", "line": 1, "deadlines": [{"sub": None, "text": d, "date": d, "kind": "date"} for d in dates],
            "amendments": [], "subitems": []}


def test_filter_assignments_and_due_window() -> None:
    rows = [row("TB2024-01", 2024, "FHA", ["2024-03-01"], "Tobakk"), row("TB2024-02", 2024, "KTA/SHA", ["2024-05-01"]),
            row("TB2025-01", 2025, None, [])]
    assert [r["id"] for r in view.filter_assignments(rows, owner="SHA")] == ["TB2024-02"]
    assert [r["id"] for r in view.filter_assignments(rows, year=2025)] == ["TB2025-01"]
    assert [r["id"] for r in view.filter_assignments(rows, text="tobakk tb2024")] == ["TB2024-01"]
    window = view.filter_assignments(rows, due_from=dt.date(2024, 2, 1), due_days=29)
    assert [r["id"] for r in window] == ["TB2024-01"]  # 1 March is day 29 after 1 February 2024
    assert view.owners(rows) == ["FHA", "KTA", "SHA"] and view.years(rows) == [2025, 2024]


def test_table_rows_and_csv() -> None:
    rows = view.table_rows([row("TB2024-01", 2024, "FHA", ["2024-03-01", "2024-01-15"], "Kvinnehelse, «ny»")])
    assert rows[0]["Første frist"] == "2024-01-15" and rows[0]["Frister"] == "2024-03-01; 2024-01-15"
    data = view.csv_bytes(rows)
    assert data.startswith("\ufeff".encode())
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == "Oppdrag,År,Eier,Tittel,Første frist,Frister,Endringer,Brev"
    assert '"Kvinnehelse, «ny»"' in lines[1]
    assert view.csv_bytes([]).decode("utf-8-sig").startswith("Oppdrag,År")


def test_example_questions_only_name_assignments_that_exist() -> None:
    rows = [row("TB2024-01", 2024, "FHA", []), row("TB2024-02", 2024, None, [])]
    rows[1]["deadlines"] = [{"sub": s, "text": t, "date": "2024-07-01", "kind": "date"}
                            for s, t in (("a", "a har frist"), ("d", "d til f"), ("e", "d til f"))]
    rows[0]["amendments"] = [{"letter": "tillegg.txt", "kind": "cancels", "text": "utgår", "line": 3}]
    qs = view.example_questions(rows)
    assert qs[0] == "Hva er fristen for TB2024-02 d)?"
    assert all("TB2024-01" in q or "TB2024-02" in q for q in qs)
    assert view.example_questions([]) == []


def test_progress_step_runs_once_through() -> None:
    steps = [view.progress_step("parse", 0, 4)[0], view.progress_step("parse", 4, 4)[0],
             view.progress_step("embed", 50, 100)[0], view.progress_step("save", 1, 1)[0]]
    assert steps == sorted(steps) and steps[0] == 0.0 and steps[-1] == 1.0
    assert view.progress_step("embed", 3, 10)[1] == "Lager vektorer … 3/10"


def test_feedback_store_without_the_ui(tmp_path: Path) -> None:
    assert list_feedback(tmp_path) == []
    answer = Answer("Hva skjedde?", "Finner ikke noe.", False, intent="change")
    turn = record_feedback(tmp_path, "Hva skjedde?", answer, 1, "  riktig at den ikke fant noe ")
    record_feedback(tmp_path, "Hvem eier TB2024-01?", {"answer": "FHA", "found": True, "intent": "owner",
                                                        "citations": [{"assignment": "TB2024-01", "text": "…"}]}, -1)
    with pytest.raises(ValueError, match="score"):
        record_feedback(tmp_path, "q", "a", 0)
    rows = list_feedback(tmp_path)
    assert [(r["turn"] == turn, r["score"], r["comment"]) for r in rows] == \
        [(True, 1, "riktig at den ikke fant noe"), (False, -1, None)]
    out = tmp_path / "out" / "gold.jsonl"
    assert export_candidates(tmp_path, out) == 2
    kinds = [json.loads(x)["type"] for x in out.read_text(encoding="utf-8").splitlines()]
    assert kinds == ["negative", "responsible"]

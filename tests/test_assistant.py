"""`Assistant.ask` and `Assistant.search` over the fictional fixture letters (fake embedder, real FAISS,
BM25, SQLite and parser): IDs in any spelling, sub-items, the section rule, later letters' changes,
not-found answers with candidates, follow-ups, and search with the conversation's history.

The real model on the real letters is measured by `tests/test_eval_gate.py`.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from assistant.extract import best_sentences, sentences
from assistant.question import due_window
from assistant.records import Answer
from assistant.service import Assistant
from index.build import ingest_folder
from index.embed import FakeEmbedder
from index.records import Chunk, Hit
from ingest.settings import Settings
from tests.conftest import FIXTURE_LETTERS, FIXTURES

TABS = "style2034_tabs.txt"
ID_LABEL = "style2031_id_label.txt"
ADDENDUM = "addendum2031.txt"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    index_dir = tmp_path_factory.mktemp("assistant-index")
    settings = Settings().replace(index_dir=index_dir, letters_dir=FIXTURE_LETTERS)
    embedder = FakeEmbedder()
    report = ingest_folder(FIXTURE_LETTERS, settings, embedder=embedder)
    assert not report["failed"], report["failed"]
    return Assistant(settings, embedder=embedder)


def _cites(answer: Answer) -> list[tuple[str, int | None, str | None, str | None]]:
    return [(c.letter, c.line, c.assignment, c.sub) for c in answer.citations]


@pytest.mark.parametrize("question", ["Hva er fristen for TB2034-02 d)?", "Hva er fristen for tb 2034-2 d)?",
                                      "hva er fristen for TB2034–02 deloppdrag d"])
def test_a_sub_item_deadline_in_any_spelling_cites_its_deadline_line(assistant: Assistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.found and answer.intent == "deadline" and answer.language == "no"
    assert "1. juli 2034 (2034-07-01)" in answer.text and "deloppdrag d)" in answer.text
    assert "d) til f)" in answer.text  # the deadline line covers a range: the answer says so
    assert (TABS, 58, "TB2034-02", "d") in _cites(answer)
    assert "d) til f) har frist 1. juli 2034" in answer.citations[0].text


def test_an_english_question_gets_an_english_answer(assistant: Assistant) -> None:
    answer = assistant.ask("What is the deadline for TB2034-02 b?")
    assert answer.found and answer.language == "en"
    assert "15 March 2034 (2034-03-15)" in answer.text and "sub-item b)" in answer.text


def test_an_unknown_sub_item_is_not_found_and_names_the_real_ones(assistant: Assistant) -> None:
    answer = assistant.ask("Hva er fristen for TB2034-02 h)?")
    assert not answer.found
    assert "h)" in answer.text and "a), b), c), d), e), f), g)" in answer.text
    assert answer.candidates and all("TB2034-02" in c for c in answer.candidates)
    assert "juli" not in answer.text and "(2034-" not in answer.text  # no date for an item that does not exist


def test_an_unknown_id_is_not_found_with_nearby_ids(assistant: Assistant) -> None:
    answer = assistant.ask("Hva er fristen for TB2034-09?")
    assert not answer.found and answer.text.startswith("Jeg finner ikke") and not answer.citations
    assert 0 < len(answer.candidates) <= 3 and all("TB2034-" in c for c in answer.candidates)


def test_the_section_rule_is_the_deadline_and_cites_the_rule(assistant: Assistant) -> None:
    answer = assistant.ask("Hva er fristen for TB2031-01?")
    assert answer.found and "2031-12-31" in answer.text and "regel" in answer.text
    rule = answer.citations[0]
    assert (rule.letter, rule.assignment) == (ID_LABEL, None) and "Der ikke annen frist" in rule.text


def test_a_later_cancellation_leads_the_answer_and_both_letters_are_cited(assistant: Assistant) -> None:
    answer = assistant.ask("Hva er fristen for TB2031-06?")
    # the status first; the deadline only as what it had been, never as a current one
    assert answer.found and answer.text.index("utgår") < answer.text.index("2031-02-28")
    assert "Fristen hadde vært" in answer.text
    assert {c.letter for c in answer.citations} == {ADDENDUM, ID_LABEL}
    assert answer.citations[0].letter == ADDENDUM


def test_a_deadline_in_dialog_says_it_has_no_date(assistant: Assistant) -> None:
    answer = assistant.ask("Hva er fristen for TB2034-01?")
    assert answer.found and "dialog" in answer.text and "ingen dato" in answer.text
    assert "20" not in answer.text.split("dialog", 1)[1]  # no made-up date after it


def test_an_amount_is_quoted_from_its_paragraph(assistant: Assistant) -> None:
    answer = assistant.ask("Hvor mye er rammen for TB2034-03?")
    assert answer.found and "12,5 mill. kroner" in answer.text
    assert "12,5 mill. kroner" in answer.citations[0].text


def test_deadlines_in_a_month_are_listed(assistant: Assistant) -> None:
    answer = assistant.ask("Hvilke oppdrag har frist i mars 2034?")
    assert answer.found and "TB2034-02" in answer.text and "TB2034-04" in answer.text
    assert "TB2034-03" not in answer.text  # due in May


@pytest.mark.parametrize("follow_up, expected", [
    ("Og deloppdrag g?", "1. september 2034"),
    ("og b)?", "15. mars 2034"),
])
def test_a_follow_up_reuses_the_assignment_and_intent(assistant: Assistant, follow_up: str, expected: str) -> None:
    history = [{"question": "Hva er fristen for TB2034-02 d)?"}]
    answer = assistant.ask(follow_up, history=history)
    assert answer.found and expected in answer.text and "TB2034-02" in answer.text
    assert all(c.assignment == "TB2034-02" for c in answer.citations)


def test_a_follow_up_may_change_the_intent(assistant: Assistant) -> None:
    answer = assistant.ask("hvem eier det?", history=[{"question": "Hva er fristen for TB2034-04?"}])
    assert answer.found and answer.intent == "owner" and "KTA" in answer.text and "TB2034-04" in answer.text


def test_search_with_history_searches_what_the_follow_up_means(assistant: Assistant) -> None:
    history = [{"question": "Hva er fristen for TB2034-02 d)?"}]
    alone = assistant.search("Og deloppdrag g?", k=3)
    followed = assistant.search("Og deloppdrag g?", k=3, history=history)
    assert followed[0].chunk.assignment == "TB2034-02" and followed[0].chunk.sub == "g"
    assert all(h.reason == "id" for h in followed)
    assert not any(h.reason == "id" for h in alone)  # without the history there is no ID to route by


def test_search_for_an_id_brings_the_rule_its_deadline_comes_from(assistant: Assistant) -> None:
    hits = assistant.search("Frist for TB2031-01", k=3)
    assert hits[0].chunk.assignment == "TB2031-01"
    assert any(h.chunk.letter == ID_LABEL and "Der ikke annen frist" in h.chunk.text for h in hits[:3])


def test_the_index_folder_is_reported(assistant: Assistant) -> None:
    status = assistant.status()
    assert status["assignments"] > 10 and status["chunks"] > 0 and not status["failed"]
    assert {Path(row["file"]).name for row in status["letters"]} >= {TABS, ID_LABEL, ADDENDUM}


def test_a_paragraph_break_ends_a_sentence_for_the_scorer() -> None:
    rows = "15. mars Frist for en fiktiv årsrapport\n\n15. april Fiktivt budsjettforslag"
    assert sentences(rows) == ["15. mars Frist for en fiktiv årsrapport", "15. april Fiktivt budsjettforslag"]
    best = best_sentences("Når er fristen for årsrapport?", [rows], want_date=True)
    assert [s for _, s, _ in best] == ["15. mars Frist for en fiktiv årsrapport"]


def test_a_follow_up_names_which_of_several_deadlines_it_means(assistant: Assistant) -> None:
    first = assistant.ask("Når skal rapporten i TB2031-02 leveres?")
    assert first.found and "1. oktober 2031" in first.text and "september" not in first.text
    history = [{"question": first.question}]
    answer = assistant.ask("Og det foreløpige notatet?", history=history)
    assert answer.found and "1. september 2031" in answer.text and "oktober" not in answer.text
    vague = assistant.ask("Og fristen for det andre?", history=history)  # words that match neither: both dates
    assert vague.found and "1. september 2031" in vague.text and "1. oktober 2031" in vague.text
    bare = assistant.ask("Og fristen?", history=history)  # nothing of its own: the earlier turn decides
    assert bare.found and "1. oktober 2031" in bare.text and "september" not in bare.text


@pytest.mark.parametrize("question, window", [
    ("Hvilke oppdrag har frist i mars 2034?", ("2034-03-01", "2034-03-31")),
    ("Hvilke oppdrag har frist før 1. juni 2034?", ("0001-01-01", "2034-05-31")),
    ("Which assignments are due by 15 March 2034?", ("0001-01-01", "2034-03-15")),
    ("Which assignments are due on 1 May 2034?", ("2034-05-01", "2034-05-01")),
    ("Hvilke oppdrag har frist i 1. kvartal 2034?", ("2034-01-01", "2034-03-31")),
    ("Hvilke oppdrag har frist mellom 1. mars og 1. juni 2034?", ("2034-03-01", "2034-06-01")),
    ("Which assignments are due after 1 July 2034?", ("2034-07-02", "9999-12-31")),
    ("Hvilke oppdrag har FHA i 2034?", None),  # a bare year filters the letters, not the deadlines
])
def test_due_window(question: str, window: tuple[str, str] | None) -> None:
    assert due_window(question) == window


@pytest.mark.parametrize("question, expected, not_expected", [
    ("Hvilke oppdrag har frist før 1. mars 2034?", {"TB2034-02", "TB2034-05"}, {"TB2034-04"}),
    ("Hvilke oppdrag har frist i 1. kvartal 2034?", {"TB2034-02", "TB2034-04", "TB2034-05"}, {"TB2034-03"}),
    ("Which assignments are due between 1 March 2034 and 1 May 2034?", {"TB2034-02", "TB2034-03", "TB2034-04"},
     {"TB2034-05"}),
    ("Hvilke oppdrag har frist etter 1. juli 2034?", {"TB2034-02", "TB2034-05"}, {"TB2034-03", "TB2034-04"}),
])
def test_deadlines_in_a_window_are_listed(assistant: Assistant, question: str, expected: set[str],
                                          not_expected: set[str]) -> None:
    answer = assistant.ask(question)
    assert answer.found and answer.intent == "list"
    assert all(i in answer.text for i in expected) and not any(i in answer.text for i in not_expected)


def test_a_word_inside_a_compound_counts_for_the_scorer() -> None:
    passage = ("- Kompensasjon ved sykkelreparatørutdanning på 500 kroner per dag.\n\n"
               "- Kompensasjon ved sykkelreparasjon på 400 kroner per dag.")
    best = best_sentences("Hvor stor er kompensasjonen per dag for reparasjon?", [passage], want_amount=True, n=1)
    assert [s for _, s, _ in best] == ["- Kompensasjon ved sykkelreparasjon på 400 kroner per dag."]


def test_a_how_many_question_is_answered_by_a_sentence_with_a_count() -> None:
    passage = ("Direktoratet skal i 2026 gjennomgå de fiktive sykkelordningene i kommunene. "
               "Det legges til grunn et mål om 45 sykkelverksteder nasjonalt. Arbeidet skal skje i dialog med KS.")
    best = best_sentences("Hvor mange sykkelordninger er målet?", [passage], n=1)
    assert [s for _, s, _ in best] == ["Det legges til grunn et mål om 45 sykkelverksteder nasjonalt."]


LEADIN = "supplement2036_leadin.txt"


def test_what_a_later_letter_clarifies_is_the_list_under_its_lead_in(assistant: Assistant) -> None:
    answer = assistant.ask("Hva presiserer supplerende tildelingsbrev nr. 3 om TB2035-74?")
    assert answer.found and "presiserer med dette følgende" in answer.text
    assert "alle fiktive tilskudd" in answer.text and "Kommunene skal involveres" in answer.text
    lead = answer.citations[0]
    assert (lead.letter, lead.line, lead.line_end) == (LEADIN, 15, 18)


def test_a_reworded_assignment_answers_with_its_new_wording(assistant: Assistant) -> None:
    answer = assistant.ask("Hva er endret i TB2035-76?")
    assert answer.found and "Oppdragsteksten endres" in answer.text and "tre eksempelkommuner" in answer.text
    assert len(answer.text) <= 400
    assert any(c.letter == LEADIN and c.line <= 22 <= (c.line_end or c.line) for c in answer.citations)


def test_a_sub_item_that_introduces_a_list_is_answered_with_the_list(assistant: Assistant) -> None:
    answer = assistant.ask("Hvilke alternativer skal utredes i punkt 2 i TB2036-81?")
    assert answer.found and "Et verksted i hver kommune" in answer.text and "Et felles verksted per fylke" in answer.text
    assert answer.citations[0].sub == "2"


def test_a_quarter_deadline_is_answered_with_its_last_day(assistant: Assistant) -> None:
    answer = assistant.ask("Hva er fristen for del 2 av TB2036-81?")
    assert answer.found and "1. kvartal 2036" in answer.text and "(2036-03-31)" in answer.text


def test_a_part_dated_apart_is_named_beside_the_section_rule(tmp_path: Path) -> None:
    letters = tmp_path / "letters"
    letters.mkdir()
    (letters / "regel.txt").write_text(
        "Tildelingsbrev til Helsedirektoratet for 2036\n\n1 Oppdrag\n\n"
        "Der ikke annen frist er spesifisert, skal de fiktive oppdragene her gjøres i løpet av 2036.\n\n"
        "TB2036-01\tAvd.HOD: SHA\tEt fiktivt oppdrag i to deler\n"
        "Helsedirektoratet skal gjøre et fiktivt arbeid i to deler. Del 2 av oppdraget utsettes til 2037.\n",
        encoding="utf-8")
    settings = Settings().replace(index_dir=tmp_path / "index", letters_dir=letters)
    ingest_folder(letters, settings, embedder=FakeEmbedder())
    answer = Assistant(settings, embedder=FakeEmbedder()).ask("Hva er fristen for TB2036-01?")
    assert answer.found and "2): i løpet av 2037 (2037-12-31)" in answer.text
    assert "ellers: ingen egen frist" in answer.text and "(2036-12-31)" in answer.text


def test_a_long_list_cites_every_assignment_it_names(tmp_path: Path) -> None:
    letters = tmp_path / "letters"
    letters.mkdir()
    rows = "".join(f"TB2036-{n:02d}\tAvd.HOD: FHA\tFiktivt oppdrag nummer {n}\nHelsedirektoratet skal gjøre "
                   f"fiktivt arbeid nummer {n}. Frist: {n}. mars 2036.\n\n" for n in range(1, 15))
    (letters / "mange.txt").write_text(f"Tildelingsbrev til Helsedirektoratet for 2036\n\n1 Oppdrag\n\n{rows}",
                                       encoding="utf-8")
    settings = Settings().replace(index_dir=tmp_path / "index", letters_dir=letters)
    ingest_folder(letters, settings, embedder=FakeEmbedder())
    answer = Assistant(settings, embedder=FakeEmbedder()).ask("Hvilke oppdrag har FHA i 2036?")
    assert answer.found and answer.text.startswith("14 oppdrag")
    named = set(re.findall(r"TB2036-\d\d", answer.text))
    assert len(named) == 14 and named == {c.assignment for c in answer.citations}


# --- with the real model ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def e5_assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    from index.embed import Embedder

    model = Path(Settings().embedding_model).expanduser()
    if not (model / ".built").is_file():
        pytest.skip(f"the embedding model is not built at {model}: run `make setup`")
    settings = Settings().replace(index_dir=tmp_path_factory.mktemp("e5-index"), letters_dir=FIXTURE_LETTERS,
                                  embedding_model=str(model))
    embedder = Embedder(str(model))
    ingest_folder(FIXTURE_LETTERS, settings, embedder=embedder)
    return Assistant(settings, embedder=embedder)


@pytest.mark.model
@pytest.mark.parametrize("question, expected", [
    ("By when must the indicators for the scale-up plan be developed?", "1 May 2034"),
    ("Når skal indikatorene i opptrappingsplanen være utviklet?", "1. mai 2034"),
    ("When is the annual report due according to the management calendar?", "15. mars"),
    # The assignment asked about states no deadline: that is the answer, not another assignment's date.
    ("Når er fristen for studien om sykkelulykker?", "Jeg finner ingen frist for TB2036-82"),
])
def test_a_topic_deadline_question_finds_its_assignment(e5_assistant: Assistant, question: str,
                                                         expected: str) -> None:
    answer = e5_assistant.ask(question)
    assert expected in answer.text, answer.text
    assert answer.found == ("ingen frist" not in expected)



def _hit(dense: float) -> Hit:
    c = Chunk(id="c", letter="x.txt", title="T", year=2036, section="1", assignment=None, sub=None, line=1,
              line_end=1, page=None, header="", text="")
    return Hit(chunk=c, score=1.0, dense=dense)


@pytest.mark.parametrize("question, dense, covered", [
    ("Which assignment covers skateboard parks?", 0.85, False),  # no word the letters use
    ("Which assignment covers skateboard parks?", 0.87, True),   # ... but a strong meaning match
    ("Which assignment covers a tax on salt?", 0.88, False),     # the glossary's Norwegian is not in the letters
    ("Which assignment covers a tax on salt?", 0.91, True),
    ("Which assignment is about bicycle reports?", 0.50, True),  # "report": "rapport" is in the letters
    ("Which assignment is about Kielland?", 0.50, False),        # a name the letters do not have
    ("Which assignment is about hageparseller?", 0.50, True),    # a Norwegian word the letters use, as it is
    # one word the letters know ("report": "rapport") among more they never use: not theirs, unless very close
    ("Which assignment covers helicopter landing sites in reports?", 0.85, False),
    ("Which assignment covers helicopter landing sites in reports?", 0.91, True),
    ("Which assignment covers helicopter reports?", 0.50, True),  # as many known words as unknown ones
])
def test_an_english_question_is_covered_by_words_the_letters_use(assistant: Assistant, question: str,
                                                                  dense: float, covered: bool) -> None:
    from assistant.coverage import covers
    from assistant.question import understand

    assert covers(assistant.corpus(), understand(question), [_hit(dense)]) is covered


# --- a supplement bound into the same file (style2038_bound_supplement.txt) --------------------------


@pytest.mark.parametrize("question, iso", [
    ("frist TB2038-01 c?", "2038-06-01"),  # "…, b) og c) 1. juni 2038, mens d) …" in one sentence
    ("frist TB2038-01 d?", "2038-10-01"),
])
def test_label_groups_later_in_a_deadline_sentence_get_their_own_date(assistant: Assistant, question: str,
                                                                        iso: str) -> None:
    answer = assistant.ask(question)
    assert answer.found and iso in answer.text


@pytest.mark.parametrize("question, said", [
    ("Er TB2038-03 fortsatt aktivt?", "utgår"),
    ("Ble fristen for TB2038-04 endret?", "2038-12-01"),
    ("Hva ble endret i TB2038-02?", "endres til følgende"),
])
def test_a_restated_header_in_a_bound_supplement_is_a_change(assistant: Assistant, question: str, said: str) -> None:
    answer = assistant.ask(question)
    assert answer.found and said in answer.text.lower() + " ".join(c.text.lower() for c in answer.citations)
    assert any(c.line and c.line > 60 for c in answer.citations)  # the supplement's paragraph is cited


def test_a_sub_item_of_an_assignment_without_any_is_not_found(assistant: Assistant) -> None:
    answer = assistant.ask("frist TB2038-04 b?")
    assert not answer.found and "ingen deloppdrag" in answer.text
    assert assistant.ask("frist TB2038-04?").found


def test_the_rule_of_a_parent_section_is_cited_for_a_subsection_assignment(assistant: Assistant) -> None:
    answer = assistant.ask("Hva er fristen for TB2038-05?")
    assert answer.found and "2038-12-31" in answer.text
    assert any("Der ikke annen frist" in c.text for c in answer.citations)


@pytest.mark.parametrize("question, passages, expected", [
    # a count written as a word answers "how many"
    ("Hvor mange verktøy skal lages?",
     ["Verktøyene skal lages for pasienter med kroniske sykdommer og verktøy for pårørende.",
      "Det skal publiseres minst fem nye."], "minst fem"),
    # "what shall they do with X": the sentence that asks for something, not the one that names X most
    ("Hva skal direktoratet gjøre med veiledningen om stråleskade?",
     ["Departementet viser til veiledningen om stråleskade fra et fiktivt fagsenter om stråleskade.",
      "Direktoratet bes legge den fiktive veiledningen ut på nett."], "legge den fiktive"),
])
def test_the_sentence_that_answers_the_kind_of_question(question: str, passages: list[str], expected: str) -> None:
    assert expected in best_sentences(question, passages)[0][1]


def test_a_list_by_month_cites_the_deadline_that_puts_each_assignment_on_it(assistant: Assistant) -> None:
    answer = assistant.ask("Hvilke oppdrag har frist i juni 2038?")
    assert answer.found and "TB2038-01" in answer.text
    cite = next(c for c in answer.citations if c.assignment == "TB2038-01")
    assert "1. juni 2038" in cite.text


def test_an_english_word_finds_the_letters_word_it_is_another_spelling_of(assistant: Assistant) -> None:
    from assistant.coverage import cognates

    assert cognates(assistant.corpus(), "dermatology") == ["dermatologi"]
    assert cognates(assistant.corpus(), "parking") == []  # nothing like it in the letters
    assert cognates(assistant.corpus(), "vaccination") == []  # the glossary translates it
    q = assistant._understand(assistant.corpus(), "Which assignment offers courses in dermatology?", None, None)
    assert q.cognates == "dermatologi"
    question = "Which assignment offers courses in dermatology?"
    assert "TB2038-05" not in {h.chunk.assignment for h in assistant.index.search(question, k=5, mode="bm25")}
    assert "TB2038-05" in {h.chunk.assignment for h in assistant.search(question, k=5)}


def test_a_rebuilt_index_brings_its_new_words(tmp_path: Path) -> None:
    letters = tmp_path / "letters"
    letters.mkdir()
    (letters / TABS).write_bytes((FIXTURE_LETTERS / TABS).read_bytes())
    settings = Settings().replace(index_dir=tmp_path / "index", letters_dir=letters)
    embedder = FakeEmbedder()
    ingest_folder(letters, settings, embedder=embedder)
    assistant = Assistant(settings, embedder=embedder)
    assistant.ask("Hva er fristen for TB2034-02?")
    assert "dermatologi" not in assistant.words
    (letters / "bound.txt").write_bytes((FIXTURE_LETTERS / "style2038_bound_supplement.txt").read_bytes())
    ingest_folder(letters, settings, embedder=embedder)
    assistant.ask("Hva er fristen for TB2038-05?")  # the first question after the rebuild picks it up
    assert "dermatologi" in assistant.words


@pytest.mark.parametrize("question", ["", "   ", "🙂🎉🔥", "?!?", "'; DROP TABLE assignments; --",
                                      "SELECT * FROM assignments"])
def test_no_question_in_the_input_is_asked_to_be_rephrased(assistant: Assistant, question: str) -> None:
    answer = assistant.ask(question)
    assert not answer.found and not answer.citations
    assert "TB2024-07" in answer.text  # an example of what to ask


def test_a_letter_year_the_index_has_no_letter_of_is_said(assistant: Assistant) -> None:
    years = {x.year for x in assistant.letters.values() if x.year}
    missing = max(years) + 7
    answer = assistant.ask(f"Hva er nytt i tildelingsbrevet for {missing}?")
    assert not answer.found and str(missing) in answer.text and str(max(years)) in answer.text


def test_a_phrased_status_claim_is_checked_against_the_registry(tmp_path: Path) -> None:
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    settings = Settings().replace(index_dir=tmp_path / "index")
    ingest_folder(FIXTURES / "index", settings, embedder=FakeEmbedder())

    def ask_with(output: str, question: str) -> Answer:
        llm = FakeListChatModel(responses=[output])
        return Assistant(settings, embedder=FakeEmbedder(), llm=llm).ask(question)

    q8 = "Hva er fristen for TB2024-08?"
    own = next(n for n, c in enumerate(ask_with("x", q8).citations, 1) if c.assignment == "TB2024-08")
    # TB2024-08's own paragraph does not say it is cancelled; the supplement recorded in the registry does.
    claim = f"Oppdraget TB2024-08 er avlyst [{own}]."
    assert ask_with(claim, q8).text == claim
    refused = ask_with("Oppdraget er avlyst [1].", "Hva er fristen for TB2024-07?")  # TB2024-07 is only postponed
    assert "avlyst" not in refused.text



def test_what_a_reworded_assignment_asks_now_is_its_new_wording(assistant: Assistant) -> None:
    answer = assistant.ask("Hva skal direktoratet gjøre i TB2035-76?")
    assert answer.found and "tre eksempelkommuner" in answer.text and "ny oppdragstekst" in answer.text
    assert answer.citations[0].letter == "supplement2036_leadin.txt"


# --- scopes, refusals and facts (the router and its answerers) ----------------------------------------


@pytest.mark.parametrize("question, section, age", [
    ("Hvilke nye oppdrag ligger under 2.3.2 i tildelingsbrevet for 2024?", "2.3.2", "new"),
    ("Which unfinished earlier assignments are listed under Beredskap (2.3)?", "2.3", "earlier"),
    ("How many new tasks are there in section 2.5?", "2.5", "new"),
    ("Hva er fristen 1.3.2024 for TB2024-07?", None, None),  # a date is no section
    ("Hva er tildelt på kap. 740 post 01?", None, None),  # a budget line is no section
    ("Hvilke oppdrag har ny frist?", None, None),  # a new deadline is no new assignment
])
def test_a_question_names_its_section_and_whether_new_or_earlier(question: str, section: str | None,
                                                                age: str | None) -> None:
    from assistant.question import understand

    q = understand(question)
    assert (q.section, q.age) == (section, age)


def test_a_list_by_section_and_age_keeps_only_that_section_and_the_letters_own_numbers(assistant: Assistant) -> None:
    answer = assistant.ask("Hvilke nye oppdrag ligger under 2.2.4 i tildelingsbrevet for 2031?")
    assert answer.found and answer.text.startswith("1 oppdrag") and "TB2031-06" in answer.text
    assert "TB2031-01" not in answer.text  # section 2.1.4
    whole = assistant.ask("Hvor mange oppdrag er det under 2.1.4 i 2031?")
    assert whole.text.startswith("5 oppdrag") and "TB2030-7" in whole.text  # no age asked: the carried-over one too
    new = assistant.ask("Hvor mange nye oppdrag er det under 2.1.4 i 2031?")
    assert new.text.startswith("4 oppdrag") and "TB2030-7" not in new.text


def test_a_supplement_number_the_index_has_no_letter_of_is_refused_naming_those_it_has(assistant: Assistant) -> None:
    answer = assistant.ask("Hva sier tillegg nr. 12 om TB2031-02?")
    assert not answer.found and "nr. 12" in answer.text and "Tillegg nr. 9 (2031)" in answer.text
    assert assistant.ask("What did supplementary letter no. 4 for 2036 change?").found is False


def test_an_assignment_the_named_letter_never_mentions_is_said_to_be_absent(assistant: Assistant) -> None:
    answer = assistant.ask("Hva sier tillegg nr. 9 om TB2031-01?")
    assert not answer.found and answer.text == "Tillegg nr. 9 (2031) nevner ikke TB2031-01."
    said = assistant.ask("Hva sier tillegg nr. 9 om TB2031-06?")
    assert said.found and any(c.letter == ADDENDUM for c in said.citations)


def test_a_sub_item_count_comes_from_the_assignments_structure(assistant: Assistant) -> None:
    answer = assistant.ask("Hvor mange deloppdrag har TB2034-02?")
    assert answer.found and "har 7 deloppdrag: a), b), c), d), e), f), g)" in answer.text
    assert {c.sub for c in answer.citations} >= {"a", "g"}


def test_a_mention_that_gives_no_date_is_no_deadline(assistant: Assistant) -> None:
    answer = assistant.ask("Hva er fristen for TB2035-73?")  # only named as STB2035-1's new number
    assert not answer.found and "ingen frist" in answer.text
    assert answer.citations and "TB2035-73" in answer.citations[0].text


def test_a_letters_changes_of_every_kind_the_question_names_and_their_count(assistant: Assistant) -> None:
    both = assistant.ask("Hvilke oppdrag utgår og hvilke kan få utsatt frist i tillegg nr. 9?")
    assert "TB2031-06" in both.text and "TB2031-03" in both.text and "TB2031-02" not in both.text
    counted = assistant.ask("Hvor mange oppdrag omtales i tillegg nr. 9?")
    assert counted.text.startswith("3 oppdrag")


def test_a_yes_no_question_answers_yes_or_no_with_the_deciding_sentence_highlighted(assistant: Assistant) -> None:
    answer = assistant.ask("Skal Helsedirektoratet levere en rapport om sykkelbruk i TB2031-02?")
    assert answer.found and answer.text.startswith("TB2031-02: Ja – «Helsedirektoratet skal innen")
    top = answer.citations[0]
    assert top.highlight and "rapport om sykkelbruk" in top.highlight and top.highlight in top.text
    # The sentence shares the topic but not what is asked ("lage" is not "levere"): no verdict, the reader judges
    loose = assistant.ask("Skal direktoratet lage en rapport om sykkelbruk i TB2031-02?")
    assert loose.text.startswith("TB2031-02: Brevet sier – «Helsedirektoratet skal innen")


def test_an_amount_question_whose_passages_hold_no_figure_is_refused(assistant: Assistant) -> None:
    answer = assistant.ask("Hvor mye er bevilget til TB2031-02 Rapport om sykkelbruk?")
    assert not answer.found and "beløp" in answer.text


def test_a_rare_shared_word_outweighs_a_common_one_in_sentence_scoring() -> None:
    question = "Hvem er sekundærmålgruppe for tiltaket?"
    passage = "Tiltaket skal rettes mot alle innbyggere. En sekundærmålgruppe er ungdom mellom 16 og 20 år."
    assert best_sentences(question, [passage], n=1)[0][1].startswith("Tiltaket")  # a tie: the first wins
    rarity = {"sekund": 2.0, "tiltak": 0.5}
    best = best_sentences(question, [passage], n=1, weight=lambda t: rarity.get(t, 1.0))
    assert best[0][1].startswith("En sekundærmålgruppe")


def test_the_corpus_weighs_a_word_by_how_few_chunks_hold_it(assistant: Assistant) -> None:
    from assistant.extract import stem_tokens

    c = assistant.corpus()
    df: dict[str, int] = {}
    for ch in c.index.all_chunks():
        for t in stem_tokens(ch.text):
            df[t] = df.get(t, 0) + 1
    common, rare = max(df, key=lambda t: df[t]), min(df, key=lambda t: df[t])
    assert df[common] > 3 * df[rare]
    assert 0.5 <= c.rarity(common) < c.rarity(rare) <= c.rarity("zzzzzz") <= 2.0


def test_an_owner_code_the_grammar_does_not_know_is_not_said_twice() -> None:
    from assistant import phrasing

    assert phrasing.owner_answer("TB2039-01", "Tittel", "XYZ", "no") == "TB2039-01 Tittel eies av XYZ i HOD."
    assert phrasing.owner_answer("TB2039-01", "T", "FHA", "en").endswith(
        "in the ministry: FHA (Folkehelse- og likestillingsavdelingen).")


def test_a_word_that_opens_with_a_number_is_no_topic_the_letters_lack(assistant: Assistant) -> None:
    from assistant.coverage import covers
    from assistant.question import understand

    q = understand("Hvilket 2031-oppdrag handler om sykkelbruk?")
    hits = assistant.corpus().search(q.text, 5)
    assert covers(assistant.corpus(), q, [dataclasses.replace(hits[0], dense=0.85)])


def test_a_letter_that_allows_a_postponement_sets_no_new_deadline(assistant: Assistant) -> None:
    changed = assistant.ask("Ble fristen for TB2031-03 endret i tillegg nr. 9?")
    assert changed.found and "31. mars 2031 (2031-03-31)" in changed.text and "kan utsettes, uten ny dato" in changed.text
    assert changed.citations[0].letter == ADDENDUM
    new = assistant.ask("Hva er den nye fristen for TB2031-03 etter tillegg nr. 9?")
    assert not new.found and "uten ny dato" in new.text  # no new date was set: said, and not found


def test_a_department_in_a_question_about_a_letter_filters_that_letters_assignments(assistant: Assistant) -> None:
    sha = assistant.ask("Hvilke oppdrag eier SHA i supplerende tildelingsbrev nr. 3 for 2036?")
    assert sha.found and "TB2036-81" in sha.text and "TB2036-82" not in sha.text
    none = assistant.ask("Hvilke oppdrag eier FHA i tillegg nr. 9?")  # it changes assignments, gives none
    assert not none.found and "TB2031" not in none.text


_BUDGET_LETTER = ("Tildelingsbrev til Helsedirektoratet for 2039\n\n1 Innledning\n\nDepartementet viser til Prop. 1 S.\n\n"
                  "2 Oppdrag\n\nTB2039-01\tAvd.HOD: FHA\tEt fiktivt folkehelseoppdrag\n"
                  "Helsedirektoratet skal lage en fiktiv oversikt.\nFrist: 1. juni 2039.\n\n3 Budsjett\n\n"
                  "Kap.\tPost\tPostnavn\tTildeling 2039\tKommentar\n"
                  "714\t21\tSpesielle driftsutgifter\t95 420\tTil fiktive kampanjer.\n"
                  "\t70\tEksempeltiltak\t12 300\t2,5 mill. kr til en fiktiv tilskuddsordning.\n"
                  "740\t01\tDriftsutgifter\t1 538 000\t\n")


def _assistant_over(tmp_path: Path, name: str, text: str) -> Assistant:
    """An assistant over one letter written for the test (fake embedder, real parser, FAISS, BM25, SQLite)."""
    letters = tmp_path / "letters"
    letters.mkdir()
    (letters / name).write_text(text, encoding="utf-8")
    settings = Settings().replace(index_dir=tmp_path / "index", letters_dir=letters)
    embedder = FakeEmbedder()
    ingest_folder(letters, settings, embedder=embedder)
    return Assistant(settings, embedder=embedder)


def test_an_amount_by_budget_line_even_where_the_row_lost_its_chapter(tmp_path: Path) -> None:
    assistant = _assistant_over(tmp_path, "tildelingsbrev2039.txt", _BUDGET_LETTER)
    assert assistant.corpus().budget_lines_at("tildelingsbrev2039.txt", 17) == {"kap. 714 post 70"}
    whole = assistant.ask("Hvor mye er tildelt på kap. 740 post 01 i 2039?")
    assert whole.found and whole.text.startswith("1 538 000 (i tusen kroner) (kap. 740 post 01)")
    assert whole.citations[0].highlight == "1 538 000"
    row = assistant.ask("Hvor mye er tildelt på kap. 714 post 70?")  # "70 Eksempeltiltak …": no chapter on the row
    assert row.found and ("12 300" in row.text or "2,5 mill. kr" in row.text)
    assert not assistant.ask("Hvor mye er tildelt på kap. 714 post 23?").found
    # the line is there, the topic is not: its figure is no answer
    assert not assistant.ask("Hvor mye er tildelt til D-vitamindråper over kap. 714 post 21?").found


def test_a_passage_outside_any_assignment_is_about_the_one_its_letter_names_just_before(assistant: Assistant) -> None:
    from assistant.answerers.retrieve import _named_before

    wording = next(ch for ch in assistant.index.all_chunks()
                   if ch.letter == "style2035_plain.txt" and "utrede et fiktivt tilbud" in ch.text)
    named = _named_before(assistant.corpus(), dataclasses.replace(wording, assignment=None))
    assert named is not None and named[0] == "TB2035-18" and "TB2035-18" in named[1].text


def test_a_letters_changes_are_listed_only_when_changes_are_asked_for(assistant: Assistant) -> None:
    listed = assistant.ask("Hva er endret i tillegg nr. 9?")
    assert listed.text.startswith("Tillegg nr. 9 (2031): TB2031-02")
    other = assistant.ask("What is now said about the register, according to tillegg nr. 9?")
    assert not other.text.startswith("Tillegg nr. 9 (2031):")


def test_numbered_points_count_as_an_assignments_parts(tmp_path: Path) -> None:
    assistant = _assistant_over(tmp_path, "tb2039.txt",
                                "Tildelingsbrev til Helsedirektoratet for 2039\n\n2 Oppdrag\n\n"
                                "TB2039-02\tAvd.HOD: KTA\tEt fiktivt kartleggingsoppdrag\n"
                                "Helsedirektoratet skal gjøre følgende:\n\n1. Kartlegge fiktive tilbud.\n\n"
                                "2. Vurdere eksempeldata.\n\n3. Foreslå tiltak.\n\nFrist: 1. mai 2039.\n")
    answer = assistant.ask("Hvor mange punkter har TB2039-02?")
    assert answer.found and "har 3 deloppdrag: 1), 2), 3)" in answer.text


@pytest.mark.parametrize("question", ["Når er fristen for TB2034-02 b), og hvilken avdeling har ansvaret?",
                                      "Who is responsible for TB2034-02 b) and when is it due?"])
def test_a_question_asking_for_a_deadline_and_an_owner_gets_both_cited(assistant: Assistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.found and "2034-03-15" in answer.text and "FHA" in answer.text
    assert any("15. mars 2034" in c.text for c in answer.citations) and any("FHA" in c.text for c in answer.citations)


def test_a_year_is_refused_only_where_it_scopes_a_letter_or_money(assistant: Assistant) -> None:
    refused = assistant.ask("Hva står i tildelingsbrevet for 2040 om sykkelbruk?")
    assert not refused.found and "2040" in refused.text and "2031" in refused.text
    spoken_of = assistant.ask("Når skal budsjettforslaget for 2040 om sykkelbruk leveres?")
    assert "ingen er fra 2040" not in spoken_of.text  # a year the text may speak of, not the letter's


def test_a_threshold_or_a_budget_is_an_amount() -> None:
    from assistant.facts import asks, shares_content

    assert asks("Hva er innslagspunktet i ordningen for 2039?") == "amount"
    assert asks("Hva er budsjettet for øvelsen?") == "amount"
    assert shares_content("Skal direktoratet lage en veileder?", "Veilederen skal lages innen mai.", "no")
    assert not shares_content("Skal direktoratet regulere solarier?", "Laboratorie og radiologi.", "no")


def test_a_list_the_chunking_cut_short_is_read_on_in_the_letter(assistant: Assistant) -> None:
    from assistant.answerers.fact import _find
    from assistant.cite import cite, paragraph_at
    from assistant.question import understand

    c = assistant.corpus()
    letter = c.letters["supplement2036_leadin.txt"]
    lead = next(p for s in letter.sections for p in s.paragraphs if p.text.startswith("Helse- og omsorgsdepartementet"))
    _, a = paragraph_at(letter, lead.line)
    only_lead = cite(letter, a, lead, None)  # the lead-in alone, as a chunk boundary may leave it
    q = understand("Hvilke presiseringer gir departementet?")
    found = _find(q, "list", (only_lead,), c)
    assert found is not None and len(found[0].items) == 2 and found[0].items[1].startswith("Kommunene")
    assert found[1].line == lead.line and "Kommunene skal involveres" in found[1].text


def test_a_nearly_as_good_short_sentence_further_off_joins_the_best_one() -> None:
    passage = ("Kommunene skal få en fiktiv veileder. Arbeidet er omfattende. Veilederen skal omtale fiktive "
               "kurs, men ikke integreres i eksisterende kurs.")
    best = best_sentences("Hva skal kommunene få, og hva skal veilederen omtale om kurs?", [passage], n=2)
    assert [s for _, s, _ in best] == ["Kommunene skal få en fiktiv veileder.",
                                      "Veilederen skal omtale fiktive kurs, men ikke integreres i eksisterende kurs."]
    # the middle sentence, between them, holds nothing asked: it stays out


def test_the_sentence_holding_the_questions_rarest_word_is_added(assistant: Assistant,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.question import understand

    c = assistant.corpus()
    rarity = {"nou": 1.8, "kommun": 0.5, "utrede": 0.9}
    monkeypatch.setattr(c, "rarity", lambda stem: rarity.get(stem, 1.0))
    passage = "Direktoratet skal utrede en fiktiv ordning for kommunene. Arbeidet følger opp NOU 2039: 5 om eksempler."
    q = understand("Hvilken NOU skal kommunene utrede?")
    first = "Direktoratet skal utrede en fiktiv ordning for kommunene."
    assert c.focus_sentence(q, [passage], [first]) == (0, "Arbeidet følger opp NOU 2039: 5 om eksempler.")
    assert c.focus_sentence(q, [passage], [first, "Arbeidet følger opp NOU 2039: 5 om eksempler."]) is None
    asks_no_kind = understand("Skal kommunene utrede noe etter NOU?")
    assert c.focus_sentence(asks_no_kind, [passage], [first]) == (0, "Arbeidet følger opp NOU 2039: 5 om eksempler.")
    rarity["nou"] = 1.0  # not rare enough to be what the question is about
    assert c.focus_sentence(asks_no_kind, [passage], [first]) is None
    # "Hvilken NOU": a sentence naming one answers it, however common the word
    assert c.focus_sentence(q, [passage], [first]) == (0, "Arbeidet følger opp NOU 2039: 5 om eksempler.")


def test_an_amount_the_extractor_cannot_vouch_for_stands_only_beside_the_questions_rarest_word(
        assistant: Assistant, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant import facts
    from assistant.answerers.fact import refine
    from assistant.question import understand
    from assistant.records import Citation

    said = "Under kap. 660 Eksempelpensjon, post 71 Tilskudd er det bevilget henholdsvis 0,12 mill. kroner til Skadetur."
    cite = Citation("x.txt", "T", 2039, "3", None, None, 1, None, said, highlight=said)
    c = assistant.corpus()
    monkeypatch.setattr(c, "rarity", lambda stem: 2.0 if stem in ("skadet", "mpox") else 0.5)
    kept = understand("Hvor mye er bevilget på kap. 660 post 71 til Skadetur?")
    assert facts.amount_fact(kept.text, said, "no") is None  # the line is split by its name: no vouched figure
    answer = Answer(kept.text, said, True, (cite,))
    assert refine(c, kept, answer) == answer  # the figure stands beside "Skadetur"
    other = understand("Hvor mye er bevilget på kap. 660 post 71 til mpox?")
    refused = refine(c, other, Answer(other.text, said, True, (cite,)))
    assert not refused.found and "beløp" in refused.text


def test_an_amount_beside_a_common_asked_word_but_not_the_rare_one_is_no_answer(
        assistant: Assistant, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.answerers.fact import refine
    from assistant.question import understand
    from assistant.records import Citation

    said = "Det er bevilget 2 mill. kroner til arrangementer i parker."
    cite = Citation("x.txt", "T", 2039, "3", None, None, 1, None, said, highlight=said)
    c = assistant.corpus()
    monkeypatch.setattr(c, "rarity", lambda stem: 2.0 if stem == "lavter" else 0.5)
    q = understand("Hvor mye er rammen for lavterskeltilbud og arrangementer?")
    refined = refine(c, q, Answer(q.text, said, True, (cite,)))
    # said of "arrangementer", not of the rare "lavterskeltilbud": the passage naming that holds the figure
    assert "12,5 mill" in refined.text and refined.citations[0].assignment == "TB2034-03"
    # the kind a "which" part asks for is no topic: "… og i hvilken kampanjeplan?"
    from assistant.answerers.fact import _topic

    assert {"parker"} <= _topic(understand("Hvor mye er bevilget til parker, og i hvilken kampanjeplan?"))
    assert "kampan" not in _topic(understand("Hvor mye er bevilget til parker, og i hvilken kampanjeplan?"))


def test_a_yes_no_question_is_decided_by_a_sentence_late_in_the_assignment_and_cites_its_paragraph(
        assistant: Assistant) -> None:
    answer = assistant.ask("Skal Helsedirektoratet bidra i en annen etats utredning i TB2034-02?")
    top = answer.citations[0]
    assert answer.found and "Bidra i en annen etats utredning" in answer.text.split("»")[0]
    assert top.highlight and "annen etats utredning" in top.highlight and top.line == top.line_end  # one paragraph


def test_an_abbreviations_full_stop_ends_no_sentence() -> None:
    text = "Kriteriene skal vurderes, jf. EU-direktivet om forholdsmessighet. Se bl.a. Helsedirektoratets veileder."
    assert sentences(text) == ["Kriteriene skal vurderes, jf. EU-direktivet om forholdsmessighet.",
                               "Se bl.a. Helsedirektoratets veileder."]
    assert sentences("Tiltak for vaksiner mv. Helsedirektoratet skal rapportere.")[1].startswith("Helsedirektoratet")


def test_a_count_says_what_it_counts_in_the_questions_words() -> None:
    from assistant.answerers.fact import count_value
    from assistant.facts import count_fact
    from assistant.question import understand

    plan = ["Planen omfatter følgende tiltak:", "a) Kartlegging av behov", "b) En ny veileder", "c) Opplæring"]
    q = understand("Hvor mange konkrete tiltak omfatter planen?")
    listed = count_fact(q.text, plan, q.language)
    assert listed is not None and count_value(q, listed) == "3 konkrete tiltak (a–c)"
    q = understand("How many pilot municipalities take part?")
    said = count_fact(q.text, ["Forsøket omfatter sju pilotkommuner i nord."], q.language)
    assert said is not None and count_value(q, said) == "7 pilot municipalities (sju pilotkommuner)"
    q = understand("Hvor mange kommuner deltar?")
    said = count_fact(q.text, ["Forsøket omfatter sju pilotkommuner i nord."], q.language)
    assert said is not None and count_value(q, said) == "7 (sju pilotkommuner)"


def test_a_which_question_is_answered_where_the_kind_it_asks_for_is_named() -> None:
    from assistant.facts import asked_kind

    assert asked_kind("Which EU directive is mentioned in TB2034-67?", "en") == "directive"
    assert asked_kind("Hvilken kommune deltar i prosjektet?", "no") == "kommune"
    assert asked_kind("Hva er fristen?", "no") is None
    # "NOU 2019: 24." is a reference, not a colon before an item 24
    assert sentences("Oppdraget følger opp NOU 2019: 24. Vurderingen leveres.")[0].endswith("NOU 2019: 24.")


def test_the_focus_sentence_names_the_kind_a_which_question_asks_for(assistant: Assistant) -> None:
    q = assistant._understand(assistant.corpus(), "Hvilken kommune skal få veiledning om eksempelreglene?", None, None)
    passages = ["Helsedirektoratet skal gi veiledning om eksempelreglene. Arbeidet skjer sammen med Fiktivby kommune."]
    chosen = ["Helsedirektoratet skal gi veiledning om eksempelreglene."]
    focus = assistant.corpus().focus_sentence(q, passages, chosen)
    assert focus is not None and "Fiktivby kommune" in focus[1]


def test_a_name_no_letter_writes_is_refused_before_search(assistant: Assistant) -> None:
    place = assistant.ask("Hvilke oppdrag gjelder helsetjenestene på Fiktivøya?")
    assert not place.found and "«Fiktivøya»" in place.text
    department = assistant.ask("Which assignments does the department XQZ own?")
    assert not department.found and "«XQZ»" in department.text
    # English capitalises more than names; a Norwegian question's first word is no name
    assert "«Board»" not in assistant.ask("What did the Board say about TB2031-02?").text
    assert "«Gjøre»" not in assistant.ask("Gjøre eksempelregler bedre kjent – hva er fristen?").text


def test_a_who_question_is_answered_by_a_sentence_that_names_someone_new() -> None:
    passage = ("Direktoratet skal overta forvaltningen av den fiktive takstordningen. Forvaltningen har til nå ligget "
               "hos Fiktivt Fagforbund (FFF). Det vises til Prop. 1 S om forvaltningen av takstordningen.")
    best = best_sentences("Hvem har hatt forvaltningen av takstordningen før direktoratet overtar?", [passage], n=1)
    assert best[0][1].startswith("Forvaltningen har til nå ligget hos Fiktivt Fagforbund")
    plain = best_sentences("Hva skjer med forvaltningen av takstordningen når direktoratet overtar?", [passage], n=1)
    assert plain[0][1].startswith("Direktoratet skal overta")


def test_an_english_list_answer_gives_the_english_word_beside_the_letters() -> None:
    from assistant.answerers.fact import _in_english
    from assistant.facts import list_fact

    fact = list_fact("Which countries are named?", "Erfaringer hentes fra følgende land: Danmark, Sverige og Tyskland.", "en")
    assert fact is not None
    assert _in_english(fact).startswith("Danmark (Denmark), Sverige (Sweden)") and "Tyskland (Germany)" in _in_english(fact)


def test_a_bulleted_item_of_two_sentences_is_one_unit_and_counts_once() -> None:
    from assistant.facts import count_fact

    text = ("Vi ber om at direktoratet svarer på følgende spørsmål:\n\n- Hvilke fiktive produkter trengs?\n\n"
            "- Hvilke behov dekkes ikke? Kan de dekkes på annen måte?\n\n- Hva koster det?")
    assert sentences(text)[2] == "- Hvilke behov dekkes ikke? Kan de dekkes på annen måte?"
    counted = count_fact("Hvor mange spørsmål skal direktoratet redegjøre for?", sentences(text), "no")
    assert counted is not None and counted.value.startswith("3")


def test_a_question_scoped_to_one_years_letter_is_judged_by_that_letters_words(assistant: Assistant) -> None:
    from assistant.coverage import covers, letter_year
    from assistant.question import understand

    c = assistant.corpus()
    there = understand("Hva sier brevet for 2034 om engangsgriller i parker?")
    elsewhere = understand("Hva sier brevet for 2035 om engangsgriller i parker?")
    assert letter_year(c, there) == 2034 and letter_year(c, understand("Hva skal skje med engangsgriller i 2035?")) is None
    hits = [Hit(ch, 1.0, 0.8, 1.0, "fusion") for ch in c.index.all_chunks() if "engangsgriller" in ch.text]
    assert hits and covers(c, there, hits)
    assert not covers(c, elsewhere, hits)  # only the 2034 letter speaks of them


def test_the_letter_year_is_the_one_beside_the_letter_not_another_the_question_names(assistant: Assistant) -> None:
    from assistant.coverage import letter_year
    from assistant.question import understand

    c = assistant.corpus()
    assert letter_year(c, understand("Når skal Fiktivplan 2035 oppsummeres ifølge tildelingsbrevet for 2034?")) == 2034
    assert letter_year(c, understand("What does the 2035 letter say about Fiktivplan 2034?")) == 2035


def test_a_question_naming_one_later_letter_searches_that_letter(assistant: Assistant,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.answerers import retrieve
    from assistant.question import understand

    c = assistant.corpus()
    seen: list[dict | None] = []
    real = c.search
    monkeypatch.setattr(c, "search", lambda text, k, filters=None: seen.append(filters) or real(text, k, filters))
    q = assistant._understand(c, "Tillegg nr. 9: hva sier departementet om sykkelbruk?", None, None)
    assert q.letter_hint is not None
    retrieve.answer(c, q, None, {})
    hinted = c.hinted_letters(q)
    assert len(hinted) == 1 and seen[0] == {"letter": hinted[0].file}
    plain = understand("Hva sier departementet om sykkelbruk?")
    seen.clear()
    retrieve.answer(c, plain, None, {})
    assert seen[0] is None


def test_a_count_of_things_that_are_not_assignments_is_no_registry_list(assistant: Assistant,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.answerers import lists

    called: list[str] = []
    monkeypatch.setattr(lists, "answer", lambda c, q, f: called.append(q.text) or None)
    assistant.ask("Hvor mange langsiktige mål er satt opp under 2.1.1?")
    assert called == []
    assistant.ask("Hvor mange oppdrag er det under 2.1.1?")
    assert called == ["Hvor mange oppdrag er det under 2.1.1?"]


def test_what_an_assignment_is_about_is_answered_by_what_it_asks_the_directorate_to_do() -> None:
    passage = ("Statsforvalteren følger opp kommuner med fiktive langtidsopphold. Helsedirektoratet skal lage en "
               "enhetlig struktur for rapporteringen. Rapporteringen skal spare tid.")
    asked = "Hva går oppdraget ut på?"
    assert best_sentences(asked, [passage], n=1)[0][1].startswith("Statsforvalteren")  # no assignment: as before
    about = best_sentences(asked, [passage], n=1, one_assignment=True)
    assert about[0][1].startswith("Helsedirektoratet skal lage")
    english = best_sentences("What does the assignment involve?", [passage], n=1, one_assignment=True)
    assert english[0][1].startswith("Helsedirektoratet skal lage")


def test_a_header_line_is_never_the_answer_sentence_and_a_heading_joins_its_paragraph() -> None:
    from assistant.answerers.content import _headed
    from ingest.records import Paragraph

    passage = "TB2034-84 Avd.HOD: SHA Felles fiktive aktivitetsmål\n\nHelsedirektoratet skal utvikle fiktive aktivitetsmål."
    best = best_sentences("Hva er felles fiktive aktivitetsmål?", [passage], n=2)
    assert [s for _, s, _ in best] == ["Helsedirektoratet skal utvikle fiktive aktivitetsmål."]
    assert best_sentences("Hva er felles fiktive aktivitetsmål?", ["TB2034-84 Avd.HOD: SHA Felles fiktive aktivitetsmål"])
    headed = _headed([Paragraph("Fiktive måledata", 10, 10), Paragraph("Direktoratet skal vurdere måledata.", 12, 12),
                      Paragraph("Videre skal direktoratet rapportere.", 14, 14)])
    assert [(p.text, p.line, p.line_end) for p in headed] == [
        ("Fiktive måledata: Direktoratet skal vurdere måledata.", 10, 12), ("Videre skal direktoratet rapportere.", 14, 14)]


def test_a_quoted_phrase_is_what_the_focus_sentence_must_hold(assistant: Assistant,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.question import understand

    c = assistant.corpus()
    monkeypatch.setattr(c, "rarity", lambda stem: 0.5)  # no word rare enough to be the focus by itself
    q = understand("Hva sier TB2034-02 om 'fiktive parkbenker'?")
    passages = ["Helsedirektoratet skal utrede tiltak i TB2034-02.", "Fiktive parkbenker skal males grønne."]
    focus = c.focus_sentence(q, passages, ["Helsedirektoratet skal utrede tiltak i TB2034-02."])
    assert focus == (1, "Fiktive parkbenker skal males grønne.")


def test_a_word_in_most_candidate_sentences_tells_them_apart_less_than_a_word_in_one() -> None:
    passage = ("Fiktivgruppen for barn skal støtte kommunene. Fiktivgruppen for barn møtes hver måned. Fiktivgruppen "
               "for barn har et sekretariat. Bufdir skal lede etatssamarbeidet. Fiktivgruppen for barn rapporterer.")
    best = best_sentences("Skal Hdir lede etatssamarbeidet i Fiktivgruppen for barn?", [passage], n=1)
    assert best[0][1] == "Bufdir skal lede etatssamarbeidet."  # a tie on words shared, the rarer words win
    # with three sentences or fewer, no word is discounted: the tie goes to the first
    short_passage = "Fiktivgruppen for barn skal støtte kommunene. Bufdir skal lede etatssamarbeidet."
    first = best_sentences("Skal Hdir lede etatssamarbeidet i Fiktivgruppen for barn?", [short_passage], n=1)
    assert first[0][1].startswith("Fiktivgruppen")


def test_coverage_knows_an_inflection_and_a_question_word_the_letters_do_not_use(assistant: Assistant) -> None:
    from assistant.coverage import covers
    from assistant.question import understand

    c = assistant.corpus()
    hits = [Hit(ch, 1.0, 0.8, 1.0, "fusion") for ch in c.index.all_chunks() if "engangsgriller" in ch.text]
    assert hits and "ifølge" not in c.words and "engangsgrillene" not in c.words
    assert covers(c, understand("Hva skal utredes om engangsgrillene ifølge brevet?"), hits)
    assert not covers(c, understand("Hva skal utredes om dronene ifølge brevet?"), hits)  # no inflection of theirs


def test_an_assignment_the_letters_only_renumber_to_has_no_content_to_give(assistant: Assistant) -> None:
    answer = assistant.ask("Hva går TB2035-73 ut på?")
    assert not answer.found and "nye nummer" in answer.text and "STB2035-1" in answer.text


def test_a_yes_no_question_about_when_something_is_due_is_decided_by_the_deadline(assistant: Assistant) -> None:
    late = assistant.ask("Må planen i TB2034-03 leveres i løpet av 2033?")
    due = assistant.ask("Hva er fristen for TB2034-03?")
    assert due.found and re.search(r"\((2034-\d\d-\d\d)\)", due.text)
    assert late.found and late.text.startswith("Nei – ") and due.text in late.text
    assert assistant.ask("Må planen i TB2034-03 leveres i løpet av 2034?").text.startswith("Ja – ")


def test_a_yes_no_question_naming_a_sum_asks_whether_and_another_agent_is_no_plain_yes() -> None:
    from assistant.answerers.fact import _other_agent
    from assistant.question import understand

    assert understand("Skal Hdir forvalte fiktivprogrammet på 75 mill. i 2031?").intent == "content"
    assert understand("Hvor mye er satt av til fiktivprogrammet?").intent == "amount"
    question = "Skal Helsedirektoratet forvalte fiktivprogrammet?"
    assert _other_agent(question, "«Fiktivprogrammet skal forvaltes av Stiftelsen Eksempel etter avtale.»")
    assert not _other_agent(question, "«Fiktivprogrammet skal forvaltes av Helsedirektoratet.»")


def test_no_function_in_the_assistant_is_longer_than_sixty_lines() -> None:
    import ast

    long = []
    for path in (Path(__file__).resolve().parents[1] / "assistant").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno - node.lineno >= 60:
                long.append(f"{path.name}:{node.name}")
    assert long == []


def test_a_deadline_answer_keeps_the_note_on_moving_it(tmp_path: Path) -> None:
    letters = tmp_path / "letters"
    letters.mkdir()
    (letters / "frist.txt").write_text(
        "Tildelingsbrev til Helsedirektoratet for 2037\n\n1 Oppdrag\n\n"
        "TB2037-01\tAvd.HOD: SHA\tEt fiktivt oppdrag med frist\n"
        "Helsedirektoratet skal gjøre et fiktivt arbeid.\n\n"
        "Frist for svar på oppdraget er fredag 5. februar 2037. Ev. utsettelse avtales med departementet.\n",
        encoding="utf-8")
    settings = Settings().replace(index_dir=tmp_path / "index", letters_dir=letters)
    ingest_folder(letters, settings, embedder=FakeEmbedder())
    answer = Assistant(settings, embedder=FakeEmbedder()).ask("Når er fristen for TB2037-01?")
    assert answer.found and "(2037-02-05)" in answer.text
    assert "«Ev. utsettelse avtales med departementet.»" in answer.text

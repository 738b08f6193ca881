"""Tests of the evaluation code: each metric rule, the runner's path and output shape, the naive baseline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from assistant.records import Answer, Citation
from evals import metrics
from evals.runner import CONFIGS, GoldError, load_gold, render_table, run_config, run_eval
from index.embed import FakeEmbedder
from index.records import Hit
from ingest.errors import IndexMissingError, SettingsError
from ingest.settings import Settings

EVAL_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "evals"
FIXTURE_GOLD = EVAL_FIXTURES / "gold.jsonl"
FIXTURE_LETTERS = EVAL_FIXTURES / "letters"
SPEC_KEYS = {"n", "answer", "deadline", "citation", "negative", "recall@5", "mrr@10", "p50_ms", "p95_ms"}
CITATION_KEYS = {"letter", "title", "year", "section", "assignment", "sub", "line", "line_end", "page", "text"}


def gold(**kw: Any) -> dict[str, Any]:
    base = {"id": "g", "question": "q", "type": "deadline", "letter": "brev.txt", "accept": ["1. juli 2024"],
            "answer_iso": None, "evidence": None, "evidence_lines": None, "history": []}
    return base | kw


def ask(answer: str = "", found: bool = True, citations: list[dict[str, Any]] | None = None,
        **kw: Any) -> dict[str, Any]:
    return {"question": "q", "answer": answer, "found": found, "citations": citations or []} | kw


def cite(letter: str = "brev.txt", line: int | None = 10, line_end: int | None = 12, text: str = "") -> dict[str, Any]:
    return {"letter": letter, "line": line, "line_end": line_end, "text": text}


# --- answer -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("answer, right", [
    ("Fristen er 1. juli 2024.", True),
    ("Fristen er 1.\u00a0juli   2024.", True),  # non-breaking and repeated spaces are folded
    ("FRISTEN ER 1. JULI 2024", True),
    ("Fristen er 1. august 2024.", False),
    ("", False),
])
def test_answer_contains_an_accepted_string(answer: str, right: bool) -> None:
    assert metrics.answer_correct(gold(), ask(answer)) is right


def test_dashes_are_folded_on_both_sides() -> None:
    g = gold(accept=["tb2024-07"])
    assert metrics.answer_correct(g, ask("Se TB2024\u201307."))
    assert metrics.answer_correct(gold(accept=["tb2024\u201307"]), ask("Se TB2024-07."))


def test_a_long_answer_is_wrong_even_when_it_contains_the_date() -> None:
    padded = "Fristen er 1. juli 2024. " + "x" * metrics.MAX_ANSWER_CHARS
    assert not metrics.answer_correct(gold(), ask(padded))


def test_a_refusal_is_not_a_right_answer() -> None:
    assert not metrics.answer_correct(gold(), ask("Jeg fant ikke 1. juli 2024", found=False))


def test_a_list_answer_needs_every_accepted_id() -> None:
    g = gold(type="list", accept=["tb2024-01", "tb2024-02", "tb2024-03"])
    assert metrics.answer_correct(g, ask("TB2024-01, TB2024-02 og TB2024-03"))
    assert not metrics.answer_correct(g, ask("TB2024-01 og TB2024-03"))


def test_a_list_answer_may_be_long() -> None:
    g = gold(type="list", accept=["tb2024-01", "tb2024-99"])
    assert metrics.answer_correct(g, ask("TB2024-01 " + "y" * 500 + " TB2024-99"))


# --- deadline ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("answer, structured, right", [
    ("Frist: 2024-07-01", None, True),
    ("Fristen er 1. juli 2024.", None, True),
    ("The deadline is 1 July 2024.", None, True),
    ("The deadline is July 1, 2024.", None, True),
    ("Frist 01.07.2024", None, True),
    ("Fristen er 1. juli.", None, False),  # no year: the metric does not guess it
    ("Fristen er 2. juli 2024.", None, False),
    ("Se brevet.", {"sub": "d", "date": "2024-07-01"}, True),
    ("Se brevet.", {"sub": "d", "date": "2024-07-02"}, False),
])
def test_deadline_exact_match(answer: str, structured: dict[str, Any] | None, right: bool) -> None:
    g = gold(answer_iso="2024-07-01")
    a = ask(answer, deadlines=[structured] if structured else None)
    assert metrics.deadline_correct(g, a) is right


def test_a_yearly_deadline_matches_without_a_year_only_when_the_gold_answer_has_none() -> None:
    yearly = gold(answer_iso="2021-02-01", answer="Hvert år innen 1. februar.")
    assert metrics.deadline_correct(yearly, ask("Hvert år innen 1. februar."))
    assert not metrics.deadline_correct(yearly, ask("Hvert år innen 2. februar."))
    dated = gold(answer_iso="2021-02-01", answer="Innen 1. februar 2021.")
    assert not metrics.deadline_correct(dated, ask("Innen 1. februar."))


def test_deadline_does_not_apply_without_an_iso_date() -> None:
    assert metrics.deadline_correct(gold(answer_iso=None), ask("1. juli 2024")) is None


# --- citations --------------------------------------------------------------------------------------


@pytest.mark.parametrize("span, letter, right", [
    ((10, 12), "brev.txt", True),    # inside
    ((5, 10), "brev.txt", True),     # touches the first line
    ((12, 20), "brev.txt", True),    # touches the last line
    ((1, 30), "brev.txt", True),     # covers it
    ((1, 9), "brev.txt", False),     # ends just before
    ((13, 14), "brev.txt", False),   # starts just after
    ((10, 12), "annet.txt", False),  # right lines, wrong letter
    ((11, None), "brev.txt", True),  # no line_end: the one line
])
def test_citation_by_line_overlap(span: tuple[int, int | None], letter: str, right: bool) -> None:
    g = gold(evidence_lines=[10, 12])
    assert metrics.citation_correct(g, ask("x", citations=[cite(letter, *span)])) is right


def test_any_citation_may_match() -> None:
    g = gold(evidence_lines=[10, 12])
    cites = [cite(line=1, line_end=2), cite(line=12, line_end=13)]
    assert metrics.citation_correct(g, ask("x", citations=cites))


def test_citation_by_evidence_text_is_whitespace_and_case_insensitive() -> None:
    g = gold(letter=None, evidence="Deloppdrag d) til f) har frist 1. juli 2024.")
    para = "Frister:\n- DELOPPDRAG d) til f)   har frist\n1. juli 2024. Resten senere."
    assert metrics.citation_correct(g, ask("x", citations=[cite(text=para)]))
    assert not metrics.citation_correct(g, ask("x", citations=[cite(text="Deloppdrag d) har frist 1. juli 2024.")]))


def test_no_citation_is_wrong_and_no_evidence_is_not_scored() -> None:
    assert metrics.citation_correct(gold(evidence_lines=[1, 2]), ask("x")) is False
    assert metrics.citation_correct(gold(), ask("x", citations=[cite()])) is None


# --- negatives --------------------------------------------------------------------------------------


def test_negative_is_right_only_when_nothing_was_found() -> None:
    g = gold(type="negative", accept=[])
    assert metrics.score_question(g, ask("Fant ikke TB2030-99.", found=False), [], 1.0)["negative"] is True
    assert metrics.score_question(g, ask("Fristen er 1. juli 2024.", found=True), [], 1.0)["negative"] is False
    assert metrics.score_question(g, ask("", found=False), [], 1.0)["answer"] is None


# --- retrieval ---------------------------------------------------------------------------------------


def test_recall_and_mrr_use_the_first_matching_hit() -> None:
    g = gold(evidence_lines=[10, 10])
    miss, match = cite(line=1, line_end=2), cite(line=9, line_end=11)
    assert metrics.recall_at(g, [miss, miss, match], 5) == 1.0
    assert metrics.mrr_at(g, [miss, miss, match], 10) == pytest.approx(1 / 3)
    late = [miss] * 5 + [match]
    assert metrics.recall_at(g, late, 5) == 0.0
    assert metrics.mrr_at(g, late, 10) == pytest.approx(1 / 6)
    assert metrics.mrr_at(g, [miss] * 10 + [match], 10) == 0.0


# --- aggregation --------------------------------------------------------------------------------------


def test_percentile_interpolates() -> None:
    assert metrics.percentile([], 50) is None
    assert metrics.percentile([5.0], 95) == 5.0
    assert metrics.percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert metrics.percentile(range(1, 101), 95) == pytest.approx(95.05)


def test_aggregate_leaves_out_what_does_not_apply_and_splits_by_type() -> None:
    scores = [
        {"type": "deadline", "answer": True, "deadline": True, "citation": False, "negative": None,
         "recall@5": 1.0, "mrr@10": 0.5, "ms": 10.0},
        {"type": "deadline", "answer": False, "deadline": None, "citation": True, "negative": None,
         "recall@5": 0.0, "mrr@10": 0.0, "ms": 30.0},
        {"type": "negative", "answer": None, "deadline": None, "citation": None, "negative": True,
         "recall@5": None, "mrr@10": None, "ms": 20.0},
    ]
    out = metrics.aggregate(scores)
    assert {k: out[k] for k in SPEC_KEYS} == {"n": 3, "answer": 0.5, "deadline": 1.0, "citation": 0.5,
                                               "negative": 1.0, "recall@5": 0.5, "mrr@10": 0.25,
                                               "p50_ms": 20.0, "p95_ms": 29.0}
    assert out["by_type"]["negative"]["answer"] is None
    assert out["by_type"]["deadline"]["n"] == 2


# --- gold ---------------------------------------------------------------------------------------------


def test_load_gold_names_the_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "gold.jsonl"
    path.write_text('{"id": "a", "question": "q", "type": "deadline"}\n\n{"id": "b"}\n', encoding="utf-8")
    with pytest.raises(GoldError, match=r"gold.jsonl:3: missing \['question', 'type'\]"):
        load_gold(path)
    path.write_text('{"id": "a", "question": "q", "type": "weather"}\n', encoding="utf-8")
    with pytest.raises(GoldError, match="unknown type 'weather'"):
        load_gold(path)


def test_the_project_gold_set_loads() -> None:
    items = load_gold(Path(__file__).resolve().parent.parent / "evals" / "gold.jsonl")
    assert len({i["id"] for i in items}) == len(items), "gold ids must be unique"


# --- the runner ---------------------------------------------------------------------------------------


class RecordingAnswerer:
    """Stands in for Assistant: records how the runner calls it."""

    def __init__(self) -> None:
        self.asks: list[tuple[str, Any]] = []
        self.searches: list[tuple[str, int, Any]] = []

    def ask(self, question: str, history: list[dict[str, Any]] | None = None,
            filters: dict[str, Any] | None = None) -> Answer:
        self.asks.append((question, history))
        c = Citation(letter="tildelingsbrev-2024.txt", title="T", year=2024, section="1", assignment=None,
                     sub=None, line=9, page=None, text="Frist: 1. oktober 2024.", line_end=9)
        return Answer(question=question, text="Fristen er 1. oktober 2024.", found=True, citations=(c,))

    def search(self, query: str, k: int = 5, filters: dict[str, Any] | None = None,
               history: list[dict[str, Any]] | None = None) -> list[Hit]:
        self.searches.append((query, k, history))
        return []


def test_run_config_asks_with_history_turns_and_searches_ten() -> None:
    items = load_gold(FIXTURE_GOLD)
    stub = RecordingAnswerer()
    records = list(run_config(stub, "stub", items))
    assert stub.asks[0] == (items[0]["question"], None)  # the untimed warm-up
    timed = stub.asks[1:]
    assert len(timed) == len(records) == len(items)
    follow_up = next(i for i, item in enumerate(items) if item["history"])
    assert timed[follow_up][1] == [{"question": q} for q in items[follow_up]["history"]]
    assert {k for _, k, _ in stub.searches} == {10}
    assert stub.searches[follow_up][2] == timed[follow_up][1]  # the hits are searched with the history too
    assert records[0]["score"]["answer"] is True and records[0]["score"]["citation"] is True


@pytest.fixture(scope="module")
def fixture_index(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, FakeEmbedder]:
    from index.build import ingest_folder

    index_dir = tmp_path_factory.mktemp("eval-index")
    settings = Settings().replace(index_dir=index_dir, letters_dir=FIXTURE_LETTERS)
    embedder = FakeEmbedder()
    report = ingest_folder(FIXTURE_LETTERS, settings, embedder=embedder)
    assert not report["failed"], report["failed"]
    return settings, embedder


def test_run_eval_shape_and_predictions(fixture_index: tuple[Settings, FakeEmbedder], tmp_path: Path) -> None:
    settings, embedder = fixture_index
    out = tmp_path / "predictions.jsonl"
    result = run_eval(FIXTURE_GOLD, list(CONFIGS), settings, predictions=out, embedder=embedder)
    n = len(load_gold(FIXTURE_GOLD))
    assert list(result["configs"]) == list(CONFIGS)
    for name, row in result["configs"].items():
        assert SPEC_KEYS <= set(row), name
        assert row["n"] == n
        assert row["errors"] == 0, result["misses"][name]
        assert set(row["by_type"]) == {"deadline", "responsible", "amendment", "negative"}
        for miss in result["misses"][name]:
            assert {"id", "question", "expected", "got"} <= set(miss)
    assert result["configs"]["naive"]["negative"] == 0.0  # the baseline never refuses
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == n * len(CONFIGS)
    for line in lines:
        assert set(line) == {"id", "config", "ask", "hits"}
        assert {"question", "answer", "found", "citations"} <= set(line["ask"])
        assert len(line["hits"]) <= 10
        assert all(CITATION_KEYS | {"score"} <= set(h) for h in line["hits"])
    table = render_table(result)
    assert all(name in table for name in CONFIGS) and "recall@5" in table


def test_run_eval_rejects_a_bad_config(fixture_index: tuple[Settings, FakeEmbedder]) -> None:
    settings, embedder = fixture_index
    with pytest.raises(SettingsError, match="naive, bm25, dense, hybrid, full"):
        run_eval(FIXTURE_GOLD, ["bm42"], settings, embedder=embedder)


def test_run_eval_without_an_index_says_to_ingest(tmp_path: Path) -> None:
    settings = Settings().replace(index_dir=tmp_path / "none")
    with pytest.raises(IndexMissingError, match="letters ingest"):
        run_eval(FIXTURE_GOLD, ["bm25"], settings, embedder=FakeEmbedder())


# --- the naive baseline ---------------------------------------------------------------------------------


def test_naive_chunks_keep_their_line_spans(tmp_path: Path) -> None:
    from evals.naive import chunk_file

    lines = [f"Linje {i} med litt tekst om oppdrag og frister i brevet." for i in range(1, 101)]
    path = tmp_path / "brev.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    chunks = chunk_file(path)
    assert len(chunks) > 3
    for c in chunks:
        first, last = c.text.splitlines()[0], c.text.splitlines()[-1]
        assert lines[c.line - 1].startswith(first) or lines[c.line - 1].endswith(first)
        assert lines[c.line_end - 1].startswith(last)


def test_naive_answers_with_a_sentence_and_never_refuses(fixture_index: tuple[Settings, FakeEmbedder]) -> None:
    from evals.naive import NaiveBaseline

    settings, embedder = fixture_index
    naive = NaiveBaseline(settings, embedder=embedder)
    answer = naive.ask("Hva er fristen for TB2030-99?")
    assert answer.found is True
    assert answer.text and len(answer.text) < 400
    assert answer.citations[0].letter in {p.name for p in FIXTURE_LETTERS.iterdir()}
    assert len(naive.search("ventetid tannlege", k=10)) == naive.chunk_count()


def test_naive_needs_the_letters_folder() -> None:
    from evals.naive import NaiveBaseline

    with pytest.raises(SettingsError, match="--letters"):
        NaiveBaseline(Settings(letters_dir=None))


# --- the benchmark ----------------------------------------------------------------------------------


def test_bench_runs_end_to_end_on_the_fixture_letters(tmp_path: Path) -> None:
    from evals.bench import render_bench, run_bench

    settings = Settings().replace(index_dir=tmp_path / "unused", letters_dir=FIXTURE_LETTERS)
    plot = tmp_path / "latency.png"
    result = run_bench(settings, sizes=[100, 300], plot=plot, gold=FIXTURE_GOLD, embedder=FakeEmbedder(),
                       cold_runs=0)
    ingest = result["ingest"]
    assert ingest["full"]["embedded"] == ingest["full"]["chunks"] > 0
    assert ingest["unchanged"]["embedded"] == 0 and ingest["unchanged"]["ok"]
    assert ingest["add_one"]["ok"], ingest["add_one"]
    assert set(result["ask_full"]["by_type"]) == {"deadline", "responsible", "amendment", "negative"}
    assert [p["chunks"] for p in result["scale"]] == [100, 300]
    assert all(p["search"]["p50_ms"] is not None and p["index_bytes"] > 0 for p in result["scale"])
    assert result["ratios"]["ask_p50_full_vs_naive"] is not None
    assert plot.read_bytes().startswith(b"\x89PNG")
    assert "search at scale" in render_bench(result)


def test_time_asks_resets_before_every_timed_ask_only() -> None:
    from evals.bench import time_asks

    events: list[str] = []
    result = time_asks(lambda q: events.append(f"ask {q}"), {"deadline": ["a", "b"]}, min_samples=4,
                       reset=lambda: events.append("reset"))
    timed = events[events.index("reset"):]  # the warm-up asks come first, without a reset
    assert timed == ["reset", "ask a", "reset", "ask a", "reset", "ask b", "reset", "ask b"]
    assert result["by_type"]["deadline"]["n"] == 4 and result["errors"] == 0

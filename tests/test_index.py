"""Chunking, the tokenizer, the store on disk, search modes, ID routing, filters and the LangChain retriever."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from index.chunks import chunk_letter, count_tokens, split_sentences
from index.embed import FakeEmbedder
from index.records import Chunk
from index.retriever import LettersRetriever
from index.search import SearchIndex, names_sub, sub_in_query
from index.store import Store, assignment_infos, tokenize
from ingest.errors import IndexMissingError
from ingest.records import Assignment, Deadline, Letter, Paragraph, Section, SubItem
from ingest.settings import Settings
from tests.conftest import ROOT


def para(text: str, line: int, line_end: int | None = None, page: int | None = None) -> Paragraph:
    return Paragraph(text, line, line_end or line, page)


def sub(label: str, p: Paragraph) -> SubItem:
    return SubItem(label, p.text, p.line, p.line_end, p.page)


# --- fictional letters, written for these tests -----------------------------------------------------

_A = para("a) Lage en oversikt over eksisterende tiltak for sykkelparkering ved skolene.", 12)
_B = para("b) Beskrive hvordan kommunene kan samarbeide med foreldreutvalg.", 13)
_C = para("c) Foreslå indikatorer for trygg skolevei.", 14)
_D = para("d) Evaluere utprøvingen i fem kommuner og anbefale videre spredning.", 15)

LETTER_2024 = Letter(
    file="tb-2024.txt", title="Tildelingsbrev 2024 til Helsedirektoratet", kind="allocation", year=2024,
    date="2024-01-10", reference=None, sha256="a" * 64,
    sections=(
        Section("1", "Innledning", 1, (para("Departementet viser til statsbudsjettet for 2024.", 2),)),
        Section("4", "Budsjett", 40, (para("Kap. 740 post 01 Driftsutgifter: 5 000 000 kroner.", 41),
                                      para("Kap. 740 post 21 Spesielle driftsutgifter: 300 000 kroner.", 42))),
    ),
    assignments=(
        Assignment(
            id="TB2024-07", aliases=("TB2024-31",), title="Sykkelvennlige skoleveier", owner="FHA",
            section="2 Oppdrag", line=10, line_end=16, header="TB2024-07 Avd.HOD: FHA Sykkelvennlige skoleveier",
            header_end=10,
            paragraphs=(para("Helsedirektoratet skal prøve ut tryggere sykkelveier til skolen.", 11), _A, _B, _C, _D,
                        para("Frister: - Deloppdrag a) til c) har frist 1. mai 2024. "
                             "- Deloppdrag d) har frist 15. september 2024.", 16)),
            subitems=(sub("a", _A), sub("b", _B), sub("c", _C), sub("d", _D)),
        ),
        Assignment(
            id="TB2024-08", aliases=(), title="Ventetider for fysioterapi", owner="SHA", section="2 Oppdrag",
            line=20, line_end=21,
            paragraphs=(para("Direktoratet skal rapportere om ventetider for fysioterapi, innen 4. mars 2024.", 21),),
        ),
    ),
)

_F1 = para("Fase 1: Kartlegge behovet for digitale skjema i helsestasjonene.", 8)
_F2 = para("Fase 2: Anbefale en felles løsning for alle fylker.", 9)
LETTER_2025 = Letter(
    file="stb-2025.txt", title="Supplerende tildelingsbrev nr. 2 for 2025", kind="supplementary", year=2025,
    date="2025-03-01", reference=None, sha256="b" * 64,
    sections=(Section("2", "Endringer i tidligere oppdrag", 30,
                      (para("Fristen for TB2024-07 d) utsettes til 1. desember 2025.", 31),
                       para("Oppdraget TB2024-08 utgår.", 32))),),
    assignments=(
        Assignment(
            id="TB2025-74", aliases=(), title="Digitale skjema i helsestasjoner", owner="KTA", section="1 Nye oppdrag",
            line=6, line_end=10,
            paragraphs=(para("Helsedirektoratet skal lage en plan for digitale skjema.", 7), _F1, _F2,
                        para("Frist: Fase 1: 25.04.25 – Fase 2: 30.05.25", 10)),
            subitems=(sub("fase 1", _F1), sub("fase 2", _F2)),
        ),
    ),
)

LONG_SENTENCES = [
    f"Setning nummer {i} beskriver et tiltak for bedre folkehelse i kommune {i}, "
    f"blant annet med vekt på fysisk aktivitet og kosthold." for i in range(1, 41)
]
LONG_LETTER = Letter(
    file="lang.txt", title="Tildelingsbrev 2023", kind="allocation", year=2023, date=None, reference=None,
    sha256="c" * 64,
    sections=(Section("1", "Mål", 1, tuple(para(" ".join(LONG_SENTENCES[i : i + 5]), 2 + i) for i in range(0, 40, 5))),),
    assignments=(
        Assignment(
            id="TB2023-03", aliases=(), title="Et svært langt oppdrag om folkehelse", owner="FHA", section="2 Oppdrag",
            line=60, line_end=70,
            paragraphs=(para(" ".join(LONG_SENTENCES), 61, 65), para("Frist: 1. juni 2023.", 66)),
        ),
    ),
)


def build_index(index_dir: Path, letters: list[Letter], embedder: FakeEmbedder, max_tokens: int = 400) -> Path:
    """An index generation made straight from records (no parser), served through CURRENT."""
    store = Store(embedder.dim, embedder.model_id)
    for letter in letters:
        chunks = chunk_letter(letter, max_tokens)
        store.add(chunks, embedder.embed_passages([c.embed_text for c in chunks]))
        store.add_assignments(assignment_infos(letter))
    gen = index_dir / "gen-test"
    store.save(gen)
    (index_dir / "CURRENT").write_text(gen.name)
    return gen


@pytest.fixture
def embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def index(tmp_path: Path, embedder: FakeEmbedder) -> SearchIndex:
    build_index(tmp_path, [LETTER_2024, LETTER_2025], embedder)
    return SearchIndex.open(tmp_path, Settings(), embedder)


# --- tokenizer -------------------------------------------------------------------------------------


@pytest.mark.parametrize("written", ["TB 2024-7", "tb2024-07", "TB2024–07", "TB2024-07", "TB2024 - 07", "TB2024−7"])
def test_tokenizer_keeps_assignment_ids_whole_and_normalised(written: str) -> None:
    assert tokenize(f"Hva er fristen for {written}?") == ["frist", "tb2024-7"]


def test_tokenizer_stems_norwegian_and_drops_stop_words() -> None:
    assert tokenize("Kommunene skal levere rapportene") == tokenize("kommune leverer rapport")
    assert "og" not in tokenize("helse og omsorg")


def test_tokenizer_keeps_prefixes_apart() -> None:
    assert tokenize("TTB2023-03 STB2025-1")[0] != tokenize("TB2023-03")[0]
    assert tokenize("STB2025-1") == ["stb2025-1"]


# --- sentences and chunks ----------------------------------------------------------------------------


def test_split_sentences_gives_the_text_back_and_respects_abbreviations() -> None:
    text = "Dette gjelder bl.a. Helsedirektoratet. Se kap. 740 post 01. Frist: 1. juli 2024. Neste setning her."
    pieces = split_sentences(text)
    assert "".join(pieces) == text
    assert [p.strip() for p in pieces] == [
        "Dette gjelder bl.a. Helsedirektoratet.", "Se kap. 740 post 01.", "Frist: 1. juli 2024.", "Neste setning her."]


def _sources(letter: Letter) -> list[str]:
    return [p.text for s in letter.sections for p in s.paragraphs] + \
           [p.text for a in letter.assignments for p in a.paragraphs] + [a.header for a in letter.assignments]


def _whole_sentences(piece: str, sources: list[str]) -> bool:
    """`piece` is a run of whole sentences (or a whole paragraph) of one source paragraph."""
    for src in sources:
        if piece == src:
            return True
        sentences = [s.strip() for s in split_sentences(src)]
        for i in range(len(sentences)):
            for j in range(i + 1, len(sentences) + 1):
                if " ".join(sentences[i:j]) == piece:
                    return True
    return False


@pytest.mark.parametrize("max_tokens", [40, 80, 400])
@pytest.mark.parametrize("letter", [LETTER_2024, LETTER_2025, LONG_LETTER], ids=lambda x: x.file)
def test_chunks_fit_and_never_split_a_sentence(letter: Letter, max_tokens: int) -> None:
    chunks = chunk_letter(letter, max_tokens)
    sources = _sources(letter)
    assert chunks
    for c in chunks:
        pieces = c.text.split("\n\n")
        assert all(_whole_sentences(p, sources) for p in pieces), c.text
        single_sentence = len(pieces) == 1 and len(split_sentences(pieces[0])) == 1
        assert count_tokens(c.text) <= max_tokens or single_sentence, (count_tokens(c.text), c.text)


def test_long_assignment_is_split_and_gets_tight_chunks() -> None:
    chunks = [c for c in chunk_letter(LONG_LETTER, 120) if c.assignment == "TB2023-03"]
    parts = [c for c in chunks if c.kind == "assignment"]
    assert len(parts) > 1
    assert any(c.kind == "paragraph" and c.text == "Frist: 1. juni 2023." for c in chunks)
    assert all(count_tokens(c.text) <= 120 for c in chunks)


def test_header_is_context_not_cited_text() -> None:
    chunks = chunk_letter(LETTER_2024, 400)
    main = next(c for c in chunks if c.assignment == "TB2024-07" and c.kind == "assignment")
    assert "TB2024-07" in main.header and "TB2024-31" in main.header and "FHA" in main.header
    assert "Sykkelvennlige skoleveier" in main.header and "Tildelingsbrev 2024" in main.header
    assert main.text.startswith("TB2024-07 Avd.HOD: FHA Sykkelvennlige skoleveier\n\nHelsedirektoratet skal")
    for c in chunks:
        assert c.header not in c.text and "·" not in c.text
        assert c.embed_text == f"{c.header}\n{c.text}"
        if c is not main:
            assert "Sykkelvennlige skoleveier" not in c.text  # the letter's header line is cited once


def test_assignment_with_subitems_gets_one_chunk_per_subitem() -> None:
    chunks = chunk_letter(LETTER_2024, 400)
    subs = {c.sub: c for c in chunks if c.kind == "subitem" and c.assignment == "TB2024-07"}
    assert set(subs) == {"a", "b", "c", "d"}
    assert subs["d"].text == _D.text and (subs["d"].line, subs["d"].line_end) == (15, 15)
    assert "Deloppdrag d" in subs["d"].header
    main = next(c for c in chunks if c.assignment == "TB2024-07" and c.kind == "assignment")
    assert (main.line, main.line_end) == (10, 16) and main.sub is None
    assert any(c.kind == "paragraph" and c.text.startswith("Frister:") for c in chunks)
    sections = [c for c in chunks if c.kind == "section"]
    assert {c.section for c in sections} == {"1 Innledning", "4 Budsjett"}
    assert len({c.id for c in chunks}) == len(chunks)


def test_chunk_ids_are_content_hashes_stable_across_runs() -> None:
    ids = [c.id for c in chunk_letter(LETTER_2024, 400)]
    assert all(re.fullmatch(r"[0-9a-f]{16}", i) for i in ids)
    script = ("from tests.test_index import LETTER_2024; from index.chunks import chunk_letter; "
              "print(' '.join(c.id for c in chunk_letter(LETTER_2024, 400)))")
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ids


# --- the store -----------------------------------------------------------------------------------------


def _store(embedder: FakeEmbedder, exact_index_max: int = 200_000) -> tuple[Store, list[Chunk]]:
    store = Store(embedder.dim, embedder.model_id, exact_index_max)
    chunks = [c for letter in (LETTER_2024, LETTER_2025) for c in chunk_letter(letter, 400)]
    store.add(chunks, embedder.embed_passages([c.embed_text for c in chunks]))
    for letter in (LETTER_2024, LETTER_2025):
        store.add_assignments(assignment_infos(letter))
    store.finalize()
    return store, chunks


@pytest.mark.parametrize("exact_index_max", [200_000, 5], ids=["flat", "hnsw"])
def test_store_round_trip_and_removal_by_id(tmp_path: Path, embedder: FakeEmbedder, exact_index_max: int) -> None:
    store, chunks = _store(embedder, exact_index_max)
    assert store.index_type == ("flat" if exact_index_max > 5 else "hnsw")
    query = embedder.embed_queries(["sykkelvei skole"])[0]
    store.save(tmp_path / "s")
    loaded = Store.load(tmp_path / "s")
    assert loaded.chunks == store.chunks and loaded.order == store.order
    assert loaded.dense_search(query, 5) == store.dense_search(query, 5)
    toks = tokenize("sykkelvei TB2024-07")
    assert np.allclose(loaded.bm25_scores(toks), store.bm25_scores(toks))
    assert loaded.id_chunks == store.id_chunks and "TB2024-31" in loaded.id_chunks  # alias mapped too

    victim = loaded.dense_search(query, 1)[0][0]
    assert loaded.remove([victim]) == 1
    loaded.finalize()
    assert loaded.index_type == store.index_type
    assert victim not in [cid for cid, _ in loaded.dense_search(query, len(chunks))]
    assert loaded.vector(victim) is None and len(loaded.order) == len(chunks) - 1
    loaded.save(tmp_path / "s2")
    again = Store.load(tmp_path / "s2")
    assert victim not in again.chunks and again.vectors()[0].shape == (len(chunks) - 1,)


def test_store_remove_letter_drops_chunks_and_assignments(embedder: FakeEmbedder) -> None:
    store, _ = _store(embedder)
    gone = store.remove_letter("stb-2025.txt")
    store.finalize()
    assert gone and all(c.letter == "tb-2024.txt" for c in store.chunks.values())
    assert all(info.letter == "tb-2024.txt" for info in store.assignments.values())
    assert "TB2025-74" not in store.id_chunks


@pytest.mark.parametrize("damage", ["missing", "empty", "faiss", "chunks", "meta"])
def test_corrupt_or_missing_index_folder_raises_index_missing(tmp_path: Path, embedder: FakeEmbedder,
                                                              damage: str) -> None:
    store, _ = _store(embedder)
    folder = tmp_path / "s"
    if damage != "missing":
        store.save(folder)
    if damage == "empty":
        for p in folder.iterdir():
            if p.is_file():
                p.unlink()
    elif damage == "faiss":
        (folder / "vectors.faiss").write_bytes(b"not a faiss index")
    elif damage == "chunks":
        text = (folder / "chunks.jsonl").read_text()
        (folder / "chunks.jsonl").write_text(text[: len(text) // 2])
    elif damage == "meta":
        (folder / "meta.json").write_text("{")
    with pytest.raises(IndexMissingError, match=r"letters ingest") as err:
        Store.load(folder)
    assert str(folder) in str(err.value)


def test_search_index_on_a_folder_without_index(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError, match=r"no index in .*letters ingest --letters"):
        SearchIndex.open(tmp_path / "nothing-here", Settings())


def test_search_index_on_a_corrupt_generation(tmp_path: Path, embedder: FakeEmbedder) -> None:
    gen = build_index(tmp_path, [LETTER_2024], embedder)
    (gen / "vectors.faiss").write_bytes(b"garbage")
    with pytest.raises(IndexMissingError, match="letters ingest"):
        SearchIndex.open(tmp_path, Settings(), embedder).search("fysioterapi")


# --- search ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["bm25", "dense", "hybrid", "full"])
def test_search_modes_find_the_assignment_and_embed_at_most_once(index: SearchIndex, embedder: FakeEmbedder,
                                                                 mode: str) -> None:
    before = embedder.calls
    hits = index.search("sykkelveier til skolen", k=5, mode=mode)
    assert embedder.calls - before == (0 if mode == "bm25" else 1)
    assert hits and len(hits) <= 5
    assert any(h.chunk.assignment == "TB2024-07" for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    for h in hits:
        assert (h.dense is None) == (mode == "bm25")
        assert (h.bm25 is None) == (mode == "dense")
        if h.dense is not None:
            assert -1.0001 <= h.dense <= 1.0001


def test_bm25_finds_ids_however_they_are_written(index: SearchIndex) -> None:
    for written in ("TB 2024-8", "tb2024-08", "TB2024–08"):
        top = index.search(written, k=1, mode="bm25")[0]
        assert top.chunk.assignment == "TB2024-08" or "TB2024-08" in top.chunk.text


def test_hybrid_fuses_with_reciprocal_ranks(index: SearchIndex) -> None:
    hits = index.search("ventetider fysioterapi", k=3, mode="hybrid")
    assert hits[0].chunk.assignment == "TB2024-08"
    assert 0 < hits[0].score <= 2 / (Settings().rrf_k + 1)


@pytest.mark.parametrize("query, assignment, sub", [
    ("Hva er fristen for TB 2024-7 d)?", "TB2024-07", "d"),
    ("frist for deloppdrag b i tb2024-07", "TB2024-07", "b"),
    ("When is phase 2 of TB2025-74 due?", "TB2025-74", "fase 2"),
    ("Hva er fristen for TB2025-74 fase 1", "TB2025-74", "fase 1"),
    ("Hva går TB2024-8 ut på?", "TB2024-08", None),
    ("Hva handler TB2024-31 om?", "TB2024-07", None),  # an alias routes to its assignment
])
def test_full_mode_routes_named_ids_and_sub_items_first(index: SearchIndex, query: str, assignment: str,
                                                        sub: str | None) -> None:
    hits = index.search(query, k=5, mode="full")
    top = hits[0]
    assert top.reason == "id" and top.chunk.assignment == assignment
    assert top.chunk.sub == sub
    if sub is None:
        assert top.chunk.kind == "assignment"


@pytest.mark.parametrize("label", ["b", "d"])
def test_full_mode_puts_the_line_naming_the_sub_item_second(index: SearchIndex, label: str) -> None:
    hits = index.search(f"Hva er fristen for TB2024-07 {label})?", k=5, mode="full")
    assert hits[0].chunk.sub == label and hits[0].chunk.kind == "subitem"
    assert hits[1].chunk.text.startswith("Frister:")  # "a) til c)" covers b)


@pytest.mark.parametrize("text, wanted, named", [
    ("Deloppdrag a) til c) har frist 1. mai 2024.", "b", True),
    ("Deloppdrag a) til c) har frist 1. mai 2024.", "d", False),
    ("Deloppdrag b) og e) har frist 1. mai.", "e", True),
    ("Fase 2 skal være ferdig 30.05.25.", "fase 2", True),
    ("Deloppdrag 1)–3) leveres samlet.", "deloppdrag 2", True),
    ("Frist: 1. juni 2024.", "a", False),
])
def test_names_sub(text: str, wanted: str, named: bool) -> None:
    assert names_sub(text, wanted) is named


def test_full_mode_brings_later_letters_that_change_the_assignment(index: SearchIndex) -> None:
    hits = index.search("Hva er fristen for TB2024-07 d)?", k=5, mode="full")
    assert any(h.chunk.letter == "stb-2025.txt" and "utsettes" in h.chunk.text for h in hits)


_RULE = para("Der ikke annen frist er spesifisert, skal oppdragene i dette kapitlet gjennomføres i løpet av 2026.", 5)
LETTER_2026 = Letter(
    file="tb-2026.txt", title="Tildelingsbrev 2026 til Helsedirektoratet", kind="allocation", year=2026,
    date="2026-01-12", reference=None, sha256="d" * 64,
    sections=(
        Section("2", "Oppdrag", 4, (_RULE,), Deadline(None, _RULE.text, "2026-12-31", "default_rule", 5)),
        Section("3", "Endringer i tidligere oppdrag", 30, (
            para("Det vises til oppdrag TB2024-08 i tildelingsbrevet for 2024. Oppdragsteksten endres til følgende:", 31),
            para("«Direktoratet skal kartlegge ventetider for ergoterapi og foreslå tiltak.»", 33),
            para("Ansvarlig avdeling: SHA.", 34),
            para("Departementet ønsker en kort orientering om arbeidet med vaksiner.", 40),
        )),
    ),
    assignments=(
        Assignment(
            id="TB2026-11", aliases=(), title="Kunnskapsgrunnlag om ensomhet", owner="FHA", section="2 Oppdrag",
            line=8, line_end=9, paragraphs=(para("Helsedirektoratet skal sammenstille kunnskap om ensomhet.", 9),),
            deadlines=(Deadline(None, _RULE.text, "2026-12-31", "default_rule", 5),),
        ),
    ),
)


def test_full_mode_brings_the_rule_an_assignment_takes_its_deadline_from(tmp_path: Path,
                                                                         embedder: FakeEmbedder) -> None:
    build_index(tmp_path, [LETTER_2024, LETTER_2026], embedder)
    hits = SearchIndex.open(tmp_path, Settings(), embedder).search("Frist for TB2026-11?", k=3, mode="full")
    assert [h.chunk.assignment for h in hits[:1]] == ["TB2026-11"]
    assert any(h.chunk.line <= _RULE.line <= h.chunk.line_end and h.chunk.assignment is None for h in hits[:2])


def test_full_mode_brings_the_passage_a_later_letter_opens_with_the_id(tmp_path: Path,
                                                                       embedder: FakeEmbedder) -> None:
    build_index(tmp_path, [LETTER_2024, LETTER_2026], embedder, max_tokens=30)  # one chunk a paragraph
    hits = SearchIndex.open(tmp_path, Settings(), embedder).search("TB2024-08 ny tekst", k=20, mode="full")
    later = {(h.chunk.line, h.chunk.line_end) for h in hits if h.chunk.letter == "tb-2026.txt" and h.reason == "id"}
    assert any(a <= 33 <= b for a, b in later) and any(a <= 34 <= b for a, b in later)
    assert not any(a <= 40 <= b for a, b in later)  # the passage ends where the text moves on


def test_full_without_an_id_is_hybrid(index: SearchIndex) -> None:
    q = "digitale skjema helsestasjon"
    assert [h.chunk.id for h in index.search(q, mode="full")] == [h.chunk.id for h in index.search(q, mode="hybrid")]


@pytest.mark.parametrize("query, label", [
    ("TB2024-07 d)", "d"), ("deloppdrag 2 i TB2024-07", "deloppdrag 2"), ("fase 1", "fase 1"),
    ("TB2024-07 (c)", "c"), ("sub-item a of TB2024-07", "a"), ("fristen for TB2024-07", None),
])
def test_sub_item_named_in_a_query(query: str, label: str | None) -> None:
    assert sub_in_query(query) == label


@pytest.mark.parametrize("mode", ["bm25", "dense", "hybrid", "full"])
def test_filters_by_year_letter_and_owner(index: SearchIndex, mode: str) -> None:
    q = "Helsedirektoratet skal frist TB2024-07"
    assert {h.chunk.year for h in index.search(q, k=20, mode=mode, filters={"year": 2025})} == {2025}
    assert {h.chunk.letter for h in index.search(q, k=20, mode=mode, filters={"letter": "tb-2024.txt"})} == {"tb-2024.txt"}
    owned = index.search(q, k=20, mode=mode, filters={"owner": "kta"})
    assert owned and {h.chunk.assignment for h in owned} == {"TB2025-74"}
    assert index.search(q, k=20, mode=mode, filters={"year": 1999}) == []


def test_bad_mode_or_filter_names_the_allowed_ones(index: SearchIndex) -> None:
    with pytest.raises(ValueError, match="allowed"):
        index.search("x", mode="semantic")
    with pytest.raises(ValueError, match="owner"):
        index.search("x", filters={"department": "FHA"})


def test_reading_helpers(index: SearchIndex) -> None:
    own = index.chunks_for("tb 2024-7")
    assert own and {c.assignment for c in own} == {"TB2024-07"}
    assert index.chunk(own[0].id) == own[0] and index.chunk("0" * 16) is None
    assert len(index.all_chunks()) == index.stats()["chunks"]
    stats = index.stats()
    assert stats["letters"] == 2 and stats["assignments"] == 3 and stats["model_id"] == "fake-bow-64"


def test_search_refuses_an_index_built_with_another_model(tmp_path: Path) -> None:
    build_index(tmp_path, [LETTER_2024], FakeEmbedder(dim=32))
    other = SearchIndex.open(tmp_path, Settings(), FakeEmbedder(dim=64))
    assert other.search("ventetider fysioterapi", mode="bm25")  # BM25 needs no model
    with pytest.raises(IndexMissingError, match="letters ingest"):
        other.search("ventetider fysioterapi", mode="dense")


def test_search_is_safe_from_many_threads(index: SearchIndex) -> None:
    from concurrent.futures import ThreadPoolExecutor

    queries = ["sykkelveier", "TB2024-07 d)", "fysioterapi", "fase 1 TB2025-74"] * 10
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda q: [h.chunk.id for h in index.search(q, mode="full")], queries))
    assert results == [[h.chunk.id for h in index.search(q, mode="full")] for q in queries]


def test_langchain_retriever_returns_cited_documents(index: SearchIndex) -> None:
    retriever = LettersRetriever(index=index, k=3, mode="full")
    docs = retriever.invoke("Hva er fristen for TB2024-07 d)?")
    assert len(docs) == 3
    first = docs[0]
    assert first.page_content == _D.text
    for key in ("letter", "title", "year", "section", "assignment", "sub", "line", "page", "score"):
        assert key in first.metadata
    assert first.metadata["assignment"] == "TB2024-07" and first.metadata["sub"] == "d"
    with pytest.raises(ValueError, match="allowed"):
        LettersRetriever(index=index, mode="nope")


# --- budget lines ----------------------------------------------------------------------------------

_PLAN = "Direktoratet skal sende et fiktivt utkast til disposisjonsplan innen 1. mars 2037."
LETTER_BUDGET = Letter(
    file="tb-2037.txt", title="Tildelingsbrev 2037", kind="allocation", year=2037, date=None, reference=None,
    sha256="c" * 64,
    sections=(Section("3", "Tildelinger", 1, (
        Paragraph("761 21 Spesielle driftsutgifter 100 000", 2, 2, None, "kap. 761 post 21"),
        Paragraph(_PLAN, 3, 3, None, "kap. 761 post 21"),
        Paragraph("762 21 Spesielle driftsutgifter 200 000", 4, 4, None, "kap. 762 post 21"),
        Paragraph(_PLAN, 5, 5, None, "kap. 762 post 21"),
        Paragraph("Alle tall er i hele tusen kroner.", 6, 6),
    )),),
    assignments=(),
)


def test_a_budget_line_gets_chunks_named_by_it() -> None:
    lines = {c.header.rsplit("\n", 1)[-1]: (c.line, c.line_end) for c in chunk_letter(LETTER_BUDGET, 400)
             if c.kind == "paragraph"}
    assert lines == {"Kap. 761 post 21": (2, 3), "Kap. 762 post 21": (4, 5)}


@pytest.mark.parametrize("query, line", [
    ("Når skal disposisjonsplanen for kap. 762 post 21 sendes?", 4),
    ("Når skal disposisjonsplanen for kapittel 761, post 21 sendes?", 2),
])
def test_a_question_naming_a_budget_line_gets_its_text_first(tmp_path: Path, embedder: FakeEmbedder,
                                                              query: str, line: int) -> None:
    build_index(tmp_path, [LETTER_BUDGET], embedder)
    top = SearchIndex.open(tmp_path, Settings(), embedder).search(query, k=3, mode="full")[0]
    assert (top.chunk.line, top.reason) == (line, "budget")

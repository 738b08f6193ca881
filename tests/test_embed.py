"""Tests of index.embed: the fake embedder and the cache always; the real e5 model when it is built."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from index.embed import (
    Embedder,
    EmbeddingCache,
    FakeEmbedder,
    embed_with_cache,
    folder_fingerprint,
    looks_like_path,
)
from ingest.errors import ModelMissingError

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the real-model tests must never reach for a hub

MODEL_DIR = Path(
    os.environ.get("LETTERS_MODEL", Path.home() / ".cache" / "letters" / "multilingual-e5-small")
).expanduser()

NO = "Hva er fristen for oppdraget?"
EN = "What is the deadline for the assignment?"
UNRELATED = "Jeg liker pannekaker med syltetøy."


def items(*texts: str) -> list[tuple[str, str]]:
    return [(f"h{i}-{len(t)}", t) for i, t in enumerate(texts)]


# --------------------------------------------------------------------------- FakeEmbedder


def test_fake_vectors_are_float32_unit_length_and_deterministic() -> None:
    texts = ["frist 1. mars", "budsjett", ""]
    a = FakeEmbedder().embed_passages(texts)
    b = FakeEmbedder().embed_passages(texts)
    assert a.shape == (3, 64) and a.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(a, b)


def test_fake_marks_queries_and_passages_differently_but_keeps_them_close() -> None:
    fake = FakeEmbedder()
    q = fake.embed_queries(["psykisk helse blant unge"])[0]
    p = fake.embed_passages(["psykisk helse blant unge", "veitrafikk og bompenger"])
    assert not np.allclose(q, p[0])
    assert q @ p[0] > q @ p[1]


# --------------------------------------------------------------------------- EmbeddingCache


def test_cache_creates_a_missing_file_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "cache.sqlite"
    with EmbeddingCache(path) as cache:
        assert len(cache) == 0
    assert path.is_file()
    mode = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_cache_round_trips_vectors_per_model(tmp_path: Path) -> None:
    v = np.arange(5, dtype=np.float32) / 10
    with EmbeddingCache(tmp_path / "c.sqlite") as cache:
        cache.put_many("model-a", {"x": v, "y": v * 2})
        got = cache.get_many("model-a", ["x", "y", "unknown"])
        assert set(got) == {"x", "y"}
        np.testing.assert_array_equal(got["y"], v * 2)
        assert got["x"].dtype == np.float32
        assert cache.get_many("model-b", ["x"]) == {}  # another model never sees these vectors


def test_cache_rejects_a_matrix_as_one_vector(tmp_path: Path) -> None:
    with EmbeddingCache(tmp_path / "c.sqlite") as cache, pytest.raises(ValueError, match="one dimension"):
        cache.put_many("m", {"x": np.zeros((2, 3), dtype=np.float32)})


def test_cache_handles_more_hashes_than_one_sql_batch(tmp_path: Path) -> None:
    vectors = {f"h{i}": np.full(4, i, dtype=np.float32) for i in range(1234)}
    with EmbeddingCache(tmp_path / "c.sqlite") as cache:
        cache.put_many("m", vectors)
        got = cache.get_many("m", list(vectors))
    assert len(got) == 1234 and got["h1233"][0] == 1233


# --------------------------------------------------------------------------- embed_with_cache


def test_cache_hit_embeds_nothing(tmp_path: Path) -> None:
    fake = FakeEmbedder()
    batch = items("første avsnitt", "andre avsnitt", "tredje avsnitt")
    with EmbeddingCache(tmp_path / "c.sqlite") as cache:
        first, n_first = embed_with_cache(fake, cache, batch)
        calls, embedded = fake.calls, fake.embedded
        second, n_second = embed_with_cache(fake, cache, batch)
    assert (n_first, n_second) == (3, 0)
    assert (calls, embedded) == (1, 3)
    assert (fake.calls, fake.embedded) == (1, 3)  # the second run did not embed at all
    np.testing.assert_array_equal(first, second)


def test_only_misses_are_embedded_and_order_is_kept(tmp_path: Path) -> None:
    fake = FakeEmbedder()
    old = items("a b", "c d")
    with EmbeddingCache(tmp_path / "c.sqlite") as cache:
        embed_with_cache(fake, cache, old)
        mixed = [("new", "e f g"), old[1], old[0]]
        matrix, n = embed_with_cache(fake, cache, mixed)
    assert n == 1 and fake.embedded == 3
    np.testing.assert_array_equal(matrix, FakeEmbedder().embed_passages(["e f g", "c d", "a b"]))


def test_a_repeated_hash_is_embedded_once(tmp_path: Path) -> None:
    fake = FakeEmbedder()
    with EmbeddingCache(tmp_path / "c.sqlite") as cache:
        matrix, n = embed_with_cache(fake, cache, [("same", "tekst"), ("same", "tekst")])
    assert n == 1 and fake.embedded == 1
    assert matrix.shape == (2, 64)


def test_the_cache_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    with EmbeddingCache(path) as cache:
        embed_with_cache(FakeEmbedder(), cache, items("en", "to"))
    fake = FakeEmbedder()
    with EmbeddingCache(path) as cache:
        _, n = embed_with_cache(fake, cache, items("en", "to"))
    assert n == 0 and fake.calls == 0


def test_no_items_gives_an_empty_matrix(tmp_path: Path) -> None:
    with EmbeddingCache(tmp_path / "c.sqlite") as cache:
        matrix, n = embed_with_cache(FakeEmbedder(), cache, [])
    assert matrix.shape == (0, 64) and n == 0


# --------------------------------------------------------------------------- Embedder (no model needed)


def test_a_missing_model_folder_says_run_make_setup(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-model"
    with pytest.raises(ModelMissingError, match="make setup") as err:
        Embedder(str(missing))
    assert str(missing) in str(err.value)


@pytest.mark.parametrize(
    ("name", "is_path"),
    [
        ("/home/u/.cache/letters/multilingual-e5-small", True),
        ("~/.cache/letters/multilingual-e5-small", True),
        ("./models/e5", True),
        ("models/e5/v1", True),
        ("intfloat/multilingual-e5-small", False),
        ("all-MiniLM-L6-v2", False),
    ],
)
def test_paths_are_told_from_hub_names(name: str, is_path: bool) -> None:
    assert looks_like_path(name) is is_path


def test_model_id_changes_when_the_folder_changes(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    before = folder_fingerprint(tmp_path)
    (tmp_path / ".built").write_text("marker")  # the marker does not change the vectors
    assert folder_fingerprint(tmp_path) == before
    (tmp_path / "config.json").write_text('{"changed": 1}')
    assert folder_fingerprint(tmp_path) != before


# --------------------------------------------------------------------------- the real model


@pytest.fixture(scope="module")
def e5() -> Embedder:
    if not (MODEL_DIR / ".built").is_file():
        pytest.skip(
            f"the embedding model is not built at {MODEL_DIR} (run `make setup` or set LETTERS_MODEL)"
        )
    return Embedder(str(MODEL_DIR))


def cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b)


@pytest.mark.model
def test_real_vectors_are_float32_unit_length(e5: Embedder) -> None:
    v = e5.embed_passages(["Helsedirektoratet skal følge opp tiltaket.", "Frist: 1. mars 2024."])
    assert v.shape == (2, e5.dim) == (2, 384)
    assert v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, rtol=1e-5)


@pytest.mark.model
def test_a_norwegian_sentence_is_closest_to_its_english_translation(e5: Embedder) -> None:
    no, en, other = e5.embed_queries([NO, EN, UNRELATED])
    assert cos(no, en) > cos(no, other)
    assert cos(no, en) > cos(en, other)


@pytest.mark.model
def test_an_english_question_finds_the_norwegian_paragraph(e5: Embedder) -> None:
    passages = e5.embed_passages(
        [
            "Helsedirektoratet skal innen 1. mars levere en rapport om ventetider i psykisk helsevern.",
            "Departementet viser til budsjettet for 2023 og tildeler midler til vaksinasjonsprogrammet.",
            "Oppdraget om legemiddelmangel avsluttes, og direktoratet skal ikke rapportere videre.",
        ]
    )
    q = e5.embed_queries(["When is the report on waiting times in mental health care due?"])[0]
    assert int(np.argmax(passages @ q)) == 0


@pytest.mark.model
def test_e5_prompts_come_from_the_model_config(e5: Embedder) -> None:
    assert e5.model.prompts.get("query") == "query: "
    assert e5.model.prompts.get("passage") == "passage: "
    q = e5.embed_queries(["x"])[0]
    p = e5.embed_passages(["x"])[0]
    assert cos(q, p) < 0.999  # different prefixes, different vectors
    bare = e5.model.encode(["query: x"], normalize_embeddings=True, convert_to_numpy=True)[0]
    assert cos(q, bare) > 0.9999  # embed_queries is exactly "query: " + text


@pytest.mark.model
def test_real_model_id_is_stable_and_names_the_folder(e5: Embedder) -> None:
    again = Embedder(str(MODEL_DIR))
    assert e5.model_id == again.model_id
    assert e5.model_id.startswith(MODEL_DIR.name + "-")


@pytest.mark.model
def test_real_model_cache_hit_embeds_nothing(e5: Embedder, tmp_path: Path) -> None:
    batch = items("Frist for oppdraget er 1. juni.", "Rapporten sendes til departementet.")
    with EmbeddingCache(tmp_path / "c.sqlite") as cache:
        first, n_first = embed_with_cache(e5, cache, batch)
        second, n_second = embed_with_cache(e5, cache, batch)
    assert (n_first, n_second) == (2, 0)
    np.testing.assert_array_equal(first, second)
    np.testing.assert_allclose(first, e5.embed_passages([t for _, t in batch]), atol=1e-5)


@pytest.mark.model
def test_a_repeated_question_is_embedded_once(e5: Embedder, monkeypatch: pytest.MonkeyPatch) -> None:
    first = e5.embed_queries(["Når er fristen for rapporten om ventetider?"])
    calls: list[list[str]] = []
    real = e5._encode
    monkeypatch.setattr(e5, "_encode", lambda texts, name: calls.append(list(texts)) or real(texts, name))
    again = e5.embed_queries(["Når er fristen for rapporten om ventetider?"])
    np.testing.assert_array_equal(first, again)
    assert calls == []  # served from the recent questions
    again[0, 0] = 9.0  # a caller that writes into its copy does not change what others get
    assert e5.embed_queries(["Når er fristen for rapporten om ventetider?"])[0, 0] != 9.0
    e5.embed_queries(["Et annet spørsmål", "og et til"])
    assert calls == [["Et annet spørsmål", "og et til"]]  # batches are not memoised

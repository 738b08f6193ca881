"""Ingest: incremental updates, bad files, generations, the lock, and a build killed mid-way."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import index.build as build
from index.build import current_generation, index_lock, ingest_folder
from index.embed import FakeEmbedder
from index.search import SearchIndex
from ingest.errors import IndexBusyError, IndexMissingError
from ingest.registry import Registry
from ingest.settings import Settings
from tests.conftest import FIXTURES, ROOT

FIXTURE_LETTERS = FIXTURES / "index"
NAMES = sorted(p.name for p in FIXTURE_LETTERS.glob("*.txt"))
MODEL_DIR = Path(Settings().embedding_model).expanduser()


def _real_embedder() -> Any:
    if not (MODEL_DIR / ".built").is_file():
        pytest.skip(f"the embedding model is not built at {MODEL_DIR} (run `make setup`)")
    from index.embed import Embedder

    return Embedder(str(MODEL_DIR))


# Every test runs with the fast fake; the `model` variants repeat the key ones with the real e5 model.
@pytest.fixture(params=["fake", pytest.param("model", marks=pytest.mark.model)])
def make_embedder(request: pytest.FixtureRequest) -> Callable[[], Any]:
    if request.param == "model":
        real = _real_embedder()
        return lambda: real
    return FakeEmbedder


@pytest.fixture
def letters(tmp_path: Path) -> Path:
    folder = tmp_path / "letters"
    shutil.copytree(FIXTURE_LETTERS, folder)
    return folder


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings().replace(index_dir=tmp_path / "index")


def _generations(index_dir: Path) -> list[str]:
    return sorted(p.name for p in index_dir.iterdir() if p.name.startswith(("gen-", ".tmp-gen-")))


def _letters_in_index(settings: Settings, embedder: Any) -> set[str]:
    return {c.letter for c in SearchIndex.open(settings.index_dir, settings, embedder).all_chunks()}


# --- incremental -------------------------------------------------------------------------------------


def test_incremental_ingest_embeds_only_what_changed(letters: Path, settings: Settings,
                                                     make_embedder: Callable[[], Any]) -> None:
    emb = make_embedder()
    first = ingest_folder(letters, settings, emb)
    assert first["added"] == NAMES and first["failed"] == [] and first["updated"] == first["removed"] == []
    assert first["letters"] == 3 and first["assignments"] >= 3
    assert first["embedded"] == first["chunks"] > 0
    assert set(first) == {"added", "updated", "removed", "unchanged", "failed", "skipped", "letters", "assignments",
                          "chunks", "changes", "seconds", "embedded", "report"}
    assert sorted(r["file"] for r in first["report"]) == NAMES
    gen1 = current_generation(settings.index_dir)

    second = ingest_folder(letters, settings, emb)
    assert second["unchanged"] == NAMES and second["added"] == second["updated"] == []
    assert second["embedded"] == 0 and second["chunks"] == first["chunks"]
    assert current_generation(settings.index_dir) == gen1  # nothing changed: no new generation

    changed = letters / "tildelingsbrev-2024.txt"
    changed.write_text(changed.read_text(encoding="utf-8").replace("fem kommuner", "seks kommuner"), encoding="utf-8")
    third = ingest_folder(letters, settings, emb)
    assert third["updated"] == ["tildelingsbrev-2024.txt"]
    assert sorted(third["unchanged"]) == [n for n in NAMES if n != "tildelingsbrev-2024.txt"]
    own = [c for c in SearchIndex.open(settings.index_dir, settings, emb).all_chunks()
           if c.letter == "tildelingsbrev-2024.txt"]
    assert 0 < third["embedded"] <= len(own)  # only the changed letter's new text was embedded
    hits = SearchIndex.open(settings.index_dir, settings, emb).search("seks kommuner", k=3, mode="bm25")
    assert hits and hits[0].chunk.letter == "tildelingsbrev-2024.txt" and "seks kommuner" in hits[0].chunk.text

    (letters / "tildelingsbrev-2021.txt").unlink()
    fourth = ingest_folder(letters, settings, emb)
    assert fourth["removed"] == ["tildelingsbrev-2021.txt"] and fourth["embedded"] == 0
    assert fourth["letters"] == 2
    index = SearchIndex.open(settings.index_dir, settings, emb)
    assert "tildelingsbrev-2021.txt" not in {c.letter for c in index.all_chunks()}
    for mode in ("bm25", "hybrid", "full"):
        assert all(h.chunk.letter != "tildelingsbrev-2021.txt"
                   for h in index.search("turstier TB2021-01", k=10, mode=mode))
    assert index.chunks_for("TB2021-01") == []


def test_fake_embedder_counts_match_the_report(letters: Path, settings: Settings) -> None:
    emb = FakeEmbedder()
    first = ingest_folder(letters, settings, emb)
    assert emb.embedded == first["embedded"]
    ingest_folder(letters, settings, emb)
    assert emb.embedded == first["embedded"]  # the unchanged run embedded nothing
    # A fresh index folder sharing nothing re-embeds; the same folder's cache survives generations.
    target = letters / "supplerende-2025.txt"
    target.write_text(target.read_text(encoding="utf-8") + "\nDirektoratet skal rapportere kvartalsvis.\n",
                      encoding="utf-8")
    third = ingest_folder(letters, settings, emb)
    assert emb.embedded == first["embedded"] + third["embedded"]


def test_chunker_change_rechunks_from_the_registry_without_reparsing(letters: Path, settings: Settings,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    emb = FakeEmbedder()
    first = ingest_folder(letters, settings, emb)
    reads: list[Path] = []
    monkeypatch.setattr(build, "read_letter", lambda p: reads.append(p))
    again = ingest_folder(letters, settings.replace(max_chunk_tokens=30), emb)
    assert reads == [] and again["unchanged"] == NAMES
    assert again["chunks"] > first["chunks"] and again["embedded"] > 0
    assert all(c.kind for c in SearchIndex.open(settings.index_dir, settings, emb).all_chunks())


def test_another_embedding_model_rebuilds_every_vector(letters: Path, settings: Settings) -> None:
    ingest_folder(letters, settings, FakeEmbedder(64))
    other = FakeEmbedder(32)
    report = ingest_folder(letters, settings, other)
    assert report["embedded"] == report["chunks"] and report["unchanged"] == NAMES
    assert SearchIndex.open(settings.index_dir, settings, other).search("sykkelvennlige", mode="dense")


def test_progress_reports_each_stage(letters: Path, settings: Settings) -> None:
    seen: list[tuple[str, int, int]] = []
    ingest_folder(letters, settings, FakeEmbedder(), progress=lambda *a: seen.append(a))
    stages = [s for s, _, _ in seen]
    assert {"parse", "embed", "save"} <= set(stages)
    assert ("parse", len(NAMES), len(NAMES)) in seen


# --- bad files ---------------------------------------------------------------------------------------


def test_bad_files_are_reported_and_the_rest_indexed(letters: Path, settings: Settings,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    (letters / "tom.txt").write_text("")
    (letters / "skadet.pdf").write_bytes(b"%PDF-1.4\nthis is not really a pdf\n%%EOF")
    (letters / "notat.xyz").write_text("hei")
    (letters / ".skjult.txt").write_text("ignored")
    emb = FakeEmbedder()
    report = ingest_folder(letters, settings, emb)
    failed = {f["file"]: f["error"] for f in report["failed"]}
    assert set(failed) == {"tom.txt", "skadet.pdf", "notat.xyz"}
    assert "empty" in failed["tom.txt"]
    assert "PDF" in failed["skadet.pdf"]
    assert "unsupported file type '.xyz'" in failed["notat.xyz"] and ".pdf" in failed["notat.xyz"]
    assert report["added"] == NAMES and report["letters"] == 3
    assert _letters_in_index(settings, emb) == set(NAMES)
    with Registry(current_generation(settings.index_dir) / "registry.sqlite") as reg:
        files = reg.files()
    assert files["tom.txt"][1] == "failed" and "empty" in (files["tom.txt"][2] or "")

    # Not retried while unchanged: the reader is never called again, and the failure is still reported.
    calls: list[str] = []
    real = build.read_letter
    monkeypatch.setattr(build, "read_letter", lambda p, *limits: calls.append(p.name) or real(p, *limits))
    again = ingest_folder(letters, settings, emb)
    assert calls == [] and {f["file"] for f in again["failed"]} == set(failed)

    # Fixed: retried because its hash changed, and now indexed.
    shutil.copy(FIXTURE_LETTERS / "tildelingsbrev-2024.txt", letters / "tom.txt")
    fixed = ingest_folder(letters, settings, emb)
    assert calls == ["tom.txt"] and fixed["added"] == ["tom.txt"]
    assert "tom.txt" not in {f["file"] for f in fixed["failed"]}


def test_a_good_letter_replaced_by_a_bad_file_leaves_the_index(letters: Path, settings: Settings) -> None:
    emb = FakeEmbedder()
    ingest_folder(letters, settings, emb)
    (letters / "tildelingsbrev-2024.txt").write_text("")
    report = ingest_folder(letters, settings, emb)
    assert [f["file"] for f in report["failed"]] == ["tildelingsbrev-2024.txt"] and report["letters"] == 2
    assert "tildelingsbrev-2024.txt" not in _letters_in_index(settings, emb)


def test_a_huge_letter_fails_at_once_and_the_others_are_indexed(letters: Path, settings: Settings) -> None:
    # Hostile input seen: a 50 MB letter-like text held the build lock for 412 s and produced 55,061 assignments.
    one = (FIXTURE_LETTERS / "tildelingsbrev-2024.txt").read_text(encoding="utf-8")
    (letters / "stor.txt").write_text(one * (2 * 1024 * 1024 // len(one) + 1), encoding="utf-8")
    started = time.monotonic()
    report = ingest_folder(letters, settings.replace(max_letter_mb=1), FakeEmbedder())
    assert time.monotonic() - started < 60
    failed = {f["file"]: f["error"] for f in report["failed"]}
    assert list(failed) == ["stor.txt"] and "the limit is 1 MB" in failed["stor.txt"]
    assert "max_letter_mb" in failed["stor.txt"] and "LETTERS_MAX_LETTER_MB" in failed["stor.txt"]
    assert report["added"] == NAMES and report["letters"] == len(NAMES)


def test_a_letter_with_too_many_assignments_fails(letters: Path, settings: Settings) -> None:
    report = ingest_folder(letters, settings.replace(max_assignments_per_letter=1), FakeEmbedder())
    failed = {f["file"]: f["error"] for f in report["failed"]}
    assert failed and all("limit is 1 per letter" in e and "LETTERS_MAX_ASSIGNMENTS" in e for e in failed.values())
    assert set(failed) | set(report["added"]) == set(NAMES)


def test_links_out_of_the_folder_and_sub_folders_are_reported_not_read(tmp_path: Path, letters: Path,
                                                                     settings: Settings) -> None:
    outside = tmp_path / "utenfor"
    outside.mkdir()
    shutil.copy(FIXTURE_LETTERS / "tildelingsbrev-2024.txt", outside / "hemmelig.txt")
    (letters / "lenke-ut.txt").symlink_to(outside / "hemmelig.txt")
    (letters / "passwd.txt").symlink_to("/etc/passwd")
    (letters / "brutt.txt").symlink_to(letters / "finnes-ikke.txt")
    (letters / "lenke-inn.txt").symlink_to(letters / "tildelingsbrev-2021.txt")  # inside the folder: read
    (letters / "arkiv").mkdir()
    shutil.copy(FIXTURE_LETTERS / "supplerende-2025.txt", letters / "arkiv" / "gammel.txt")
    os.mkfifo(letters / "kø.txt")  # reading a pipe would hang the build
    report = ingest_folder(letters, settings, FakeEmbedder())
    skipped = {s["file"]: s["reason"] for s in report["skipped"]}
    assert set(skipped) == {"lenke-ut.txt", "passwd.txt", "brutt.txt", "arkiv", "kø.txt"}
    assert "outside the letters folder" in skipped["lenke-ut.txt"] and "outside" in skipped["passwd.txt"]
    assert "broken link" in skipped["brutt.txt"] and "sub-folder" in skipped["arkiv"]
    assert "not a regular file" in skipped["kø.txt"]
    assert report["failed"] == [] and report["added"] == sorted([*NAMES, "lenke-inn.txt"])


def test_cli_ingest_reports_skipped_files_and_exit_codes(tmp_path: Path, letters: Path, settings: Settings,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    import index.embed
    from ui.cli import EXIT_SOME_FAILED, app

    monkeypatch.setattr(index.embed, "Embedder", lambda model: FakeEmbedder())
    (letters / "arkiv").mkdir()
    args = ["ingest", "--letters", str(letters), "--index", str(settings.index_dir)]
    ok = CliRunner().invoke(app, args)
    assert ok.exit_code == 0, ok.output
    assert "skipped: arkiv: a sub-folder" in ok.output
    (letters / "tom.txt").write_text("")
    bad = CliRunner().invoke(app, [*args, "--json"])
    # Some files failed: the good ones are committed and the exit code says so.
    assert bad.exit_code == EXIT_SOME_FAILED == 3, bad.output
    data = json.loads(bad.stdout)
    assert [f["file"] for f in data["failed"]] == ["tom.txt"] and data["letters"] == len(NAMES)
    assert data["skipped"] == [{"file": "arkiv", "reason": data["skipped"][0]["reason"]}]
    assert "exit" in CliRunner().invoke(app, ["ingest", "--help"]).output.lower()


@pytest.mark.parametrize(("code", "serves"), [(0, True), (3, True), (2, False)])
def test_make_run_starts_the_chat_when_only_some_letters_failed(tmp_path: Path, code: int, serves: bool) -> None:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    stub = tmp_path / "bin"
    stub.mkdir()
    (stub / "letters").write_text(f"#!/bin/sh\necho \"$1\" >> {tmp_path}/calls\n[ \"$1\" = ingest ] && exit {code}\nexit 0\n")
    (stub / "letters").chmod(0o755)
    proc = subprocess.run(["make", "-s", "-o", "setup", "run", f"BIN={stub}", f"LETTERS_DIR={tmp_path}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    calls = (tmp_path / "calls").read_text().split()
    assert calls == (["ingest", "serve"] if serves else ["ingest"]), proc.stderr
    assert (proc.returncode == 0) == serves


def test_missing_letters_folder_is_a_clear_error(tmp_path: Path, settings: Settings) -> None:
    with pytest.raises(Exception, match="letters folder .* does not exist"):
        ingest_folder(tmp_path / "nope", settings, FakeEmbedder())


# --- generations -------------------------------------------------------------------------------------


def test_generations_switch_atomically_and_only_two_are_kept(letters: Path, settings: Settings) -> None:
    emb = FakeEmbedder()
    target = letters / "supplerende-2025.txt"
    seen = []
    for i in range(4):
        target.write_text(target.read_text(encoding="utf-8") + f"\nEndring nummer {i} i teksten.\n", encoding="utf-8")
        ingest_folder(letters, settings, emb)
        seen.append(current_generation(settings.index_dir).name)
    assert len(set(seen)) == 4
    assert _generations(settings.index_dir) == sorted(seen[-2:])
    assert (settings.index_dir / "CURRENT").read_text().strip() == seen[-1]
    assert (settings.index_dir / "embeddings.sqlite").is_file()


def test_no_index_means_a_clear_message(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError, match=r"no index in .*: run `letters ingest --letters DIR`"):
        current_generation(tmp_path)


def test_a_current_pointing_nowhere_is_rebuilt(letters: Path, settings: Settings) -> None:
    emb = FakeEmbedder()
    ingest_folder(letters, settings, emb)
    (settings.index_dir / "CURRENT").write_text("gen-gone")
    with pytest.raises(IndexMissingError, match="missing"):
        current_generation(settings.index_dir)
    report = ingest_folder(letters, settings, emb)
    assert report["added"] == NAMES and report["embedded"] == 0  # the shared cache still had every vector
    assert SearchIndex.open(settings.index_dir, settings, emb).search("fysioterapi", mode="hybrid")


def test_a_damaged_generation_is_rebuilt_from_its_registry(letters: Path, settings: Settings) -> None:
    emb = FakeEmbedder()
    ingest_folder(letters, settings, emb)
    (current_generation(settings.index_dir) / "vectors.faiss").write_bytes(b"broken")
    report = ingest_folder(letters, settings, emb)
    assert report["unchanged"] == NAMES and report["chunks"] > 0
    assert SearchIndex.open(settings.index_dir, settings, emb).search("fysioterapi", mode="dense")


# --- the lock ----------------------------------------------------------------------------------------


def test_a_second_ingest_fails_at_once_while_one_runs(letters: Path, settings: Settings) -> None:
    with index_lock(settings.index_dir):
        with pytest.raises(IndexBusyError, match=r"another `letters ingest` .* is updating the index"):
            ingest_folder(letters, settings, FakeEmbedder())
        t0 = time.monotonic()
        with pytest.raises(IndexBusyError, match="waited 0.3 s"):
            ingest_folder(letters, settings, FakeEmbedder(), lock_timeout=0.3)
        assert time.monotonic() - t0 >= 0.3
    assert ingest_folder(letters, settings, FakeEmbedder())["added"] == NAMES


def test_a_waiting_ingest_runs_when_the_lock_is_released(letters: Path, settings: Settings) -> None:
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with index_lock(settings.index_dir):
            held.set()
            release.wait(10)

    t = threading.Thread(target=hold)
    t.start()
    held.wait(10)
    threading.Timer(0.3, release.set).start()
    report = ingest_folder(letters, settings, FakeEmbedder(), lock_timeout=10)
    t.join()
    assert report["added"] == NAMES


# --- killed mid-build --------------------------------------------------------------------------------

SLOW_INGEST = textwrap.dedent('''
    """Run one ingest whose embedder announces itself, then sleeps: the test kills it there."""
    import os
    import sys
    import time
    from pathlib import Path

    from index.build import ingest_folder
    from index.embed import Embedder, FakeEmbedder
    from ingest.settings import Settings


    class Slow:
        def __init__(self, base):
            self.base = base

        @property
        def model_id(self):
            return self.base.model_id

        @property
        def dim(self):
            return self.base.dim

        def embed_queries(self, texts):
            return self.base.embed_queries(texts)

        def embed_passages(self, texts):
            Path(os.environ["EMBED_STARTED"]).touch()
            time.sleep(float(os.environ["SLOW_EMBED_SECONDS"]))
            return self.base.embed_passages(texts)


    model = os.environ.get("REAL_MODEL")
    base = Embedder(model) if model else FakeEmbedder()
    ingest_folder(Path(sys.argv[1]), Settings().replace(index_dir=sys.argv[2]), Slow(base))
''')


def test_killed_build_leaves_the_previous_generation_serving(tmp_path: Path, letters: Path, settings: Settings,
                                                            make_embedder: Callable[[], Any]) -> None:
    emb = make_embedder()
    ingest_folder(letters, settings, emb)
    before = current_generation(settings.index_dir)
    query = "ventetider for fysioterapi"
    expected = [h.chunk.id for h in SearchIndex.open(settings.index_dir, settings, emb).search(query, mode="hybrid")]
    assert expected

    new_letter = (FIXTURE_LETTERS / "tildelingsbrev-2024.txt").read_text(encoding="utf-8")
    (letters / "tildelingsbrev-2024-kopi.txt").write_text(new_letter.replace("fem kommuner", "åtte fylker"),
                                                          encoding="utf-8")
    script = tmp_path / "slow_ingest.py"
    script.write_text(SLOW_INGEST)
    marker = tmp_path / "embedding-started"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "EMBED_STARTED": str(marker), "SLOW_EMBED_SECONDS": "120"}
    if not isinstance(emb, FakeEmbedder):
        env["REAL_MODEL"] = str(MODEL_DIR)
    proc = subprocess.Popen([sys.executable, str(script), str(letters), str(settings.index_dir)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else "the build exited"
            assert time.monotonic() < deadline, "the build never started embedding"
            time.sleep(0.05)
        # While it embeds it holds the lock: a second ingest from another process fails clearly.
        with pytest.raises(IndexBusyError, match="another `letters ingest`"):
            ingest_folder(letters, settings, emb)
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)

    assert current_generation(settings.index_dir) == before
    assert any(n.startswith(".tmp-gen-") for n in _generations(settings.index_dir))  # the half-built one
    index = SearchIndex.open(settings.index_dir, settings, emb)
    assert [h.chunk.id for h in index.search(query, mode="hybrid")] == expected
    assert "tildelingsbrev-2024-kopi.txt" not in {c.letter for c in index.all_chunks()}

    # The next ingest takes the released lock, clears the leftover and finishes the job.
    report = ingest_folder(letters, settings, emb)
    assert report["added"] == ["tildelingsbrev-2024-kopi.txt"]
    assert not any(n.startswith(".tmp-gen-") for n in _generations(settings.index_dir))
    index.refresh()
    assert "tildelingsbrev-2024-kopi.txt" in {c.letter for c in index.all_chunks()}


# --- the shared fixture letters and the real letters ----------------------------------------------------


def _ingest_and_check_routing(folder: Path, settings: Settings) -> dict[str, Any]:
    """Ingest `folder`; every assignment with a complete ID must come first when a question names it."""
    from index.chunks import count_tokens, split_sentences
    from ingest import norsk

    emb = FakeEmbedder()
    report = ingest_folder(folder, settings, emb)
    assert report["failed"] == [] and report["chunks"] > 0
    index = SearchIndex.open(settings.index_dir, settings, emb)
    for c in index.all_chunks():
        single = len(c.text.split("\n\n")) == 1 and len(split_sentences(c.text)) == 1
        assert count_tokens(c.text) <= settings.max_chunk_tokens or single, (c.letter, c.line)
    with Registry(current_generation(settings.index_dir) / "registry.sqlite") as reg:
        rows = reg.assignments()
    for row in rows:
        key = norsk.id_key(row["id"])
        if not key:
            continue
        top = index.search(f"Hva går {row['id']} ut på?", k=3, mode="full")[0]
        names = {norsk.id_key(top.chunk.assignment or "")} | {
            norsk.id_key(a) for info in index.store.assignments.values()
            if info.letter == top.chunk.letter and info.id == top.chunk.assignment for a in info.aliases}
        assert top.reason == "id" and key in names, (row["id"], top.chunk.assignment)
    return report


def test_shared_fixture_letters_index_and_route(settings: Settings) -> None:
    folder = FIXTURES / "letters"
    if not any(folder.glob("*.*")):
        pytest.skip("no shared fixture letters yet")
    report = _ingest_and_check_routing(folder, settings)
    assert report["letters"] == len(list(folder.glob("*.*")))


@pytest.mark.real
def test_real_letters_index_and_route(real_letters: Path, settings: Settings) -> None:
    report = _ingest_and_check_routing(real_letters, settings)
    assert report["letters"] == len([p for p in real_letters.iterdir() if p.is_file()])

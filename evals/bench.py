"""The benchmark behind `letters bench`: ingest, cold start, warm ask and search latency, memory against corpus size.

Figures are medians (p50) and p95 of wall time. Everything real runs on a copy of the letters
in a temporary folder, so the user's index is never touched. The scale curve uses synthetic
unit vectors and synthetic text through the same `index.store.Store` and `index.search.SearchIndex`
the real index uses; query embedding is timed separately, so the curve shows what grows with
the corpus. Each size is searched in a fresh process, so its memory figure is not muddied by
the sizes before it. The naive baseline is timed in the same run, so ratios compare like with like.
"""

from __future__ import annotations

import contextlib
import gc
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from evals.metrics import percentile
from ingest.errors import LettersError, SettingsError
from ingest.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PLOT = ROOT / "docs" / "latency.png"
DEFAULT_GOLD = Path(__file__).resolve().parent / "gold.jsonl"
SIZES = (1000, 10_000, 100_000)
SYNTHETIC_DIM = 384  # multilingual-e5-small
SYNTHETIC_WORDS = 60  # words per synthetic chunk: about a real paragraph chunk
SYNTHETIC_VOCAB = 20_000
SEARCH_QUERIES = 200
SEARCH_WARMUP = 5
COLD_RUNS = 3
MAX_PER_TYPE = 40  # bounds the run: 118 deadline questions say no more about latency than 40 do
MIN_SAMPLES = 20  # a type with fewer questions is asked round again until it has this many timings
WARMUP_ASKS = 3
# Used when there is no gold set yet: one question per type, phrased like a user would.
FALLBACK_QUESTIONS = {
    "deadline": "Hva er fristen for TB2024-07?",
    "responsible": "Hvilken avdeling eier TB2024-07?",
    "content": "Hva går oppdraget TB2025-74 ut på?",
    "topic": "Which assignment is about e-cigarettes?",
    "list": "Hvilke oppdrag har frist i mars 2024?",
    "negative": "Hva er fristen for TB2030-99?",
}


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def _p(values: Sequence[float]) -> dict[str, Any]:
    p50, p95 = percentile(values, 50), percentile(values, 95)
    return {"n": len(values), "p50_ms": None if p50 is None else round(p50, 2),
            "p95_ms": None if p95 is None else round(p95, 2)}


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a is not None and b else None


def rss_bytes() -> int | None:
    """Resident memory of this process now (Linux /proc); None where that is not available."""
    try:
        resident = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return resident * os.sysconf("SC_PAGE_SIZE")


def _child_env() -> dict[str, str]:
    """The environment for our own child processes: this checkout importable even when not installed."""
    return dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))


def _folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


# --- questions -------------------------------------------------------------------------------------


def bench_questions(gold: Path | None = None) -> dict[str, list[str]]:
    """Gold questions grouped by type (follow-ups left out: they need their history); a fallback set without gold."""
    path = gold or DEFAULT_GOLD
    if not path.is_file():
        return {t: [q] for t, q in FALLBACK_QUESTIONS.items()}
    from evals.runner import load_gold

    grouped: dict[str, list[str]] = {}
    for item in load_gold(path):
        qs = grouped.setdefault(item["type"], [])
        if not item.get("history") and len(qs) < MAX_PER_TYPE:
            qs.append(item["question"])
    return {t: qs for t, qs in grouped.items() if qs}


def time_asks(ask: Callable[[str], Any], questions: dict[str, list[str]],
              min_samples: int = MIN_SAMPLES, reset: Callable[[], None] | None = None) -> dict[str, Any]:
    """p50/p95 of `ask` per question type and over all, after a few untimed warm-up questions;
    `reset` runs untimed before each ask (it drops the embedder's remembered question vectors, so a
    repeated question costs what a new one does)."""
    flat = [q for qs in questions.values() for q in qs]
    for q in flat[:WARMUP_ASKS]:
        with contextlib.suppress(Exception):
            ask(q)
    by_type: dict[str, list[float]] = {}
    errors = 0
    for qtype, qs in questions.items():
        for q in qs:
            for _ in range(max(1, math.ceil(min_samples / len(qs)))):
                if reset is not None:
                    reset()
                t0 = time.perf_counter()
                try:
                    ask(q)
                except Exception:  # noqa: BLE001 - a failing question is counted, not fatal to the benchmark
                    errors += 1
                    continue
                by_type.setdefault(qtype, []).append((time.perf_counter() - t0) * 1000)
    every = [ms for v in by_type.values() for ms in v]
    return _p(every) | {"errors": errors, "by_type": {t: _p(v) for t, v in by_type.items()}}


# --- ingest ----------------------------------------------------------------------------------------


def _copy_letters(src: Path, dst: Path) -> list[Path]:
    dst.mkdir(parents=True)
    files = sorted(p for p in src.iterdir() if p.is_file() and not p.name.startswith((".", "~$")))
    for p in files:
        shutil.copy2(p, dst / p.name)
    return [dst / p.name for p in files]


def bench_ingest(letters: Path, index_dir: Path, settings: Settings, embedder: Any) -> dict[str, Any]:
    """Full ingest and a re-ingest with nothing changed into `index_dir`, and one letter added to an index without it.

    The added letter is held out of a second index (its vectors never cached there) and then
    dropped in under a new name, so its ingest costs what a really new letter costs: exactly
    its own chunks embedded. A plain copy would hit the embedding cache and embed nothing.
    """
    from index.build import ingest_folder

    timed: dict[str, Any] = {}
    s = settings.replace(index_dir=index_dir, letters_dir=letters)
    for step in ("full", "unchanged"):
        t0 = time.perf_counter()
        report = ingest_folder(letters, s, embedder=embedder)
        timed[step] = {"seconds": round(time.perf_counter() - t0, 3), "letters": report["letters"],
                       "chunks": report["chunks"], "embedded": report.get("embedded"), "failed": report["failed"]}
    timed["unchanged"]["ok"] = timed["unchanged"]["embedded"] == 0
    timed["add_one"] = _bench_add_one(letters, index_dir.parent / "index-add-one", settings, embedder)
    return timed


def _bench_add_one(letters: Path, index_dir: Path, settings: Settings, embedder: Any) -> dict[str, Any]:
    from index.build import ingest_folder

    files = sorted((p for p in letters.iterdir() if p.is_file()), key=lambda p: p.stat().st_size)
    held_out = files[len(files) // 2]  # the median-sized letter stands for "a new letter"
    folder = index_dir.parent / "letters-add-one"
    folder.mkdir()
    for p in files:
        if p != held_out:
            shutil.copy2(p, folder / p.name)
    s = settings.replace(index_dir=index_dir, letters_dir=folder)
    before = ingest_folder(folder, s, embedder=embedder)
    new = folder / f"bench-added-{held_out.name}"
    shutil.copy2(held_out, new)
    t0 = time.perf_counter()
    report = ingest_folder(folder, s, embedder=embedder)
    seconds = time.perf_counter() - t0
    new_chunks = report["chunks"] - before["chunks"]
    shutil.rmtree(index_dir, ignore_errors=True)
    shutil.rmtree(folder, ignore_errors=True)
    return {"seconds": round(seconds, 3), "letter": held_out.name, "added": report["added"],
            "new_chunks": new_chunks, "embedded": report.get("embedded"), "failed": report["failed"],
            "ok": report["added"] == [new.name] and report.get("embedded") == new_chunks}


def _letters_command() -> list[str]:
    script = Path(sys.executable).parent / "letters"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "ui.cli"]


def bench_cold_start(index_dir: Path, settings: Settings, question: str, runs: int = COLD_RUNS) -> dict[str, Any]:
    """`letters ask --json` in a new process, from start to answer: model load, index load and one answer."""
    env = _child_env() | {"LETTERS_MODEL": settings.embedding_model, "HF_HUB_OFFLINE": "1",
                          "TRANSFORMERS_OFFLINE": "1"}
    cmd = [*_letters_command(), "ask", question, "--json", "--index", str(index_dir)]
    seconds, error = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, check=False)
        elapsed = time.perf_counter() - t0
        if proc.returncode != 0:
            error = (proc.stderr or proc.stdout).strip()[-500:]
            continue
        json.loads(proc.stdout)  # a cold start that prints no answer is no cold start
        seconds.append(elapsed)
    return {"question": question, "runs": len(seconds), "median_s": round(statistics.median(seconds), 3)
            if seconds else None, "all_s": [round(x, 3) for x in seconds], "error": error}


# --- the scale curve -------------------------------------------------------------------------------


class FixedQueryEmbedder:
    """Hands out pre-made unit vectors, so search timing at scale leaves query embedding out."""

    def __init__(self, vectors: np.ndarray, model_id: str):
        self.vectors = vectors
        self._model_id = model_id
        self._next = 0

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        rows = [self.vectors[(self._next + i) % len(self.vectors)] for i in range(len(texts))]
        self._next += len(texts)
        return np.stack(rows)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self.embed_queries(texts)


def _unit(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    m = rng.standard_normal((n, dim)).astype("float32")
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def _words(rng: np.random.Generator, n: int) -> list[str]:
    # Zipf-like word frequencies, as in real text, so BM25 posting lists have realistic lengths.
    ranks = np.minimum(rng.zipf(1.3, n), SYNTHETIC_VOCAB)
    return [f"ord{r}" for r in ranks]


def build_synthetic(index_dir: Path, n: int, dim: int = SYNTHETIC_DIM, seed: int = 0) -> dict[str, Any]:
    """Save an index of `n` synthetic chunks as a served generation of `index_dir`; returns build facts."""
    from index.build import CURRENT, GEN_PREFIX
    from index.records import Chunk
    from index.store import Store

    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    store = Store(dim, "synthetic", exact_index_max=Settings().exact_index_max)
    words = _words(rng, n * SYNTHETIC_WORDS)
    chunks = [Chunk(id=f"{i + 1:032x}", letter=f"synthetic-{i // 200:04d}.txt", title="Synthetic letter",
                    year=2024, section="1 Oppdrag", assignment=None, sub=None, line=i % 200 * 5 + 1,
                    line_end=i % 200 * 5 + 4, page=None, header="",
                    text=" ".join(words[i * SYNTHETIC_WORDS:(i + 1) * SYNTHETIC_WORDS]), kind="section")
              for i in range(n)]
    store.add(chunks, _unit(rng, n, dim))
    store.finalize()
    gen = index_dir / f"{GEN_PREFIX}synthetic"
    store.save(gen)
    (index_dir / CURRENT).write_text(gen.name + "\n", encoding="utf-8")
    return {"build_s": round(time.perf_counter() - t0, 2), "index_bytes": _folder_bytes(gen),
            "faiss_bytes": (gen / "vectors.faiss").stat().st_size}


def measure_search(index_dir: str, dim: int, queries: list[str], seed: int = 1) -> dict[str, Any]:
    """In a fresh process: load the index, then time hybrid search and the FAISS part alone; RSS delta of the load."""
    from index.search import SearchIndex

    qvecs = _unit(np.random.default_rng(seed), len(queries), dim)
    gc.collect()
    before = rss_bytes()
    t0 = time.perf_counter()
    index = SearchIndex(Path(index_dir), Settings(), embedder=FixedQueryEmbedder(qvecs, "synthetic"))
    store = index.store  # loads the generation
    load_s = time.perf_counter() - t0
    after = rss_bytes()
    for q in queries[:SEARCH_WARMUP]:
        index.search(q, k=10, mode="hybrid")
    hybrid, dense = [], []
    for q, v in zip(queries, qvecs, strict=True):
        t0 = time.perf_counter()
        index.search(q, k=10, mode="hybrid")
        t1 = time.perf_counter()
        store.dense_search(v, 10)
        hybrid.append((t1 - t0) * 1000)
        dense.append((time.perf_counter() - t1) * 1000)
    return {"load_s": round(load_s, 2), "rss_delta_bytes": after - before if after and before else None,
            "search": _p(hybrid), "faiss": _p(dense), "index_type": store.index_type}


def _measure_in_child(index_dir: Path, dim: int, queries: list[str]) -> dict[str, Any]:
    # A plain subprocess rather than multiprocessing: spawn would re-run the caller's main script.
    qfile = index_dir / "queries.json"
    qfile.write_text(json.dumps(queries), encoding="utf-8")
    cmd = [sys.executable, "-m", "evals.bench", "measure-search", str(index_dir), str(dim), str(qfile)]
    proc = subprocess.run(cmd, env=_child_env(), capture_output=True, text=True, timeout=600, check=False)
    if proc.returncode != 0:
        raise LettersError(f"the search measurement failed: {proc.stderr.strip()[-800:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def bench_scale(sizes: Sequence[int], workdir: Path, dim: int = SYNTHETIC_DIM) -> list[dict[str, Any]]:
    """Search latency and memory at each corpus size, each size searched in a fresh process."""
    rng = np.random.default_rng(7)
    queries = [" ".join(_words(rng, 6)) for _ in range(SEARCH_QUERIES)]
    points = []
    for n in sizes:
        index_dir = workdir / f"scale-{n}"
        index_dir.mkdir(parents=True)
        facts = build_synthetic(index_dir, n, dim)
        gc.collect()
        points.append({"chunks": n} | facts | _measure_in_child(index_dir, dim, queries))
        shutil.rmtree(index_dir, ignore_errors=True)
    return points


# --- the whole benchmark ---------------------------------------------------------------------------


def run_bench(settings: Settings, sizes: Sequence[int] = SIZES, plot: Path | None = DEFAULT_PLOT,
              gold: Path | None = None, embedder: Any = None, cold_runs: int = COLD_RUNS) -> dict[str, Any]:
    """Every benchmark figure as one dict (the `letters bench --json` output); draws `plot` when given."""
    from assistant.service import Assistant
    from evals.naive import NaiveBaseline

    if settings.letters_dir is None:
        raise SettingsError("the benchmark ingests the letters: pass --letters DIR or set LETTERS_DIR")
    if embedder is None:
        from index.embed import Embedder

        embedder = Embedder(settings.embedding_model)
    result: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]}}
    t0 = time.perf_counter()
    embedder.embed_queries(["warm"])  # loads the model once, for everything below
    result["model_load_s"] = round(time.perf_counter() - t0, 2)
    questions = bench_questions(gold)
    flat = [q for qs in questions.values() for q in qs]
    with tempfile.TemporaryDirectory(prefix="letters-bench-") as tmp:
        work = Path(tmp)
        letters = work / "letters"
        _copy_letters(Path(settings.letters_dir), letters)
        index_dir = work / "index"
        result["ingest"] = bench_ingest(letters, index_dir, settings, embedder)
        s = settings.replace(index_dir=index_dir, letters_dir=letters)
        # Two cold starts: a question answered from the registry by ID (no model load) and one that
        # needs retrieval, so the model load is in it.
        cold = {"by_id": (questions.get("deadline") or flat)[0], "retrieval": (questions.get("topic") or flat)[-1]}
        result["cold_start"] = {k: bench_cold_start(index_dir, s, q, cold_runs) for k, q in cold.items()} \
            if cold_runs else None
        assistant = Assistant(s, config="full", embedder=embedder)
        forget = getattr(embedder, "forget_queries", None)
        result["ask_full"] = time_asks(lambda q: assistant.ask(q), questions, reset=forget)
        naive = NaiveBaseline(s, embedder=embedder)
        naive.chunk_count()
        result["naive_build_s"] = round(naive.build_seconds or 0.0, 2)
        result["ask_naive"] = time_asks(lambda q: naive.ask(q), questions, reset=forget)
        embed_ms = []
        for q in flat:
            if forget is not None:
                forget()
            t1 = time.perf_counter()
            embedder.embed_queries([q])
            embed_ms.append((time.perf_counter() - t1) * 1000)
        result["query_embed"] = _p(embed_ms)
        result["scale"] = bench_scale(sizes, work)
    result["ratios"] = _ratios(result)
    if plot is not None and result["scale"]:
        write_plot(result["scale"], plot)
        result["plot"] = str(plot)
    return result


def _ratios(r: dict[str, Any]) -> dict[str, float | None]:
    full, naive = r["ask_full"], r["ask_naive"]
    out = {"ask_p50_full_vs_naive": _ratio(full["p50_ms"], naive["p50_ms"]),
           "ask_p95_full_vs_naive": _ratio(full["p95_ms"], naive["p95_ms"])}
    cold = (r.get("cold_start") or {}).get("retrieval") or {}
    if cold.get("median_s") and full["p50_ms"]:
        out["cold_start_vs_warm_ask_p50"] = _ratio(cold["median_s"] * 1000, full["p50_ms"])
    ingest = r["ingest"]
    out["reingest_vs_full_ingest"] = _ratio(ingest["unchanged"]["seconds"], ingest["full"]["seconds"])
    scale = r["scale"]
    if len(scale) >= 2:
        lo, hi = scale[0], scale[-1]
        out[f"search_p50_{hi['chunks']}_vs_{lo['chunks']}"] = _ratio(hi["search"]["p50_ms"], lo["search"]["p50_ms"])
        out[f"index_bytes_{hi['chunks']}_vs_{lo['chunks']}"] = _ratio(hi["index_bytes"], lo["index_bytes"])
    return out


def write_plot(scale: list[dict[str, Any]], path: Path) -> None:
    """Search p50/p95 against corpus size, log x, for hybrid search and its FAISS part."""
    import matplotlib

    matplotlib.use("Agg")  # no display: the benchmark runs headless and in CI
    import matplotlib.pyplot as plt

    sizes = [p["chunks"] for p in scale]
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
    for key, label, colour in (("search", "hybrid search (BM25 + FAISS + fusion)", "tab:blue"),
                               ("faiss", "FAISS dense search only", "tab:orange")):
        ax.plot(sizes, [p[key]["p50_ms"] for p in scale], "o-", color=colour, label=f"{label}, p50")
        ax.plot(sizes, [p[key]["p95_ms"] for p in scale], "s--", color=colour, alpha=0.7, label=f"{label}, p95")
    ax.set_xscale("log")
    ax.set_yscale("log")  # FAISS and hybrid latencies differ by orders of magnitude
    ax.set_xlabel("corpus size (chunks, synthetic 384-d vectors)")
    ax.set_ylabel("latency per query (ms, query embedding excluded)")
    ax.set_title("Search latency against corpus size")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


# --- the report ------------------------------------------------------------------------------------


def _mb(n: int | None) -> str:
    return "-" if n is None else f"{n / 1e6:.1f} MB"


def _fmt(v: Any, unit: str = "ms") -> str:
    return "-" if v is None else f"{v:.1f} {unit}".rstrip()


def render_bench(result: dict[str, Any]) -> str:
    """The benchmark as readable text: ingest, cold start, warm ask by type, the scale table, ratios."""
    ing = result["ingest"]
    lines = [f"model load: {result['model_load_s']:.1f} s",
             "",
             "ingest",
             f"  full:          {ing['full']['seconds']:.2f} s  ({ing['full']['letters']} letters, "
             f"{ing['full']['chunks']} chunks, embedded {ing['full']['embedded']})",
             f"  nothing new:   {ing['unchanged']['seconds']:.2f} s  (embedded {ing['unchanged']['embedded']}"
             f"{'' if ing['unchanged']['ok'] else '  <-- should be 0'})",
             f"  one new letter ({ing['add_one']['letter']} under a new name): {ing['add_one']['seconds']:.2f} s  "
             f"(its chunks {ing['add_one']['new_chunks']}, embedded {ing['add_one']['embedded']}"
             f"{'' if ing['add_one']['ok'] else '  <-- unexpected'})"]
    if result.get("cold_start"):
        lines += ["", "cold start (`letters ask --json` in a new process, start to answer)"]
        for kind, cold in result["cold_start"].items():
            lines.append(f"  {kind:<10} median of {cold['runs']}: {_fmt(cold['median_s'], 's'):>7}  "
                         f"\"{cold['question'][:60]}\"" + (f"  error: {cold['error']}" if cold.get("error") else ""))
    full, naive = result["ask_full"], result["ask_naive"]
    lines += ["", "warm ask latency (ms)          full p50   p95    naive p50   p95",
              f"  {'all':<26} {_fmt(full['p50_ms'], ''):>9} {_fmt(full['p95_ms'], ''):>6}"
              f"  {_fmt(naive['p50_ms'], ''):>9} {_fmt(naive['p95_ms'], ''):>6}"]
    for t, row in full["by_type"].items():
        nrow = naive["by_type"].get(t, {})
        lines.append(f"  {t + ' (' + str(row['n']) + ')':<26} {_fmt(row['p50_ms'], ''):>9} {_fmt(row['p95_ms'], ''):>6}"
                     f"  {_fmt(nrow.get('p50_ms'), ''):>9} {_fmt(nrow.get('p95_ms'), ''):>6}")
    if full["errors"] or naive["errors"]:
        lines.append(f"  errors: full {full['errors']}, naive {naive['errors']}")
    lines += [f"  naive index build: {result['naive_build_s']:.1f} s; query embedding p50 "
              f"{_fmt(result['query_embed']['p50_ms'])}, p95 {_fmt(result['query_embed']['p95_ms'])}",
              "", "search at scale (synthetic; query embedding excluded)",
              f"  {'chunks':>8} {'hybrid p50':>11} {'p95':>8} {'faiss p50':>10} {'p95':>8} {'RSS delta':>11} "
              f"{'index':>10} {'build':>7}"]
    for p in result["scale"]:
        lines.append(f"  {p['chunks']:>8} {_fmt(p['search']['p50_ms'], ''):>11} {_fmt(p['search']['p95_ms'], ''):>8} "
                     f"{_fmt(p['faiss']['p50_ms'], ''):>10} {_fmt(p['faiss']['p95_ms'], ''):>8} "
                     f"{_mb(p['rss_delta_bytes']):>11} {_mb(p['index_bytes']):>10} {p['build_s']:>6.1f}s")
    lines += ["", "ratios"] + [f"  {k}: {'-' if v is None else f'{v:.2f}x'}" for k, v in result["ratios"].items()]
    if result.get("plot"):
        lines += ["", f"plot: {result['plot']}"]
    return "\n".join(lines)


if __name__ == "__main__":
    # `python -m evals.bench measure-search INDEX_DIR DIM QUERIES_JSON`: the fresh process of bench_scale.
    if len(sys.argv) != 5 or sys.argv[1] != "measure-search":
        sys.exit("usage: python -m evals.bench measure-search INDEX_DIR DIM QUERIES_JSON")
    _queries = json.loads(Path(sys.argv[4]).read_text(encoding="utf-8"))
    print(json.dumps(measure_search(sys.argv[2], int(sys.argv[3]), _queries)))

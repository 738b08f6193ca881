"""Run the gold questions through the same path as `letters ask` for each configuration, and score them.

Every question goes through exactly `Assistant.ask` (the naive baseline through the same
method on `NaiveBaseline`), and its retrieval through `search(question, k=10)`, so what is
measured is what a user gets. One embedder is shared by all configurations: the model loads
once, and each configuration's first question is asked once untimed so no latency figure
includes the model load.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

from assistant.records import Answer
from evals.metrics import MAX_ANSWER_CHARS, METRICS, TYPES, aggregate, score_question
from index.embed import TextEmbedder
from index.records import Hit
from ingest.errors import LettersError, SettingsError
from ingest.settings import Settings

CONFIGS = ("naive", "bm25", "dense", "hybrid", "full")
DEFAULT_GOLD = Path(__file__).resolve().parent / "gold.jsonl"
SEARCH_DEPTH = 10
SHOWN_MISSES = 5
REQUIRED_KEYS = ("id", "question", "type")
TABLE_ROWS = ("n", "answer", "deadline", "citation", "negative", "recall@5", "mrr@10", "p50_ms", "p95_ms", "errors")


class GoldError(LettersError):
    """The gold file is missing or a line of it is not a gold question; the message names the line."""


class Answerer(Protocol):
    """What a configuration offers the runner: `Assistant` and `NaiveBaseline` both do."""

    def ask(self, question: str, history: list[dict[str, Any]] | None = None,
            filters: dict[str, Any] | None = None) -> Answer: ...

    def search(self, query: str, k: int = 5, filters: dict[str, Any] | None = None,
               history: list[dict[str, Any]] | None = None) -> list[Hit]: ...


# --- gold ------------------------------------------------------------------------------------------


def load_gold(path: Path) -> list[dict[str, Any]]:
    """The gold questions of a JSON-lines file, each checked for the keys the metrics need."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise GoldError(f"cannot read the gold file {path} ({exc.strerror or exc})") from exc
    items = []
    for no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise GoldError(f"{path}:{no}: not JSON ({exc.msg})") from exc
        missing = [k for k in REQUIRED_KEYS if not isinstance(item, dict) or k not in item]
        if missing:
            raise GoldError(f"{path}:{no}: missing {missing}")
        if item["type"] not in TYPES:
            raise GoldError(f"{path}:{no}: unknown type {item['type']!r}; allowed: {', '.join(TYPES)}")
        items.append(item)
    if not items:
        raise GoldError(f"the gold file {path} holds no questions")
    return items


def check_configs(configs: list[str]) -> list[str]:
    bad = [c for c in configs if c not in CONFIGS]
    if bad or not configs:
        raise SettingsError(f"unknown configuration(s) {bad}; allowed: {', '.join(CONFIGS)}")
    return list(dict.fromkeys(configs))


# --- running ---------------------------------------------------------------------------------------


def make_answerer(config: str, settings: Settings, embedder: TextEmbedder) -> Answerer:
    if config == "naive":
        from evals.naive import NaiveBaseline

        return NaiveBaseline(settings, embedder=embedder)
    from assistant.service import Assistant

    return Assistant(settings, config=config, embedder=embedder)


def history_turns(item: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    return [{"question": q} for q in item.get("history") or []] or None


def expected_text(item: Mapping[str, Any]) -> str:
    if item.get("type") == "negative":
        return "(not found)"
    return str(item.get("answer") or " | ".join(item.get("accept") or []))


def run_config(answerer: Answerer, config: str, gold: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """One record per question: the ask JSON, the top hits as JSON, the time `ask` took, the scores."""
    from assistant.service import hit_json

    first = gold[0]
    with contextlib.suppress(Exception):  # warm-up: lazy loads stay out of timings; a failure shows below
        answerer.ask(first["question"], history=history_turns(first))
    for item in gold:
        error = None
        t0 = time.perf_counter()
        try:
            ask = answerer.ask(item["question"], history=history_turns(item)).to_json()
        except Exception as exc:  # noqa: BLE001 - one failing question must not lose the whole run
            error = f"ask: {exc.__class__.__name__}: {exc}"
            ask = {"question": item["question"], "answer": "", "found": None, "citations": []}
        ms = (time.perf_counter() - t0) * 1000
        try:
            hits = [hit_json(h) for h in answerer.search(item["question"], k=SEARCH_DEPTH,
                                                          history=history_turns(item))]
        except Exception as exc:  # noqa: BLE001
            error = error or f"search: {exc.__class__.__name__}: {exc}"
            hits = []
        score = score_question(item, ask, hits, ms)
        if error:
            # An error is wrong on every metric that applies, a refusal included.
            score = {k: (False if k in METRICS and v is not None else v) for k, v in score.items()}
            ask["error"] = error
        yield {"item": item, "config": config, "ask": ask, "hits": hits, "ms": ms, "score": score, "error": error}


def _miss(record: Mapping[str, Any]) -> dict[str, Any] | None:
    """A question whose answer (or refusal) was wrong, with what failed besides."""
    score, item, ask = record["score"], record["item"], record["ask"]
    failed = [m for m in ("answer", "negative", "deadline", "citation") if score[m] is False]
    if not failed:
        return None
    got = str(ask.get("answer") or "")
    if record.get("error"):
        got = f"(error) {record['error']}"
    elif not ask.get("found"):
        got = f"(not found) {got}"
    return {"id": item["id"], "type": item["type"], "question": item["question"], "expected": expected_text(item),
            "got": got[:MAX_ANSWER_CHARS], "failed": failed}


def run_eval(gold: Path | None, configs: list[str], settings: Settings, predictions: Path | None = None,
             embedder: TextEmbedder | None = None) -> dict[str, Any]:
    """Scores per configuration (SPEC `letters eval --json`, plus `by_type`) and the misses of each.

    `embedder` defaults to the settings' model, loaded once for every configuration; tests pass
    the FakeEmbedder their index was built with.
    """
    from index.build import current_generation

    configs = check_configs(configs)
    items = load_gold(Path(gold) if gold else DEFAULT_GOLD)
    current_generation(settings.index_dir)  # IndexMissingError saying to run `letters ingest`
    if embedder is None:
        from index.embed import Embedder

        embedder = Embedder(settings.embedding_model)
    result: dict[str, Any] = {"configs": {}, "misses": {}}
    out = open(predictions, "w", encoding="utf-8") if predictions else None  # noqa: SIM115 - closed below
    try:
        for config in configs:
            scores, misses, errors = [], [], 0
            for record in run_config(make_answerer(config, settings, embedder), config, items):
                scores.append(record["score"])
                errors += bool(record["error"])
                miss = _miss(record)
                if miss:
                    misses.append(miss)
                if out:
                    line = {"id": record["item"]["id"], "config": config, "ask": record["ask"], "hits": record["hits"]}
                    out.write(json.dumps(line, ensure_ascii=False) + "\n")
            result["configs"][config] = aggregate(scores) | {"errors": errors}
            result["misses"][config] = misses
    finally:
        if out:
            out.close()
    return result


# --- the table -------------------------------------------------------------------------------------


def _cell(value: Any, metric: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.1f}" if metric.endswith("_ms") else f"{value:.3f}"
    return str(value)


def _grid(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    fmt = [f"{c:<{widths[0]}}" if i == 0 else f"{c:>{widths[i]}}" for i, c in enumerate(header)]
    lines = ["  ".join(fmt), "  ".join("-" * w for w in widths)]
    for r in rows:
        lines.append("  ".join(f"{c:<{widths[0]}}" if i == 0 else f"{c:>{widths[i]}}" for i, c in enumerate(r)))
    return "\n".join(lines)


def render_table(result: Mapping[str, Any]) -> str:
    """Metrics with configurations as columns, answer accuracy by question type, then the first misses."""
    configs = result["configs"]
    names = list(configs)
    parts = [_grid(["metric", *names], [[m, *(_cell(configs[c].get(m), m) for c in names)] for m in TABLE_ROWS])]
    types = [t for t in TYPES if any(t in configs[c].get("by_type", {}) for c in names)]
    if types:
        rows = []
        for t in types:
            cells = []
            for c in names:
                row = configs[c].get("by_type", {}).get(t, {})
                cells.append(_cell(row.get("negative" if t == "negative" else "answer")))
            rows.append([f"{t} ({configs[names[0]].get('by_type', {}).get(t, {}).get('n', 0)})", *cells])
        parts.append("answer accuracy by type (negative: refusal accuracy)\n" + _grid(["type (n)", *names], rows))
    for c in names:
        misses = result.get("misses", {}).get(c, [])
        if not misses:
            continue
        lines = [f"first misses of {c} ({len(misses)} in all):"]
        for m in misses[:SHOWN_MISSES]:
            lines.append(f"  {m['id']} [{', '.join(m['failed'])}] {m['question']}\n"
                         f"      expected: {m['expected'][:120]}\n      got:      {m['got'][:160]}")
        parts.append("\n".join(lines))
    return "\n\n".join(parts)

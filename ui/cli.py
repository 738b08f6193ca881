"""The `letters` command line: each command is a few lines that call one library function."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

# torch and FAISS spin-wait in OpenMP by default; on a busy 2-core machine that made a query embedding
# 36x slower (20 ms -> 730 ms). Passive waiting must be set before either library is imported.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from ingest import norsk
from ingest.errors import LettersError
from ingest.settings import Settings

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Search and ask the allocation letters (tildelingsbrev) from HOD to Helsedirektoratet.")
console = Console(stderr=True)

# `letters ingest` exit codes: 0 every file read (or skipped with a reason); 2 an error, nothing changed
# (no letters folder, the index is busy, a bad setting); 3 some files failed, the others are committed
# and served. `make run` lets 3 through so the chat starts beside a bad letter.
EXIT_ERROR = 2
EXIT_SOME_FAILED = 3

IndexOpt = typer.Option(None, "--index", help="index folder (default $LETTERS_INDEX, else .letters-index)")
JsonOpt = typer.Option(False, "--json", help="machine-readable JSON output")


def _settings(index: Path | None, **kw: Any) -> Settings:
    return Settings().replace(index_dir=index, **kw)


def _emit(data: Any, as_json: bool, human: str) -> None:
    if as_json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        typer.echo(human)


def _fail(exc: Exception) -> None:
    console.print(f"[red]error:[/red] {exc}")
    raise typer.Exit(EXIT_ERROR)


@app.command()
def ingest(
    letters: Path = typer.Option(None, "--letters", help="folder of letters (default $LETTERS_DIR)"),
    index: Path = IndexOpt,
    as_json: bool = JsonOpt,
    wait: float = typer.Option(0.0, "--wait", help="seconds to wait for another ingest's lock"),
) -> None:
    """Build or incrementally update the index from every letter in a folder.

    Exit codes: 0 all files read (sub-folders and links out of the folder are skipped and listed);
    3 some files failed (listed with the reason; the other letters are indexed and served);
    2 an error left the index as it was (no letters folder, another ingest running, a bad setting).

    Example: letters ingest --letters ../shared/letters --index .letters-index
    """
    from index.build import ingest_folder

    try:
        s = _settings(index, letters_dir=letters)
    except LettersError as exc:  # e.g. LETTERS_MAX_LETTER_MB=sju
        _fail(exc)
    if s.letters_dir is None:
        _fail(LettersError("no letters folder: pass --letters DIR or set LETTERS_DIR"))
    assert s.letters_dir is not None
    try:
        with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                      TimeElapsedColumn(), console=console, disable=as_json or not console.is_terminal) as bar:
            tasks: dict[str, Any] = {}

            def progress(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(stage, total=total)
                bar.update(tasks[stage], completed=done, total=total)

            report = ingest_folder(s.letters_dir, s, progress=progress, lock_timeout=wait)
    except LettersError as exc:
        _fail(exc)
    failed = "".join(f"\n  failed: {f['file']}: {f['error']}" for f in report["failed"])
    skipped = "".join(f"\n  skipped: {f['file']}: {f['reason']}" for f in report.get("skipped", []))
    human = (f"{report['letters']} letters, {report['assignments']} assignments, {report['chunks']} chunks "
             f"(added {len(report['added'])}, updated {len(report['updated'])}, removed {len(report['removed'])}, "
             f"unchanged {len(report['unchanged'])}, embedded {report.get('embedded', 0)}) "
             f"in {report.get('seconds', 0):.1f} s{failed}{skipped}")
    _emit(report, as_json, human + _parse_report_text(report))
    if report["failed"]:
        raise typer.Exit(EXIT_SOME_FAILED)


def _parse_report_text(report: dict[str, Any]) -> str:
    """What each letter's parse left to check; a fully understood letter gets one short line."""
    lines = ["", "parse report:"]
    for r in report.get("report", []):
        mark = "ok " if r["complete"] else "CHECK"
        lines.append(f"  {mark} {r['file']}: {r['assignments']} assignments, {r['changes']} changes, "
                     f"{r['ids_mentioned']} IDs mentioned")
        for label, key in (("IDs named but not parsed", "not_parsed"), ("without owner", "without_owner")):
            if r[key]:
                lines.append(f"        {label}: {', '.join(r[key][:10])}{' …' if len(r[key]) > 10 else ''}")
        for label, key in (("deadline sentence not attached", "loose_deadlines"),
                           ("change sentence not attached", "loose_changes")):
            for x in r[key][:5]:
                lines.append(f"        {label} (line {x['line']}): {x['text'][:100]}")
    return "\n".join(lines) if len(lines) > 2 else ""


@app.command()
def assignments(
    index: Path = IndexOpt,
    year: int = typer.Option(None, "--year", help="only assignments of letters from this year"),
    owner: str = typer.Option(None, "--owner", help="HOD department code, e.g. FHA"),
    due_before: str = typer.Option(None, "--due-before", help="only those with a deadline on or before YYYY-MM-DD"),
    ident: str = typer.Option(None, "--id", help="one assignment (in every letter), with its timeline"),
    as_json: bool = JsonOpt,
) -> None:
    """List the assignment registry.

    Example: letters assignments --year 2024 --owner FHA --due-before 2024-06-30
    """
    from assistant.service import Assistant

    try:
        assistant = Assistant(_settings(index))
        rows = assistant.assignments(year=year, owner=owner, due_before=due_before)
        tl = assistant.timeline(ident) if ident else None
    except LettersError as exc:
        _fail(exc)
    if ident:
        rows = [r for r in rows if norsk.id_key(ident) in {norsk.id_key(x) for x in (r["id"], *r["aliases"])}]
    spec_keys = ("id", "aliases", "letter", "title", "owner", "year", "section", "deadlines", "amendments")
    out = [{k: r[k] for k in spec_keys} for r in rows]
    if tl is not None:
        from assistant.timeline import timeline_json

        out = [{**r, "timeline": timeline_json(tl)} for r in out]
    human = "\n".join(
        f"{r['id']:<14} {r['owner'] or '-':<10} {r['title'][:60]:<60} "
        + "; ".join(f"{d['sub'] + ': ' if d['sub'] else ''}{d['date'] or d['kind']}" for d in r["deadlines"])
        for r in rows) or "no assignments match"
    _emit(out, as_json, human)


@app.command()
def timeline(
    ident: str = typer.Argument(..., help="assignment ID, e.g. TB2024-07"),
    index: Path = IndexOpt,
    as_json: bool = JsonOpt,
) -> None:
    """An assignment's timeline over every letter: given, postponed, reworded, cancelled …, and what is current.

    Example: letters timeline TB2021-46
    """
    from assistant.service import Assistant
    from assistant.timeline import timeline_json

    try:
        tl = Assistant(_settings(index)).timeline(ident)
    except LettersError as exc:
        _fail(exc)
    if tl is None:
        _fail(LettersError(f"no letter names {ident}"))
    assert tl is not None
    data = timeline_json(tl)
    lines = [f"{data['id']} {data['title']}  (owner {data['owner'] or '-'}; status {data['status']}"
             f"{' → ' + data['current_id'] if data['current_id'] else ''})"]
    for e in data["events"]:
        value = "; ".join(f"{d['sub'] + ': ' if d['sub'] else ''}{d['date'] or d['kind']}" for d in e["deadlines"])
        subs = f" [{', '.join(e['subs'])}]" if e["subs"] else ""
        lines.append(f"  {e['letter_date'] or e['year'] or '':<10} {e['kind']:<16}{subs} {value}"
                     f"{' → ' + e['new_id'] if e['new_id'] else ''}  ({e['letter']}, line {e['line']})")
    for c in data["current_deadlines"]:
        d = c["deadline"]
        lines.append(f"  current {c['sub'] or 'whole'}: {d['date'] or d['text'] if d else 'changed, new date unreadable'}"
                     f"{' (was ' + (c['replaced']['date'] or c['replaced']['text']) + ')' if c['replaced'] else ''}"
                     f"{' FLAG ' + ', '.join(c['flags']) if c['flags'] else ''}")
    _emit(data, as_json, "\n".join(lines))


@app.command()
def search(
    query: str = typer.Argument(..., help="what to look for"),
    k: int = typer.Option(5, "-k", help="number of hits"),
    index: Path = IndexOpt,
    config: str = typer.Option("full", "--config", help="retrieval: bm25, dense, hybrid or full"),
    as_json: bool = JsonOpt,
) -> None:
    """Ranked paragraphs for a query, with citation fields and scores.

    Example: letters search "tiltak mot e-sigaretter" -k 5
    """
    from assistant.service import Assistant, hit_json

    try:
        hits = Assistant(_settings(index), config=config).search(query, k=k)
    except LettersError as exc:
        _fail(exc)
    out = [hit_json(h) for h in hits]
    human = "\n\n".join(f"[{i + 1}] {h['score']:.3f} {h['letter']} {h['assignment'] or h['section']} "
                        f"{'(' + h['sub'] + ')' if h['sub'] else ''} line {h['line']}\n    {h['text'][:300]}"
                        for i, h in enumerate(out)) or "no hits"
    _emit(out, as_json, human)


@app.command()
def ask(
    question: str = typer.Argument(..., help="the question, in Norwegian or English"),
    index: Path = IndexOpt,
    history: Path = typer.Option(None, "--history", help="JSON file: earlier turns [{question, answer}]"),
    config: str = typer.Option("full", "--config", help="answering configuration"),
    as_json: bool = JsonOpt,
) -> None:
    """Answer a question with the source paragraph cited.

    Example: letters ask "Hva er fristen for TB2024-07 d)?"
    """
    from assistant.service import Assistant

    try:
        turns = json.loads(history.read_text(encoding="utf-8")) if history else None
        answer = Assistant(_settings(index), config=config).ask(question, history=turns)
    except (LettersError, OSError, json.JSONDecodeError) as exc:
        _fail(exc)
    data = answer.to_json()
    cites = "\n".join(f"  [{i + 1}] {c['title']} ({c['year']}), {c['section']}, "
                      f"{c['assignment'] or ''}{' ' + c['sub'] + ')' if c['sub'] else ''}, "
                      f"{'side ' + str(c['page']) if c['page'] else 'linje ' + str(c['line'])}\n      {c['text'][:400]}"
                      for i, c in enumerate(data["citations"]))
    _emit(data, as_json, f"{data['answer']}\n{cites}")


@app.command("eval")
def eval_cmd(
    gold: Path = typer.Option(None, "--gold", help="gold questions (JSON lines); default: the project's evals/gold.jsonl"),
    index: Path = IndexOpt,
    config: str = typer.Option("full", "--config", help="naive, bm25, dense, hybrid or full"),
    compare: bool = typer.Option(False, "--compare", help="run every configuration side by side"),
    predictions: Path = typer.Option(None, "--predictions", help="write one JSON line per question here"),
    letters: Path = typer.Option(None, "--letters", help="letters folder (for evidence line ranges and naive)"),
    as_json: bool = JsonOpt,
) -> None:
    """Run the gold questions through the same path as `ask` and report the metrics.

    Example: letters eval --compare
    """
    from evals.runner import CONFIGS, render_table, run_eval

    s = _settings(index, letters_dir=letters)
    try:
        result = run_eval(gold, list(CONFIGS) if compare else [config], s, predictions=predictions)
    except LettersError as exc:
        _fail(exc)
    _emit({"configs": result["configs"]}, as_json, render_table(result))


@app.command()
def bench(
    index: Path = IndexOpt,
    letters: Path = typer.Option(None, "--letters", help="letters folder"),
    sizes: str = typer.Option("1000,10000,100000", "--sizes", help="corpus sizes for the scale curve"),
    as_json: bool = JsonOpt,
) -> None:
    """Benchmark ingest, cold start, ask and search latency and memory.

    Example: letters bench --json
    """
    from evals.bench import render_bench, run_bench

    s = _settings(index, letters_dir=letters)
    try:
        result = run_bench(s, sizes=[int(x) for x in sizes.split(",") if x])
    except LettersError as exc:
        _fail(exc)
    _emit(result, as_json, render_bench(result))


@app.command()
def serve(
    port: int = typer.Option(8501, "--port", help="port on 127.0.0.1"),
    index: Path = IndexOpt,
    letters: Path = typer.Option(None, "--letters", help="letters folder to build from when no index exists"),
) -> None:
    """Start the Streamlit chat on 127.0.0.1.

    Example: letters serve --port 8501
    """
    s = _settings(index, letters_dir=letters)
    env = dict(os.environ, LETTERS_INDEX=str(s.index_dir.resolve()), HF_HUB_OFFLINE="1",
               TRANSFORMERS_OFFLINE="1", STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    if s.letters_dir:
        env["LETTERS_DIR"] = str(Path(s.letters_dir).resolve())
    app_path = Path(__file__).resolve().parent / "app.py"
    cmd = [sys.executable, "-m", "streamlit", "run", str(app_path), "--server.headless", "true",
           "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false",
           "--server.maxUploadSize", str(s.max_upload_mb), "--client.toolbarMode", "viewer"]
    # exec, so a signal to `letters serve` reaches Streamlit itself and frees the port.
    os.execvpe(cmd[0], cmd, env)


@app.command()
def feedback(
    index: Path = IndexOpt,
    export: Path = typer.Option(None, "--export", help="write feedback as candidate gold questions (JSON lines)"),
    as_json: bool = JsonOpt,
) -> None:
    """Show or export the thumbs up/down feedback given in the chat.

    Example: letters feedback --export candidates.jsonl
    """
    from assistant.feedback import export_candidates, list_feedback

    s = _settings(index)
    rows = list_feedback(s.index_dir)
    if export:
        n = export_candidates(s.index_dir, export)
        typer.echo(f"wrote {n} candidate gold questions to {export}")
        return
    _emit(rows, as_json, "\n".join(f"{r['score']:+d} {r['question']} — {r.get('comment') or ''}" for r in rows)
          or "no feedback yet")


if __name__ == "__main__":
    app()

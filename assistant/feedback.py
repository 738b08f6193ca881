"""Thumbs up/down feedback on chat answers, kept in `feedback.sqlite` in the index folder, and its
export as candidate gold questions for a person to review.

One row per answered turn: giving a thumb again or adding a comment later replaces that turn's row,
so the table holds what the user last said about each answer.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from assistant.records import Answer

FEEDBACK_FILE = "feedback.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    turn      TEXT PRIMARY KEY,
    at        TEXT NOT NULL,
    question  TEXT NOT NULL,
    answer    TEXT NOT NULL,
    found     INTEGER,
    intent    TEXT,
    language  TEXT,
    citations TEXT NOT NULL,
    score     INTEGER NOT NULL,
    comment   TEXT
)
"""

# Answer intent -> gold question type (SPEC "Gold question format").
_TYPES = {"deadline": "deadline", "owner": "responsible", "change": "amendment", "amount": "budget",
          "list": "list", "content": "content"}
_ISO = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")


@contextmanager
def _db(index_dir: Path | str) -> Iterator[sqlite3.Connection]:
    folder = Path(index_dir)
    folder.mkdir(parents=True, exist_ok=True)
    # One short connection per call: the chat calls this from many sessions' threads.
    db = sqlite3.connect(str(folder / FEEDBACK_FILE), timeout=10)
    try:
        db.row_factory = sqlite3.Row
        db.execute(_SCHEMA)
        with db:
            yield db
    finally:
        db.close()


def _answer_fields(answer: Answer | dict[str, Any] | str) -> dict[str, Any]:
    if isinstance(answer, Answer):
        return {"answer": answer.text, "found": answer.found, "intent": answer.intent, "language": answer.language,
                "citations": [{"letter": c.letter, "assignment": c.assignment, "sub": c.sub, "line": c.line,
                               "text": c.text, "highlight": c.highlight} for c in answer.citations]}
    if isinstance(answer, dict):  # the `letters ask --json` shape
        return {"answer": answer.get("answer", answer.get("text", "")), "found": answer.get("found"),
                "intent": answer.get("intent"), "language": answer.get("language"),
                "citations": list(answer.get("citations") or [])}
    return {"answer": str(answer), "found": None, "intent": None, "language": None, "citations": []}


def record_feedback(index_dir: Path | str, question: str, answer: Answer | dict[str, Any] | str, score: int,
                    comment: str | None = None, turn: str | None = None) -> str:
    """Store a thumbs up (+1) or down (-1) with an optional comment; returns the turn id.

    Pass the `turn` id returned earlier to replace that answer's feedback instead of adding a row.
    """
    if score not in (1, -1):
        raise ValueError(f"score must be +1 or -1, not {score!r}")
    turn = turn or uuid.uuid4().hex
    f = _answer_fields(answer)
    with _db(index_dir) as db:
        db.execute("INSERT OR REPLACE INTO feedback VALUES (?,?,?,?,?,?,?,?,?,?)",
                   (turn, dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), question, f["answer"],
                    None if f["found"] is None else int(bool(f["found"])), f["intent"], f["language"],
                    json.dumps(f["citations"], ensure_ascii=False), score, (comment or "").strip() or None))
    return turn


def list_feedback(index_dir: Path | str) -> list[dict[str, Any]]:
    """Every feedback row, oldest first: turn, at, question, answer, found, intent, language, citations,
    score, comment. An index without feedback gives []."""
    if not (Path(index_dir) / FEEDBACK_FILE).exists():
        return []
    with _db(index_dir) as db:
        rows = db.execute("SELECT * FROM feedback ORDER BY at, rowid").fetchall()
    out = []
    for r in rows:
        row = dict(r)
        row["found"] = None if row["found"] is None else bool(row["found"])
        row["citations"] = json.loads(row["citations"])
        out.append(row)
    return out


def candidate(row: dict[str, Any], number: int) -> dict[str, Any]:
    """One feedback row as a gold question to review: the type guessed from the answer's intent,
    `accept` left empty for the reviewer, and the first citation as the evidence."""
    first = row["citations"][0] if row["citations"] else {}
    if row["found"] is False:
        kind = "negative"
    elif row["intent"] == "content" and first.get("sub"):
        kind = "subtask"
    else:
        kind = _TYPES.get(row["intent"] or "", "content")
    iso = _ISO.search(row["answer"]) if kind == "deadline" else None
    return {
        "id": f"feedback-{number:04d}",
        "question": row["question"],
        "type": kind,
        "letter": first.get("letter"),
        "assignment": first.get("assignment"),
        "sub": first.get("sub"),
        "answer": row["answer"],
        "answer_iso": iso.group(1) if iso else None,
        "accept": [],
        "evidence": first.get("highlight") or first.get("text"),
        "needs_review": True,
        "feedback": {"score": row["score"], "comment": row["comment"], "at": row["at"]},
    }


def export_candidates(index_dir: Path | str, out_path: Path | str) -> int:
    """Write every feedback row as a candidate gold question (JSON lines); returns how many."""
    rows = list_feedback(index_dir)
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as fh:
        for i, row in enumerate(rows, 1):
            fh.write(json.dumps(candidate(row, i), ensure_ascii=False) + "\n")
    return len(rows)

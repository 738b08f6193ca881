"""The SQLite registry: letters, assignments, aliases, sub-items, deadlines, references and ingested files."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

from ingest import norsk
from ingest.records import Letter, letter_from_dict, to_dict

SCHEMA = """
CREATE TABLE IF NOT EXISTS files (file TEXT PRIMARY KEY, sha256 TEXT, status TEXT, error TEXT,
                                  ingested_at TEXT DEFAULT CURRENT_TIMESTAMP);
CREATE TABLE IF NOT EXISTS letters (file TEXT PRIMARY KEY, title TEXT, kind TEXT, year INTEGER, date TEXT,
                                    reference TEXT, sha256 TEXT, data TEXT);
CREATE TABLE IF NOT EXISTS assignments (letter TEXT, id TEXT, key TEXT, title TEXT, owner TEXT, year INTEGER,
                                        section TEXT, line INTEGER, line_end INTEGER, page INTEGER);
CREATE TABLE IF NOT EXISTS aliases (letter TEXT, assignment TEXT, alias TEXT, key TEXT);
CREATE TABLE IF NOT EXISTS subitems (letter TEXT, assignment TEXT, label TEXT, text TEXT, line INTEGER,
                                     line_end INTEGER, page INTEGER);
CREATE TABLE IF NOT EXISTS deadlines (letter TEXT, assignment TEXT, sub TEXT, text TEXT, date TEXT, kind TEXT,
                                      line INTEGER);
CREATE TABLE IF NOT EXISTS refs (letter TEXT, source TEXT, target TEXT, key TEXT, kind TEXT, text TEXT,
                                 line INTEGER, page INTEGER);
CREATE TABLE IF NOT EXISTS changes (letter TEXT, target TEXT, key TEXT, kind TEXT, subs TEXT, date TEXT,
                                    deadline TEXT, deadline_kind TEXT, new_id TEXT, text TEXT, line INTEGER,
                                    page INTEGER);
CREATE INDEX IF NOT EXISTS assignments_key ON assignments(key);
CREATE INDEX IF NOT EXISTS changes_key ON changes(key);
CREATE INDEX IF NOT EXISTS aliases_key ON aliases(key);
CREATE INDEX IF NOT EXISTS refs_key ON refs(key);
CREATE INDEX IF NOT EXISTS deadlines_a ON deadlines(letter, assignment);
"""
_LETTER_TABLES = ("letters", "assignments", "aliases", "subitems", "deadlines", "refs", "changes")


def _key(ident: str) -> str:
    return norsk.id_key(ident) or ident.strip().upper()


def owner_codes(owner: str | None) -> set[str]:
    return {c for c in re.split(r"[/,\s]+|\bog\b", (owner or "").upper()) if re.fullmatch(r"[A-ZÆØÅ]{2,4}", c)}


class Registry:
    """An open registry file; one per index generation. Not shared across threads (open one per use)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.db = sqlite3.connect(str(self.path), check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        self.db.executescript(SCHEMA)

    @staticmethod
    def copy(src: Path, dst: Path) -> None:
        """Copy a registry with SQLite's backup API (safe while another process reads it)."""
        with sqlite3.connect(str(src)) as s, sqlite3.connect(str(dst)) as d:
            s.backup(d)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.db.commit()
        self.close()

    # --- writing ---------------------------------------------------------------------------------

    def put_file(self, file: str, sha256: str, status: str, error: str | None = None) -> None:
        self.db.execute("INSERT OR REPLACE INTO files(file, sha256, status, error) VALUES (?,?,?,?)",
                        (file, sha256, status, error))
        self.db.commit()

    def remove_file(self, file: str) -> None:
        self.db.execute("DELETE FROM files WHERE file=?", (file,))
        self.remove_letter(file)

    def remove_letter(self, file: str) -> None:
        for table in _LETTER_TABLES:
            col = "file" if table == "letters" else "letter"
            self.db.execute(f"DELETE FROM {table} WHERE {col}=?", (file,))  # noqa: S608 - fixed table names
        self.db.commit()

    def put_letter(self, letter: Letter) -> None:
        self.remove_letter(letter.file)
        f = letter.file
        self.db.execute("INSERT INTO letters VALUES (?,?,?,?,?,?,?,?)",
                        (f, letter.title, letter.kind, letter.year, letter.date, letter.reference, letter.sha256,
                         json.dumps(to_dict(letter), ensure_ascii=False)))
        for a in letter.assignments:
            self.db.execute("INSERT INTO assignments VALUES (?,?,?,?,?,?,?,?,?,?)",
                            (f, a.id, _key(a.id), a.title, a.owner, letter.year, a.section, a.line, a.line_end, a.page))
            self.db.executemany("INSERT INTO aliases VALUES (?,?,?,?)", [(f, a.id, x, _key(x)) for x in a.aliases])
            self.db.executemany("INSERT INTO subitems VALUES (?,?,?,?,?,?,?)",
                                [(f, a.id, s.label, s.text, s.line, s.line_end, s.page) for s in a.subitems])
            self.db.executemany("INSERT INTO deadlines VALUES (?,?,?,?,?,?,?)",
                                [(f, a.id, d.sub, d.text, d.date, d.kind, d.line) for d in a.deadlines])
        self.db.executemany("INSERT INTO refs VALUES (?,?,?,?,?,?,?,?)",
                            [(f, r.source, r.target, _key(r.target), r.kind, r.text, r.line, r.page)
                             for r in letter.references])
        self.db.executemany("INSERT INTO changes VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                            [(f, c.target, _key(c.target), c.kind, ",".join(c.subs), c.deadline.date if c.deadline else None,
                              c.deadline.text if c.deadline else None, c.deadline.kind if c.deadline else None,
                              c.new_id, c.text, c.line, c.page) for c in letter.changes])
        self.db.commit()

    # --- reading ---------------------------------------------------------------------------------

    def files(self) -> dict[str, tuple[str, str, str | None]]:
        return {r["file"]: (r["sha256"], r["status"], r["error"]) for r in self.db.execute("SELECT * FROM files")}

    def letters(self) -> list[Letter]:
        return [letter_from_dict(json.loads(r["data"])) for r in self.db.execute("SELECT data FROM letters ORDER BY file")]

    def letter(self, file: str) -> Letter | None:
        row = self.db.execute("SELECT data FROM letters WHERE file=?", (file,)).fetchone()
        return letter_from_dict(json.loads(row["data"])) if row else None

    def letter_rows(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.execute("SELECT file, title, kind, year, date, reference FROM letters ORDER BY year, file")]

    def counts(self) -> dict[str, int]:
        q = self.db.execute
        return {
            "letters": q("SELECT COUNT(*) FROM letters").fetchone()[0],
            "assignments": q("SELECT COUNT(*) FROM assignments").fetchone()[0],
            "subitems": q("SELECT COUNT(*) FROM subitems").fetchone()[0],
            "deadlines": q("SELECT COUNT(*) FROM deadlines").fetchone()[0],
            "references": q("SELECT COUNT(*) FROM refs").fetchone()[0],
            "changes": q("SELECT COUNT(*) FROM changes").fetchone()[0],
        }

    def find(self, ident: str) -> list[dict[str, Any]]:
        """Every assignment (in any letter) whose ID or alias is `ident`, newest letter last."""
        k = _key(ident)
        rows = self.db.execute(
            "SELECT a.* FROM assignments a WHERE a.key=? UNION "
            "SELECT a.* FROM assignments a JOIN aliases x ON x.letter=a.letter AND x.assignment=a.id WHERE x.key=? "
            "ORDER BY year, letter", (k, k)).fetchall()
        return [self._row(r) for r in rows]

    def references_to(self, ident: str) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT r.*, l.title AS letter_title, l.year AS letter_year FROM refs r "
                               "JOIN letters l ON l.file=r.letter WHERE r.key=? ORDER BY l.year, r.letter, r.line",
                               (_key(ident),)).fetchall()
        return [dict(r) for r in rows]

    def changes_to(self, ident: str) -> list[dict[str, Any]]:
        """The changes letters make to `ident` (or that give it as a new number), in the letters' file order."""
        k = _key(ident)
        rows = self.db.execute("SELECT * FROM changes WHERE key=? OR new_id=? ORDER BY letter, line",
                               (k, ident)).fetchall()
        return [dict(r) for r in rows]

    def known_ids(self) -> set[str]:
        keys = {r[0] for r in self.db.execute("SELECT key FROM assignments")}
        keys |= {r[0] for r in self.db.execute("SELECT key FROM aliases")}
        return keys | {r[0] for r in self.db.execute("SELECT key FROM refs")}

    def assignments(self, year: int | None = None, owner: str | None = None,
                    due_before: str | None = None, letter: str | None = None) -> list[dict[str, Any]]:
        """The registry rows of `letters assignments`, filtered."""
        sql, args = "SELECT * FROM assignments WHERE 1=1", list[Any]()
        if year is not None:
            sql, args = sql + " AND year=?", [*args, year]
        if letter:
            sql, args = sql + " AND letter=?", [*args, letter]
        rows = [self._row(r) for r in self.db.execute(sql + " ORDER BY year, letter, line", args)]
        if owner:
            want = owner_codes(owner)
            rows = [r for r in rows if want & owner_codes(r["owner"])]
        if due_before:
            rows = [r for r in rows if any(d["date"] and d["date"] <= due_before for d in r["deadlines"])]
        return rows

    def _row(self, r: sqlite3.Row) -> dict[str, Any]:
        letter, ident = r["letter"], r["id"]
        aliases = [x[0] for x in self.db.execute("SELECT alias FROM aliases WHERE letter=? AND assignment=?", (letter, ident))]
        deadlines = [dict(d) for d in self.db.execute(
            "SELECT sub, text, date, kind, line FROM deadlines WHERE letter=? AND assignment=? ORDER BY rowid", (letter, ident))]
        subs = [dict(s) for s in self.db.execute(
            "SELECT label, text, line, line_end, page FROM subitems WHERE letter=? AND assignment=? ORDER BY rowid",
            (letter, ident))]
        amendments = []
        for k in {_key(ident), *(_key(a) for a in aliases)}:
            for x in self.db.execute(
                    "SELECT r.letter, r.kind, r.text, r.line, r.page, l.year, l.year AS letter_year, "
                    "l.title AS letter_title FROM refs r JOIN letters l ON l.file=r.letter "
                    "WHERE r.key=? AND (r.letter<>? OR r.kind NOT IN ('refers','continued')) ORDER BY l.year, r.line",
                    (k, letter)):
                if x["letter"] != letter or x["kind"] not in ("refers", "continued"):
                    amendments.append(dict(x))
        return {
            "id": ident, "aliases": aliases, "letter": letter, "title": r["title"], "owner": r["owner"],
            "year": r["year"], "section": r["section"], "line": r["line"], "line_end": r["line_end"], "page": r["page"],
            "deadlines": deadlines, "subitems": subs, "amendments": amendments,
        }

"""Compact, comparable summaries of parsed letters, for golden files (regenerate: python -m tests.golden_summary)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ingest.records import Letter


def summary(letter: Letter) -> dict[str, Any]:
    return {
        "title": letter.title, "kind": letter.kind, "year": letter.year, "date": letter.date,
        "reference": letter.reference,
        "assignments": [
            {"id": a.id, "aliases": list(a.aliases), "owner": a.owner, "title": a.title, "section": a.section,
             "line": a.line, "subs": [s.label for s in a.subitems],
             "deadlines": [[d.sub, d.date, d.kind] for d in a.deadlines]}
            for a in letter.assignments
        ],
        "references": sorted({(r.target, r.kind) for r in letter.references}),
    }


if __name__ == "__main__":
    from ingest import read_letter

    fixtures = Path(__file__).parent / "fixtures" / "letters"
    out = Path(__file__).parent / "golden" / "fixtures"
    out.mkdir(parents=True, exist_ok=True)
    for path in sorted(fixtures.glob("*.txt")):
        data = json.loads(json.dumps(summary(read_letter(path))))
        (out / f"{path.stem}.json").write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print("wrote", out / f"{path.stem}.json", file=sys.stderr)

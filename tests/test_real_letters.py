"""The real letters in ../shared/letters against the facts we wrote by reading them, held through the registry."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ingest import norsk, read_letter
from ingest.deadlines import amendment_deadlines
from ingest.registry import Registry
from tests.conftest import GOLDEN

FACTS = json.loads((GOLDEN / "real_letters_facts.json").read_text(encoding="utf-8"))["letters"]
# Deadlines the parser leaves unfound on purpose. Empty since "ber om å få X <date>" and a weekday
# before the date ("er fredag 2. februar 2024") count as deadline cues (parser version 5).
KNOWN_MISSES: set[tuple[str, str | None, str]] = set()


def _key(ident: str | None) -> str:
    return norsk.id_key(ident or "") or (ident or "")


def _norm(text: str | None) -> str:
    return " ".join((text or "").split()).lower().rstrip(":")


@pytest.fixture(scope="module")
def registry(real_letters: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    reg = Registry(tmp_path_factory.mktemp("reg") / "registry.sqlite")
    for name in FACTS:
        reg.put_letter(read_letter(real_letters / name))
    yield reg
    reg.close()


@pytest.mark.real
@pytest.mark.parametrize("name", sorted(FACTS))
def test_every_header_is_found_with_owner_and_title(registry: Registry, name: str) -> None:
    facts = FACTS[name]
    rows = registry.assignments(letter=name)
    got = sorted((_key(r["id"]), r["line"]) for r in rows)
    assert len(rows) == len(facts["assignments"])
    by_line = {r["line"]: r for r in rows}
    for fact in facts["assignments"]:
        row = by_line.get(fact["line"]) or next(r for r in rows if _key(r["id"]) == _key(fact["id"]))
        assert _key(row["id"]) == _key(fact["id"]), (fact, got)
        if fact.get("incomplete_id"):
            continue  # its "title" column is free text the letter never meant as a title
        assert (row["owner"] or "").replace(" ", "") == (fact["owner"] or "").replace(" ", ""), fact["id"]
        assert _norm(row["title"]) in {_norm(fact["title"]), *(_norm(t) for t in fact.get("alt_titles", []))}
        assert sorted(map(_key, row["aliases"])) == sorted(map(_key, fact.get("aliases", [])))


@pytest.mark.real
@pytest.mark.parametrize("name", sorted(FACTS))
def test_every_stated_deadline_lands_on_its_assignment_and_sub_item(registry: Registry, real_letters: Path,
                                                                     name: str) -> None:
    rows = registry.assignments(letter=name)
    got = {(_key(r["id"]), d["sub"], d["date"]) for r in rows for d in r["deadlines"] if d["kind"] != "default_rule"}
    got |= {(_key(t), d.sub, d.date) for t, d in amendment_deadlines(read_letter(real_letters / name))}
    facts = FACTS[name]["deadlines"]
    stated = {(_key(d["assignment"]), d["sub"], d["date"]) for d in facts if not d.get("ambiguous")}
    either = {(_key(d["assignment"]), d["sub"], d["date"]) for d in facts if d.get("ambiguous")}
    assert stated - got == {m for m in KNOWN_MISSES if _key(m[0]) in {k for k, _, _ in stated}}
    assert got - stated - either == set()


@pytest.mark.real
def test_default_rule_covers_sections_that_state_it(registry: Registry) -> None:
    name = next(n for n, f in FACTS.items() if f.get("default_rule_sections"))
    sections = set(FACTS[name]["default_rule_sections"])
    rows = registry.assignments(letter=name)
    ruled = [r for r in rows if any(d["kind"] == "default_rule" for d in r["deadlines"])]
    assert ruled and all(r["section"] in sections for r in ruled)
    for r in rows:
        if r["section"] in sections and not r["deadlines"]:
            pytest.fail(f"{r['id']} in {r['section']} has neither a deadline nor the section's rule")


@pytest.mark.real
def test_cancellation_in_a_later_letter_reaches_the_assignment(registry: Registry) -> None:
    cancelled = [(n, r["target"]) for n, f in FACTS.items() for r in f["references"] if r["kind"] == "cancels"]
    assert cancelled
    for letter, target in cancelled:
        rows = registry.find(target)
        assert rows, target
        assert any(a["kind"] == "cancels" and a["letter"] == letter for r in rows for a in r["amendments"])

"""Layout invariance: the same registry facts whatever the layout (the rewrites are in tests/perturb.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests import perturb
from tests.conftest import FIXTURE_LETTERS

FIXTURES = sorted(FIXTURE_LETTERS.glob("*.txt"))
FLOORS = json.loads(perturb.FLOORS.read_text(encoding="utf-8"))


@pytest.mark.parametrize("pert", perturb.PERTURBATIONS, ids=lambda p: p.name)
@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_fixture_letters_keep_every_fact(path: Path, pert: perturb.Perturbation) -> None:
    outcome = perturb.run(path, pert)
    assert outcome.total > 0
    assert (outcome.lost, outcome.added) == ((), ()), f"{pert.name} on {path.name}"


@pytest.mark.real
@pytest.mark.parametrize("pert", perturb.PERTURBATIONS, ids=lambda p: p.name)
def test_real_letters_stay_at_or_above_their_floor(real_letters: Path, pert: perturb.Perturbation) -> None:
    floors = FLOORS[pert.name]
    for path in sorted(real_letters.glob("*.txt")):
        if path.name not in floors:
            continue  # a letter that arrived after the floors were recorded: python -m tests.perturb --write-floors
        outcome = perturb.run(path, pert)
        floor = floors[path.name]
        assert outcome.rate >= floor["rate"], (path.name, outcome.rate, outcome.lost[:10])
        assert len(outcome.added) <= floor["added"], (path.name, outcome.added[:10])


def test_every_perturbation_has_floors_and_changes_a_fixture() -> None:
    assert set(FLOORS) == {p.name for p in perturb.PERTURBATIONS}
    assert len(perturb.PERTURBATIONS) >= 15
    sources = [perturb.load(p)[0] for p in FIXTURES]
    for pert in perturb.PERTURBATIONS:
        texts = [pert.text(src) for src in sources]
        assert texts == [pert.text(src) for src in sources], f"{pert.name} is not deterministic"
        assert any(t != src.text for t, src in zip(texts, sources, strict=True)), f"{pert.name} changes nothing"


def test_the_comparison_sees_a_lost_header() -> None:
    # A rewrite that drops a header line must show up as lost facts, or the suite above proves nothing.
    path = FIXTURE_LETTERS / "style2035_plain.txt"
    src, before = perturb.load(path)
    h = src.headers[0]
    lines = src.lines
    broken = "\n".join(lines[: h.start] + lines[h.end + 1 :])
    outcome = perturb.compare(before, perturb.facts(perturb.parse_text(broken, path.name)))
    assert outcome.rate < 1.0 and ("id", perturb._key(h.ids.split(",")[0])) in outcome.lost

"""The synthetic county (benchmarks/county.py): without planted cases the audit
finds nothing; with them, every one (one case of every rule, at random)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from cunwu.audit.findings import RULES
from cunwu.audit.run import AuditOptions, audit

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from county import AUDIT_RULES, BENCH_SECRET, generate_audit  # noqa: E402


@pytest.mark.parametrize("seed", [3, 11])
def test_county_clean_and_planted(tmp_path, monkeypatch, seed):
    monkeypatch.setenv("CUNWU_LINK_SECRET", BENCH_SECRET)
    assert set(AUDIT_RULES) == set(RULES)  # a case of every rule
    clean = generate_audit(tmp_path / "clean", 8, 6, seed=seed, register_rows=3000)
    result = audit(
        AuditOptions(path=tmp_path / "clean", registers=Path(clean["registers"]), out=tmp_path / "b0")
    )
    assert [f.summary for f in result.findings] == []
    planted = generate_audit(tmp_path / "planted", 8, 6, seed=seed, plant=True, register_rows=3000)
    assert sorted(r for r, _ in planted["planted"]) == sorted(AUDIT_RULES)
    result = audit(
        AuditOptions(path=tmp_path / "planted", registers=Path(planted["registers"]), out=tmp_path / "b1")
    )
    assert sorted([f.rule, f.village] for f in result.findings) == planted["planted"]
    # the linkage keys decided: every person match is the strong one
    assert {f.strength for f in result.findings if f.strength} == {"linkage"}

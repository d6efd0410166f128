"""A broken rules file never stops the app: the last good rules are kept, even over a restart."""

import shutil
from pathlib import Path

from caseworker.domain.rules import default_rules_dir
from caseworker.services.rules_state import RulesState


def test_good_rules_load_and_are_snapshotted(data_dir: Path) -> None:
    state = RulesState()
    state.load()
    assert not state.using_fallback
    assert (data_dir / "rules-last-good" / "base" / "policy.yaml").exists()


def test_broken_base_after_restart_uses_the_snapshot(data_dir: Path, tmp_path: Path) -> None:
    base = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), base)
    RulesState(base=base).load()  # a good start leaves a snapshot behind
    (base / "versions" / "2026-10.yaml").write_text("kind: parameters\nversion: [\n", "utf-8")
    state = RulesState(base=base)  # a restart, with nothing in memory
    ruleset = state.load()
    assert state.using_fallback
    assert "2026-10.yaml" in state.describe() and "last good rules" in state.describe()
    assert ruleset is state.current()
    fixed = RulesState(base=base)
    (base / "versions" / "2026-10.yaml").write_text(
        (default_rules_dir() / "versions" / "2026-10.yaml").read_text("utf-8"), "utf-8"
    )
    fixed.load()
    assert not fixed.using_fallback


def test_reload_keeps_the_rules_in_memory_when_a_file_breaks(
    data_dir: Path, tmp_path: Path
) -> None:
    override = tmp_path / "override"
    override.mkdir()
    state = RulesState(override=override)
    good = state.load()
    (override / "bad.yaml").write_text("kind: parameters\nversion: '2027-01'\nbogus: 1\n", "utf-8")
    assert state.load() is good
    assert state.problems
    assert all(p.file.endswith("bad.yaml") for p in state.problems)
    assert any(p.line is not None for p in state.problems)

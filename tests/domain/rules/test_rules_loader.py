"""Loading and checking rule files: strict keys, lines in every problem, safe YAML, fallback."""

from __future__ import annotations

from pathlib import Path

import pytest

from caseworker.domain.rules import RulesUnavailable, load_rules
from caseworker.domain.rules.check import check_path
from caseworker.domain.rules.loader import load_folders
from caseworker.domain.rules.yamlsource import YamlError, parse_yaml


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_shipped_rules_load_quickly_and_cleanly() -> None:
    ruleset, problems = load_rules()
    assert problems == []
    assert [s.version.name for s in ruleset.segments] == ["2026-04", "2026-10"]


def test_a_mistyped_key_is_reported_with_its_line(rules_copy: Path) -> None:
    version = rules_copy / "versions" / "2026-04.yaml"
    _edit(version, "  officer_limit:", "  oficer_limit:")
    ruleset, problems = load_folders([rules_copy])
    assert ruleset is None
    texts = [str(p) for p in problems]
    line = _line_of(version, "oficer_limit")
    assert f"{version}:{line}: limits.oficer_limit: unknown key 'oficer_limit'; " in texts[1]
    assert "did you mean 'officer_limit'?" in texts[1]
    assert "'officer_limit' is missing" in texts[0]


def test_unknown_fact_and_parameter_point_at_the_policy_line(rules_copy: Path) -> None:
    policy = rules_copy / "policy.yaml"
    _edit(policy, "{fact: savings, operator", "{fact: savngs, operator")
    _edit(policy, "{param: tools_cap}", "{param: tool_cap}")
    _, problems = load_folders([rules_copy])
    by_message = {p.message.split(" (")[0]: p.line for p in problems}
    assert by_message["unknown fact 'savngs'; did you mean 'savings'?"] == _line_of(
        policy, "savngs"
    )
    missing = "parameter 'tool_cap' is not defined in version 2026-04"
    assert by_message[missing] == _line_of(policy, "tool_cap")
    unused = [p for p in problems if "'tools_cap' is not used" in p.message]
    assert len(unused) == 2  # once per version file


def test_money_must_carry_a_pound_sign(rules_copy: Path) -> None:
    version = rules_copy / "versions" / "2026-10.yaml"
    _edit(version, "household_cap: £800.00", "household_cap: 800")
    _, problems = load_folders([rules_copy])
    assert [(p.line, p.message) for p in problems] == [
        (
            _line_of(version, "household_cap"),
            "limits.household_cap: write money in pounds with a £ sign, like £750.00",
        )
    ]


def test_unquoted_clause_numbers_are_explained(rules_copy: Path) -> None:
    policy = rules_copy / "policy.yaml"
    _edit(policy, '  - clause: "5.2"', "  - clause: 5.2")
    _, problems = load_folders([rules_copy])
    assert len(problems) == 1
    assert problems[0].message == (
        'items[1].clause: write it in quotes, like "5.2" (YAML reads 5.2 as a number)'
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: 1\na: 2\n", "key 'a' appears twice in the same block; keep one"),
        (
            "a: &x [1]\nb: *x\n",
            "anchors and aliases (& and *) are not allowed; write the value out",
        ),
        ("a: {b: 1}\nc:\n  <<: {d: 2}\n", "merge keys (<<) are not allowed; write the keys out"),
        ("", "the file is empty"),
        ("a: [1, 2\n", "not valid YAML"),
    ],
)
def test_unsafe_or_ambiguous_yaml_is_refused(text: str, message: str) -> None:
    with pytest.raises(YamlError) as caught:
        parse_yaml(text, "f.yaml")
    assert message in str(caught.value)
    assert all(p.line is not None for p in caught.value.problems)


def test_a_rule_file_cannot_run_code(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    text = f"kind: policy\nx: !!python/object/apply:os.system ['touch {marker}']\n"
    with pytest.raises(YamlError, match=r"tags such as tag:yaml\.org,2002:python/object/apply"):
        parse_yaml(text, "evil.yaml")
    with pytest.raises(YamlError, match="not valid YAML"):
        parse_yaml("x: !!python/name:os.system\n", "evil.yaml")
    assert not marker.exists()


def test_broken_override_keeps_the_shipped_rules(tmp_path: Path, rules_copy: Path) -> None:
    override = tmp_path / "council"
    (override / "versions").mkdir(parents=True)
    broken = override / "versions" / "2026-10.yaml"
    broken.write_text(
        (rules_copy / "versions" / "2026-10.yaml").read_text().replace("£80.00", "80")
    )
    ruleset, problems = load_rules(override)
    assert ruleset.segments[1].version.name == "2026-10"
    assert [(p.file, p.line) for p in problems] == [
        (str(broken), _line_of(broken, "food_and_fuel"))
    ]


def test_broken_override_keeps_the_callers_last_good_rules(tmp_path: Path) -> None:
    good, _ = load_rules()
    override = tmp_path / "council"
    override.mkdir()
    (override / "policy.yaml").write_text("kind: policy\ntitle: x\n")
    kept, problems = load_rules(override, last_good=good)
    assert kept is good
    assert {p.message for p in problems} >= {"stages: 'stages' is missing; add it"}


def test_an_override_version_replaces_and_adds(tmp_path: Path, rules_copy: Path) -> None:
    override = tmp_path / "council"
    (override / "versions").mkdir(parents=True)
    text = (rules_copy / "versions" / "2026-10.yaml").read_text()
    later = text.replace('version: "2026-10"', 'version: "2027-04"').replace(
        "in_force_from: 2026-10-01", "in_force_from: 2027-04-01"
    )
    (override / "versions" / "2027-04.yaml").write_text(later.replace("£80.00", "£95.00"))
    ruleset, problems = load_rules(override)
    assert problems == []
    assert [v.name for v in ruleset.versions] == ["2026-04", "2026-10", "2027-04"]
    assert ruleset.segments[-1].items[2].amount_pence == 9500


def test_unloadable_shipped_rules_raise(tmp_path: Path) -> None:
    with pytest.raises(RulesUnavailable, match="rules folder not found"):
        load_rules(rules_dir=tmp_path / "nowhere")


def test_rule_dates_split_the_timeline(rules_copy: Path) -> None:
    policy = rules_copy / "policy.yaml"
    _edit(
        policy,
        '  - clause: "7.8"\n',
        '  - clause: "7.8"\n    withdrawn_from: 2026-07-01\n',
    )
    ruleset, problems = load_folders([rules_copy])
    assert problems == [] and ruleset is not None
    starts = [s.starts.isoformat() for s in ruleset.segments]
    assert starts == ["2026-04-01", "2026-07-01", "2026-10-01"]
    assert "7.8" in [r.clause for r in ruleset.segments[0].referrals]
    assert "7.8" not in [r.clause for r in ruleset.segments[1].referrals]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('["5.3", "5.1",', '["5.1",', "add item 5.3 to cap_priority"),
        ("  - stage: 1\n    name: Coping\n", "", "the last stage row must have no 'when'"),
        ('- {clause_holds: "5.4"}', '- {clause_holds: "5.9"}', "clause 5.9 must be in force"),
        ("value: [3, 4]", "value: [three]", "the list must hold whole numbers"),
        (
            "{fact: family_strain}",
            "{fact: family_strain, operator: at_least, value: 2}",
            "use operator equal",
        ),
        ("value: {param: borough_districts}", "value: [SE 1]", "'SE 1' is not a postcode district"),
    ],
)
def test_meaning_is_checked(rules_copy: Path, old: str, new: str, message: str) -> None:
    for path in (rules_copy / "policy.yaml", *sorted((rules_copy / "versions").glob("*.yaml"))):
        if old in path.read_text():
            _edit(path, old, new)
    ruleset, problems = load_folders([rules_copy])
    assert ruleset is None
    assert any(message in p.message for p in problems), problems


def test_check_accepts_the_shipped_folder_and_its_cases() -> None:
    count, problems = check_path(Path("resources/rules"))
    assert problems == []
    assert count >= 9


def test_check_reports_invalid_case_facts(tmp_path: Path) -> None:
    cases = tmp_path / "cases.yaml"
    cases.write_text(
        "kind: tests\ncases:\n  - name: x\n    facts:\n      household: {postcode: NOPE}\n"
        "      visit: {visit_date: 2026-06-01}\n    expected: {eligible: true}\n"
    )
    count, problems = check_path(cases)
    assert count == 1
    assert [p.line for p in problems] == [5]
    assert "case 1 facts: household.postcode" in problems[0].message


def test_check_validates_a_single_override_file_against_the_shipped_rules(tmp_path: Path) -> None:
    version = tmp_path / "2026-10.yaml"
    version.write_text(
        Path("resources/rules/versions/2026-10.yaml")
        .read_text()
        .replace("  tools_cap", "  tool_cap")
    )
    _, problems = check_path(version)
    assert any(
        "parameter 'tools_cap' is not defined in version 2026-10" in p.message for p in problems
    )

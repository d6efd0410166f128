"""A condition's compiled ``check`` (closures, and generated code for ``all`` / ``any``)
gives what its ``test`` method gives, for any shape of condition and any facts.

The shipped policy uses only some shapes (no ``not``, no text ``not_in``); these
properties build the others, nested, over facts of every kind, each fact
recorded, unknown, not applying or absent.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from caseworker.domain.rules.compile import Clause
from caseworker.domain.rules.conditions import AllOf, AnyOf, Leaf, Node, NotOf
from caseworker.domain.rules.derive import FACTS, Derived
from caseworker.domain.rules.model import Operator

NUMBER_OPERATORS = [
    Operator.LESS_THAN,
    Operator.AT_MOST,
    Operator.GREATER_THAN,
    Operator.AT_LEAST,
    Operator.EQUAL,
    Operator.NOT_EQUAL,
]


def _leaf(fact: str, op: Operator, const: Any) -> Leaf:
    return Leaf(FACTS[fact], op, const, str(const))


bool_tests = st.builds(
    _leaf,
    st.sampled_from(["family_strain", "workless_household"]),
    st.sampled_from([Operator.EQUAL, Operator.NOT_EQUAL]),
    st.booleans(),
)
text_tests = st.one_of(
    st.builds(
        _leaf,
        st.just("postcode_district"),
        st.sampled_from([Operator.EQUAL, Operator.NOT_EQUAL]),
        st.sampled_from(["SE1", "SE5"]),
    ),
    st.builds(
        _leaf,
        st.just("postcode_district"),
        st.sampled_from([Operator.IN, Operator.NOT_IN]),
        st.frozensets(st.sampled_from(["SE1", "SE5", "N1"]), min_size=1),
    ),
)
number_tests = st.one_of(
    st.builds(
        _leaf,
        st.sampled_from(["course_fee", "financial_score"]),
        st.sampled_from(NUMBER_OPERATORS),
        st.integers(0, 2),
    ),
    st.builds(
        _leaf,
        st.just("financial_score"),
        st.sampled_from([Operator.IN, Operator.NOT_IN]),
        st.frozensets(st.integers(0, 2), min_size=1),
    ),
)
conditions: st.SearchStrategy[Node] = st.recursive(
    st.one_of(bool_tests, text_tests, number_tests),
    lambda children: st.one_of(
        st.lists(children, min_size=0, max_size=4).map(AllOf),
        st.lists(children, min_size=0, max_size=4).map(AnyOf),
        children.map(NotOf),
    ),
    max_leaves=12,
)
# What the generated code is made for: an ``all`` or ``any`` of two or more.
combined = st.one_of(
    st.lists(conditions, min_size=2, max_size=4).map(AllOf),
    st.lists(conditions, min_size=2, max_size=4).map(AnyOf),
)

ABSENT = object()
numbers = st.one_of(
    st.none(),  # does not apply
    st.integers(0, 2).map(lambda n: (n, n)),
    st.integers(0, 2).map(lambda n: (n, None)),  # at least n, the rest not recorded
    st.just(ABSENT),
)
values = st.fixed_dictionaries(
    {
        "family_strain": st.sampled_from([True, False, None, ABSENT]),
        "workless_household": st.sampled_from([True, False, None, ABSENT]),
        "postcode_district": st.sampled_from(["SE1", "SE5", "N1", None, ABSENT]),
        "course_fee": numbers,
        "financial_score": numbers,
    }
)


class _Values:
    """What a condition reads of :class:`Derived`: the values (and details, for the stage)."""

    def __init__(self, found: dict[str, Any]) -> None:
        self.values = {k: v for k, v in found.items() if v is not ABSENT}
        self.detail: dict[str, Any] = {}
        self.texts: dict[str, str] = {}
        self.missing: dict[str, Any] = {}


# Many shapes times many facts: more examples than the default profile's hundred.
@settings(deadline=None, max_examples=max(1_000, settings().max_examples))
@given(st.one_of(combined, conditions), values)
def test_a_compiled_condition_agrees_with_its_test(node: Node, found: dict[str, Any]) -> None:
    d: Any = _Values(found)
    derived: Derived = d
    assert node.check(derived) is node.test(derived)
    for outcome in (False, True):
        if node.check(derived) is outcome:
            assert node.because[outcome](derived) == node.reasons(derived, outcome)


def _build(clause: Clause, d: Derived, outcome: bool | None) -> object:
    """What an engine line reads: the outcome and the reasons (or what is missing)."""
    if outcome is None:
        return (None, tuple(clause.when.missing(d)))
    return (outcome, tuple(clause.when.reasons(d, outcome)))


@settings(deadline=None, max_examples=max(1_000, settings().max_examples))
@given(st.one_of(combined, conditions), values, st.booleans())
def test_a_clause_decides_as_its_check_and_explain(
    node: Node, found: dict[str, Any], skip_false: bool
) -> None:
    """The generated check-and-explain gives the outcome, line and table key (so the same
    table entries) that ``check`` then ``explain`` give, counting look-ups the same way."""
    d: Any = _Values(found)
    generated, plain = Clause("9.9", "Test", node), Clause("9.9", "Test", node)
    decide = generated.decider(_build, skip_false)
    for _ in range(2):  # a miss, then from the table
        outcome, explained = decide(d)
        expected = plain.check(d)
        assert outcome is expected
        if skip_false and expected is False:
            assert explained is None
        else:
            assert explained == plain.explain(d, _build, expected)
    assert generated.memo == plain.memo
    assert generated.uses == plain.uses

"""Compiled rule conditions: test, explain, list what is missing, say what would change.

A condition from a rule file (all / any / not / fact test) is compiled once per
version into these small objects, with parameter references already replaced
by the version's values, so evaluating a visit is plain attribute access and
comparisons. Truth is three-valued (True, False, None = not decided because a
fact was not recorded), combined with Kleene logic.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from caseworker.domain.money import format_pence
from caseworker.domain.rules.derive import (
    KEY_SOURCES,
    Derived,
    FactSpec,
    FactValue,
    Kind,
    Missing,
    Tri,
    format_value,
)
from caseworker.domain.rules.model import Operator

ConstValue = bool | int | str | frozenset[str] | frozenset[int]

OP_PHRASES = {
    Operator.EQUAL: "equal to",
    Operator.NOT_EQUAL: "not equal to",
    Operator.LESS_THAN: "below",
    Operator.AT_MOST: "at most",
    Operator.GREATER_THAN: "above",
    Operator.AT_LEAST: "at least",
    Operator.IN: "",
    Operator.NOT_IN: "not",
}
FAILED_PHRASES = {
    Operator.EQUAL: "not equal to",
    Operator.NOT_EQUAL: "equal to",
    Operator.LESS_THAN: "not below",
    Operator.AT_MOST: "above",
    Operator.GREATER_THAN: "not above",
    Operator.AT_LEAST: "below",
    Operator.IN: "not",
    Operator.NOT_IN: "one of",
}
NUMBER_OPERATORS = frozenset(OP_PHRASES) - {Operator.IN, Operator.NOT_IN}


# The operations. ``c`` is the rule's constant, already type-checked against the
# fact when the rules were compiled. A numeric fact that does not apply (None:
# no hearing, no stated cost) fails every numeric test; an unknown one is the
# interval (0, None).


def _less_than(value: FactValue, c: Any) -> Tri:
    if not isinstance(value, tuple):
        return False
    low, high = value
    if high is not None and high < c:
        return True
    return False if low >= c else None


def _at_most(value: FactValue, c: Any) -> Tri:
    if not isinstance(value, tuple):
        return False
    low, high = value
    if high is not None and high <= c:
        return True
    return False if low > c else None


def _greater_than(value: FactValue, c: Any) -> Tri:
    if not isinstance(value, tuple):
        return False
    low, high = value
    if low > c:
        return True
    return False if high is not None and high <= c else None


def _at_least(value: FactValue, c: Any) -> Tri:
    if not isinstance(value, tuple):
        return False
    low, high = value
    if low >= c:
        return True
    return False if high is not None and high < c else None


def _num_equal(value: FactValue, c: Any) -> Tri:
    if not isinstance(value, tuple):
        return False
    low, high = value
    if low == high == c:
        return True
    return False if c < low or (high is not None and c > high) else None


def _num_in(value: FactValue, c: Any) -> Tri:
    if not isinstance(value, tuple):
        return False
    return (value[0] in c) if value[0] == value[1] else None


def _equal(value: FactValue, c: Any) -> Tri:
    return None if value is None else value == c


def _in(value: FactValue, c: Any) -> Tri:
    return None if value is None else value in c


def _negate(op: Callable[[FactValue, Any], Tri]) -> Callable[[FactValue, Any], Tri]:
    def run(value: FactValue, c: Any) -> Tri:
        result = op(value, c)
        return None if result is None else not result

    return run


_NUMERIC_OPERATIONS: dict[Operator, Callable[[FactValue, Any], Tri]] = {
    Operator.EQUAL: _num_equal,
    Operator.NOT_EQUAL: _negate(_num_equal),
    Operator.LESS_THAN: _less_than,
    Operator.AT_MOST: _at_most,
    Operator.GREATER_THAN: _greater_than,
    Operator.AT_LEAST: _at_least,
    Operator.IN: _num_in,
    Operator.NOT_IN: _negate(_num_in),
}
_OTHER_OPERATIONS: dict[Operator, Callable[[FactValue, Any], Tri]] = {
    Operator.EQUAL: _equal,
    Operator.NOT_EQUAL: _negate(_equal),
    Operator.IN: _in,
    Operator.NOT_IN: _negate(_in),
}


Change = dict[str, FactValue]
_MAX_CHANGES = 16
_OPPOSITE = {
    Operator.EQUAL: Operator.NOT_EQUAL,
    Operator.NOT_EQUAL: Operator.EQUAL,
    Operator.LESS_THAN: Operator.AT_LEAST,
    Operator.AT_MOST: Operator.GREATER_THAN,
    Operator.GREATER_THAN: Operator.AT_MOST,
    Operator.AT_LEAST: Operator.LESS_THAN,
    Operator.IN: Operator.NOT_IN,
    Operator.NOT_IN: Operator.IN,
}


def _satisfying(kind: Kind, op: Operator, c: Any) -> FactValue:
    """A value of a fact that passes ``fact op c`` (the what-if's suggested value)."""
    if kind is Kind.BOOL:
        return bool(c) if op is Operator.EQUAL else not c
    if kind is Kind.TEXT:
        if op is Operator.EQUAL:
            return str(c)
        if op is Operator.IN:
            return str(min(c))
        return "".join(sorted(c if isinstance(c, frozenset) else {c})) + "X"
    number = {
        Operator.LESS_THAN: lambda: c - 1,
        Operator.AT_MOST: lambda: c,
        Operator.GREATER_THAN: lambda: c + 1,
        Operator.AT_LEAST: lambda: c,
        Operator.EQUAL: lambda: c,
        Operator.NOT_EQUAL: lambda: c + 1,
        Operator.IN: lambda: min(c),
        Operator.NOT_IN: lambda: max(c) + 1,
    }[op]()
    return (number, number)


def _words(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def _not(value: Tri) -> Tri:
    return None if value is None else not value


Reasons = Callable[[Derived], list[str]]


class Node:
    """A compiled condition; ``check`` is :meth:`test` as closures (see compile_test).

    ``because[outcome]`` is :meth:`reasons` for that outcome as closures (see
    compile_reasons), for the engine's explanations.
    """

    __slots__ = ("because", "check")
    check: Callable[[Derived], Tri]
    because: tuple[Reasons, Reasons]

    def test(self, d: Derived) -> Tri:
        raise NotImplementedError

    def reasons(self, d: Derived, outcome: bool) -> list[str]:
        """Plain-English facts that make the condition come out as ``outcome``."""
        raise NotImplementedError

    def missing(self, d: Derived) -> list[Missing]:
        """The unrecorded facts that leave the condition undecided."""
        raise NotImplementedError

    def needed(self, d: Derived) -> str:
        """What would have to be true for a failing condition to hold."""
        raise NotImplementedError

    def changes(self, d: Derived) -> list[Change]:
        """Alternative new fact values, each of which would make the condition hold.

        The same change :meth:`needed` describes, in a form a test can apply.
        """
        raise NotImplementedError

    def facts(self) -> list[str]:
        raise NotImplementedError


class Leaf(Node):
    """``fact operator value``."""

    __slots__ = (
        "change",
        "const",
        "const_text",
        "failed_text",
        "is_bool",
        "name",
        "op",
        "required_text",
        "run",
        "spec",
        "stage_hint",
    )

    def __init__(self, spec: FactSpec, op: Operator, const: ConstValue, const_text: str) -> None:
        self.spec = spec
        self.name = spec.name
        self.op = op
        self.const = const
        self.const_text = const_text
        numeric = spec.kind in (Kind.MONEY, Kind.NUMBER)
        self.run = (_NUMERIC_OPERATIONS if numeric else _OTHER_OPERATIONS)[op]
        self.stage_hint: Callable[[Derived, Leaf], str] | None = None
        self.is_bool = spec.kind is Kind.BOOL
        if self.is_bool:
            wanted = const if op is Operator.EQUAL else not const
            self.required_text = spec.yes if wanted else spec.no
        else:
            self.required_text = _words(spec.label, OP_PHRASES[op], const_text)
        self.failed_text = f", {FAILED_PHRASES[op]} {const_text}"
        self.change: list[Change] = [{self.name: _satisfying(spec.kind, op, const)}]
        self.check = compile_test(self)
        self.because = compile_reasons(self)

    def test(self, d: Derived) -> Tri:
        return self.run(d.values.get(self.name), self.const)

    def describe(self, d: Derived) -> str:
        """The fact as recorded: "savings £1,200.00", "Sam Smith (19) is not in ..."."""
        text = d.texts.get(self.name)
        if text is None:
            text = d.texts[self.name] = self._describe(d)
        return text

    def _describe(self, d: Derived) -> str:
        spec = self.spec
        value = d.values.get(self.name)
        if spec.kind is Kind.BOOL:
            if value and spec.describe is not None:
                return spec.describe(d, self.name)
            return spec.yes if value else spec.no
        if value is None:
            return f"no {spec.label} recorded"
        if spec.describe is not None:
            return spec.describe(d, self.name)
        if isinstance(value, tuple):
            low, high = value
            shown = format_value(spec.kind, low)
            return f"{spec.label} {shown}" if high == low else f"{spec.label} at least {shown}"
        return f"{spec.label} {value}"

    def reasons(self, d: Derived, outcome: bool) -> list[str]:
        if outcome or self.is_bool or d.values.get(self.name) is None:
            return [self.describe(d)]
        return [self.describe(d) + self.failed_text]

    def missing(self, d: Derived) -> list[Missing]:
        return list(d.missing.get(self.name, ()))

    def needed(self, d: Derived) -> str:
        text = self.required_text
        if self.stage_hint is not None:
            return text + self.stage_hint(d, self)
        value = d.values.get(self.name)
        if not self.is_bool and isinstance(value, tuple) and value[0] == value[1]:
            text += f" (now {format_value(self.spec.kind, value[0])})"
        return text

    def changes(self, d: Derived) -> list[Change]:
        return self.change  # shared: callers build new dicts, never change this one

    def opposite(self) -> list[Change]:
        """A value that makes the test fail (for ``not``)."""
        return [{self.name: _satisfying(self.spec.kind, _OPPOSITE[self.op], self.const)}]

    def facts(self) -> list[str]:
        return [self.name]


class StageLeaf(Leaf):
    """A test of the stage, which may be undecided between a few stages (part 3).

    The test holds (or fails) when it does so for every stage the recorded
    facts still allow, so 4.2 "stage 3 or 4" is met when the stage is 3 or 4.
    """

    __slots__ = ()

    def test(self, d: Derived) -> Tri:
        value = d.values.get(self.name)
        if not isinstance(value, tuple) or value[0] == value[1]:
            return self.run(value, self.const)
        options: tuple[int, ...] = d.detail.get(self.name, ())
        results = {self.run((s, s), self.const) for s in options}
        return results.pop() if len(results) == 1 else None


class AllOf(Node):
    __slots__ = ("children",)

    def __init__(self, children: list[Node]) -> None:
        self.children = children
        self.check = compile_test(self)
        self.because = compile_reasons(self)

    def test(self, d: Derived) -> Tri:
        result: Tri = True
        for child in self.children:
            value = child.test(d)
            if value is False:
                return False
            if value is None:
                result = None
        return result

    def reasons(self, d: Derived, outcome: bool) -> list[str]:
        return [r for c in self.children if c.check(d) is outcome for r in c.reasons(d, outcome)]

    def missing(self, d: Derived) -> list[Missing]:
        return [m for c in self.children if c.check(d) is None for m in c.missing(d)]

    def needed(self, d: Derived) -> str:
        return " and ".join(c.needed(d) for c in self.children if c.check(d) is not True)

    def changes(self, d: Derived) -> list[Change]:
        found: list[Change] = [{}]
        for child in self.children:
            if child.check(d) is True:
                continue
            merged = []
            for before in found:
                for option in child.changes(d):
                    clash = any(k in before and before[k] != v for k, v in option.items())
                    if not clash:
                        merged.append({**before, **option})
            found = merged[:_MAX_CHANGES]
        return found

    def facts(self) -> list[str]:
        return [f for c in self.children for f in c.facts()]


class AnyOf(AllOf):
    __slots__ = ()

    def test(self, d: Derived) -> Tri:
        result: Tri = False
        for child in self.children:
            value = child.test(d)
            if value:
                return True
            if value is None:
                result = None
        return result

    def needed(self, d: Derived) -> str:
        options = [c.needed(d) for c in self.children]
        return options[0] if len(options) == 1 else "either " + ", or ".join(options)

    def changes(self, d: Derived) -> list[Change]:
        return [option for c in self.children for option in c.changes(d)][:_MAX_CHANGES]


class NotOf(Node):
    __slots__ = ("child",)

    def __init__(self, child: Node) -> None:
        self.child = child
        self.check = compile_test(self)
        self.because = compile_reasons(self)

    def test(self, d: Derived) -> Tri:
        return _not(self.child.test(d))

    def reasons(self, d: Derived, outcome: bool) -> list[str]:
        return self.child.reasons(d, not outcome)

    def missing(self, d: Derived) -> list[Missing]:
        return self.child.missing(d)

    def needed(self, d: Derived) -> str:
        return "it is no longer so that " + ", ".join(self.child.reasons(d, True))

    def changes(self, d: Derived) -> list[Change]:
        return self.child.opposite() if isinstance(self.child, Leaf) else []

    def facts(self) -> list[str]:
        return self.child.facts()


class ClauseRef(Node):
    """The condition of another clause (5.7 needs 5.4 or 5.6 to apply)."""

    __slots__ = ("clause", "target")

    def __init__(self, clause: str, target: Node) -> None:
        self.clause = clause
        self.target = target
        self.check = target.check
        self.because = compile_reasons(self)

    def test(self, d: Derived) -> Tri:
        return self.target.test(d)

    def reasons(self, d: Derived, outcome: bool) -> list[str]:
        return [f"{self.clause} applies" if outcome else f"{self.clause} does not apply"]

    def missing(self, d: Derived) -> list[Missing]:
        return self.target.missing(d)

    def needed(self, d: Derived) -> str:
        return f"{self.clause} applying ({self.target.needed(d)})"

    def changes(self, d: Derived) -> list[Change]:
        return self.target.changes(d)

    def facts(self) -> list[str]:
        return self.target.facts()


def compile_test(node: Node) -> Callable[[Derived], Tri]:
    """``node.test`` as plain nested closures: no method look-ups while evaluating.

    Gives the same answer as ``node.test`` for every household (Kleene logic,
    first False or True wins as there). A fact test is one closure with its
    operation written out (no second call), an ``all`` or ``any`` of two tests
    is unrolled.
    """
    if isinstance(node, StageLeaf):
        return node.test
    if isinstance(node, Leaf):
        return _leaf_test(node)
    if isinstance(node, ClauseRef):
        return node.target.check
    if isinstance(node, NotOf):
        child = node.child.check

        def negation(d: Derived) -> Tri:
            value = child(d)
            return None if value is None else not value

        return negation
    assert isinstance(node, AllOf)
    tests = tuple(c.check for c in node.children)
    if len(tests) == 1:
        return tests[0]
    if any(_inlined(c) for c in node.children):
        return _generated(node)
    if isinstance(node, AnyOf):
        if len(tests) == 2:
            first, second = tests

            def any_of_two(d: Derived) -> Tri:
                a = first(d)
                if a:
                    return True
                b = second(d)
                if b:
                    return True
                return None if a is None or b is None else False

            return any_of_two

        def any_of(d: Derived) -> Tri:
            result: Tri = False
            for test in tests:
                value = test(d)
                if value:
                    return True
                if value is None:
                    result = None
            return result

        return any_of
    if len(tests) == 2:
        first, second = tests

        def all_of_two(d: Derived) -> Tri:
            a = first(d)
            if a is False:
                return False
            b = second(d)
            if b is False:
                return False
            return None if a is None or b is None else True

        return all_of_two

    def all_of(d: Derived) -> Tri:
        result: Tri = True
        for test in tests:
            value = test(d)
            if value is False:
                return False
            if value is None:
                result = None
        return result

    return all_of


_INLINED_TEXT = {
    Operator.EQUAL: "{x} == {c}",
    Operator.NOT_EQUAL: "{x} != {c}",
    Operator.IN: "{x} in {c}",
    Operator.NOT_IN: "{x} not in {c}",
}
# A numeric test on (low, high): when it holds, and when it fails (else not decided).
_INLINED_NUMBER = {
    Operator.LESS_THAN: ("{x}[1] is not None and {x}[1] < {c}", "{x}[0] >= {c}"),
    Operator.AT_MOST: ("{x}[1] is not None and {x}[1] <= {c}", "{x}[0] > {c}"),
    Operator.GREATER_THAN: ("{x}[0] > {c}", "{x}[1] is not None and {x}[1] <= {c}"),
    Operator.AT_LEAST: ("{x}[0] >= {c}", "{x}[1] is not None and {x}[1] < {c}"),
}


def _inlined(node: Node) -> bool:
    """A fact test :func:`_generated` writes out rather than calls."""
    if not isinstance(node, Leaf) or isinstance(node, StageLeaf):
        return False
    numeric = node.spec.kind in (Kind.MONEY, Kind.NUMBER)
    return node.op in (_INLINED_NUMBER if numeric else _INLINED_TEXT)


def _decided_in(node: Node) -> bool:
    """A number's (or the stage's) ``in`` / ``not in`` test: for a decided value, the
    value's membership of the rule's numbers (``_num_in``, ``StageLeaf.test``)."""
    return (
        isinstance(node, Leaf)
        and node.spec.kind in (Kind.MONEY, Kind.NUMBER)
        and node.op in (Operator.IN, Operator.NOT_IN)
    )


def _leaf_lines(node: Leaf, x: str, c: str, result: str, pad: str) -> list[str]:
    """Source setting ``result`` to an inlined fact test's outcome: ``x`` the variable
    for the fact's value, ``c`` the bound name of the rule's constant."""
    lines = [f"{pad}{x} = get({node.name!r})"]
    if node.spec.kind in (Kind.MONEY, Kind.NUMBER):
        holds, fails = (t.format(x=x, c=c) for t in _INLINED_NUMBER[node.op])
        return [
            *lines,
            f"{pad}if {x}.__class__ is not tuple:",
            f"{pad}    {result} = False",
            f"{pad}elif {holds}:",
            f"{pad}    {result} = True",
            f"{pad}else:",
            f"{pad}    {result} = False if {fails} else None",
        ]
    test = _INLINED_TEXT[node.op].format(x=x, c=c)
    return [*lines, f"{pad}{result} = None if {x} is None else {test}"]


def _generated(node: AllOf) -> Callable[[Derived], Tri]:
    """An ``all`` or ``any`` as one generated function, its fact tests written out.

    The same Kleene logic as ``node.test`` (the first False of an ``all``, the
    first True of an ``any`` decides, and nothing after it is read), in Python
    source made once per condition when the rules are compiled: no call per
    fact test. Only values of the rule file's own constants (bound by name,
    never written into the source) and fact names (``repr``) appear in it.
    """
    bound: dict[str, object] = {}
    lines = ["def check(d):", "    get = d.values.get"]
    count = 0

    def fresh(prefix: str) -> str:
        nonlocal count
        count += 1
        return f"{prefix}{count}"

    def bind(value: object) -> str:
        name = fresh("k")
        bound[name] = value
        return name

    def block(child: Node, pad: str) -> str:
        result = fresh("r")
        if _inlined(child):
            assert isinstance(child, Leaf)
            lines.extend(_leaf_lines(child, fresh("x"), bind(child.const), result, pad))
            return result
        if isinstance(child, NotOf):
            inner = block(child.child, pad)
            lines.append(f"{pad}{result} = None if {inner} is None else not {inner}")
            return result
        if isinstance(child, AllOf):
            anyof = isinstance(child, AnyOf)
            lines.append(f"{pad}{result} = {not anyof}")
            inner_pad = pad
            for part in child.children:
                value = block(part, inner_pad)
                decides = f"if {value}:" if anyof else f"if {value} is False:"
                lines.extend(
                    [
                        f"{inner_pad}{decides}",
                        f"{inner_pad}    {result} = {anyof}",
                        f"{inner_pad}else:",
                        f"{inner_pad}    if {value} is None:",
                        f"{inner_pad}        {result} = None",
                    ]
                )
                inner_pad += "    "
            return result
        lines.append(f"{pad}{result} = {bind(child.check)}(d)")
        return result

    lines.append(f"    return {block(node, '    ')}")
    namespace: dict[str, Any] = dict(bound)
    exec("\n".join(lines), namespace)  # the source is made above from the rules' shape
    check: Callable[[Derived], Tri] = namespace["check"]
    return check


def _leaf_test(node: Leaf) -> Callable[[Derived], Tri]:
    """One fact test as a single closure (the operations above, inlined)."""
    name, op = node.name, node.op
    c: Any = node.const
    numeric = node.spec.kind in (Kind.MONEY, Kind.NUMBER)
    test: Callable[[Derived], Tri]
    if not numeric:
        if op is Operator.EQUAL:

            def equal(d: Derived) -> Tri:
                value = d.values.get(name)
                return None if value is None else value == c

            return equal
        if op is Operator.NOT_EQUAL:

            def not_equal(d: Derived) -> Tri:
                value = d.values.get(name)
                return None if value is None else value != c

            return not_equal
        if op is Operator.IN:

            def member(d: Derived) -> Tri:
                value = d.values.get(name)
                return None if value is None else value in c

            return member

        def not_member(d: Derived) -> Tri:
            value = d.values.get(name)
            return None if value is None else value not in c

        return not_member
    if op is Operator.LESS_THAN:

        def less_than(d: Derived) -> Tri:
            value = d.values.get(name)
            if value.__class__ is not tuple:
                return False
            low, high = value
            if high is not None and high < c:
                return True
            return False if low >= c else None

        test = less_than
    elif op is Operator.AT_MOST:

        def at_most(d: Derived) -> Tri:
            value = d.values.get(name)
            if value.__class__ is not tuple:
                return False
            low, high = value
            if high is not None and high <= c:
                return True
            return False if low > c else None

        test = at_most
    elif op is Operator.GREATER_THAN:

        def greater_than(d: Derived) -> Tri:
            value = d.values.get(name)
            if value.__class__ is not tuple:
                return False
            low, high = value
            if low > c:
                return True
            return False if high is not None and high <= c else None

        test = greater_than
    elif op is Operator.AT_LEAST:

        def at_least(d: Derived) -> Tri:
            value = d.values.get(name)
            if value.__class__ is not tuple:
                return False
            low, high = value
            if low >= c:
                return True
            return False if high is not None and high < c else None

        test = at_least
    else:  # equal / in on a number: rare, so the shared operation is enough
        run = _NUMERIC_OPERATIONS[op]

        def numeric_other(d: Derived) -> Tri:
            return run(d.values.get(name), c)

        return numeric_other
    return test


def compile_reasons(node: Node) -> tuple[Reasons, Reasons]:
    """``node.reasons(d, False)`` and ``node.reasons(d, True)`` as plain closures.

    The same lists as the methods give (the engine's reference evaluation still
    uses the methods), without a method look-up at each level: a fact test
    reads its description from ``Derived.texts`` directly, ``all`` and ``any``
    keep their children's checks and reasons in a tuple.
    """
    if isinstance(node, Leaf):
        name, failed, describe = node.name, node.failed_text, _describer(node)

        def described(d: Derived) -> list[str]:
            texts = d.texts
            text = texts.get(name)
            if text is None:
                text = texts[name] = describe(d)
            return [text]

        if node.is_bool:
            return described, described

        def fails(d: Derived) -> list[str]:
            texts = d.texts
            text = texts.get(name)
            if text is None:
                text = texts[name] = describe(d)
            return [text] if d.values.get(name) is None else [text + failed]

        return fails, described
    if isinstance(node, ClauseRef):
        applies, does_not = f"{node.clause} applies", f"{node.clause} does not apply"
        return (lambda d: [does_not]), (lambda d: [applies])
    if isinstance(node, NotOf):
        unmet, met = node.child.because
        return met, unmet
    assert isinstance(node, AllOf)
    return _children_reasons(node, False), _children_reasons(node, True)


def _describer(node: Leaf) -> Callable[[Derived], str]:
    """``node._describe`` for its fact's kind, decided once: no kind tests per call."""
    spec, name = node.spec, node.name
    phrase = spec.describe
    if spec.kind is Kind.BOOL:
        yes, no = spec.yes, spec.no
        if phrase is None:

            def yes_or_no(d: Derived) -> str:
                return yes if d.values.get(name) else no

            return yes_or_no

        def phrased_if_true(d: Derived) -> str:
            return phrase(d, name) if d.values.get(name) else no

        return phrased_if_true
    label = spec.label
    not_recorded = f"no {label} recorded"
    if phrase is not None:

        def phrased(d: Derived) -> str:
            return not_recorded if d.values.get(name) is None else phrase(d, name)

        return phrased
    # format_value for the fact's kind, chosen once
    shows: Callable[[int], str] = format_pence if spec.kind is Kind.MONEY else str

    def plain(d: Derived) -> str:
        value = d.values.get(name)
        if value is None:
            return not_recorded
        if value.__class__ is tuple:
            low, high = value
            shown = shows(low)
            return f"{label} {shown}" if high == low else f"{label} at least {shown}"
        return f"{label} {value}"

    return plain


def _children_reasons(node: AllOf, outcome: bool) -> Reasons:
    parts = tuple((c.check, c.because[outcome]) for c in node.children)

    def reasons(d: Derived) -> list[str]:
        found: list[str] = []
        for check, why in parts:
            if check(d) is outcome:
                found += why(d)
        return found

    return reasons


_SKIPPED = object()  # in a key: this child gives no reason for the outcome


def reasons_key(
    node: Node, outcome: bool, keys: dict[str, Callable[[Derived, str], object]]
) -> Callable[[Derived], object]:
    """A closure giving everything ``node.reasons(d, outcome)`` reads, as a hashable value.

    A fact test reads its fact's value and what ``keys`` says its description
    reads; ``all`` and ``any`` read only the children that come out as
    ``outcome`` (a met ``any`` is explained by the tests that hold, so "financial
    score 2" is the same sentence whatever the debts); ``not`` reads its child
    for the opposite outcome; a ``clause_holds`` reads nothing.
    """
    if isinstance(node, Leaf):
        name = node.name
        detail = keys.get(name)
        if detail is None:

            def value(d: Derived) -> object:
                return d.values.get(name)

            return value
        describes = detail

        def value_and_detail(d: Derived) -> object:
            return (d.values.get(name), describes(d, name))

        return value_and_detail
    if isinstance(node, ClauseRef):
        return lambda d: None
    if isinstance(node, NotOf):
        return reasons_key(node.child, not outcome, keys)
    assert isinstance(node, AllOf)
    parts = tuple((c.check, reasons_key(c, outcome, keys)) for c in node.children)

    def children(d: Derived) -> object:
        return tuple([key(d) if check(d) is outcome else _SKIPPED for check, key in parts])

    return children


def unique(texts: list[str]) -> list[str]:
    """Drop repeated phrases, keeping order (two tests on one fact read once)."""
    return texts if len(texts) < 2 else list(dict.fromkeys(texts))


_TOP = "    "  # the indent of a generated function's own lines


class _ClauseWriter:
    """Python source for clauses' checks and table look-ups (see :func:`compile_decide`).

    Only the rule file's constants and the helpers (bound by name, never written
    into the source) and fact names (``repr``) appear in the source.
    """

    def __init__(self, keys: dict[str, Callable[[Derived, str], object]]) -> None:
        self.keys = keys
        self.bound: dict[str, object] = {"SKIPPED": _SKIPPED}
        self.lines: list[str] = []
        self.results: dict[int, str] = {}  # id(node) -> the variable holding its outcome
        # fact -> the variable holding its value, read once at the top level of the
        # function (unconditionally, so there for every line after it)
        self.read: dict[str, str] = {}
        self.count = 0

    def fresh(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}"

    def bind(self, value: object) -> str:
        name = self.fresh("k")
        self.bound[name] = value
        return name

    def block(self, node: Node, pad: str) -> str:
        """Lines setting a new variable to ``node``'s outcome (every part evaluated)."""
        lines, result = self.lines, self.fresh("r")
        self.results[id(node)] = result
        if _inlined(node):
            assert isinstance(node, Leaf)
            x = self.fresh("x")
            lines.extend(_leaf_lines(node, x, self.bind(node.const), result, pad))
            self.remember(node.name, x, pad)
        elif isinstance(node, NotOf):
            inner = self.block(node.child, pad)
            lines.append(f"{pad}{result} = None if {inner} is None else not {inner}")
        elif isinstance(node, AllOf):
            parts = [self.block(child, pad) for child in node.children]
            if not parts:
                lines.append(f"{pad}{result} = {not isinstance(node, AnyOf)}")
            elif isinstance(node, AnyOf):  # the first that holds decides: True
                holds = " or ".join(parts)
                unknown = " or ".join(f"{p} is None" for p in parts)
                lines.append(
                    f"{pad}{result} = True if ({holds}) else None if ({unknown}) else False"
                )
            else:  # the first False decides
                fails = " or ".join(f"{p} is False" for p in parts)
                unknown = " or ".join(f"{p} is None" for p in parts)
                lines.append(
                    f"{pad}{result} = False if ({fails}) else None if ({unknown}) else True"
                )
        elif _decided_in(node):
            # ``stage in [3, 4]``: a decided value (its interval one number) written out,
            # anything else (undecided between stages, unknown) by the node's own check.
            assert isinstance(node, Leaf)
            x, c = self.fresh("x"), self.bind(node.const)
            holds = "in" if node.op is Operator.IN else "not in"
            lines += [
                f"{pad}{x} = get({node.name!r})",
                f"{pad}if {x}.__class__ is tuple and {x}[0] == {x}[1]:",
                f"{pad}    {result} = {x}[0] {holds} {c}",
                f"{pad}else:",
                f"{pad}    {result} = {self.bind(node.check)}(d)",
            ]
            self.remember(node.name, x, pad)
        else:
            lines.append(f"{pad}{result} = {self.bind(node.check)}(d)")
        return result

    def remember(self, name: str, variable: str, pad: str) -> None:
        """``variable`` holds the value of ``name`` from here on, if set at the top level."""
        if pad == _TOP and name not in self.read:
            self.read[name] = variable

    def value(self, name: str) -> str:
        """The fact's value: the variable already holding it, else a look-up."""
        return self.read.get(name) or f"get({name!r})"

    def key_part(self, fn: Any, name: str) -> str:
        """``fn(d, name)``: written out when derive.KEY_SOURCES has its source (no call)."""
        source = KEY_SOURCES.get(fn)
        if source is None:
            return f"{self.bind(fn)}(d, {name!r})"
        return source.replace("$v", self.fresh("w")).replace("$n", repr(name))

    def leaf_key(self, name: str) -> str:
        detail = self.keys.get(name)
        if detail is None:
            return self.value(name)
        return f"({self.value(name)}, {self.key_part(detail, name)})"

    def reasons_key(self, node: Node, outcome: bool) -> str:
        """conditions.reasons_key(node, outcome, keys), written out (after :meth:`block`)."""
        if isinstance(node, Leaf):
            return self.leaf_key(node.name)
        if isinstance(node, ClauseRef):
            return "None"
        if isinstance(node, NotOf):
            return self.reasons_key(node.child, not outcome)
        assert isinstance(node, AllOf)
        items = [
            f"({self.reasons_key(child, outcome)} if {self.results[id(child)]} is {outcome} "
            "else SKIPPED)"
            for child in node.children
        ]
        return "(" + "".join(f"{item}, " for item in items) + ")"

    def table_key(self, clause: Any) -> str:
        """compile._table_key(clause.facts, clause.keyed), written out."""
        facts: tuple[str, ...] = clause.facts
        keyed: tuple[tuple[str, object], ...] = clause.keyed
        if len(facts) == 1 and not keyed:
            return self.value(facts[0])
        if len(facts) == 1 and len(keyed) == 1:
            return f"({self.value(facts[0])}, {self.key_part(keyed[0][1], keyed[0][0])})"
        items = [self.value(name) for name in facts]
        items += [self.key_part(fn, name) for name, fn in keyed]
        return "(" + "".join(f"{item}, " for item in items) + ")"

    def reasons(self, node: Node, outcome: bool, found: str, pad: str) -> None:
        """Lines adding ``node.because[outcome](d)`` to the list ``found`` (compile_reasons,
        written out after :meth:`block`: each part's outcome is already known)."""
        lines = self.lines
        if isinstance(node, Leaf) and node.is_bool:
            # A true-or-false fact whose test came out as ``outcome`` has a known value
            # (the rules compiler allows only equal / not_equal): _describer's text for
            # it, chosen here, is its phrase (true, with one) or its yes / no words.
            wanted = node.const if node.op is Operator.EQUAL else not node.const
            value = wanted if outcome else not wanted
            phrase = node.spec.describe
            if value and phrase is not None:
                text = self.fresh("t")
                lines += [
                    f"{pad}{text} = texts.get({node.name!r})",
                    f"{pad}if {text} is None:",
                    f"{pad}    {text} = texts[{node.name!r}] = "
                    f"{self.bind(phrase)}(d, {node.name!r})",
                    f"{pad}{found}.append({text})",
                ]
            else:
                said = self.bind(node.spec.yes if value else node.spec.no)
                lines.append(f"{pad}{found}.append({said})")
        elif isinstance(node, Leaf):
            text = self.fresh("t")
            lines += [
                f"{pad}{text} = texts.get({node.name!r})",
                f"{pad}if {text} is None:",
                f"{pad}    {text} = texts[{node.name!r}] = {self.bind(_describer(node))}(d)",
            ]
            if outcome or node.is_bool:
                lines.append(f"{pad}{found}.append({text})")
            else:
                failed = self.bind(node.failed_text)
                lines.append(
                    f"{pad}{found}.append({text} if {self.value(node.name)} is None "
                    f"else {text} + {failed})"
                )
        elif isinstance(node, ClauseRef):
            said = f"{node.clause} applies" if outcome else f"{node.clause} does not apply"
            lines.append(f"{pad}{found}.append({self.bind(said)})")
        elif isinstance(node, NotOf):
            self.reasons(node.child, not outcome, found, pad)
        else:
            assert isinstance(node, AllOf)
            for child in node.children:
                lines.append(f"{pad}if {self.results[id(child)]} is {outcome}:")
                before = len(lines)
                self.reasons(child, outcome, found, pad + "    ")
                if len(lines) == before:  # pragma: no cover - every node adds a line
                    lines.append(f"{pad}    pass")

    def look_up(
        self,
        clause: Any,
        build: str,
        outcome: str,
        found: str,
        pad: str,
        met: str | None = None,
        only_met: bool = False,
    ) -> None:
        """Lines setting ``found`` to ``clause.explain(d, build, outcome)`` for a decided
        ``outcome``: the table look-up written out, a miss or no table as ``explain``.

        Each outcome has its own lines (its table, key and count by constant index);
        ``only_met``: the lines run only when ``outcome`` is True.
        """
        if only_met:
            self._look_up_one(clause, build, outcome, found, pad, met, True)
            return
        self.lines.append(f"{pad}if {outcome}:")
        self._look_up_one(clause, build, outcome, found, pad + "    ", met, True)
        self.lines.append(f"{pad}else:")
        self._look_up_one(clause, build, outcome, found, pad + "    ", met, False)

    def _look_up_one(
        self,
        clause: Any,
        build: str,
        outcome: str,
        found: str,
        pad: str,
        met: str | None,
        holds: bool,
    ) -> None:
        memos, uses, store = (self.bind(v) for v in (clause.memo, clause.uses, clause.store))
        this = self.bind(clause)
        index = int(holds)  # Clause.explain: a table per outcome, "met" second
        self.lines += [f"{pad}memo = {memos}[{index}]", f"{pad}if memo is None:"]
        if met is not None and holds:  # a given-up "met" table: the reasons, then ``met``
            self.lines.append(f"{pad}    because = []")
            self.reasons(clause.when, True, "because", pad + "    ")
            self.lines.append(f"{pad}    {found} = {met}({this}, because)")
        else:
            self.lines.append(f"{pad}    {found} = {build}({this}, d, {holds})")
        key = self.reasons_key(clause.when, True) if holds else self.table_key(clause)
        self.lines += [
            f"{pad}else:",
            f"{pad}    key = {key}",
            f"{pad}    {uses}[{index}] += 1",
            f"{pad}    {found} = memo.get(key, memo)",
            f"{pad}    if {found} is memo:",
            f"{pad}        {found} = {store}(d, {build}, {holds}, {index}, key)",
        ]

    def function(self, name: str, file: str) -> Any:
        namespace: dict[str, Any] = dict(self.bound)
        # The source is made from the rules' shape; named by clause for profiles.
        exec(compile("\n".join(self.lines), file, "exec"), namespace)
        return namespace[name]


def compile_decide(
    clause: Any,
    build: Callable[[Any, Derived, Tri], Any],
    skip_false: bool,
    keys: dict[str, Callable[[Derived, str], object]],
) -> Callable[[Derived], tuple[Tri, Any]]:
    """A clause's ``check`` and ``explain`` (compile.Clause) as one generated function.

    Gives ``(outcome, explanation)`` as ``clause.check(d)`` then
    ``clause.explain(d, build, outcome)`` do, with no call per fact test, key
    part or table: the condition is written out, every part of it evaluated
    (a test has no side effect, so the Kleene result is the one the first
    False or True gives, and each part's outcome is there for the key), then
    the table key the clause's ``key`` / ``met_key`` would make (the same
    value: a tuple of the same items) and the look-up. A miss, or a table the
    clause gave up, goes to ``clause.store`` / ``build`` as ``explain`` does,
    counting the look-up in ``clause.uses`` the same way.
    """
    w = _ClauseWriter(keys)
    build_name, this = w.bind(build), w.bind(clause)
    w.lines += ["def decide(d):", "    get = d.values.get"]
    outcome = w.block(clause.when, "    ")
    w.lines += [
        f"    if {outcome} is None:",
        f"        return None, {build_name}({this}, d, None)",
    ]
    if skip_false:
        w.lines += [f"    if {outcome} is False:", f"        return {outcome}, None"]
    w.look_up(clause, build_name, outcome, "found", "    ")
    w.lines.append(f"    return {outcome}, found")
    decide: Callable[[Derived], tuple[Tri, Any]] = w.function("decide", f"<clause {clause.clause}>")
    return decide


def compile_eligibility(
    clauses: Sequence[Any],
    build: Callable[[Any, Derived, Tri], Any],
    met: Callable[[Any, list[str]], Any],
    keys: dict[str, Callable[[Derived, str], object]],
) -> Callable[[Derived, Any, list[Any], list[str], list[Any]], None]:
    """Every eligibility clause's :func:`compile_decide`, and what the engine does with
    each outcome, as one generated function ``run(d, gaps, lines, failed, what_if)``.

    For each clause in order: its line goes to ``lines``; a clause not met or
    not decided to ``failed``; what is missing for an undecided one to
    ``gaps.add``; the what-if of one not met to ``what_if`` (``build`` gives
    ``(line, what_if or missing)``; ``met(clause, reasons)`` the same as
    ``build(clause, d, True)`` from the reasons the condition holds for).
    """
    w = _ClauseWriter(keys)
    build_name, met_name = w.bind(build), w.bind(met)
    w.lines += [
        "def run(d, gaps, lines, failed, what_if):",
        "    get = d.values.get",
        "    texts = d.texts",
    ]
    for clause in clauses:
        this = w.bind(clause)
        outcome = w.block(clause.when, "    ")
        w.lines += [
            f"    if {outcome} is None:",
            f"        line, extra = {build_name}({this}, d, None)",
            f"        failed.append({clause.clause!r})",
            f"        gaps.add(extra, {clause.clause!r})",
            "    else:",
        ]
        w.look_up(clause, build_name, outcome, "found", "        ", met_name)
        w.lines += [
            "        line, extra = found",
            f"        if {outcome} is not True:",
            f"            failed.append({clause.clause!r})",
            "            what_if.append(extra)",
            "    lines.append(line)",
        ]
    w.lines.append("    return None")
    run: Callable[[Derived, Any, list[Any], list[str], list[Any]], None] = w.function(
        "run", "<eligibility clauses>"
    )
    return run


def compile_referrals(
    clauses: Sequence[Any],
    build: Callable[[Any, Derived, Tri], Any],
    met: Callable[[Any, list[str]], Any],
    keys: dict[str, Callable[[Derived, str], object]],
) -> Callable[[Derived, Any, list[Any]], None]:
    """Every referral clause's :func:`compile_decide` (``skip_false``), and what the
    engine does with each outcome, as one generated function ``run(d, gaps, referrals)``.

    For each clause in order: a referral that applies goes to ``referrals``;
    what an undecided one is waiting for to ``gaps.add`` (``build`` gives
    ``(referral or None, missing or None)``, and ``met(clause, reasons)`` the same
    as ``build(clause, d, True)``); one that does not apply, nowhere.
    """
    w = _ClauseWriter(keys)
    build_name, met_name = w.bind(build), w.bind(met)
    w.lines += ["def run(d, gaps, referrals):", "    get = d.values.get", "    texts = d.texts"]
    for clause in clauses:
        this = w.bind(clause)
        outcome = w.block(clause.when, "    ")
        w.lines += [
            f"    if {outcome} is None:",
            f"        gaps.add({build_name}({this}, d, None)[1], {clause.clause!r})",
            f"    elif {outcome}:",
        ]
        w.look_up(clause, build_name, outcome, "found", "        ", met_name, only_met=True)
        w.lines.append("        referrals.append(found[0])")
    w.lines.append("    return None")
    run: Callable[[Derived, Any, list[Any]], None] = w.function("run", "<referral clauses>")
    return run

"""Conditions: when a pathway, recommendation or pitfall applies.

A condition is a structured row (question, operator, value), in the spirit of FHIR
Questionnaire ``enableWhen``; editors never write code. An item combines its rows with
"all" or "any". Rows that share a *group* name are first combined with the opposite
combinator, which gives one level of nesting, e.g. with "all":
``dce_pattern = not_done`` AND (``site = hip`` OR ``context one of transient_bme, unclear``).

A condition on an absent answer is false, except "is empty". An answered empty list
(say, no treatments tried) counts as empty for "is empty" and "is answered", and as an
answer for "does not include".

Pure Python: nothing here imports Django.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .vocabulary import KIND_LABELS, QUESTIONS, Kind, Question, Vocabulary


class Operator(enum.StrEnum):
    EQUALS = "equals"
    NOT_EQUALS = "not_equals"
    ONE_OF = "one_of"
    INCLUDES = "includes"
    EXCLUDES = "excludes"
    GREATER_THAN = "greater_than"
    AT_LEAST = "at_least"
    LESS_THAN = "less_than"
    AT_MOST = "at_most"
    IS_EMPTY = "is_empty"
    IS_ANSWERED = "is_answered"

    @property
    def label(self) -> str:
        return OPERATOR_LABELS[self]


OPERATOR_LABELS: Mapping[Operator, str] = {
    Operator.EQUALS: "is",
    Operator.NOT_EQUALS: "is not",
    Operator.ONE_OF: "is one of",
    Operator.INCLUDES: "includes",
    Operator.EXCLUDES: "does not include",
    Operator.GREATER_THAN: "is more than",
    Operator.AT_LEAST: "is at least",
    Operator.LESS_THAN: "is less than",
    Operator.AT_MOST: "is at most",
    Operator.IS_EMPTY: "is empty",
    Operator.IS_ANSWERED: "is answered",
}

# Which operators make sense for which kind of question.
OPERATORS_BY_KIND: Mapping[Kind, frozenset[Operator]] = {
    Kind.CHOICE: frozenset(
        {Operator.EQUALS, Operator.NOT_EQUALS, Operator.ONE_OF, Operator.IS_EMPTY, Operator.IS_ANSWERED}
    ),
    Kind.MULTI: frozenset({Operator.INCLUDES, Operator.EXCLUDES, Operator.IS_EMPTY, Operator.IS_ANSWERED}),
    Kind.INTEGER: frozenset(
        {
            Operator.EQUALS,
            Operator.NOT_EQUALS,
            Operator.GREATER_THAN,
            Operator.AT_LEAST,
            Operator.LESS_THAN,
            Operator.AT_MOST,
            Operator.IS_EMPTY,
            Operator.IS_ANSWERED,
        }
    ),
}

_NO_VALUE = frozenset({Operator.IS_EMPTY, Operator.IS_ANSWERED})


class Match(enum.StrEnum):
    ALL = "all"
    ANY = "any"


class ConditionError(ValueError):
    """A condition that does not fit the vocabulary. ``field`` names the offending part."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


Value = str | int | tuple[str, ...] | None


@dataclass(frozen=True)
class Condition:
    question: str
    operator: Operator
    value: Value = None
    group: str = ""

    @property
    def value_text(self) -> str:
        """The canonical text form, as stored in the database and shown to editors."""
        if self.value is None:
            return ""
        if isinstance(self.value, tuple):
            return ", ".join(self.value)
        return str(self.value)

    def describe(self, vocabulary: Vocabulary | None = None) -> str:
        """A clinician-readable sentence, e.g. "Site of the edema is one of Hip, Knee", in the words of
        ``vocabulary`` (the edition's questions; the first edition's unless given)."""
        question = (vocabulary or QUESTIONS)[self.question]
        text = f"“{question.label}” {self.operator.label}"
        if self.value is None:
            return text
        values = self.value if isinstance(self.value, tuple) else (self.value,)
        if question.kind is Kind.INTEGER:
            return f"{text} {self.value}"
        return f"{text} {', '.join(question.label_for(str(v)) for v in values)}"


def _split(raw: object) -> list[str]:
    if isinstance(raw, (list, tuple)):
        return [str(item).strip() for item in raw if str(item).strip()]
    return [part.strip() for part in str(raw).split(",") if part.strip()]


def _named(operator: Operator) -> str:
    return f"“{operator.label}”"


def operators_for(question: Question) -> tuple[Operator, ...]:
    """The comparisons that fit a question's kind, in the order editors are offered them."""
    allowed = OPERATORS_BY_KIND[question.kind]
    return tuple(op for op in Operator if op in allowed)


def _answers_text(question: Question) -> str:
    return ", ".join(f"{choice.label} ({choice.value})" for choice in question.choices)


def _parse_choice(question: Question, raw: object) -> str:
    value = str(raw).strip()
    if value not in question.values:
        raise ConditionError(
            "value", f"{value!r} is not an answer to “{question.label}”; its answers are: {_answers_text(question)}."
        )
    return value


def _parse_integer(question: Question, raw: object) -> int:
    minimum, maximum = question.bounds
    wanted = f"“{question.label}” takes a whole number from {minimum} to {maximum}"
    if isinstance(raw, bool):
        raise ConditionError("value", f"{wanted}.")
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise ConditionError("value", f"{wanted}, not {raw!r}.") from None
    if not (minimum <= value <= maximum):
        raise ConditionError("value", f"{wanted}, not {value}.")
    return value


def parse_condition(
    question_key: str,
    operator: str,
    raw_value: object = None,
    group: str = "",
    *,
    vocabulary: Vocabulary | None = None,
) -> Condition:
    """Validate a row against the vocabulary and return it with a typed value.

    ``raw_value`` may be text as typed in admin ("hip, knee"), or a JSON value (a list,
    a number). ``vocabulary``: the questions of the row's edition (the first edition's unless
    given). Raises ``ConditionError`` naming the field at fault, in an editor's words (the
    question's label, the comparison's words; codes only where an editor must type them).
    """
    question = (vocabulary or QUESTIONS).get(question_key)
    if question is None:
        raise ConditionError("question", f"This edition has no question with the key {question_key!r}.")
    allowed = operators_for(question)
    choose = f"choose {', '.join(_named(op) for op in allowed)}"
    try:
        op = Operator(operator)
    except ValueError:
        raise ConditionError("operator", f"{operator!r} is not a comparison; {choose}.") from None
    if op not in allowed:
        kind = KIND_LABELS[question.kind].lower()
        raise ConditionError("operator", f"{_named(op)} does not fit “{question.label}” (a {kind} question); {choose}.")
    empty = raw_value is None or (isinstance(raw_value, str) and not raw_value.strip()) or raw_value == []
    if op in _NO_VALUE:
        if not empty:
            raise ConditionError("value", f"{_named(op)} compares with no answer; leave the answer empty.")
        return Condition(question.key, op, None, group.strip())
    if empty:
        needed = "a number" if question.kind is Kind.INTEGER else "an answer"
        raise ConditionError("value", f"{_named(op)} needs {needed} to compare with.")

    value: Value
    if op is Operator.ONE_OF:
        parts = _split(raw_value)
        value = tuple(dict.fromkeys(_parse_choice(question, part) for part in parts))
        if len(value) < 2:
            raise ConditionError(
                "value", f"{_named(op)} needs two or more answers; for one, use {_named(Operator.EQUALS)}."
            )
    elif question.kind is Kind.INTEGER:
        value = _parse_integer(question, raw_value)
    else:
        if isinstance(raw_value, (list, tuple)) or "," in str(raw_value):
            several = (
                f"use {_named(Operator.ONE_OF)} for several"
                if question.kind is Kind.CHOICE
                else "write one row per answer"
            )
            raise ConditionError("value", f"{_named(op)} compares with a single answer; {several}.")
        value = _parse_choice(question, raw_value)
    return Condition(question.key, op, value, group.strip())


def _is_absent(answer: object) -> bool:
    return answer is None or answer == "" or (isinstance(answer, (list, tuple, set, frozenset)) and not answer)


Predicate = Callable[[Mapping[str, object]], bool]

# How each operator compares a present answer with the condition's value.
_TESTS: Mapping[Operator, Callable[[Any, Any], bool]] = {
    Operator.EQUALS: lambda answer, value: answer == value,
    Operator.NOT_EQUALS: lambda answer, value: answer != value,
    Operator.ONE_OF: lambda answer, value: answer in value,
    Operator.INCLUDES: lambda answer, value: value in answer,
    Operator.GREATER_THAN: lambda answer, value: answer > value,
    Operator.AT_LEAST: lambda answer, value: answer >= value,
    Operator.LESS_THAN: lambda answer, value: answer < value,
    Operator.AT_MOST: lambda answer, value: answer <= value,
}


def compile_condition(condition: Condition) -> Predicate:
    """A fast predicate for one condition: the single definition of what each operator means."""
    key, value = condition.question, condition.value
    # The commonest operators, specialised: an absent answer (None, "", []) never equals,
    # is never one of, and never includes a valid value, so no separate absence test is needed.
    if condition.operator is Operator.EQUALS:
        return lambda answers: answers.get(key) == value
    if condition.operator is Operator.ONE_OF:
        options = value if isinstance(value, tuple) else (value,)
        return lambda answers: answers.get(key) in options
    if condition.operator is Operator.INCLUDES:

        def includes(answers: Mapping[str, object]) -> bool:
            answer = answers.get(key)
            return isinstance(answer, (list, tuple)) and value in answer

        return includes
    if condition.operator is Operator.EXCLUDES:

        def excludes(answers: Mapping[str, object]) -> bool:
            # An answered empty list ("none tried") is an answer: it does not include the value.
            answer = answers.get(key)
            return isinstance(answer, (list, tuple)) and value not in answer

        return excludes
    if condition.operator is Operator.IS_EMPTY:
        return lambda answers: _is_absent(answers.get(key))
    if condition.operator is Operator.IS_ANSWERED:
        return lambda answers: not _is_absent(answers.get(key))
    test = _TESTS[condition.operator]

    def predicate(answers: Mapping[str, object]) -> bool:
        answer = answers.get(key)
        return not _is_absent(answer) and test(answer, value)

    return predicate


def evaluate(condition: Condition, answers: Mapping[str, object]) -> bool:
    """True when the condition holds for the answers. Absent answers make it false (except is_empty)."""
    return compile_condition(condition)(answers)


@dataclass(frozen=True)
class Outcome:
    applies: bool
    # The rows that made the item apply: its "why". Empty when the item has no conditions.
    because: tuple[Condition, ...] = ()


_ALWAYS = Outcome(True)
_NEVER = Outcome(False)


def _blocks(conditions: Sequence[Condition]) -> list[list[Condition]]:
    """Ungrouped rows stand alone; rows sharing a group name form one block, in first-seen order."""
    blocks: list[list[Condition]] = []
    groups: dict[str, list[Condition]] = {}
    for condition in conditions:
        if not condition.group:
            blocks.append([condition])
        elif condition.group in groups:
            groups[condition.group].append(condition)
        else:
            groups[condition.group] = [condition]
            blocks.append(groups[condition.group])
    return blocks


@dataclass(frozen=True)
class Rule:
    """An item's conditions with their combinator, compiled once for repeated evaluation."""

    match: Match
    conditions: tuple[Condition, ...] = ()
    _blocks: tuple[tuple[tuple[Condition, Predicate], ...], ...] = field(default=(), compare=False, repr=False)

    # When every row must hold (match "all", no groups), the outcome is one of two fixed values.
    _all_of: tuple[Predicate, ...] | None = field(default=None, compare=False, repr=False)
    _all_held: Outcome = field(default=_ALWAYS, compare=False, repr=False)
    # A rule whose rows could not be read (a bad row in the database): it never holds.
    invalid: bool = False

    @classmethod
    def never(cls) -> Rule:
        """The rule of an item whose conditions are not valid: it applies to no patient until they are mended."""
        return cls(Match.ALL, (), (), (), _NEVER, invalid=True)

    @classmethod
    def of(cls, match: Match | str, conditions: Sequence[Condition]) -> Rule:
        match = Match(match)
        conditions = tuple(conditions)
        blocks = _blocks(conditions)
        compiled = tuple(tuple((condition, compile_condition(condition)) for condition in block) for block in blocks)
        if (match is Match.ALL or len(conditions) <= 1) and all(len(b) == 1 for b in blocks):
            predicates = tuple(predicate for block in compiled for _, predicate in block)
            return cls(match, conditions, compiled, predicates, Outcome(True, conditions) if conditions else _ALWAYS)
        return cls(match, conditions, compiled)

    def outcome(self, answers: Mapping[str, object]) -> Outcome:
        """Combine the rows: ``match`` outside, the opposite within each named group."""
        if self._all_of is not None:
            for predicate in self._all_of:
                if not predicate(answers):
                    return _NEVER
            return self._all_held
        if not self._blocks:
            return _ALWAYS
        match_all = self.match is Match.ALL
        because: list[Condition] = []
        for block in self._blocks:
            held = [condition for condition, predicate in block if predicate(answers)]
            # With "all", a block needs one row to hold; with "any", all its rows.
            block_holds = bool(held) if match_all else len(held) == len(block)
            if block_holds:
                because.extend(held)
            elif match_all:
                return _NEVER
        if not because:
            return _NEVER
        return Outcome(True, tuple(because))

    def blocks(self) -> list[list[Condition]]:
        """The rows in blocks: an ungrouped row alone, rows sharing a group name together (first-seen order)."""
        return _blocks(self.conditions)

    def describe(self, vocabulary: Vocabulary | None = None) -> str:
        if self.invalid:
            return "never: a condition is not valid"
        return describe_conditions(self.match, self.conditions, vocabulary)


def evaluate_all(match: Match | str, conditions: Sequence[Condition], answers: Mapping[str, object]) -> Outcome:
    """Combine an item's rows: ``match`` outside, the opposite within each named group."""
    return Rule.of(match, conditions).outcome(answers)


def describe_conditions(
    match: Match | str, conditions: Sequence[Condition], vocabulary: Vocabulary | None = None
) -> str:
    """Say in words when an item applies, e.g. "all of: A; (B or C)"."""
    match = Match(match)
    if not conditions:
        return "always"
    inner = " and " if match is Match.ANY else " or "
    parts = [
        block[0].describe(vocabulary)
        if len(block) == 1
        else "(" + inner.join(c.describe(vocabulary) for c in block) + ")"
        for block in _blocks(conditions)
    ]
    if len(parts) == 1:
        return parts[0]
    return f"{'all' if match is Match.ALL else 'any'} of: " + "; ".join(parts)

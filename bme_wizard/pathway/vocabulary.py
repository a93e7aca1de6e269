"""The question vocabulary: what the wizard asks, as plain data.

A ``Vocabulary`` is an edition's steps and questions, in order. Questions are guideline
content (``content.Question``, one set per edition); the snapshot of an edition carries them
as a vocabulary, and the wizard's forms, the conditions editors write and the JSON API all
derive from it. The engine's functions take the vocabulary they work with; unless told
otherwise, the first edition's (``QUESTIONS``, read from its edition file). Keys and values
are a contract (DESIGN.md, "Question vocabulary"): adding is fine, renaming or removing is
a breaking change.

``Vocabulary.problems`` says, in an editor's words and naming the question, what is wrong
with a set of questions; ``Vocabulary.from_data`` reads questions from plain data (an edition
file, a snapshot) and refuses a set with problems; ``to_data`` writes them back.

Pure Python: nothing here imports Django.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class Kind(enum.StrEnum):
    CHOICE = "choice"  # exactly one value from ``choices``
    MULTI = "multi"  # a list of values from ``choices``
    INTEGER = "integer"  # a whole number within [minimum, maximum]


# How an editor reads each kind.
KIND_LABELS: Mapping[Kind, str] = {
    Kind.CHOICE: "Single choice",
    Kind.MULTI: "Multiple choice",
    Kind.INTEGER: "Whole number",
}


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class Step:
    key: str
    title: str


@dataclass(frozen=True)
class AskedWhen:
    """A question is asked only when another question of the same step has one of these values."""

    question: str
    values: tuple[str, ...]

    def describe(self, vocabulary: Vocabulary | None = None) -> str:
        parent = (vocabulary or QUESTIONS)[self.question]
        labels = " or ".join(parent.label_for(value) for value in self.values)
        return f"Asked when “{parent.label}” is {labels}."


@dataclass(frozen=True)
class Question:
    key: str
    step: str
    kind: Kind
    label: str
    help_text: str = ""
    choices: tuple[Choice, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    # Optional questions may be left unanswered; for MULTI it means the list may be empty.
    optional: bool = False
    asked_when: AskedWhen | None = None
    # Whether the wizard asks it. A question no statement's condition can use would cost clinicians
    # time for nothing: the API still accepts it (it must then be optional).
    in_wizard: bool = True

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(choice.value for choice in self.choices)

    def label_for(self, value: str) -> str:
        for choice in self.choices:
            if choice.value == value:
                return choice.label
        return value

    def describe_answer(self, value: Any) -> str:
        """An answer to this question in the words of its options (a number as typed; "none" for an empty list)."""
        if isinstance(value, list):
            return ", ".join(self.label_for(str(item)) for item in value) or "none"
        return self.label_for(str(value)) if self.choices else str(value)

    @property
    def bounds(self) -> tuple[int, int]:
        """The range of an integer question, (minimum, maximum); every integer question has one."""
        if self.minimum is None or self.maximum is None:
            raise ValueError(f"{self.key} has no range: it is not an integer question.")
        return self.minimum, self.maximum


STEPS: tuple[Step, ...] = (
    Step("mri", "MRI findings"),
    Step("context", "Clinical context"),
    Step("treatment", "Prior treatment"),
)


# How keys and option codes are spelled: they are stored in answers and conditions for ever.
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")


class VocabularyError(ValueError):
    """A set of questions that contradicts itself. ``problems``: one message per fault, naming the question."""

    def __init__(self, problems: Sequence[str]):
        super().__init__("; ".join(problems))
        self.problems = tuple(problems)


@dataclass(frozen=True, eq=False)
class Vocabulary(Mapping[str, Question]):
    """An edition's steps and questions, in the order they are asked: a mapping of key to question.

    Compared and hashed by identity: an edition's snapshot holds one, and the engine's caches key on it."""

    steps: tuple[Step, ...]
    questions: tuple[Question, ...]
    _by_key: Mapping[str, Question] = field(init=False, repr=False)
    _by_step: Mapping[str, tuple[Question, ...]] = field(init=False, repr=False)

    # By identity, not as a Mapping compares (item by item): cheap, and a vocabulary is never copied.
    __eq__ = object.__eq__
    __hash__ = object.__hash__

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_key", {question.key: question for question in self.questions})
        by_step: dict[str, tuple[Question, ...]] = {step.key: () for step in self.steps}
        for question in self.questions:
            by_step[question.step] = (*by_step.get(question.step, ()), question)
        object.__setattr__(self, "_by_step", by_step)

    # --- a mapping of key to question, in the order they are asked ------------------------------

    def __getitem__(self, key: str) -> Question:
        return self._by_key[key]

    def __iter__(self) -> Iterator[str]:
        return (question.key for question in self.questions)

    def __len__(self) -> int:
        return len(self.questions)

    # --- steps ----------------------------------------------------------------------------------

    def for_step(self, step: str) -> tuple[Question, ...]:
        return self._by_step.get(step, ())

    def wizard_questions(self, step: str) -> tuple[Question, ...]:
        """The questions of a step that the wizard asks."""
        return tuple(question for question in self.for_step(step) if question.in_wizard)

    def step_number(self, step: str) -> tuple[int, Step]:
        """A step's number (from 1) and the step itself."""
        return next((number, found) for number, found in enumerate(self.steps, start=1) if found.key == step)

    @property
    def treatments(self) -> tuple[Choice, ...]:
        """The treatments a statement may name, so the plan can mark those already tried."""
        question = self.get(TREATMENTS_QUESTION)
        return question.choices if question is not None else ()

    def treatment_label(self, treatment: str) -> str:
        """A treatment code in the edition's words (a code the edition does not know shows as stored)."""
        question = self.get(TREATMENTS_QUESTION)
        return question.label_for(treatment) if question is not None else treatment

    def treatment_labels(self, treatments: Sequence[str]) -> str:
        """Treatment codes in words, comma separated."""
        return ", ".join(self.treatment_label(t) for t in treatments)

    # --- validity -------------------------------------------------------------------------------

    def problems(self) -> list[str]:
        """What contradicts itself, one message per fault, each naming the question (empty: none)."""
        problems: list[str] = []
        step_keys = [step.key for step in self.steps]
        if len(set(step_keys)) != len(step_keys):
            problems.append("Two steps have the same key.")
        seen: dict[str, int] = {}
        for index, question in enumerate(self.questions):
            name = f"Question “{question.label}” ({question.key})"
            faults = _faults(question, step_keys)
            if question.key in seen:
                faults.append("another question already has this key")
            seen.setdefault(question.key, index)
            rule = question.asked_when
            if rule is not None and rule.question != question.key:  # naming itself: one of its own faults
                parent = self._by_key.get(rule.question)
                if parent is None:
                    faults.append(f"“asked when” names {rule.question!r}, which is not a question of this edition")
                elif parent.step != question.step:
                    faults.append(
                        f"“asked when” must name an earlier question of the same step; “{parent.label}” is on "
                        "another step"
                    )
                elif seen.get(parent.key, index) >= index:
                    faults.append(f"“asked when” must name an earlier question; “{parent.label}” comes after it")
                elif parent.kind is Kind.INTEGER:
                    faults.append(f"“asked when” must name a choice question; “{parent.label}” takes a number")
                elif not rule.values:
                    faults.append("“asked when” needs at least one answer of its question")
                else:
                    unknown = [value for value in rule.values if value not in parent.values]
                    if unknown:
                        faults.append(
                            f"“asked when” names {', '.join(map(repr, unknown))}, not an option of “{parent.label}”"
                        )
            problems += [f"{name}: {fault}." for fault in faults]
        return problems

    # --- as plain data --------------------------------------------------------------------------

    def to_data(self) -> list[dict[str, Any]]:
        """The questions as plain data (JSON): what an edition file and a snapshot carry."""
        return [question_to_data(question) for question in self.questions]

    @classmethod
    def from_data(cls, rows: Sequence[Mapping[str, Any]], *, steps: tuple[Step, ...] | None = None) -> Vocabulary:
        """Read questions from plain data; raise ``VocabularyError`` listing every problem."""
        problems: list[str] = []
        questions: list[Question] = []
        for index, row in enumerate(rows):
            try:
                questions.append(question_from_data(row))
            except (KeyError, TypeError, ValueError) as error:
                label = row.get("key", f"number {index + 1}") if isinstance(row, Mapping) else f"number {index + 1}"
                problems.append(f"Question {label}: {error}")
        if problems:
            raise VocabularyError(problems)
        vocabulary = cls(STEPS if steps is None else steps, tuple(questions))
        problems = vocabulary.problems()
        if problems:
            raise VocabularyError(problems)
        return vocabulary


def _faults(question: Question, step_keys: Sequence[str]) -> list[str]:
    """What is wrong with one question on its own."""
    faults: list[str] = []
    if not _CODE.match(question.key):
        faults.append("a key is lower-case letters, digits and _, starting with a letter")
    if question.step not in step_keys:
        faults.append(f"unknown step {question.step!r}; the steps are {', '.join(step_keys)}")
    if not question.label.strip():
        faults.append("it needs a label")
    if question.kind is Kind.INTEGER:
        if question.choices:
            faults.append("a whole-number question has a range, not options")
        if question.minimum is None or question.maximum is None:
            faults.append("a whole-number question needs a lowest and a highest value")
        elif question.minimum > question.maximum:
            faults.append(f"its lowest value ({question.minimum}) is above its highest ({question.maximum})")
    else:
        if question.minimum is not None or question.maximum is not None:
            faults.append("only a whole-number question has a range")
        if not question.choices:
            faults.append("a choice question needs options")
        codes = [choice.value for choice in question.choices]
        duplicates = sorted({code for code in codes if codes.count(code) > 1})
        if duplicates:
            faults.append(f"options must differ; {', '.join(map(repr, duplicates))} is given more than once")
        bad = [code for code in codes if not _CODE.match(code)]
        if bad:
            faults.append(f"option codes are lower-case letters, digits and _ ({', '.join(map(repr, bad))})")
        if any(not choice.label.strip() for choice in question.choices):
            faults.append("every option needs a label")
    if question.asked_when is not None and question.asked_when.question == question.key:
        faults.append("“asked when” cannot name the question itself")
    if not question.in_wizard and not question.optional:
        faults.append("a question the wizard does not ask must be optional")
    return faults


def question_to_data(question: Question) -> dict[str, Any]:
    data: dict[str, Any] = {
        "key": question.key,
        "step": question.step,
        "kind": question.kind.value,
        "label": question.label,
        "help_text": question.help_text,
        "optional": question.optional,
        "in_wizard": question.in_wizard,
    }
    if question.kind is Kind.INTEGER:
        data["minimum"], data["maximum"] = question.minimum, question.maximum
    else:
        data["options"] = [{"code": choice.value, "label": choice.label} for choice in question.choices]
    if question.asked_when is not None:
        data["asked_when"] = {"question": question.asked_when.question, "values": list(question.asked_when.values)}
    return data


def question_from_data(row: Mapping[str, Any]) -> Question:
    """One question from plain data; ValueError (or KeyError, TypeError) says what is missing or wrong."""
    if not isinstance(row, Mapping):
        raise TypeError("expected an object")
    try:
        kind = Kind(row["kind"])
    except ValueError:
        raise ValueError(
            f"unknown kind {row['kind']!r}; a question is one of: {', '.join(kind.value for kind in Kind)}"
        ) from None
    asked_when = row.get("asked_when")
    return Question(
        key=str(row["key"]),
        step=str(row["step"]),
        kind=kind,
        label=str(row["label"]),
        help_text=str(row.get("help_text") or ""),
        choices=tuple(Choice(str(option["code"]), str(option["label"])) for option in row.get("options") or ()),
        minimum=_whole(row.get("minimum"), "minimum"),
        maximum=_whole(row.get("maximum"), "maximum"),
        optional=bool(row.get("optional", False)),
        asked_when=AskedWhen(str(asked_when["question"]), tuple(map(str, asked_when["values"])))
        if asked_when
        else None,
        in_wizard=bool(row.get("in_wizard", True)),
    )


def _whole(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"its {name} must be a whole number, not {value!r}")
    return value


# The question whose options are the treatments a statement may name (a contract key).
TREATMENTS_QUESTION = "treatments_tried"

# The first edition's questions are content, in its edition file (questions are the board's, per
# edition): read from there as the engine's default wherever no edition's questions are given
# (the engine's tests, benchmarks, an API document before anything is published).
FIRST_EDITION_FILE = Path(__file__).resolve().parents[2] / "fixtures" / "edition-1.json"


def _first_edition() -> Vocabulary:
    return Vocabulary.from_data(json.loads(FIRST_EDITION_FILE.read_text(encoding="utf-8"))["questions"])


QUESTIONS: Vocabulary = _first_edition()

# The treatments a statement may name, so the plan can mark those already tried.
TREATMENTS: tuple[Choice, ...] = QUESTIONS.treatments


def questions_for_step(step: str) -> tuple[Question, ...]:
    return QUESTIONS.for_step(step)


def wizard_questions(step: str) -> tuple[Question, ...]:
    """The questions of a step that the wizard asks."""
    return QUESTIONS.wizard_questions(step)

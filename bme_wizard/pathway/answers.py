"""Validating one patient's answers against an edition's questions (its vocabulary).

The JSON API, the command line and the wizard all pass their answers through
``clean_answers``, so one set of rules decides what a valid assessment is:

- every key must be a question of the vocabulary;
- a question that is not asked (its ``asked_when`` does not hold) is dropped, whatever
  its value: an answer to a question not asked is ignored, not an error;
- an asked question is required unless it is optional;
- choices must be one of the allowed values, multi answers a list of distinct allowed
  values ("none" not combined with others), integers whole numbers within range (12.0 is read as 12);
- answers must not contradict each other (``CONSISTENCY_RULES``):
  each rule names two questions, and a contradiction is reported on both, each message naming
  the other question. Every entry point is checked (the API, the ``plan`` command, the wizard,
  a saved assessment, content scenarios); answers saved before a rule existed are not re-judged
  by it (``compare.answers_for_today``).

Pure Python: nothing here imports Django.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .vocabulary import QUESTIONS, Kind, Question, Vocabulary

# Multi answers where this value means "none of the others".
EXCLUSIVE_VALUE = "none"
# What an asked, required question left unanswered is told (FHIR input reports it as "required").
REQUIRED_MESSAGE = "This question is required."

Answers = dict[str, Any]


class AnswersError(ValueError):
    """Answers that do not fit the vocabulary. ``errors`` maps a question key to its problems."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{key}: {' '.join(messages)}" for key, messages in errors.items()))
        self.errors = errors


def is_asked(question: Question, answers: Mapping[str, Any]) -> bool:
    """Whether the question applies, given the (already cleaned) answers to earlier questions."""
    rule = question.asked_when
    return rule is None or answers.get(rule.question) in rule.values


def _absent(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value == "")


def _clean_one(question: Question, value: Any) -> Any:
    """Return the cleaned value, or raise ValueError with a message for the clinician or integrator."""
    if question.kind is Kind.CHOICE:
        if not isinstance(value, str):
            raise ValueError(f"Expected one of {', '.join(question.values)} as text, not {type(value).__name__}.")
        if value not in question.values:
            raise ValueError(f"{value!r} is not one of: {', '.join(question.values)}.")
        return value
    if question.kind is Kind.MULTI:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ValueError(f"Expected a list of values from: {', '.join(question.values)}.")
        unknown = [item for item in value if item not in question.values]
        if unknown:
            raise ValueError(f"{', '.join(map(repr, unknown))} not allowed; choose from: {', '.join(question.values)}.")
        if len(set(value)) != len(value):
            raise ValueError("A value is given more than once.")
        if EXCLUSIVE_VALUE in value and len(value) > 1:
            raise ValueError(f"“{question.label_for(EXCLUSIVE_VALUE)}” cannot be combined with other answers.")
        if not value and not question.optional:
            raise ValueError("Choose at least one.")
        return [item for item in question.values if item in value]  # vocabulary order: deterministic
    # Integer. JSON true/false are not numbers, and neither is "12" or 12.5. 12.0 is 12: JSON, and the
    # JSON Schema of the API's document, do not tell them apart.
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    minimum, maximum = question.bounds
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"Expected a whole number from {minimum} to {maximum}.")
    if not minimum <= value <= maximum:
        raise ValueError(f"Must be from {minimum} to {maximum}; got {value}.")
    return value


class Relation(enum.StrEnum):
    AT_MOST = "at_most"  # the first answer (a number) is at most the second
    REQUIRES = "requires"  # when the first answer is one of ``when``, the second (a list) includes ``needs``


@dataclass(frozen=True)
class ConsistencyRule:
    """Two answers that cannot both be true, and what to tell the clinician about each.

    In a message, ``{other}`` is the other question, by its label and with its answer in words
    (in the wizard, also the step it was answered on when that is an earlier one)."""

    first: str
    second: str
    relation: Relation
    first_message: str
    second_message: str
    when: tuple[str, ...] = ()
    needs: str = ""

    def contradicts(self, first: Any, second: Any) -> bool:
        if self.relation is Relation.AT_MOST:
            return bool(first > second)
        return first in self.when and self.needs not in second


CONSISTENCY_RULES: tuple[ConsistencyRule, ...] = (
    ConsistencyRule(
        "conservative_weeks",
        "symptom_weeks",
        Relation.AT_MOST,
        first_message="Longer than {other}: conservative treatment cannot have gone on for longer than the "
        "symptoms. Correct one of the two.",
        second_message="Shorter than {other}: the symptoms must have lasted at least as long as the conservative "
        "treatment. Correct one of the two.",
    ),
    ConsistencyRule(
        "dce_pattern",
        "sequences",
        Relation.REQUIRES,
        when=("rim", "spot", "other"),
        needs="dce",
        first_message="A DCE-MRI pattern is reported, but {other} does not include dynamic contrast-enhanced "
        "(DCE) imaging. Add DCE there, or answer “DCE-MRI not done”.",
        second_message="Dynamic contrast-enhanced (DCE) imaging is not among the sequences, but {other} reports a "
        "pattern. Add DCE here, or answer that DCE-MRI was not done.",
    ),
)


def _naming(question: Question, value: Any, step: str | None, vocabulary: Vocabulary) -> str:
    """A question by its label with its answer, and the step it is on when that is not ``step`` (the one
    being checked), e.g. “Weeks of symptoms” (6, on step 2: Clinical context)."""
    about = question.describe_answer(value)
    if step is not None and question.step != step:
        number, found = vocabulary.step_number(question.step)
        about += f", on step {number}: {found.title}"
    return f"“{question.label}” ({about})"


def consistency_errors(
    answers: Mapping[str, Any],
    *,
    step: str | None = None,
    rules: Sequence[ConsistencyRule] = CONSISTENCY_RULES,
    questions: Vocabulary = QUESTIONS,
) -> dict[str, list[str]]:
    """The contradictions among cleaned ``answers``: question key to messages.

    A rule is skipped when either of its questions is not part of the vocabulary, or either
    is unanswered (not asked, left out, or refused for another reason). With ``step``, only
    contradictions of that step's questions are reported (each naming the other question and
    the step it was answered on)."""
    errors: dict[str, list[str]] = {}
    for rule in rules:
        first, second = questions.get(rule.first), questions.get(rule.second)
        if first is None or second is None or rule.first not in answers or rule.second not in answers:
            continue
        if not rule.contradicts(answers[rule.first], answers[rule.second]):
            continue
        for question, message, other in ((first, rule.first_message, second), (second, rule.second_message, first)):
            if step is None or question.step == step:
                text = message.format(other=_naming(other, answers[other.key], step, questions))
                errors.setdefault(question.key, []).append(text)
    return errors


def clean_answers(
    raw: Any,
    *,
    step: str | None = None,
    earlier: Mapping[str, Any] | None = None,
    check_consistency: bool = True,
    vocabulary: Vocabulary = QUESTIONS,
) -> Answers:
    """Validate raw answers (a JSON object) and return them cleaned, or raise AnswersError.

    With ``step``, only that step's questions are validated (a wizard step); a question's
    dependencies stay within its step, so a step can be checked on its own. Answers that
    contradict each other are refused too (``check_consistency`` off only for answers saved
    before a rule existed, which were valid when saved); for a step,
    ``earlier`` holds the (cleaned) answers of the steps before it, so a contradiction with
    one of them is reported on this step's question. ``vocabulary``: the questions of the edition
    the answers are for (the first edition's unless given).
    """
    if not isinstance(raw, Mapping):
        raise AnswersError({"answers": ["Expected an object mapping question keys to answers."]})
    questions = vocabulary.for_step(step) if step else vocabulary.questions
    keys = {question.key for question in questions}
    errors: dict[str, list[str]] = {}
    for key in raw:
        if key not in keys:
            errors[str(key)] = ["Unknown question."]

    cleaned: Answers = {}
    for question in questions:  # in vocabulary order: a question's parent comes first
        if not is_asked(question, cleaned):
            continue
        value = raw.get(question.key)
        if _absent(value):
            if question.optional:
                if question.kind is Kind.MULTI:
                    cleaned[question.key] = []
                continue
            errors[question.key] = [REQUIRED_MESSAGE]
            continue
        try:
            cleaned[question.key] = _clean_one(question, value)
        except ValueError as error:
            errors[question.key] = [str(error)]
    if check_consistency:
        known = {**(earlier or {}), **cleaned} if step else cleaned
        for key, messages in consistency_errors(known, step=step, questions=vocabulary).items():
            errors.setdefault(key, []).extend(messages)
    if errors:
        raise AnswersError(errors)
    return cleaned

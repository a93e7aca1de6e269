"""Validating one patient's answers against the question vocabulary.

The JSON API, the command line and the wizard all pass their answers through
``clean_answers``, so one set of rules decides what a valid assessment is:

- every key must be a question of the vocabulary;
- a question that is not asked (its ``asked_when`` does not hold) is dropped, whatever
  its value: an answer to a question not asked is ignored, not an error;
- an asked question is required unless it is optional;
- choices must be one of the allowed values, multi answers a list of distinct allowed
  values ("none" not combined with others), integers whole numbers within range (12.0 is read as 12).

Pure Python: nothing here imports Django.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .vocabulary import QUESTIONS, Kind, Question, questions_for_step

# Multi answers where this value means "none of the others".
EXCLUSIVE_VALUE = "none"

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
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"Expected a whole number from {question.minimum} to {question.maximum}.")
    if not question.minimum <= value <= question.maximum:
        raise ValueError(f"Must be from {question.minimum} to {question.maximum}; got {value}.")
    return value


def clean_answers(raw: Any, *, step: str | None = None) -> Answers:
    """Validate raw answers (a JSON object) and return them cleaned, or raise AnswersError.

    With ``step``, only that step's questions are validated (a wizard step); a question's
    dependencies stay within its step, so a step can be checked on its own.
    """
    if not isinstance(raw, Mapping):
        raise AnswersError({"answers": ["Expected an object mapping question keys to answers."]})
    questions = questions_for_step(step) if step else tuple(QUESTIONS.values())
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
            errors[question.key] = ["This question is required."]
            continue
        try:
            cleaned[question.key] = _clean_one(question, value)
        except ValueError as error:
            errors[question.key] = [str(error)]
    if errors:
        raise AnswersError(errors)
    return cleaned

"""An item's conditions as one FHIRPath expression over a QuestionnaireResponse to the product's
Questionnaire: the PlanDefinition's applicability conditions.

The expression holds for a response exactly when the engine's rule (``pathway.conditions.Rule``)
holds for the answers that response gives once cleaned (``pathway.answers.clean_answers``), which
the suite checks with two independent FHIRPath engines. So the expression spells out, from the raw
response, what cleaning does to the answers:

- an answer is found wherever its item is (in its step's group or flat):
  ``QuestionnaireResponse.repeat(item).where(linkId='<key>').answer.value``; a choice's value is a
  Coding whose ``code`` is the CodeSystem's answer code (``<key>.<answer>``), an integer's is the number;
- an answer to a question that is not asked counts for nothing: a question with "asked when" is
  guarded by its parent's answer (and that parent's own guard);
- an optional multiple-choice question that is asked but left unanswered is an answered empty list
  (so "does not include" holds for it, and "is empty" too), as cleaning makes it.

Every part is a boolean (``contains``, ``exists()``, ``not()``), never the empty collection, so
``and``/``or`` combine them with two-valued logic, as the engine does.

Pure Python: nothing here imports Django.
"""

from __future__ import annotations

from bme_wizard.pathway.conditions import Condition, Match, Operator, Rule
from bme_wizard.pathway.vocabulary import Kind, Question, Vocabulary

from .codesystem import answer_code

LANGUAGE = "text/fhirpath"
NEVER = "false"


def literal(text: str) -> str:
    """A FHIRPath string literal."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def answer_values(key: str) -> str:
    """The values answering the question ``key``, wherever its item is in the response."""
    return f"QuestionnaireResponse.repeat(item).where(linkId={literal(key)}).answer.value"


def _wrapped(part: str) -> str:
    return f"({part})"


def _all(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else " and ".join(map(_wrapped, parts))


def _any(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else " or ".join(map(_wrapped, parts))


def _not(part: str) -> str:
    return f"{_wrapped(part)}.not()"


class _Writer:
    def __init__(self, vocabulary: Vocabulary):
        self.vocabulary = vocabulary

    def _has(self, question: Question, value: str | int) -> str:
        """The question's answers include ``value`` (an answer code, or a number)."""
        if question.kind is Kind.INTEGER:
            return f"{answer_values(question.key)} contains {value}"
        return f"{answer_values(question.key)}.code contains {literal(answer_code(question.key, str(value)))}"

    def asked(self, question: Question) -> list[str]:
        """What must hold for the question to be asked (nothing: always), as cleaning decides it."""
        rule = question.asked_when
        if rule is None:
            return []
        parent = self.vocabulary.get(rule.question)
        if parent is None or parent.kind is not Kind.CHOICE:  # cleaning asks it only after a single choice
            return [NEVER]
        return [*self.asked(parent), _any([self._has(parent, value) for value in rule.values])]

    def answered(self, question: Question) -> list[str]:
        """The question is asked and answered with something (not an empty list)."""
        return [*self.asked(question), f"{answer_values(question.key)}.exists()"]

    def present(self, question: Question) -> list[str]:
        """The cleaned answers hold an answer to it: an optional multiple choice asked is one, if empty."""
        if question.kind is Kind.MULTI and question.optional:
            return self.asked(question) or ["true"]
        return self.answered(question)

    def row(self, condition: Condition) -> str:
        question = self.vocabulary.get(condition.question)
        if question is None:
            return NEVER
        op, value = condition.operator, condition.value
        if op is Operator.IS_ANSWERED:
            return _all(self.answered(question))
        if op is Operator.IS_EMPTY:
            return _not(_all(self.answered(question)))
        if op is Operator.ONE_OF:
            values = value if isinstance(value, tuple) else (value,)
            return _all([*self.asked(question), _any([self._has(question, str(v)) for v in values])])
        if value is None or isinstance(value, tuple):  # parse_condition gives every other operator one value
            return NEVER
        if op in (Operator.EQUALS, Operator.INCLUDES):
            return _all([*self.asked(question), self._has(question, value)])
        if op in (Operator.NOT_EQUALS, Operator.EXCLUDES):
            return _all([*self.present(question), _not(self._has(question, value))])
        comparison = {
            Operator.GREATER_THAN: ">",
            Operator.AT_LEAST: ">=",
            Operator.LESS_THAN: "<",
            Operator.AT_MOST: "<=",
        }[op]
        compared = f"{answer_values(question.key)}.where($this {comparison} {value}).exists()"
        return _all([*self.asked(question), compared])


def applicability(rule: Rule, vocabulary: Vocabulary) -> str | None:
    """The rule as a FHIRPath expression over a QuestionnaireResponse; None for a rule that always holds
    (no conditions), ``false`` for one whose rows could not be read (it holds for no one)."""
    if rule.invalid:
        return NEVER
    if not rule.conditions:
        return None
    writer = _Writer(vocabulary)
    blocks = rule.blocks()
    if rule.match is Match.ALL:  # every block, and within a block (a group) any row
        return _all([_any([writer.row(condition) for condition in block]) for block in blocks])
    return _any([_all([writer.row(condition) for condition in block]) for block in blocks])

"""A QuestionnaireResponse to the product's Questionnaire, read back into the answers the engine takes.

``response_version`` reads which edition the response answers (its ``questionnaire`` canonical,
``…/Questionnaire/bme-pathway|<edition number>``; without a version, the current edition).
``read_answers`` maps its items, nested in the step groups or flat, to the answers dict of the JSON
API: a choice's ``valueCoding.code`` (an answer code of the CodeSystem), a list of them for a
repeating item, an integer's ``valueInteger``. What cannot be read that way (an unknown linkId, a code
that is not one of the item's options, a value of the wrong type) is refused here, every problem at
once; the answers then go through the API's own validation (``pathway.answers.clean_answers``: required
questions, ranges, answers that contradict each other, questions not asked dropped), whose refusals
``answer_issues`` reports item by item. Every refusal names the item by its linkId (``expression``).

Pure Python: nothing here imports Django.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bme_wizard.pathway.answers import REQUIRED_MESSAGE, AnswersError, clean_answers
from bme_wizard.pathway.vocabulary import Kind, Question

from .codesystem import answer_code, answer_value, system_url
from .fhir import QUESTIONNAIRE, FhirError, Issue, IssueType, ServedEdition, canonical_url, same_canonical
from .questionnaire import asked_questions, step_link_id

ROOT = "QuestionnaireResponse"
_VALUE_KEYS = {Kind.CHOICE: "valueCoding", Kind.MULTI: "valueCoding", Kind.INTEGER: "valueInteger"}


def _shown(value: Any, limit: int = 60) -> str:
    """A value from the request, quoted for a message (cut short: it is the client's own text)."""
    text = value if isinstance(value, str) else repr(value)
    return repr(text if len(text) <= limit else text[:limit] + "…")


def _path(parent: str, link_id: str) -> str:
    """The FHIRPath of the item ``link_id`` under ``parent``."""
    quoted = link_id.replace("\\", "\\\\").replace("'", "\\'")
    return f"{parent}.item.where(linkId='{quoted}')"


def response_version(document: Any, *, base: str) -> int | None:
    """The edition number the response's ``questionnaire`` names, or None for the current edition.

    Raises FhirError: 400 for a document that is not a QuestionnaireResponse to this Questionnaire,
    404 for a version that cannot be an edition number."""
    if not isinstance(document, Mapping) or document.get("resourceType") != ROOT:
        got = document.get("resourceType") if isinstance(document, Mapping) else None
        what = f"a {_shown(got)} resource" if isinstance(got, str) else "a JSON document without a resourceType"
        raise FhirError.one(400, IssueType.INVALID, f"Expected a QuestionnaireResponse, got {what}.")
    url = canonical_url(base, "Questionnaire", QUESTIONNAIRE)
    canonical = document.get("questionnaire")
    where = f"{ROOT}.questionnaire"
    if not isinstance(canonical, str) or not canonical:
        raise FhirError.one(
            400, IssueType.REQUIRED, f"Name the Questionnaire answered: questionnaire = {url}|<edition number>.", where
        )
    address, _, version = canonical.partition("|")
    if not same_canonical(address, url):
        raise FhirError.one(
            400,
            IssueType.NOT_SUPPORTED,
            f"This server reads responses to {url} only, not to {_shown(address)}.",
            where,
        )
    if "|" not in canonical:
        return None
    if not (version.isascii() and version.isdigit()) or len(version) > 9 or int(version) < 1:
        raise FhirError.one(
            404,
            IssueType.NOT_FOUND,
            f"{url} has no version {_shown(version)}: its versions are the numbers of published editions.",
            where,
        )
    return int(version)


@dataclass(frozen=True)
class ReadResponse:
    """The answers a QuestionnaireResponse to ``served``'s Questionnaire gives, and where each question's
    item is in it."""

    served: ServedEdition
    answers: dict[str, Any]
    where: dict[str, str] = field(default_factory=dict)  # question key -> FHIRPath of its item
    groups: frozenset[str] = frozenset()  # the step groups the response has


class _Reader:
    def __init__(self, served: ServedEdition):
        self.served = served
        self.system = system_url(served)
        asked = asked_questions(served.snapshot.vocabulary)
        self.groups = {step_link_id(step): step for step in asked}
        self.questions = {question.key: question for questions in asked.values() for question in questions}
        self.step_of = {question.key: step for step, questions in asked.items() for question in questions}
        self.issues: list[Issue] = []
        self.answers: dict[str, Any] = {}
        self.where: dict[str, str] = {}
        self.seen_groups: set[str] = set()

    def refuse(self, code: IssueType, diagnostics: str, where: str) -> None:
        self.issues.append(Issue(code, diagnostics, (where,)))

    def items(self, items: Any, parent: str, group: str | None) -> None:
        if not isinstance(items, list):
            self.refuse(IssueType.STRUCTURE, "item must be a list of items.", f"{parent}.item")
            return
        for index, item in enumerate(items):
            link_id = item.get("linkId") if isinstance(item, Mapping) else None
            if not isinstance(link_id, str) or not link_id:
                self.refuse(IssueType.STRUCTURE, "Every item needs its linkId.", f"{parent}.item[{index}]")
                continue
            self.item(item, link_id, _path(parent, link_id), group)

    def item(self, item: Mapping[str, Any], link_id: str, where: str, group: str | None) -> None:
        if link_id in self.groups:
            if group is not None or link_id in self.seen_groups:
                self.refuse(IssueType.STRUCTURE, f"The group {link_id} is given more than once or nested.", where)
                return
            self.seen_groups.add(link_id)
            if item.get("answer"):
                self.refuse(IssueType.STRUCTURE, f"The group {link_id} takes no answer; its questions do.", where)
            if "item" in item:
                self.items(item["item"], where, link_id)
            return
        question = self.questions.get(link_id)
        if question is None:
            self.refuse(
                IssueType.INVALID,
                f"{_shown(link_id)} is not an item of the Questionnaire for edition {self.served.version}.",
                where,
            )
            return
        named = f"“{question.label}” ({link_id})"
        expected_group = step_link_id(self.step_of[link_id])
        if group is not None and group != expected_group:
            self.refuse(IssueType.STRUCTURE, f"{named} belongs in the group {expected_group}, not in {group}.", where)
            return
        if link_id in self.where:
            self.refuse(IssueType.INVALID, f"{named} is given more than once.", where)
            return
        self.where[link_id] = where
        if "item" in item:
            self.refuse(IssueType.STRUCTURE, f"{named} has no items nested in it.", where)
            return
        answers = item.get("answer")
        if answers is None or answers == []:
            return  # unanswered: the API's rules say whether it may be
        if not isinstance(answers, list) or not all(isinstance(answer, Mapping) for answer in answers):
            self.refuse(IssueType.STRUCTURE, f"{named}: answer must be a list of answers.", where)
            return
        values = [self.value(question, named, answer, where) for answer in answers]
        if any(value is _REFUSED for value in values):
            return
        if question.kind is Kind.MULTI:
            self.answers[link_id] = values
        elif len(values) > 1:
            self.refuse(IssueType.VALUE, f"{named} takes one answer; {len(values)} are given.", where)
        else:
            self.answers[link_id] = values[0]

    def value(self, question: Question, named: str, answer: Mapping[str, Any], where: str) -> Any:
        if "item" in answer:
            self.refuse(IssueType.STRUCTURE, f"{named}: no item is nested in an answer here.", where)
            return _REFUSED
        keys = [key for key in answer if key.startswith("value")]
        expected = _VALUE_KEYS[question.kind]
        if len(keys) != 1:
            self.refuse(IssueType.STRUCTURE, f"{named}: each answer has one value ({expected}).", where)
            return _REFUSED
        if keys[0] != expected:
            wanted = (
                f"a whole number from {question.minimum} to {question.maximum} (valueInteger)"
                if question.kind is Kind.INTEGER
                else "a coding of one of its answer options (valueCoding)"
            )
            self.refuse(IssueType.VALUE, f"{named} is answered with {wanted}, not {keys[0]}.", where)
            return _REFUSED
        if question.kind is Kind.INTEGER:
            number = answer[expected]
            if isinstance(number, bool) or not isinstance(number, int):  # whether asked or not: FHIR's integer
                wanted = f"Expected a whole number from {question.minimum} to {question.maximum}"
                self.refuse(IssueType.VALUE, f"{named}: {wanted} in valueInteger, not {_shown(number)}.", where)
                return _REFUSED
            return number  # its range is the API's rule
        coding = answer[expected]
        code = coding.get("code") if isinstance(coding, Mapping) else None
        system = coding.get("system") if isinstance(coding, Mapping) else None
        options = ", ".join(answer_code(question.key, value) for value in question.values)
        if not isinstance(code, str):
            self.refuse(IssueType.VALUE, f"{named}: a valueCoding needs its code, one of: {options}.", where)
            return _REFUSED
        if system is not None and not (isinstance(system, str) and same_canonical(system, self.system)):
            self.refuse(
                IssueType.CODE_INVALID, f"{named}: its codes are from {self.system}, not {_shown(system)}.", where
            )
            return _REFUSED
        value = answer_value(question, code)
        if value is None:
            self.refuse(
                IssueType.CODE_INVALID, f"{named}: {_shown(code)} is not one of its answers ({options}).", where
            )
            return _REFUSED
        return value


_REFUSED = object()


def read_answers(document: Mapping[str, Any], served: ServedEdition) -> ReadResponse:
    """The answers dict of a QuestionnaireResponse to ``served``'s Questionnaire (checked with
    ``response_version`` first). Raises FhirError (400) listing every item that cannot be read."""
    reader = _Reader(served)
    # Modifiers change what the response means: one marked entered in error, or one this server cannot read.
    if document.get("status") == "entered-in-error":
        reader.refuse(
            IssueType.INVALID, "The response is marked entered-in-error: it answers nothing.", f"{ROOT}.status"
        )
    if document.get("modifierExtension"):
        reader.refuse(IssueType.NOT_SUPPORTED, "This server reads no modifier extension.", f"{ROOT}.modifierExtension")
    if "item" in document:
        reader.items(document["item"], ROOT, None)
    if reader.issues:
        raise FhirError(400, reader.issues)
    return ReadResponse(served, reader.answers, reader.where, frozenset(reader.seen_groups))


def answer_issues(errors: Mapping[str, Sequence[str]], read: ReadResponse) -> list[Issue]:
    """The refusals of the API's answer rules (question key -> messages), item by item: ``required``
    for a question left unanswered, ``invariant`` for answers that contradict each other, ``value``
    for the rest (out of range, not a whole number, "none" with other answers)."""
    vocabulary = read.served.snapshot.vocabulary
    try:
        clean_answers(read.answers, vocabulary=vocabulary, check_consistency=False)
        alone: dict[str, list[str]] = {}
    except AnswersError as error:  # the problems each answer has on its own; the others are contradictions
        alone = error.errors
    issues = []
    for key, messages in errors.items():
        question = vocabulary.get(key)
        if question is None:  # read_answers let through only the Questionnaire's items
            issues += [Issue(IssueType.INVALID, message) for message in messages]
            continue
        group = step_link_id(question.step)
        where = read.where.get(key) or _path(_path(ROOT, group) if group in read.groups else ROOT, key)
        for message in messages:
            if message == REQUIRED_MESSAGE:
                code = IssueType.REQUIRED
            elif message in alone.get(key, ()):
                code = IssueType.VALUE
            else:
                code = IssueType.INVARIANT
            issues.append(Issue(code, f"“{question.label}” ({key}): {message}", (where,)))
    return issues

"""An edition's questions as a FHIR R4 Questionnaire (SDC): what the wizard asks, step by step.

- One ``group`` item per step, in order. Its linkId is ``step-<key>``, not the bare step key: linkIds
  are unique in a Questionnaire (FHIR's que-2), and a step and a question may share a key (``context``);
  a question key never holds a hyphen, so the two cannot meet.
- In each group, one item per question the wizard asks (``Vocabulary.wizard_questions``, less any whose
  "asked when" names a question the wizard does not ask). linkId = the question's key, text = its
  label, ``code`` = its concept in the product's CodeSystem.
- Single choice: ``choice``; multiple choice: ``choice`` with ``repeats``; whole number: ``integer``
  with the standard minValue/maxValue extensions. Answer options are codings of the CodeSystem
  (``codesystem.answer_code``); an answer that excludes the others ("none") carries optionExclusive.
- ``required`` unless the question is optional (or, for multiple choice, may be left empty). A
  question asked only when another answer holds has ``enableWhen`` (that question, ``=``, each answer
  that asks it; ``enableBehavior: any`` when there are several), and FHIR requires an item only while
  it is enabled: the wizard's own rule.
- Help text is a child ``display`` item with the itemControl ``help``, as SDC describes and
  LHC-Forms renders it.

Pure Python: nothing here imports Django.
"""

from __future__ import annotations

from typing import Any

from bme_wizard.pathway.answers import EXCLUSIVE_VALUE
from bme_wizard.pathway.vocabulary import Kind, Question, Vocabulary

from .codesystem import answer_coding, question_coding
from .fhir import QUESTIONNAIRE, ServedEdition, computable_name

SDC_QUESTIONNAIRE = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire|3.0.0"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
ITEM_CONTROL = "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl"
ITEM_CONTROL_CODES = "http://hl7.org/fhir/questionnaire-item-control"
OPTION_EXCLUSIVE = "http://hl7.org/fhir/StructureDefinition/questionnaire-optionExclusive"


def step_link_id(step: str) -> str:
    return f"step-{step}"


def help_link_id(question: str) -> str:
    return f"{question}-help"


def asked_questions(vocabulary: Vocabulary) -> dict[str, tuple[Question, ...]]:
    """Step key to the questions of the step the Questionnaire asks, in order (steps without any left out)."""
    asked: dict[str, tuple[Question, ...]] = {}
    keys: set[str] = set()
    for step in vocabulary.steps:
        questions = []
        for question in vocabulary.wizard_questions(step.key):
            rule = question.asked_when
            if rule is None or rule.question in keys:  # its parent comes first, in the same step
                questions.append(question)
                keys.add(question.key)
        if questions:
            asked[step.key] = tuple(questions)
    return asked


def questionnaire(served: ServedEdition) -> dict[str, Any]:
    snapshot = served.snapshot
    vocabulary = snapshot.vocabulary
    titles = {step.key: step.title for step in vocabulary.steps}
    title = snapshot.title or f"Edition {snapshot.number}"
    resource = served.header(
        "Questionnaire",
        QUESTIONNAIRE,
        name=computable_name(title, "BmePathway"),
        title=title,
        profile=[SDC_QUESTIONNAIRE],
    )
    resource["subjectType"] = ["Patient"]
    if snapshot.text is not None and snapshot.text.summary.strip():
        resource["description"] = snapshot.text.summary
    resource["item"] = [
        {
            "linkId": step_link_id(step),
            "text": titles[step],
            "type": "group",
            "item": [_item(served, question, vocabulary) for question in questions],
        }
        for step, questions in asked_questions(vocabulary).items()
    ]
    return resource


def _item(served: ServedEdition, question: Question, vocabulary: Vocabulary) -> dict[str, Any]:
    item: dict[str, Any] = {
        "linkId": question.key,
        "code": [question_coding(served, question)],
        "text": question.label,
        "type": "integer" if question.kind is Kind.INTEGER else "choice",
    }
    if question.kind is Kind.INTEGER:
        minimum, maximum = question.bounds
        item["extension"] = [{"url": MIN_VALUE, "valueInteger": minimum}, {"url": MAX_VALUE, "valueInteger": maximum}]
    rule = question.asked_when
    if rule is not None:
        parent = vocabulary[rule.question]
        item["enableWhen"] = [
            {
                "question": parent.key,
                "operator": "=",
                "answerCoding": answer_coding(served, parent, next(c for c in parent.choices if c.value == value)),
            }
            for value in rule.values
        ]
        if len(rule.values) > 1:
            item["enableBehavior"] = "any"
    item["required"] = not question.optional
    if question.kind is Kind.MULTI:
        item["repeats"] = True
    if question.choices:
        item["answerOption"] = [
            {
                "valueCoding": answer_coding(served, question, choice),
                **(
                    {"extension": [{"url": OPTION_EXCLUSIVE, "valueBoolean": True}]}
                    if question.kind is Kind.MULTI and choice.value == EXCLUSIVE_VALUE
                    else {}
                ),
            }
            for choice in question.choices
        ]
    if question.help_text.strip():
        item["item"] = [
            {
                "linkId": help_link_id(question.key),
                "text": question.help_text,
                "type": "display",
                "extension": [
                    {
                        "url": ITEM_CONTROL,
                        "valueCodeableConcept": {"coding": [{"system": ITEM_CONTROL_CODES, "code": "help"}]},
                    }
                ],
            }
        ]
    return item

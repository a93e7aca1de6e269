"""The product's vocabulary as a FHIR R4 CodeSystem: every question of an edition, and under each
choice question its answers.

A code is unique in the whole CodeSystem (FHIR's csd-1), but an answer code only within its question
(``yes`` answers several): so a question's code is its key, and an answer's code is the key and the
answer joined by a dot, ``site.hand_wrist``. Keys and answer codes are lower-case letters, digits and
``_`` (``pathway.vocabulary``), so the dot cannot be mistaken. The Questionnaire's answer options are
these codings.

Pure Python: nothing here imports Django.
"""

from __future__ import annotations

from typing import Any

from bme_wizard.pathway.vocabulary import Choice, Question

from .fhir import CODE_SYSTEM, ServedEdition


def answer_code(question: str, value: str) -> str:
    return f"{question}.{value}"


def answer_value(question: Question, code: str) -> str | None:
    """The answer of ``question`` whose code is ``code``, or None when it has none."""
    prefix = f"{question.key}."
    if code.startswith(prefix) and code[len(prefix) :] in question.values:
        return code[len(prefix) :]
    return None


def system_url(served: ServedEdition) -> str:
    return served.url("CodeSystem", CODE_SYSTEM)


def answer_coding(served: ServedEdition, question: Question, choice: Choice) -> dict[str, str]:
    return {"system": system_url(served), "code": answer_code(question.key, choice.value), "display": choice.label}


def question_coding(served: ServedEdition, question: Question) -> dict[str, str]:
    return {"system": system_url(served), "code": question.key, "display": question.label}


def code_system(served: ServedEdition) -> dict[str, Any]:
    snapshot = served.snapshot
    concepts = []
    count = 0
    for question in snapshot.vocabulary.values():
        concept: dict[str, Any] = {"code": question.key, "display": question.label}
        if question.choices:
            concept["concept"] = [
                {"code": answer_code(question.key, choice.value), "display": choice.label}
                for choice in question.choices
            ]
        count += 1 + len(question.choices)
        concepts.append(concept)
    title = f"{snapshot.title}: questions and answers" if snapshot.title else "Questions and answers"
    return {
        **served.header("CodeSystem", CODE_SYSTEM, name="BmePathwayVocabulary", title=title),
        "description": f"The questions of edition {snapshot.number} (codes: their keys) and, under each "
        "choice question, its answers (codes: the question's key and the answer's code, joined by a dot).",
        "caseSensitive": True,
        "hierarchyMeaning": "grouped-by",
        "content": "complete",
        "count": count,
        "concept": concepts,
    }

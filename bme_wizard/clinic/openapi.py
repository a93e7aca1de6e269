"""The OpenAPI 3.1 document of the JSON API, derived from an edition's questions.

The answers schema is generated from the edition's vocabulary (the current edition's at
``/api/openapi.json``, a published one's with ``?edition=N``), so it cannot drift from what
the API accepts for that edition: the same keys, values, ranges, and which questions are
required when (``if``/``then`` on the questions they depend on). The FHIR server's endpoints and the
QuestionnaireResponse input are described by ``interop.openapi``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from bme_wizard.content.models import Certainty, EditionStatus, ReferenceKind, ReviewStatus, Section, Strength
from bme_wizard.interop.fhir import FHIR_JSON
from bme_wizard.interop.openapi import fhir_paths, fhir_schemas
from bme_wizard.json_body import MAX_BODY_BYTES
from bme_wizard.pathway.answers import CONSISTENCY_RULES, ConsistencyRule, Relation
from bme_wizard.pathway.conditions import Operator
from bme_wizard.pathway.vocabulary import Kind, Question, Vocabulary

REF = "#/components/schemas/"


def _question_schema(question: Question, vocabulary: Vocabulary) -> dict[str, Any]:
    _, step = vocabulary.step_number(question.step)
    description = f"{question.label} (step: {step.title})."
    if question.help_text:
        description += f" {question.help_text}"
    if question.asked_when:
        description += f" {question.asked_when.describe(vocabulary)} Otherwise the answer is ignored."
    if question.kind is Kind.CHOICE:
        schema: dict[str, Any] = {"type": "string", "enum": list(question.values)}
    elif question.kind is Kind.MULTI:
        schema = {"type": "array", "items": {"type": "string", "enum": list(question.values)}, "uniqueItems": True}
        if not question.optional:
            schema["minItems"] = 1
        if "none" in question.values:
            schema["not"] = {"contains": {"const": "none"}, "minItems": 2}
            description += " “none” cannot be combined with other values."
    else:
        schema = {"type": "integer", "minimum": question.minimum, "maximum": question.maximum}
    if question.optional:
        schema = {"anyOf": [schema, {"type": "null"}]}
        description += " Optional."
    if not question.in_wizard:
        description += " The wizard does not ask it (no statement of the current edition turns on it)."
    return {**schema, "description": description}


def _asked_if(question: Question, vocabulary: Vocabulary) -> dict[str, Any]:
    """A JSON Schema ``if`` that holds when ``question`` is asked: its parent, and the parent's
    own parent, answered with a value that asks it."""
    properties: dict[str, Any] = {}
    rule = question.asked_when
    while rule is not None:
        properties[rule.question] = {"enum": list(rule.values)}
        rule = vocabulary[rule.question].asked_when
    return {"properties": properties, "required": list(properties)}


def _consistency(rule: ConsistencyRule, vocabulary: Vocabulary) -> tuple[str, dict[str, Any] | None]:
    """A consistency rule in words, and as JSON Schema where JSON Schema can say it (an ``if``/``then``
    that holds when both questions are asked); comparing two numbers, it cannot."""
    first, second = vocabulary[rule.first], vocabulary[rule.second]
    if rule.relation is Relation.AT_MOST:
        return f"{rule.first} must not be more than {rule.second} ({first.label}; {second.label}).", None
    words = (
        f"When {rule.first} is {' or '.join(rule.when)}, {rule.second} must include {rule.needs} "
        f"({first.label}; {second.label})."
    )
    condition = _asked_if(first, vocabulary)
    for key, values in _asked_if(second, vocabulary)["properties"].items():
        condition["properties"].setdefault(key, values)
    condition["properties"][rule.first] = {"enum": list(rule.when)}
    condition["required"] = list(condition["properties"])
    return words, {"if": condition, "then": {"properties": {rule.second: {"contains": {"const": rule.needs}}}}}


def _answers_schema(vocabulary: Vocabulary) -> dict[str, Any]:
    """Questions always asked are checked as properties; one that depends on another answer is
    checked only when asked (``if``/``then``), because otherwise its answer is ignored, whatever it is.
    Answers must not contradict each other (the consistency rules): said in the description, and
    checked by the schema too where JSON Schema can express the rule."""
    properties: dict[str, Any] = {}
    when_asked = []
    for key, question in vocabulary.items():
        schema = _question_schema(question, vocabulary)
        if question.asked_when is None:
            properties[key] = schema
            continue
        properties[key] = {"description": schema.pop("description")}
        then: dict[str, Any] = {"properties": {key: schema}}
        if not question.optional:
            then["required"] = [key]
        when_asked.append({"if": _asked_if(question, vocabulary), "then": then})
    rules = []
    for rule in CONSISTENCY_RULES:
        if rule.first not in vocabulary or rule.second not in vocabulary:
            continue  # as in the API: a rule on a question the edition does not ask is skipped
        words, schema = _consistency(rule, vocabulary)
        rules.append(words)
        if schema is not None:
            when_asked.append(schema)
    return {
        "type": "object",
        "description": "One patient's answers, keyed by the question vocabulary. Answers to questions that are "
        "not asked are ignored. No patient identifiers. Answers must not contradict each other; a contradiction "
        "is a 400 naming both questions: " + " ".join(rules),
        "properties": properties,
        "additionalProperties": False,
        "required": [q.key for q in vocabulary.values() if q.asked_when is None and not q.optional],
        "allOf": when_asked,
    }


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    """A closed object whose properties are all present in every response."""
    return {"type": "object", "additionalProperties": False, "required": list(properties), "properties": properties}


def _choices(choices) -> dict[str, Any]:
    return {"type": "string", "enum": [value for value, _ in choices]}


def _why(vocabulary: Vocabulary) -> dict[str, Any]:
    return {
        "type": "array",
        "description": "The answers that made this apply. Empty: it applies to every patient.",
        "items": _object(
            {
                "question": {"type": "string", "enum": list(vocabulary)},
                "operator": {"type": "string", "enum": [op.value for op in Operator]},
                "value": {"type": ["string", "integer", "array", "null"], "items": {"type": "string"}},
                "text": {"type": "string"},
            }
        ),
    }


def _citations() -> dict[str, Any]:
    return {
        "type": "array",
        "items": {"type": "integer", "minimum": 1},
        "description": "Numbers in the plan's reference list.",
    }


def _statement(extra: dict[str, Any]) -> dict[str, Any]:
    properties = {
        "id": {"type": "integer"},
        "key": {"type": "string"},
        "text": {"type": "string", "description": "Markdown, for clinicians."},
        "plain_text": {"type": "string", "description": "Markdown, in plain language for patients."},
        "review_status": _choices(ReviewStatus.choices),
        "why": {"$ref": REF + "Why"},
        "citations": {"$ref": REF + "Citations"},
        "caution": {
            "type": "string",
            "description": "Markdown, for clinicians: a short caution to show under the statement while the board "
            "has its evidence in doubt (for example a figure the evidence check could not confirm). Empty when none.",
        },
        "caution_citations": {"$ref": REF + "Citations"},
        **extra,
    }
    return _object(properties)


def _error() -> dict[str, Any]:
    return _object(
        {
            "detail": {"type": "string"},
            "errors": {
                "type": "object",
                "description": "Field (e.g. answers.site, edition, body) to its problems.",
                "additionalProperties": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                "minProperties": 1,
            },
        }
    )


def _plan(vocabulary: Vocabulary) -> dict[str, Any]:
    treatments = {"type": "array", "items": {"type": "string", "enum": [t.value for t in vocabulary.treatments]}}
    properties = {
        "edition": _object(
            {
                "number": {"type": "integer", "minimum": 1},
                "label": {"type": "string"},
                "title": {"type": "string"},
                "status": _choices(EditionStatus.choices),
                "current": {"type": "boolean", "description": "False when a newer edition has been published."},
                "updated_at": {"type": "string", "format": "date-time"},
                "last_updated": {
                    "type": "string",
                    "description": "When the content was last updated (YYYY-MM-DD): its source's date, or the "
                    "publication date. Empty for an unpublished draft.",
                },
                "source_note": {"type": "string", "description": "Markdown: where the content comes from."},
                "publication_note": {"type": "string", "description": "Markdown: what this edition changed and why."},
            }
        ),
        "pending_review": {
            "type": "boolean",
            "description": "True when anything shown is not yet approved by the medical advisory board.",
        },
        "answers": {"type": "object", "description": "The answers as evaluated (questions not asked removed)."},
        "pathways": {
            "type": "array",
            "items": _object(
                {
                    "id": {"type": "integer"},
                    "key": {"type": "string"},
                    "title": {"type": "string"},
                    "summary": {"type": "string"},
                    "review_status": _choices(ReviewStatus.choices),
                    "why": {"$ref": REF + "Why"},
                    "citations": {"$ref": REF + "Citations"},
                }
            ),
        },
        "sections": {
            "type": "array",
            "description": "The sections that have recommendations, in editorial order.",
            "items": _object({"key": _choices(Section.choices), "label": {"type": "string"}}),
        },
        "recommendations": {
            "type": "array",
            "description": "What the plan advises, in plan order: by section, then editorial order. A statement "
            "all of whose treatments were already tried is not here but in already_tried; one with only some of "
            "them tried is here, and names them in tried_treatments.",
            "items": {"$ref": REF + "Recommendation"},
        },
        "already_tried": {
            "type": "array",
            "description": "Statements every one of whose treatments is among the answers' treatments_tried, in "
            "the order they would have had among the recommendations: shown as tried, not advised again. Show "
            "tried_text where it is given; otherwise the treatments as tried, and the statement's text only as "
            "what was previously advised. A statement that names no treatment is never here.",
            "items": {"$ref": REF + "AlreadyTried"},
        },
        "pitfalls": {"type": "array", "items": {"$ref": REF + "Pitfall"}},
        "references": {
            "type": "array",
            "description": "Numbered 1, 2, 3… in order of first citation.",
            "items": _object(
                {
                    "number": {"type": "integer", "minimum": 1},
                    "id": {"type": "integer"},
                    "key": {"type": "string"},
                    "kind": _choices(ReferenceKind.choices),
                    "citation": {"type": "string"},
                    "incomplete": {"type": "boolean", "description": "The record lacks bibliographic details."},
                }
            ),
        },
    }
    recommendation = {
        "pathway": {"type": "string"},
        "section": _choices(Section.choices),
        "strength": _choices(Strength.choices),
        "certainty": _choices(Certainty.choices),
        "treatments": treatments,
        "tried": {"type": "boolean", "description": "One of its treatments has already been tried."},
        "tried_treatments": {**treatments, "description": "Its treatments that are among treatments_tried."},
    }
    schemas = {
        "Plan": _object(properties),
        "Recommendation": _statement(recommendation),
        "AlreadyTried": _statement(
            {
                **recommendation,
                "treatments": {**treatments, "minItems": 1},
                "tried": {"type": "boolean", "const": True, "description": "Always true here."},
                "tried_treatments": {
                    **treatments,
                    "minItems": 1,
                    "description": "Its treatments, every one among treatments_tried.",
                },
                "tried_text": {
                    "type": "string",
                    "description": "Markdown, for clinicians: the edition's own wording for this statement once its "
                    "treatments have been tried. Empty when the edition has none.",
                },
            }
        ),
        "Pitfall": _statement({}),
    }
    return schemas


@lru_cache(maxsize=16)
def openapi_document(vocabulary: Vocabulary, edition_number: int | None = None) -> dict[str, Any]:
    """The document for an edition's questions (``edition_number``: a named edition's, else the current's).

    Cached per vocabulary, which hashes by identity: a new snapshot of the edition makes a new document."""
    # A refusal is the Error object for a JSON request, an OperationOutcome for a QuestionnaireResponse.
    error_responses = {
        str(status): {
            "description": description,
            "content": {
                "application/json": {"schema": {"$ref": REF + "Error"}},
                **({FHIR_JSON: {"schema": {"$ref": REF + "OperationOutcome"}}} if status != 405 else {}),
            },
        }
        for status, description in [
            (
                400,
                "Malformed JSON, a body that is not an object, or answers that do not fit the vocabulary or "
                "contradict each other; for a QuestionnaireResponse, also an item that cannot be read (each "
                "issue names the item by its linkId).",
            ),
            (404, "No published edition with that number (for a QuestionnaireResponse: its questionnaire's |version)."),
            (405, "Only POST is allowed."),
            (413, f"The body is over {MAX_BODY_BYTES} bytes."),
            (415, f"The body is sent neither as application/json nor as {FHIR_JSON} (FHIR R4)."),
            (503, "No guideline edition has been published yet."),
        ]
    }
    error_responses["429"] = {
        "description": "Too many requests from this address (RATELIMIT_API); retry after the given seconds.",
        "headers": {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer", "minimum": 1}}},
        "content": {"application/json": {"schema": {"$ref": REF + "RateLimited"}}},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Bone marrow edema pathway API",
            "version": "1.0.0",
            "description": "Decision support for healthcare professionals; it does not replace clinical judgment. "
            "Content may be pending review by the medical advisory board: see pending_review and each item's "
            "review_status. The answers schema is the "
            + (f"questions of edition {edition_number}" if edition_number else "current edition's questions")
            + "; each edition carries its own (GET this document with ?edition=N for a published one's). "
            f"The same plan is given for a FHIR R4 QuestionnaireResponse ({FHIR_JSON}) to the Questionnaire the "
            "FHIR server serves under /fhir/.",
        },
        "paths": {
            "/api/v1/plan": {
                "post": {
                    "operationId": "createPlan",
                    "summary": "The pathway plan for one patient's answers",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": REF + "PlanRequest"}},
                            FHIR_JSON: {"schema": {"$ref": REF + "QuestionnaireResponse"}},
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "The plan: pathways, recommendations, the statements already tried, "
                            "pitfalls and numbered references.",
                            "content": {"application/json": {"schema": {"$ref": REF + "Plan"}}},
                        },
                        **error_responses,
                    },
                }
            },
            **fhir_paths(),
        },
        "components": {
            "schemas": {
                "PlanRequest": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["answers"],
                    "properties": {
                        "answers": {"$ref": REF + "Answers"},
                        "edition": {
                            "type": ["integer", "null"],
                            "minimum": 1,
                            "description": "Evaluate this published or superseded edition instead of the current one.",
                        },
                    },
                },
                "Answers": _answers_schema(vocabulary),
                "Why": _why(vocabulary),
                "Citations": _citations(),
                **_plan(vocabulary),
                "Error": _error(),
                "RateLimited": _object({"error": {"type": "string"}, "retry_after": {"type": "integer", "minimum": 1}}),
                **fhir_schemas(),
            }
        },
    }

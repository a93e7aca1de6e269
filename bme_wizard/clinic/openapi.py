"""The OpenAPI 3.1 document of the JSON API, derived from an edition's questions.

The answers schema is generated from the edition's vocabulary (the current edition's at
``/api/openapi.json``, a published one's with ``?edition=N``), so it cannot drift from what
the API accepts for that edition: the same keys, values, ranges, and which questions are
required when (``if``/``then`` on the questions they depend on). The response bodies (the plan,
the refusals) are the JSON Schema of the models the API builds them with (``plan_models``), with
that edition's question keys and treatments. The FHIR server's endpoints and the
QuestionnaireResponse input are described by ``interop.openapi``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from bme_wizard.interop.fhir import FHIR_JSON
from bme_wizard.interop.openapi import fhir_paths, fhir_schemas
from bme_wizard.json_body import MAX_BODY_BYTES
from bme_wizard.pathway.answers import CONSISTENCY_RULES, ConsistencyRule, Relation
from bme_wizard.pathway.vocabulary import Kind, Question, Vocabulary

from .plan_models import REF_TEMPLATE, response_schemas

REF = REF_TEMPLATE.format(model="")


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
                **response_schemas(vocabulary),
                **fhir_schemas(),
            }
        },
    }

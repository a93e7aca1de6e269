"""The FHIR server's part of the API's OpenAPI document: its endpoints under ``/fhir/`` (the reads and
``$apply``), and the QuestionnaireResponse that ``POST /api/v1/plan`` and ``$apply`` read.

FHIR defines these resources; the schemas here say only what an integrator needs to tell them apart
(their ``resourceType``) and point to the Questionnaire and the FHIR R4 specification for the rest.

Pure Python: nothing here imports Django.
"""

from __future__ import annotations

from typing import Any

from .apply import RESPONSE_PARAMETER
from .fhir import APPLY_OPERATION, CODE_SYSTEM, FHIR_JSON, PLAN_DEFINITION, QUESTIONNAIRE, IssueType

REF = "#/components/schemas/"
SPEC = "https://hl7.org/fhir/R4/"


def _resource(resource_type: str, description: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["resourceType"],
        "properties": {"resourceType": {"const": resource_type}},
        "description": f"{description} A FHIR R4 {resource_type}: {SPEC}{resource_type.lower()}.html",
    }


def fhir_schemas() -> dict[str, Any]:
    return {
        "Questionnaire": _resource(
            "Questionnaire",
            "An edition's questions (SDC): a group per step, an item per question the wizard asks (linkId: the "
            "question's key), answer options coded in the CodeSystem, enableWhen for the questions asked only "
            "after another answer.",
        ),
        "CodeSystem": _resource(
            "CodeSystem",
            "An edition's questions (code: the key) and their answers (code: key.answer, e.g. site.hand_wrist).",
        ),
        "PlanDefinition": _resource(
            "PlanDefinition",
            "An edition's pathways and statements as actions (CPG computable): a pathway's recommendations nested "
            "in it, the pitfalls in one group; citations, strength and certainty; each action's applicability a "
            "FHIRPath expression over a QuestionnaireResponse to the Questionnaire.",
        ),
        "RequestGroup": _resource(
            "RequestGroup",
            "The actions of the PlanDefinition that apply to one patient, in the plan's order, each with the id "
            "of the PlanDefinition action it comes from, why it applies and its references.",
        ),
        "OperationDefinition": _resource("OperationDefinition", "What $apply takes and returns."),
        "Parameters": {
            **_resource(
                "Parameters",
                f"The input of $apply: the parameter {RESPONSE_PARAMETER} carries a QuestionnaireResponse as "
                "its resource; subject and R4's other $apply context parameters are accepted and ignored.",
            ),
            "properties": {
                "resourceType": {"const": "Parameters"},
                "parameter": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["name"],
                        "properties": {"name": {"type": "string"}, "resource": {"$ref": REF + "QuestionnaireResponse"}},
                    },
                },
            },
        },
        "CapabilityStatement": _resource("CapabilityStatement", "What this FHIR server serves."),
        "QuestionnaireResponse": {
            **_resource(
                "QuestionnaireResponse",
                f"Answers to the Questionnaire (GET /fhir/Questionnaire/{QUESTIONNAIRE}): items by linkId, nested "
                "in the step groups or flat; valueCoding (its code) for a choice, one answer per option chosen "
                "for a repeating item, valueInteger for a whole number. Read against the Questionnaire of the "
                "edition its questionnaire names, then checked as the answers of a JSON request are.",
            ),
            "required": ["resourceType", "questionnaire"],
            "properties": {
                "resourceType": {"const": "QuestionnaireResponse"},
                "questionnaire": {
                    "type": "string",
                    "description": f"The Questionnaire's canonical URL (…/fhir/Questionnaire/{QUESTIONNAIRE}), "
                    "with |<edition number> for a published or superseded edition; without it, the current one.",
                },
                "item": {"type": "array", "items": {"type": "object"}},
            },
        },
        "OperationOutcome": {
            "type": "object",
            "required": ["resourceType", "issue"],
            "description": f"Why a request was refused: {SPEC}operationoutcome.html",
            "properties": {
                "resourceType": {"const": "OperationOutcome"},
                "issue": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["severity", "code", "diagnostics"],
                        "properties": {
                            "severity": {"const": "error"},
                            "code": {"type": "string", "enum": [code.value for code in IssueType]},
                            "diagnostics": {"type": "string", "description": "The problem, in plain words."},
                            "expression": {
                                "type": "array",
                                "items": {"type": "string"},
                                "description": "Where (FHIRPath), e.g. the item by its linkId: "
                                "QuestionnaireResponse.item.where(linkId='step-mri').item.where(linkId='site').",
                            },
                        },
                    },
                },
            },
        },
    }


def outcome(description: str) -> dict[str, Any]:
    """A response answered with an OperationOutcome."""
    return {"description": description, "content": {FHIR_JSON: {"schema": {"$ref": REF + "OperationOutcome"}}}}


def _read(operation_id: str, summary: str, schema: str, *, version: bool = False) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": operation_id,
        "summary": summary,
        "tags": ["FHIR"],
        "responses": {
            "200": {"description": summary, "content": {FHIR_JSON: {"schema": {"$ref": REF + schema}}}},
            "404": outcome("No such edition (a draft is never served), or nothing published yet."),
            "405": outcome("Read-only: GET only."),
        },
    }
    if version:
        operation["parameters"] = [
            {
                "name": "version",
                "in": "path",
                "required": True,
                "description": "The number of a published or superseded edition.",
                "schema": {"type": "integer"},
            }
        ]
    return {"get": operation}


def _apply() -> dict[str, Any]:
    return {
        "post": {
            "operationId": "fhirPlanDefinitionApply",
            "summary": "The actions that apply to one patient's answers",
            "tags": ["FHIR"],
            "requestBody": {
                "required": True,
                "content": {FHIR_JSON: {"schema": {"$ref": REF + "Parameters"}}},
            },
            "responses": {
                "200": {
                    "description": "The RequestGroup of the actions that apply, in plan order.",
                    "content": {FHIR_JSON: {"schema": {"$ref": REF + "RequestGroup"}}},
                },
                "400": outcome(
                    "Not a Parameters resource with a readable QuestionnaireResponse; each item at fault "
                    "named by its linkId."
                ),
                "404": outcome("The QuestionnaireResponse names an edition that has not been published."),
                "405": outcome("POST only."),
                "413": outcome("The body is too large."),
                "415": outcome("Not FHIR JSON (application/fhir+json, or application/json), R4, UTF-8."),
                "429": {"description": "Too many requests from this address (the JSON API's limit); see Retry-After."},
                "503": outcome("No edition has been published yet."),
            },
        }
    }


def fhir_paths() -> dict[str, Any]:
    questionnaire, code_system = f"/fhir/Questionnaire/{QUESTIONNAIRE}", f"/fhir/CodeSystem/{CODE_SYSTEM}"
    plan_definition = f"/fhir/PlanDefinition/{PLAN_DEFINITION}"
    return {
        "/fhir/metadata": _read("fhirMetadata", "The FHIR CapabilityStatement", "CapabilityStatement"),
        questionnaire: _read("fhirQuestionnaire", "The current edition's questions", "Questionnaire"),
        f"{questionnaire}/_history/{{version}}": _read(
            "fhirQuestionnaireVersion", "An edition's questions", "Questionnaire", version=True
        ),
        code_system: _read("fhirCodeSystem", "The current edition's questions and answers", "CodeSystem"),
        f"{code_system}/_history/{{version}}": _read(
            "fhirCodeSystemVersion", "An edition's questions and answers", "CodeSystem", version=True
        ),
        plan_definition: _read("fhirPlanDefinition", "The current edition's pathways and statements", "PlanDefinition"),
        f"{plan_definition}/_history/{{version}}": _read(
            "fhirPlanDefinitionVersion", "An edition's pathways and statements", "PlanDefinition", version=True
        ),
        f"{plan_definition}/$apply": _apply(),
        f"/fhir/OperationDefinition/{APPLY_OPERATION}": _read(
            "fhirApplyDefinition", "The definition of $apply", "OperationDefinition"
        ),
    }

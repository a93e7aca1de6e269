"""The FHIR server's part of the API's OpenAPI document: its read-only endpoints under ``/fhir/``,
and the QuestionnaireResponse that ``POST /api/v1/plan`` reads.

FHIR defines these resources; the schemas here say only what an integrator needs to tell them apart
(their ``resourceType``) and point to the Questionnaire and the FHIR R4 specification for the rest.

Pure Python: nothing here imports Django.
"""

from __future__ import annotations

from typing import Any

from .fhir import CODE_SYSTEM, FHIR_JSON, QUESTIONNAIRE, IssueType

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


def fhir_paths() -> dict[str, Any]:
    questionnaire, code_system = f"/fhir/Questionnaire/{QUESTIONNAIRE}", f"/fhir/CodeSystem/{CODE_SYSTEM}"
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
    }

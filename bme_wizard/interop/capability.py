"""The CapabilityStatement at ``/fhir/metadata``: exactly what this FHIR server serves.

Read and vread of the Questionnaire, the CodeSystem and the PlanDefinition, the PlanDefinition's
``$apply`` (defined by the OperationDefinition served beside it, which is read too), in JSON, and
nothing else: no search, no write. ``POST /api/v1/plan`` also reads a QuestionnaireResponse, but it is the product's
JSON API, not a FHIR interaction (it answers with the product's JSON plan), so the statement says so
in the server's documentation rather than listing it as a resource it supports.

Pure Python: nothing here imports Django.
"""

from __future__ import annotations

from typing import Any

from .apply import operation_definition
from .fhir import APPLY_OPERATION, CODE_SYSTEM, FHIR_VERSION, PLAN_DEFINITION, QUESTIONNAIRE
from .plan_definition import CPG_COMPUTABLE
from .questionnaire import SDC_QUESTIONNAIRE

# When this statement last changed (its date, which FHIR requires): change it with what it states.
STATEMENT_DATE = "2026-12-03"


def _read_and_vread(resource_type: str, resource_id: str, what: str) -> dict[str, Any]:
    return {
        "type": resource_type,
        "documentation": f"{resource_type}/{resource_id}: {what} of the current edition; "
        f"{resource_type}/{resource_id}/_history/<edition number>: that of any published or superseded edition.",
        "interaction": [{"code": "read"}, {"code": "vread"}],
        "versioning": "versioned",
        "readHistory": True,
    }


def capability_statement(base: str, *, plan_url: str) -> dict[str, Any]:
    """``base``: the FHIR base URL; ``plan_url``: the JSON API's plan endpoint."""
    questionnaire = f"{base}/Questionnaire/{QUESTIONNAIRE}"
    return {
        "resourceType": "CapabilityStatement",
        "url": f"{base}/metadata",
        "name": "BmePathwayFhirServer",
        "title": "Bone marrow edema pathway: FHIR server",
        "status": "active",
        "date": STATEMENT_DATE,
        "description": "The guideline's questions as an SDC Questionnaire and the CodeSystem of their answers, "
        "its pathways and statements as a PlanDefinition, and $apply of that PlanDefinition to one patient's "
        "answers; without authentication.",
        "kind": "instance",
        "implementation": {"description": "Bone marrow edema pathway wizard", "url": base},
        "fhirVersion": FHIR_VERSION,
        "format": ["json"],
        "rest": [
            {
                "mode": "server",
                "documentation": "Reads, and one operation, which changes nothing and keeps nothing. "
                f"Not a FHIR interaction, and so not listed here: `POST {plan_url}` "
                f"(the product's JSON API) also accepts a QuestionnaireResponse to `{questionnaire}` "
                "(`Content-Type: application/fhir+json`; `questionnaire` = that URL, with `|<edition number>` "
                "for an earlier edition) and answers with the product's JSON plan, or with an OperationOutcome "
                "when the response cannot be read.",
                "security": {"cors": False, "description": "No authentication: the resources are guideline content."},
                "resource": [
                    {
                        **_read_and_vread("Questionnaire", QUESTIONNAIRE, "the questions"),
                        "supportedProfile": [SDC_QUESTIONNAIRE],
                    },
                    _read_and_vread("CodeSystem", CODE_SYSTEM, "the questions and answers"),
                    {
                        **_read_and_vread("PlanDefinition", PLAN_DEFINITION, "the pathways and statements"),
                        "supportedProfile": [CPG_COMPUTABLE],
                        "operation": [
                            {
                                "name": "apply",
                                "definition": operation_definition(base)["url"],
                                "documentation": f"POST PlanDefinition/{PLAN_DEFINITION}/$apply with a Parameters "
                                "resource whose parameter questionnaireResponse is a QuestionnaireResponse to "
                                f"Questionnaire/{QUESTIONNAIRE}: the actions that apply, as a RequestGroup.",
                            }
                        ],
                    },
                    {
                        "type": "OperationDefinition",
                        "documentation": f"OperationDefinition/{APPLY_OPERATION}: the definition of $apply.",
                        "interaction": [{"code": "read"}],
                    },
                ],
            }
        ],
    }

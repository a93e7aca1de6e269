"""``PlanDefinition/bme-pathway/$apply``: its definition (an OperationDefinition) and its input.

The input is a Parameters resource carrying the QuestionnaireResponse to the edition's Questionnaire
(parameter ``questionnaireResponse``), whose ``questionnaire`` canonical selects the edition, as for
``POST /api/v1/plan``. The output is the RequestGroup of the actions that apply
(``plan_definition.request_group``) itself, not R4's CarePlan wrapping it: the plan is a proposal to one
clinician, with nothing to track over time. The standard $apply parameters about the context of use
(``subject``, ``encounter``, ``practitioner`` ...) are accepted and ignored: the plan turns on the
answers alone, and the product keeps no patient identifiers. Any other parameter is refused, so a
misspelt ``questionnaireResponse`` is not silently taken for none.

Pure Python: nothing here imports Django.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .fhir import APPLY_OPERATION, QUESTIONNAIRE, FhirError, IssueType

RESPONSE_PARAMETER = "questionnaireResponse"
# The parameters of R4's PlanDefinition/$apply about the context of use: accepted, never read or kept.
IGNORED_PARAMETERS = frozenset(
    {
        "subject",
        "encounter",
        "practitioner",
        "organization",
        "userType",
        "userLanguage",
        "userTaskContext",
        "setting",
        "settingContext",
    }
)
# Of those, the ones R4 gives as strings (references); the others are CodeableConcepts.
_REFERENCES = frozenset({"subject", "encounter", "practitioner", "organization"})
OPERATION_DATE = "2026-12-03"  # when the definition last changed: change it with what it defines


def response_in(parameters: Any) -> Any:
    """The QuestionnaireResponse a $apply Parameters resource carries. Raises FhirError (400) naming the
    parameter at fault."""
    if not isinstance(parameters, Mapping) or parameters.get("resourceType") != "Parameters":
        got = parameters.get("resourceType") if isinstance(parameters, Mapping) else None
        what = f"a {got!r} resource" if isinstance(got, str) else "a JSON document without a resourceType"
        raise FhirError.one(
            400,
            IssueType.INVALID,
            f"Expected a Parameters resource with the QuestionnaireResponse as parameter "
            f"{RESPONSE_PARAMETER}, got {what}.",
        )
    given = parameters.get("parameter", [])
    if not isinstance(given, list):
        raise FhirError.one(400, IssueType.STRUCTURE, "parameter must be a list.", "Parameters.parameter")
    found = []
    for index, parameter in enumerate(given):
        where = f"Parameters.parameter[{index}]"
        name = parameter.get("name") if isinstance(parameter, Mapping) else None
        if not isinstance(name, str) or not name:
            raise FhirError.one(400, IssueType.STRUCTURE, "Every parameter needs its name.", where)
        if name == RESPONSE_PARAMETER:
            found.append((where, parameter))
        elif name not in IGNORED_PARAMETERS:
            shown = name if len(name) <= 60 else name[:60] + "…"
            raise FhirError.one(
                400,
                IssueType.NOT_SUPPORTED,
                f"Unknown parameter {shown!r}: $apply takes {RESPONSE_PARAMETER} (and ignores "
                f"{', '.join(sorted(IGNORED_PARAMETERS))}).",
                where,
            )
    if len(found) != 1:
        problem = "is missing" if not found else f"is given {len(found)} times"
        raise FhirError.one(
            400,
            IssueType.REQUIRED if not found else IssueType.STRUCTURE,
            f"The parameter {RESPONSE_PARAMETER} (a QuestionnaireResponse, as parameter.resource) {problem}.",
            "Parameters.parameter",
        )
    where, parameter = found[0]
    resource = parameter.get("resource")
    if not isinstance(resource, Mapping):
        raise FhirError.one(
            400,
            IssueType.STRUCTURE,
            f"{RESPONSE_PARAMETER} carries the QuestionnaireResponse as its resource.",
            f"{where}.resource",
        )
    return resource


def operation_definition(base: str) -> dict[str, Any]:
    """What $apply takes and returns, as this server implements it (``base``: the FHIR base URL)."""
    ignored = [
        {
            "name": name,
            "use": "in",
            "min": 0,
            "max": "*" if name == "subject" else "1",
            "documentation": "Accepted for compatibility with R4's $apply, and ignored.",
            "type": "string" if name in _REFERENCES else "CodeableConcept",
        }
        for name in sorted(IGNORED_PARAMETERS)
    ]
    return {
        "resourceType": "OperationDefinition",
        "id": APPLY_OPERATION,
        "url": f"{base}/OperationDefinition/{APPLY_OPERATION}",
        "version": OPERATION_DATE,
        "name": "BmePathwayApply",
        "title": "Apply the bone marrow edema pathway to one patient's answers",
        "status": "active",
        "kind": "operation",
        "date": OPERATION_DATE,
        "description": "The actions of PlanDefinition/bme-pathway that apply to the answers of a "
        "QuestionnaireResponse to Questionnaire/bme-pathway (its questionnaire canonical, with a version, "
        "selects the edition), as a RequestGroup in the plan's order. Unlike R4's PlanDefinition/$apply it "
        "reads the answers from the QuestionnaireResponse rather than from a patient's record, and returns "
        "the RequestGroup rather than a CarePlan.",
        "affectsState": False,
        "code": "apply",
        "resource": ["PlanDefinition"],
        "system": False,
        "type": False,
        "instance": True,
        "parameter": [
            {
                "name": RESPONSE_PARAMETER,
                "use": "in",
                "min": 1,
                "max": "1",
                "documentation": f"The answers: a QuestionnaireResponse to {base}/Questionnaire/{QUESTIONNAIRE}.",
                "type": "QuestionnaireResponse",
            },
            *ignored,
            {
                "name": "return",
                "use": "out",
                "min": 1,
                "max": "1",
                "documentation": "The actions that apply, in the plan's order.",
                "type": "RequestGroup",
            },
        ],
    }

"""An edition's pathways and statements as a FHIR R4 PlanDefinition (CPG-on-FHIR, computable level),
and one patient's plan as the RequestGroup that ``$apply`` answers.

PlanDefinition ``bme-pathway``:

- one action per pathway (the clinical contexts), in the edition's order, holding one action per
  recommendation of that pathway, in editorial order; then one group holding the pitfalls. An action
  applies when its ``applicability`` condition holds (and, nested, when its parent's does), the
  pathway engine's rule: FHIRPath over the QuestionnaireResponse to the Questionnaire of the same
  edition (``interop.fhirpath``). An action without a condition applies to every patient.
- each statement action carries its text (``description``, ``textEquivalent``), its section
  (``code``), its citations (``documentation``, RelatedArtifact ``citation``), a caution and its
  sources where the evidence is in doubt, and the strength and certainty the board gave it (the core
  extensions cqf-strengthOfRecommendation and cqf-qualityOfEvidence, as text: the board grades in its
  own words, not in one of the example code systems).
- action ids are ``pathway-<key>``, ``recommendation-<key>`` and ``pitfall-<key>``: the items' stable
  keys, which carry over from one edition to the next.

RequestGroup (``$apply``): the actions that apply to one patient, flat and in the plan's order
(``Plan.shown``: the matched pathways, the recommendations by section, those already tried, the
pitfalls), each with the id of the PlanDefinition action it comes from and a ``derived-from`` link to
that PlanDefinition, and its text as a contained CommunicationRequest (R4 wants a resource or nested
actions in every action); why it applies (``justification``), its references numbered as on the summary
page, and what has already been tried. It names no patient: this product stores no patient
identifiers, and returns none.

Pure Python: nothing here imports Django.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bme_wizard.pathway.plan import EditionSnapshot, PathwayEntry, Plan, Planned, StatementEntry
from bme_wizard.pathway.review import ReviewStatus

from .fhir import PLAN_DEFINITION, QUESTIONNAIRE, ServedEdition, computable_name, fhir_datetime
from .fhirpath import LANGUAGE, applicability

CPG_COMPUTABLE = "http://hl7.org/fhir/uv/cpg/StructureDefinition/cpg-computableplandefinition"
KNOWLEDGE_CAPABILITY = "http://hl7.org/fhir/uv/cpg/StructureDefinition/cpg-knowledgeCapability"
STRENGTH = "http://hl7.org/fhir/StructureDefinition/cqf-strengthOfRecommendation"
CERTAINTY = "http://hl7.org/fhir/StructureDefinition/cqf-qualityOfEvidence"
RESOURCE_TYPES = "http://hl7.org/fhir/resource-types"
PLAN_TYPES = "http://terminology.hl7.org/CodeSystem/plan-definition-type"
PITFALLS_ACTION = "pitfalls"
PUBLISHER = "Bone marrow edema pathway: editorial board and medical advisory board"


@dataclass(frozen=True)
class Words:
    """What the resources call things, in the product's words (from the content app's choices)."""

    strength: Mapping[str, str]
    certainty: Mapping[str, str]
    pitfalls: str = "Pitfalls to avoid"
    tried: str = "Already tried"
    pathway: str = "Pathway"
    caution: str = "Caution"


def action_id(entry: PathwayEntry | StatementEntry) -> str:
    """The id of an item's PlanDefinition action (and of the RequestGroup action made from it)."""
    kind = entry.kind if isinstance(entry, StatementEntry) else "pathway"
    return f"{kind}-{entry.key}"


def _citation(snapshot: EditionSnapshot, reference_id: int, label: str | None = None) -> dict[str, Any]:
    reference = snapshot.references[reference_id]
    artifact = {"type": "citation", "citation": reference.citation}
    if label is not None:
        artifact["label"] = label
    return artifact


def _condition(entry: PathwayEntry | StatementEntry, snapshot: EditionSnapshot) -> list[dict[str, Any]]:
    expression = applicability(entry.rule, snapshot.vocabulary)
    if expression is None:
        return []
    return [
        {
            "kind": "applicability",
            "expression": {
                "description": entry.rule.describe(snapshot.vocabulary),
                "language": LANGUAGE,
                "expression": expression,
            },
        }
    ]


def _grading(entry: StatementEntry, words: Words) -> list[dict[str, Any]]:
    extensions = []
    if entry.strength:
        text = words.strength.get(entry.strength, entry.strength)
        extensions.append({"url": STRENGTH, "valueCodeableConcept": {"text": text}})
    if entry.certainty:
        text = words.certainty.get(entry.certainty, entry.certainty)
        extensions.append({"url": CERTAINTY, "valueCodeableConcept": {"text": text}})
    return extensions


def _texts(entry: StatementEntry) -> dict[str, Any]:
    """A statement's words: the board's text for clinicians (Markdown source), and its plain-language version
    for patients, where the board wrote one, as documentation labelled so."""
    return {"description": entry.text, "textEquivalent": entry.text}


def _for_patients(entry: StatementEntry) -> list[dict[str, Any]]:
    if not entry.plain_text.strip():
        return []
    return [{"type": "documentation", "label": "For patients", "display": entry.plain_text}]


def _part(entry: StatementEntry, snapshot: EditionSnapshot, words: Words) -> str:
    if entry.kind != "recommendation":
        return words.pitfalls
    return dict(snapshot.sections).get(entry.section or "", entry.section or "")


def _statement_action(entry: StatementEntry, snapshot: EditionSnapshot, words: Words) -> dict[str, Any]:
    action: dict[str, Any] = {"id": action_id(entry)}
    grading = _grading(entry, words)
    if grading:
        action["extension"] = grading
    part = _part(entry, snapshot, words)
    action.update({"title": part, **_texts(entry)})
    if part:
        action["code"] = [{"text": part}]
    documentation = [_citation(snapshot, ref) for ref in entry.citations] + _for_patients(entry)
    if entry.caution:
        documentation.append({"type": "documentation", "label": words.caution, "display": entry.caution})
        documentation += [_citation(snapshot, ref) for ref in entry.caution_citations]
    if documentation:
        action["documentation"] = documentation
    action["condition"] = _condition(entry, snapshot)
    if not action["condition"]:
        del action["condition"]
    return action


def _pathway_action(pathway: PathwayEntry, served: ServedEdition, words: Words) -> dict[str, Any]:
    snapshot = served.snapshot
    action: dict[str, Any] = {"id": action_id(pathway), "title": pathway.title}
    if pathway.summary.strip():
        action["description"] = pathway.summary
    action["code"] = [{"text": words.pathway}]
    if pathway.citations:
        action["documentation"] = [_citation(snapshot, ref) for ref in pathway.citations]
    condition = _condition(pathway, snapshot)
    if condition:
        action["condition"] = condition
    statements = [
        _statement_action(entry, snapshot, words)
        for entry in snapshot.recommendations
        if entry.pathway_key == pathway.key
    ]
    if statements:
        action.update({"groupingBehavior": "logical-group", "selectionBehavior": "all", "action": statements})
    return action


def plan_definition(served: ServedEdition, words: Words) -> dict[str, Any]:
    snapshot = served.snapshot
    title = snapshot.title or f"Edition {snapshot.number}"
    resource = served.header(
        "PlanDefinition",
        PLAN_DEFINITION,
        name=computable_name(title, "BmePathway"),
        title=title,
        profile=[CPG_COMPUTABLE],
    )
    resource = {
        "resourceType": resource.pop("resourceType"),
        "id": resource.pop("id"),
        "meta": resource.pop("meta"),
        "extension": [{"url": KNOWLEDGE_CAPABILITY, "valueCode": "computable"}],
        **resource,
    }
    resource["type"] = {"coding": [{"system": PLAN_TYPES, "code": "clinical-protocol", "display": "Clinical Protocol"}]}
    resource["experimental"] = False
    resource["subjectCodeableConcept"] = {
        "coding": [{"system": "http://hl7.org/fhir/resource-types", "code": "Patient"}]
    }
    resource["publisher"] = PUBLISHER
    summary = snapshot.text.summary.strip() if snapshot.text is not None else ""
    resource["description"] = summary or f"The pathways and statements of edition {snapshot.number}."
    questionnaire = f"{served.url('Questionnaire', QUESTIONNAIRE)}|{served.version}"
    resource["usage"] = (
        "Each action's applicability condition is FHIRPath over a QuestionnaireResponse to "
        f"{questionnaire}; a nested action applies when its parent's condition holds too. "
        "POST a Parameters resource with that QuestionnaireResponse (parameter questionnaireResponse) "
        f"to {served.url('PlanDefinition', PLAN_DEFINITION)}/$apply for the actions that apply, as a RequestGroup."
    )
    resource["relatedArtifact"] = [
        {"type": "depends-on", "display": "The questions the conditions read", "resource": questionnaire}
    ]
    actions = [_pathway_action(pathway, served, words) for pathway in snapshot.pathways]
    if snapshot.pitfalls:
        actions.append(
            {
                "id": PITFALLS_ACTION,
                "title": words.pitfalls,
                "groupingBehavior": "logical-group",
                "selectionBehavior": "all",
                "action": [_statement_action(entry, snapshot, words) for entry in snapshot.pitfalls],
            }
        )
    resource["action"] = actions
    return resource


def _request_action(item: Planned, plan: Plan, served: ServedEdition, words: Words, tried: bool) -> dict[str, Any]:
    entry, snapshot = item.entry, plan.edition
    action: dict[str, Any] = {"id": action_id(entry)}
    if isinstance(entry, StatementEntry):
        grading = _grading(entry, words)
        if grading:
            action["extension"] = grading
        part = words.tried if tried else _part(entry, snapshot, words)
        action.update({"title": part, **_texts(entry)})
    else:
        part = words.pathway
        action["title"] = entry.title
        if entry.summary.strip():
            action["description"] = entry.summary
    action["code"] = [{"text": part}]
    documentation: list[dict[str, Any]] = [
        {
            "type": "derived-from",
            "label": action_id(entry),
            "display": f"PlanDefinition action {action_id(entry)}",
            "resource": f"{served.url('PlanDefinition', PLAN_DEFINITION)}|{served.version}",
        }
    ]
    documentation += [{"type": "justification", "display": why} for why in item.why]
    citations = entry.citations
    documentation += [
        _citation(snapshot, ref, str(number)) for ref, number in zip(citations, item.citation_numbers, strict=True)
    ]
    if isinstance(entry, StatementEntry):
        documentation += _for_patients(entry)
        if item.tried:
            display = entry.tried_text or item.tried_labels
            documentation.append({"type": "documentation", "label": words.tried, "display": display})
        if entry.caution:
            documentation.append({"type": "documentation", "label": words.caution, "display": entry.caution})
            documentation += [
                _citation(snapshot, ref, str(number))
                for ref, number in zip(entry.caution_citations, item.caution_numbers, strict=True)
            ]
    action["documentation"] = documentation
    return action


def request_group(plan: Plan, served: ServedEdition, words: Words, *, authored_on: datetime) -> dict[str, Any]:
    """The RequestGroup of one patient's plan: the actions that apply, in plan order."""
    tried = {id(item) for item in plan.tried}
    stage = plan.review_stage
    note = f"Review status of what applies: {stage.label}."
    if stage != ReviewStatus.APPROVED:
        note += " Not yet approved by the medical advisory board."
    if plan.edition.status != "published":
        note += f" Edition {plan.edition.number} has been superseded by a newer edition."
    actions, contained = [], []
    for number, item in enumerate(plan.shown, start=1):
        action = _request_action(item, plan, served, words, id(item) in tried)
        # R4's rqg-1: an action has a resource or nested actions. Each is a proposal to tell the clinician
        # its text, as CPG does for a recommendation in words: a contained CommunicationRequest.
        proposal = _communication(f"action-{number}", action)
        contained.append(proposal)
        action["resource"] = {"reference": f"#{proposal['id']}"}
        actions.append(action)
    return {
        "resourceType": "RequestGroup",
        "contained": contained,
        "instantiatesCanonical": [f"{served.url('PlanDefinition', PLAN_DEFINITION)}|{served.version}"],
        "status": "draft",
        "intent": "proposal",
        "authoredOn": fhir_datetime(authored_on),
        "note": [{"text": note}],
        "action": actions,
    }


def _communication(resource_id: str, action: Mapping[str, Any]) -> dict[str, Any]:
    text = action.get("description") or action["title"]
    return {
        "resourceType": "CommunicationRequest",
        "id": resource_id,
        "status": "draft",
        "payload": [{"contentString": text}],
    }

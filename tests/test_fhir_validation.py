"""The FHIR resources checked by independent software: FHIR.js (npm ``fhir``, installed by ``make test``
from package-lock.json) validates every resource this server gives, for every published edition,
against the R4 definitions it bundles: the Questionnaire and the CodeSystem of each edition, the
CapabilityStatement, the OperationOutcomes of its refusals, and the QuestionnaireResponses the
README tells integrators to send."""

import copy

import pytest

from bme_wizard.content.models import Edition, EditionStatus, Scenario
from tests.editorial import approve_everything, approve_scenarios, publish
from tests.fhir import answers_for, apply, parameters, post_response, questionnaire_response, validate
from tests.test_fhir_questionnaire_response import BAD_RESPONSES, VALID_FOR_BAD_RESPONSES
from tests.test_questions_content import AGE, add_question

pytestmark = pytest.mark.django_db


def test_the_validator_reports_what_is_wrong():
    # The control: a resource broken on purpose is refused, so a clean verdict below means something.
    [verdict] = validate([{"resourceType": "Questionnaire", "status": "activ", "item": [{"type": "group"}]}])
    assert {error["location"] for error in verdict["errors"]} == {
        "Questionnaire.status",
        "Questionnaire.item[0].linkId",
    }


def test_every_resource_of_every_published_edition_is_valid_fhir(client, first_edition, draft):
    add_question(draft, AGE)
    approve_scenarios()
    approve_everything(draft)
    publish(draft)
    numbers = list(
        Edition.objects.filter(status__in=[EditionStatus.PUBLISHED, EditionStatus.SUPERSEDED]).values_list(
            "number", flat=True
        )
    )
    assert sorted(numbers) == [1, draft.number]

    resources = [client.get("/fhir/metadata").json(), client.get("/fhir/OperationDefinition/bme-pathway-apply").json()]
    for path in (
        "/fhir/Questionnaire/bme-pathway",
        "/fhir/CodeSystem/bme-vocabulary",
        "/fhir/PlanDefinition/bme-pathway",
    ):
        resources += [client.get(path).json()] + [client.get(f"{path}/_history/{n}").json() for n in numbers]
    questionnaires = [r for r in resources if r["resourceType"] == "Questionnaire"]
    assert len(questionnaires) == 1 + len(numbers)

    # The responses an integrator sends, for every scenario and edition, and the RequestGroups $apply answers
    # for them: valid FHIR as well.
    for questionnaire in questionnaires[1:]:
        for scenario in Scenario.objects.all():
            response = questionnaire_response(questionnaire, answers_for(questionnaire, scenario.answers))
            applied = apply(client, response)
            assert applied.status_code == 200, applied.json()
            resources += [response, parameters(response), applied.json()]

    # Refusals: of the server (unknown edition, a draft, unknown resource, a write) and of the plan input.
    refusals = [
        client.get("/fhir/Questionnaire/bme-pathway/_history/99"),
        client.get("/fhir/Patient/1"),
        client.post("/fhir/Questionnaire/bme-pathway", data="{}", content_type="application/fhir+json"),
        post_response(client, '{"resourceType": '),
        post_response(client, {"resourceType": "Patient"}),
        post_response(client, {"resourceType": "QuestionnaireResponse"}),
        client.get("/fhir/PlanDefinition/bme-pathway/$apply"),
        apply(client, {"resourceType": "QuestionnaireResponse"}),
        client.post("/fhir/PlanDefinition/bme-pathway/$apply", data="[]", content_type="application/fhir+json"),
    ]
    current = questionnaires[0]
    valid = questionnaire_response(current, answers_for(current, VALID_FOR_BAD_RESPONSES))
    for change, _, _ in BAD_RESPONSES.values():
        response = copy.deepcopy(valid)
        change(response)
        refusals.append(post_response(client, response))
    assert all(400 <= refusal.status_code < 500 for refusal in refusals)
    resources += [refusal.json() for refusal in refusals]

    verdicts = validate(resources)
    assert len(verdicts) == len(resources)
    assert [(v["resourceType"], v["errors"]) for v in verdicts if v["errors"]] == []
    assert {v["resourceType"] for v in verdicts} == {
        "CapabilityStatement",
        "Questionnaire",
        "CodeSystem",
        "PlanDefinition",
        "OperationDefinition",
        "QuestionnaireResponse",
        "Parameters",
        "RequestGroup",
        "OperationOutcome",
    }

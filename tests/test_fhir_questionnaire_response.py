"""A QuestionnaireResponse posted to /api/v1/plan: the same plan as the same answers in JSON, and every
refusal an OperationOutcome that names the item by its linkId."""

import json

import pytest

from bme_wizard.content.models import Scenario
from bme_wizard.json_body import MAX_BODY_BYTES
from tests.conftest import answers
from tests.fhir import FHIR_JSON, answers_for, post_response, questionnaire_response

pytestmark = pytest.mark.django_db

QUESTIONNAIRE = "/fhir/Questionnaire/bme-pathway"


@pytest.fixture
def questionnaire(client, first_edition):
    return client.get(QUESTIONNAIRE).json()


def post_json(client, answers, **body):
    return client.post("/api/v1/plan", json.dumps({"answers": answers, **body}), content_type="application/json")


def without_echo(plan):
    return {key: value for key, value in plan.items() if key != "answers"}


def test_every_scenario_gets_the_same_plan_as_its_answers_in_json(client, questionnaire):
    scenarios = list(Scenario.objects.all())
    assert len(scenarios) >= 37
    for scenario in scenarios:
        carried = answers_for(questionnaire, scenario.answers)
        expected = post_json(client, carried)
        assert expected.status_code == 200, (scenario.key, expected.json())
        for nested in (True, False):
            response = post_response(client, questionnaire_response(questionnaire, carried, nested=nested))
            assert response.status_code == 200, (scenario.key, nested, response.content)
            assert response["Content-Type"] == "application/json"
            assert response.json() == expected.json(), (scenario.key, nested)
        # What the Questionnaire leaves out (weeks of symptoms: the wizard does not ask it) changes no plan.
        assert without_echo(post_json(client, scenario.answers).json()) == without_echo(expected.json())


def test_the_questionnaires_version_selects_the_edition_and_none_means_the_current(client, questionnaire):
    given = answers_for(questionnaire, answers())
    current = post_response(client, questionnaire_response(questionnaire, given, version=False))
    assert current.status_code == 200
    assert current.json()["edition"]["number"] == 1
    for version in ("2", "abc"):
        response = questionnaire_response(questionnaire, given)
        response["questionnaire"] = f"{questionnaire['url']}|{version}"
        refused = post_response(client, response)
        assert refused.status_code == 404
        [issue] = refused.json()["issue"]
        assert (issue["code"], issue["expression"]) == ("not-found", ["QuestionnaireResponse.questionnaire"])


def test_a_draft_edition_is_not_answered(client, questionnaire, draft):
    response = questionnaire_response(questionnaire, answers_for(questionnaire, answers()))
    response["questionnaire"] = f"{questionnaire['url']}|{draft.number}"
    refused = post_response(client, response)
    assert refused.status_code == 404
    assert refused.json()["issue"][0]["diagnostics"] == (
        f"Questionnaire/bme-pathway has no version {draft.number}: no edition {draft.number} has been published."
    )


def item(response, link_id):
    """The item ``link_id`` of a nested QuestionnaireResponse."""
    return next(entry for group in response["item"] for entry in group["item"] if entry["linkId"] == link_id)


def group(response, link_id):
    return next(entry for entry in response["item"] if entry["linkId"] == link_id)


def at(step, link_id):
    return f"QuestionnaireResponse.item.where(linkId='step-{step}').item.where(linkId='{link_id}')"


def unknown_link_id(response):
    group(response, "step-context")["item"].append({"linkId": "pain", "answer": [{"valueInteger": 3}]})


def symptom_weeks(response):
    group(response, "step-context")["item"].append({"linkId": "symptom_weeks", "answer": [{"valueInteger": 6}]})


def code_not_an_option(response):
    item(response, "site")["answer"] = [{"valueCoding": {"code": "site.elbow"}}]


def bare_answer_code(response):
    item(response, "site")["answer"] = [{"valueCoding": {"code": "hip"}}]


def another_system(response):
    item(response, "site")["answer"][0]["valueCoding"]["system"] = "http://snomed.info/sct"


def integer_as_text(response):
    item(response, "conservative_weeks")["answer"] = [{"valueInteger": "3"}]


def integer_as_a_string_value(response):
    item(response, "conservative_weeks")["answer"] = [{"valueString": "3"}]


def stray_integer_of_the_wrong_type(response):
    # An answer to a question not asked (the site is the hip) is ignored, but it must still be an answer.
    group(response, "step-mri")["item"].append({"linkId": "ramris_bme", "answer": [{"valueInteger": ""}]})


def entered_in_error(response):
    response["status"] = "entered-in-error"


def a_modifier_extension(response):
    response["modifierExtension"] = [{"url": "http://example.org/negated", "valueBoolean": True}]


def not_a_url(response):
    response["questionnaire"] = "http://[::1/fhir/Questionnaire/bme-pathway"


def a_system_that_is_not_a_url(response):
    item(response, "site")["answer"][0]["valueCoding"]["system"] = "http://[::1"


def out_of_range(response):
    item(response, "conservative_weeks")["answer"] = [{"valueInteger": 600}]


def required_missing(response):
    group(response, "step-treatment")["item"].remove(item(response, "response"))


def required_when_enabled(response):
    group(response, "step-mri")["item"].remove(item(response, "site"))  # MRI done: the site is asked


def two_answers_to_a_single_choice(response):
    item(response, "site")["answer"].append({"valueCoding": {"code": "site.knee"}})


def in_the_wrong_group(response):
    moved = item(response, "site")
    group(response, "step-mri")["item"].remove(moved)
    group(response, "step-context")["item"].append(moved)


def contradiction(response):
    item(response, "dce_pattern")["answer"] = [{"valueCoding": {"code": "dce_pattern.rim"}}]


# An MRI with edema at the hip, no DCE sequence: every step has something to get wrong.
VALID_FOR_BAD_RESPONSES = answers(site="hip", sequences=["stir", "t1"], dce_pattern="not_done")
# (change to a valid response, [(issue code, FHIRPath of the item)], words in the first diagnostics)
BAD_RESPONSES = {
    "unknown linkId": (unknown_link_id, [("invalid", at("context", "pain"))], "'pain' is not an item"),
    "a question the Questionnaire does not ask": (
        symptom_weeks,
        [("invalid", at("context", "symptom_weeks"))],
        "not an item of the Questionnaire for edition 1",
    ),
    "a code that is not an option": (code_not_an_option, [("code-invalid", at("mri", "site"))], "site.elbow"),
    "an answer code without its question": (bare_answer_code, [("code-invalid", at("mri", "site"))], "site.hip"),
    "a code of another system": (another_system, [("code-invalid", at("mri", "site"))], "http://snomed.info/sct"),
    "text where a whole number is expected": (
        integer_as_text,
        [("value", at("treatment", "conservative_weeks"))],
        "Expected a whole number from 0 to 520",
    ),
    "a valueString where a valueInteger is expected": (
        integer_as_a_string_value,
        [("value", at("treatment", "conservative_weeks"))],
        "not valueString",
    ),
    "a whole number of the wrong type to a question not asked": (
        stray_integer_of_the_wrong_type,
        [("value", at("mri", "ramris_bme"))],
        "Expected a whole number from",
    ),
    "a response entered in error": (
        entered_in_error,
        [("invalid", "QuestionnaireResponse.status")],
        "entered-in-error",
    ),
    "a modifier extension": (
        a_modifier_extension,
        [("not-supported", "QuestionnaireResponse.modifierExtension")],
        "modifier extension",
    ),
    "a questionnaire that is not a URL": (
        not_a_url,
        [("not-supported", "QuestionnaireResponse.questionnaire")],
        "reads responses to",
    ),
    "a coding system that is not a URL": (
        a_system_that_is_not_a_url,
        [("code-invalid", at("mri", "site"))],
        "its codes",
    ),
    "a number out of range": (
        out_of_range,
        [("value", at("treatment", "conservative_weeks"))],
        "Must be from 0 to 520; got 600",
    ),
    "a required item missing": (required_missing, [("required", at("treatment", "response"))], "required"),
    "an enabled required item missing": (required_when_enabled, [("required", at("mri", "site"))], "required"),
    "two answers to a single choice": (two_answers_to_a_single_choice, [("value", at("mri", "site"))], "one answer"),
    "an item in another step's group": (
        in_the_wrong_group,
        [("structure", at("context", "site"))],
        "belongs in the group step-mri",
    ),
    "answers that contradict each other": (
        contradiction,
        [("invariant", at("mri", "dce_pattern")), ("invariant", at("mri", "sequences"))],
        "does not include dynamic contrast-enhanced",
    ),
}


@pytest.mark.parametrize("case", BAD_RESPONSES)
def test_a_bad_item_is_refused_with_an_operation_outcome_naming_its_link_id(client, questionnaire, case):
    change, expected, words = BAD_RESPONSES[case]
    response = questionnaire_response(questionnaire, answers_for(questionnaire, VALID_FOR_BAD_RESPONSES))
    assert post_response(client, response).status_code == 200
    change(response)
    refused = post_response(client, response)
    assert refused.status_code == 400
    assert refused["Content-Type"] == "application/fhir+json; fhirVersion=4.0"
    outcome = refused.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert [(issue["severity"], issue["code"], issue["expression"]) for issue in outcome["issue"]] == [
        ("error", code, [where]) for code, where in expected
    ]
    assert words in outcome["issue"][0]["diagnostics"]


def test_a_flat_response_is_refused_at_its_own_items(client, questionnaire):
    response = questionnaire_response(questionnaire, answers_for(questionnaire, answers()), nested=False)
    response["item"] = [entry for entry in response["item"] if entry["linkId"] != "response"]
    response["item"].append({"linkId": "conservative_weeks", "answer": [{"valueInteger": 3}]})
    outcome = post_response(client, response).json()
    assert [(issue["code"], issue["expression"]) for issue in outcome["issue"]] == [
        ("invalid", ["QuestionnaireResponse.item.where(linkId='conservative_weeks')"])
    ]
    del response["item"][-1]
    outcome = post_response(client, response).json()
    assert [(issue["code"], issue["expression"]) for issue in outcome["issue"]] == [
        ("required", ["QuestionnaireResponse.item.where(linkId='response')"])
    ]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        pytest.param(json.dumps({"resourceType": "Patient"}), 400, "invalid", id="wrong resourceType"),
        pytest.param('{"resourceType": "QuestionnaireResponse",', 400, "structure", id="malformed JSON"),
        pytest.param("[1, 2]", 400, "invalid", id="not an object"),
        pytest.param(
            json.dumps({"resourceType": "QuestionnaireResponse", "status": "completed"}),
            400,
            "required",
            id="no questionnaire",
        ),
        pytest.param(
            json.dumps(
                {"resourceType": "QuestionnaireResponse", "questionnaire": "http://example.org/Questionnaire/phq-9"}
            ),
            400,
            "not-supported",
            id="another questionnaire",
        ),
        pytest.param(" " * (MAX_BODY_BYTES + 1), 413, "too-long", id="too large"),
    ],
)
def test_a_bad_document_is_refused_with_an_operation_outcome(client, first_edition, body, status, code):
    refused = post_response(client, body)
    assert refused.status_code == status
    assert refused["Content-Type"] == "application/fhir+json; fhirVersion=4.0"
    [issue] = refused.json()["issue"]
    assert (issue["severity"], issue["code"]) == ("error", code)
    assert issue["diagnostics"]


def test_another_fhir_version_is_refused(client, questionnaire):
    response = questionnaire_response(questionnaire, answers_for(questionnaire, answers()))
    refused = client.post("/api/v1/plan", json.dumps(response), content_type=f"{FHIR_JSON}; fhirVersion=3.0")
    assert refused.status_code == 415
    assert refused.json()["issue"][0]["code"] == "not-supported"
    accepted = client.post("/api/v1/plan", json.dumps(response), content_type=f"{FHIR_JSON}; fhirVersion=4.0")
    assert accepted.status_code == 200


def test_markup_echoed_from_a_response_is_escaped(client, questionnaire):
    response = questionnaire_response(questionnaire, answers_for(questionnaire, answers()))
    group(response, "step-mri")["item"].append({"linkId": "<script>alert(1)</script>"})
    refused = post_response(client, response)
    assert refused.status_code == 400
    assert b"<script>" not in refused.content
    assert "<script>" in refused.json()["issue"][0]["diagnostics"]


def test_before_any_edition_is_published_the_service_is_unavailable_as_for_json(client, db):
    response = {"resourceType": "QuestionnaireResponse", "questionnaire": "http://testserver" + QUESTIONNAIRE}
    refused = post_response(client, response)
    assert (refused.status_code, post_json(client, answers()).status_code) == (503, 503)
    assert refused.json()["issue"][0]["code"] == "transient"

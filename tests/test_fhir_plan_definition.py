"""The PlanDefinition at /fhir/PlanDefinition/bme-pathway and its $apply: the edition's pathways and
statements as actions, and one patient's plan as a RequestGroup, the same plan the JSON API and the
wizard give, in the same order."""

import json

import pytest

from bme_wizard.clinic.models import Assessment
from bme_wizard.content.models import Certainty, Scenario, Strength
from bme_wizard.interop.plan_definition import PITFALLS_ACTION
from tests.conftest import answers
from tests.editorial import approve_everything, approve_scenarios, publish
from tests.fhir import APPLY, FHIR_JSON, answers_for, apply, parameters, questionnaire_response
from tests.test_questions_content import AGE, add_question

pytestmark = pytest.mark.django_db

PLAN_DEFINITION = "/fhir/PlanDefinition/bme-pathway"


def get(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(FHIR_JSON)
    return response.json()


def json_plan(client, raw):
    response = client.post("/api/v1/plan", data=json.dumps({"answers": raw}), content_type="application/json")
    assert response.status_code == 200, response.json()
    return response.json()


def expected_actions(plan):
    """The action ids of the JSON plan, in its order: pathways, recommendations, already tried, pitfalls."""
    return (
        [f"pathway-{p['key']}" for p in plan["pathways"]]
        + [f"recommendation-{r['key']}" for r in plan["recommendations"]]
        + [f"recommendation-{r['key']}" for r in plan["already_tried"]]
        + [f"pitfall-{p['key']}" for p in plan["pitfalls"]]
    )


def response_for(client, raw):
    questionnaire = get(client, "/fhir/Questionnaire/bme-pathway")
    return questionnaire_response(questionnaire, answers_for(questionnaire, raw))


class TestThePlanDefinition:
    def test_it_holds_every_pathway_and_statement_of_the_edition_in_order(self, client, first_edition, first_snapshot):
        resource = get(client, PLAN_DEFINITION)
        assert (resource["resourceType"], resource["id"], resource["version"]) == ("PlanDefinition", "bme-pathway", "1")
        assert resource["url"] == "http://testserver/fhir/PlanDefinition/bme-pathway"
        assert resource["type"]["coding"][0]["code"] == "clinical-protocol"
        assert resource["status"] == "active" and resource["experimental"] is False
        assert resource["relatedArtifact"] == [
            {
                "type": "depends-on",
                "display": "The questions the conditions read",
                "resource": "http://testserver/fhir/Questionnaire/bme-pathway|1",
            }
        ]
        snapshot = first_snapshot
        *pathways, pitfalls = resource["action"]
        assert [a["id"] for a in pathways] == [f"pathway-{p.key}" for p in snapshot.pathways]
        assert [a["title"] for a in pathways] == [p.title for p in snapshot.pathways]
        for action, pathway in zip(pathways, snapshot.pathways, strict=True):
            nested = [a["id"] for a in action.get("action", [])]
            assert nested == [
                f"recommendation-{r.key}" for r in snapshot.recommendations if r.pathway_key == pathway.key
            ]
        assert pitfalls["id"] == PITFALLS_ACTION and pitfalls["title"] == "Pitfalls to avoid"
        assert [a["id"] for a in pitfalls["action"]] == [f"pitfall-{p.key}" for p in snapshot.pitfalls]

    def test_each_statement_carries_its_text_citations_grading_caution_and_applicability(
        self, client, first_edition, first_snapshot
    ):
        resource = get(client, PLAN_DEFINITION)
        actions = {a["id"]: a for top in resource["action"] for a in [top, *top.get("action", [])]}
        snapshot = first_snapshot
        labels = dict(snapshot.sections)
        strengths, certainties = dict(Strength.choices), dict(Certainty.choices)
        cautioned = 0
        for entry in (*snapshot.recommendations, *snapshot.pitfalls):
            action = actions[f"{entry.kind}-{entry.key}"]
            # The board's text for clinicians; the plain-language version for patients only as labelled documentation.
            assert action["description"] == action["textEquivalent"] == entry.text
            for_patients = [d["display"] for d in action["documentation"] if d.get("label") == "For patients"]
            assert for_patients == ([entry.plain_text] if entry.plain_text.strip() else [])
            citations = [d["citation"] for d in action["documentation"] if d["type"] == "citation"]
            expected = [snapshot.references[r].citation for r in (*entry.citations, *entry.caution_citations)]
            assert citations == expected and citations, entry.key  # every statement cites a reference
            cautions = [d["display"] for d in action["documentation"] if d.get("label") == "Caution"]
            assert cautions == ([entry.caution] if entry.caution else [])
            cautioned += bool(cautions)
            if entry.kind == "recommendation":
                assert action["code"] == [{"text": labels[entry.section]}]
                grading = {e["url"].rsplit("-", 1)[-1]: e["valueCodeableConcept"]["text"] for e in action["extension"]}
                assert grading == {
                    "strengthOfRecommendation": strengths[entry.strength],
                    "qualityOfEvidence": certainties[entry.certainty],
                }
            if entry.rule.conditions:
                [condition] = action["condition"]
                assert condition["kind"] == "applicability"
                assert condition["expression"]["language"] == "text/fhirpath"
                assert condition["expression"]["description"] == entry.rule.describe(snapshot.vocabulary)
                assert "QuestionnaireResponse" in condition["expression"]["expression"]
            else:
                assert "condition" not in action
        assert cautioned  # the evidence check's doubts reach the PlanDefinition too

    def test_every_published_edition_is_served_and_drafts_are_not(self, client, first_edition, draft):
        add_question(draft, AGE)
        assert (
            get(client, f"{PLAN_DEFINITION}/_history/{draft.number}", status=404)["resourceType"] == "OperationOutcome"
        )
        approve_scenarios()
        approve_everything(draft)
        publish(draft)
        first, second = get(client, f"{PLAN_DEFINITION}/_history/1"), get(client, PLAN_DEFINITION)
        assert (first["version"], first["status"]) == ("1", "retired")
        assert (second["version"], second["status"]) == (str(draft.number), "active")
        assert get(client, f"{PLAN_DEFINITION}/_history/{draft.number}") == second
        for missing in (99, 0, 10**12):
            outcome = get(client, f"{PLAN_DEFINITION}/_history/{missing}", status=404)
            assert outcome["resourceType"] == "OperationOutcome"
        refused = client.put(PLAN_DEFINITION, data="{}", content_type=FHIR_JSON)
        assert refused.status_code == 405 and refused.json()["issue"][0]["code"] == "not-supported"


class TestApply:
    def test_every_scenario_gets_the_plan_the_api_and_the_wizard_give_in_plan_order(self, client, first_edition):
        scenarios = list(Scenario.objects.filter(is_active=True))
        assert len(scenarios) > 10
        for scenario in scenarios:
            response = response_for(client, scenario.answers)
            applied = apply(client, response)
            assert applied.status_code == 200, (scenario.key, applied.json())
            group = applied.json()
            assert group["resourceType"] == "RequestGroup"
            assert (group["status"], group["intent"]) == ("draft", "proposal")
            assert group["instantiatesCanonical"] == ["http://testserver/fhir/PlanDefinition/bme-pathway|1"]
            plan = json_plan(client, answers_for(get(client, "/fhir/Questionnaire/bme-pathway"), scenario.answers))
            ids = [action["id"] for action in group["action"]]
            assert ids == expected_actions(plan), scenario.key
            # The scenario's own expectations hold for the RequestGroup too.
            keys = {i.split("-", 1)[1] for i in ids}
            assert set(scenario.must_show) <= keys and not set(scenario.must_not_show) & keys, scenario.key

    def test_each_action_says_where_it_comes_from_why_it_applies_and_its_numbered_references(
        self, client, first_edition
    ):
        questionnaire = get(client, "/fhir/Questionnaire/bme-pathway")
        plan_definition = get(client, PLAN_DEFINITION)
        defined = {a["id"] for top in plan_definition["action"] for a in [top, *top.get("action", [])]}
        seen_tried = 0
        for scenario in Scenario.objects.filter(is_active=True):
            raw = answers_for(questionnaire, scenario.answers)
            group = apply(client, questionnaire_response(questionnaire, raw)).json()
            plan = json_plan(client, raw)
            items = plan["pathways"] + plan["recommendations"] + plan["already_tried"] + plan["pitfalls"]
            references = {ref["number"]: ref["citation"] for ref in plan["references"]}
            tried_ids = {f"recommendation-{item['key']}" for item in plan["already_tried"]}
            assert {action["id"] for action in group["action"]} <= defined
            contained = {resource["id"]: resource for resource in group["contained"]}
            for action, item in zip(group["action"], items, strict=True):
                # Each action proposes telling its text (R4's rqg-1: a resource or nested actions).
                proposal = contained.pop(action["resource"]["reference"].removeprefix("#"))
                assert proposal["resourceType"] == "CommunicationRequest"
                assert proposal["payload"] == [{"contentString": action.get("description") or action["title"]}]
                documentation = action["documentation"]
                [origin] = [d for d in documentation if d["type"] == "derived-from"]
                assert origin["resource"] == "http://testserver/fhir/PlanDefinition/bme-pathway|1"
                assert origin["label"] == action["id"]
                if "text" in item:  # a statement: in the board's words for clinicians, as the JSON plan gives them
                    assert action["description"] == item["text"]
                why = [d["display"] for d in documentation if d["type"] == "justification"]
                assert why == [w["text"] for w in item["why"]]
                cited = [(int(d["label"]), d["citation"]) for d in documentation if d["type"] == "citation"]
                assert cited == [(n, references[n]) for n in item["citations"] + item.get("caution_citations", [])]
                if action["id"] in tried_ids:
                    seen_tried += 1
                    assert action["title"] == "Already tried"
                    assert any(d.get("label") == "Already tried" for d in documentation)
            assert contained == {}  # every contained resource is referenced (dom-3)
        assert seen_tried, "no scenario puts a statement in the already-tried part"

    def test_it_names_no_patient_and_keeps_nothing(self, client, first_edition):
        before = Assessment.objects.count()
        applied = apply(client, response_for(client, answers()), subject="Patient/ward-7-bed-3", encounter="E-1")
        assert applied.status_code == 200
        assert "ward-7-bed-3" not in applied.content.decode() and "subject" not in applied.json()
        assert Assessment.objects.count() == before
        assert applied["Cache-Control"].startswith("max-age=0")

    def test_an_earlier_edition_is_applied_when_the_response_names_it(self, client, first_edition, draft):
        add_question(draft, AGE)
        approve_scenarios()
        approve_everything(draft)
        publish(draft)
        old = questionnaire_response(get(client, "/fhir/Questionnaire/bme-pathway/_history/1"), answers())
        group = apply(client, old).json()
        assert group["instantiatesCanonical"] == ["http://testserver/fhir/PlanDefinition/bme-pathway|1"]
        assert "Edition 1 has been superseded" in group["note"][0]["text"]
        current = questionnaire_response(get(client, "/fhir/Questionnaire/bme-pathway"), answers())
        assert "superseded" not in apply(client, current).json()["note"][0]["text"]

    @pytest.mark.parametrize(
        ("body", "status", "code", "where"),
        [
            pytest.param({"resourceType": "QuestionnaireResponse"}, 400, "invalid", None, id="not Parameters"),
            pytest.param({"resourceType": "Parameters"}, 400, "required", "Parameters.parameter", id="no parameter"),
            pytest.param(
                {"resourceType": "Parameters", "parameter": [{"name": "questionnaireResponse"}]},
                400,
                "structure",
                "Parameters.parameter[0].resource",
                id="no resource",
            ),
            pytest.param(
                {"resourceType": "Parameters", "parameter": [{"name": "questionaireResponse", "resource": {}}]},
                400,
                "not-supported",
                "Parameters.parameter[0]",
                id="misspelt parameter",
            ),
            pytest.param({"resourceType": "Parameters", "parameter": {}}, 400, "structure", None, id="not a list"),
            pytest.param([], 400, "invalid", None, id="an array"),
        ],
    )
    def test_bad_parameters_get_an_operation_outcome_naming_the_parameter(
        self, client, first_edition, body, status, code, where
    ):
        refused = client.post(APPLY, data=json.dumps(body), content_type=FHIR_JSON)
        assert refused.status_code == status
        [issue] = refused.json()["issue"]
        assert issue["code"] == code and issue["diagnostics"]
        if where:
            assert issue["expression"] == [where]

    def test_the_response_is_checked_as_the_api_checks_it_item_by_item(self, client, first_edition):
        response = response_for(client, answers())
        twice = dict(parameters(response))
        twice["parameter"] = twice["parameter"] * 2
        refused = client.post(APPLY, data=json.dumps(twice), content_type=FHIR_JSON)
        assert refused.status_code == 400 and refused.json()["issue"][0]["code"] == "structure"

        site = next(item for group in response["item"] for item in group["item"] if item["linkId"] == "site")
        site["answer"] = [{"valueCoding": {"code": "site.elbow"}}]
        refused = apply(client, response)
        assert refused.status_code == 400
        [issue] = refused.json()["issue"]
        assert issue["code"] == "code-invalid"
        assert issue["expression"] == ["QuestionnaireResponse.item.where(linkId='step-mri').item.where(linkId='site')"]
        # The same refusal as POST /api/v1/plan gives for the same response.
        same = client.post("/api/v1/plan", data=json.dumps(response), content_type=FHIR_JSON)
        assert same.json() == refused.json()

        response["questionnaire"] += "|42"
        assert apply(client, response).status_code == 404

    def test_requests_that_are_not_fhir_json_are_refused_in_fhir(self, client, first_edition):
        body = json.dumps(parameters(response_for(client, answers())))
        assert client.post(APPLY, data=body, content_type="application/json").status_code == 200
        for content_type, status in (("text/plain", 415), ("application/fhir+json; fhirVersion=5.0", 415)):
            refused = client.post(APPLY, data=body, content_type=content_type)
            assert refused.status_code == status and refused.json()["resourceType"] == "OperationOutcome"
        huge = client.post(APPLY, data=" " * (70 * 1024) + body, content_type=FHIR_JSON)
        assert huge.status_code == 413 and huge.json()["issue"][0]["code"] == "too-long"
        broken = client.post(APPLY, data=body[:-5], content_type=FHIR_JSON)
        assert broken.status_code == 400 and "Malformed JSON" in broken.json()["issue"][0]["diagnostics"]
        got = client.get(APPLY)
        assert got.status_code == 405 and got["Allow"] == "POST"

    def test_before_any_edition_is_published_it_answers_503(self, client):
        response = {
            "resourceType": "QuestionnaireResponse",
            "questionnaire": "http://testserver/fhir/Questionnaire/bme-pathway",
        }
        refused = apply(client, response)
        assert refused.status_code == 503 and refused.json()["issue"][0]["code"] == "transient"

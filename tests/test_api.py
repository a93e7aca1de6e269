"""POST /api/v1/plan and its OpenAPI document."""

import json

import pytest
from django.urls import reverse
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_spec
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.conftest import answers, publish_without_checks
from tests.editorial import approve_everything

pytestmark = pytest.mark.django_db

URL = "/api/v1/plan"


def post(client, body, content_type="application/json", **extra):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(URL, data=data, content_type=content_type, **extra)


@pytest.fixture
def openapi(client):
    return client.get(reverse("clinic:api-openapi")).json()


@pytest.fixture
def conforms(openapi):
    """Check a response body against the document's schema for that operation and status."""
    registry = Registry().with_resource(
        "urn:openapi", Resource.from_contents(openapi, default_specification=DRAFT202012)
    )

    def check(response):
        operation = openapi["paths"]["/api/v1/plan"]["post"]
        schema = operation["responses"][str(response.status_code)]["content"]["application/json"]["schema"]
        ref = {"$ref": "urn:openapi" + schema["$ref"]}
        Draft202012Validator(ref, registry=registry).validate(response.json())
        return response.json()

    return check


class TestPlan:
    def test_returns_the_plan_for_the_current_edition(self, client, first_edition, conforms):
        cancer = answers(context="vertebral_fracture", fracture_cause="cancer", severe_pain="yes", response="no_change")
        response = post(client, {"answers": cancer})
        assert response.status_code == 200
        plan = conforms(response)
        assert plan["edition"] == {
            "number": 1,
            "label": "Edition 1",
            "title": first_edition.title,
            "status": "published",
            "current": True,
            "updated_at": plan["edition"]["updated_at"],
            "last_updated": "2025-11-04",  # the source's date, not the day the database was set up
            "source_note": first_edition.text.source_note,
            "publication_note": "",
        }
        assert plan["pending_review"] is True
        assert [p["key"] for p in plan["pathways"]] == ["workup", "vertebral_fracture"]
        kyphoplasty = next(r for r in plan["recommendations"] if r["key"] == "vcf-kyphoplasty-cancer")
        assert kyphoplasty["section"] == "escalation"
        assert kyphoplasty["review_status"] == "submitted"
        assert kyphoplasty["why"][1] == {
            "question": "fracture_cause",
            "operator": "one_of",
            "value": ["cancer", "myeloma"],
            "text": "“Cause of the fracture” is one of Cancer, Myeloma",
        }
        numbers = [ref["number"] for ref in plan["references"]]
        assert numbers == list(range(1, len(numbers) + 1))
        assert set(kyphoplasty["citations"]) <= set(numbers)
        # The evidence check's caution travels with the statement, with its own sources.
        assert kyphoplasty["caution"].startswith("Evidence check: no 80% figure was found.")
        assert kyphoplasty["caution_citations"] and set(kyphoplasty["caution_citations"]) <= set(numbers)

    def test_marks_treatments_already_tried(self, client, first_edition, conforms):
        plan = conforms(post(client, {"answers": answers(context="transient_bme", treatments_tried=["nsaids"])}))
        conservative = next(r for r in plan["recommendations"] if r["key"] == "tbme-conservative")
        assert (conservative["tried"], conservative["tried_treatments"]) == (True, ["nsaids"])

    def test_statements_whose_treatments_were_all_tried_are_listed_apart(self, client, first_edition, conforms):
        both = answers(context="transient_bme", treatments_tried=["nsaids", "protected_weight_bearing"])
        plan = conforms(post(client, {"answers": both}))
        assert "tbme-conservative" not in [r["key"] for r in plan["recommendations"]]
        [tried] = [r for r in plan["already_tried"] if r["key"] == "tbme-conservative"]
        assert (tried["tried"], tried["tried_treatments"]) == (True, ["nsaids", "protected_weight_bearing"])
        assert tried["tried_text"] == "NSAIDs and protected weight bearing have already been tried."
        assert tried["section"] == "first_line" and tried["citations"]
        # Only NSAIDs tried: still advice, naming what was tried.
        plan = conforms(post(client, {"answers": answers(context="transient_bme", treatments_tried=["nsaids"])}))
        assert plan["already_tried"] == []
        assert "tbme-conservative" in [r["key"] for r in plan["recommendations"]]

    def test_answers_to_questions_not_asked_are_ignored(self, client, first_edition, conforms):
        plan = conforms(post(client, {"answers": answers(mri_done="no", site="elbow", ramris_bme=99)}))
        assert "site" not in plan["answers"]
        assert "workup-obtain-mri" in [r["key"] for r in plan["recommendations"]]

    def test_a_named_older_edition_still_answers_and_says_it_is_not_current(
        self, client, first_edition, draft_edition, conforms
    ):
        publish_without_checks(draft_edition)
        plan = conforms(post(client, {"answers": answers(), "edition": 1}))
        assert (plan["edition"]["number"], plan["edition"]["status"], plan["edition"]["current"]) == (
            1,
            "superseded",
            False,
        )
        assert conforms(post(client, {"answers": answers()}))["edition"]["number"] == 50

    def test_review_in_place_shows_at_once(self, client, first_edition, conforms):
        assert conforms(post(client, {"answers": answers()}))["pending_review"] is True
        approve_everything(first_edition)
        plan = conforms(post(client, {"answers": answers()}))
        assert plan["pending_review"] is False
        assert {r["review_status"] for r in plan["recommendations"]} == {"approved"}


class TestBadInput:
    @pytest.mark.parametrize(
        ("body", "field", "fragment"),
        [
            ({"answers": answers(colour="red")}, "answers.colour", "Unknown question"),
            ({"answers": answers(site="elbow")}, "answers.site", "'elbow' is not one of"),
            ({"answers": answers(symptom_weeks="6")}, "answers.symptom_weeks", "whole number"),
            ({"answers": answers(sequences="stir")}, "answers.sequences", "Expected a list"),
            ({"answers": answers(conservative_weeks=600)}, "answers.conservative_weeks", "from 0 to 520"),
            ({"answers": answers(response=None)}, "answers.response", "required"),
            ({"answers": [1, 2]}, "answers", "Expected an object"),
            ({}, "answers", "required"),
            ({"answers": answers(), "patient": "Jane"}, "patient", "Unknown field"),
            ({"answers": answers(), "edition": "1"}, "edition", "edition number"),
            ([], "body", "Expected a JSON object"),
            ("null", "body", "Expected a JSON object"),
            ('{"answers": ', "body", "Malformed JSON"),
            (b"\xff\xfe", "body", "UTF-8"),
        ],
    )
    def test_400_names_the_field_and_the_problem(self, client, first_edition, conforms, body, field, fragment):
        response = post(client, body)
        assert response.status_code == 400
        errors = conforms(response)["errors"]
        assert field in errors, errors
        assert fragment in " ".join(errors[field])

    @pytest.mark.parametrize(
        ("change", "fields"),
        [
            ({"symptom_weeks": 4, "conservative_weeks": 10}, {"conservative_weeks": "Weeks of symptoms"}),
            ({"dce_pattern": "rim", "sequences": ["stir", "t1"]}, {"dce_pattern": "Sequences acquired"}),
        ],
    )
    def test_answers_that_contradict_each_other_are_a_400_naming_both(
        self, client, first_edition, conforms, change, fields
    ):
        response = post(client, {"answers": answers(**change)})
        assert response.status_code == 400
        errors = conforms(response)["errors"]
        first, second = sorted(change, key=lambda key: key not in fields)
        assert set(errors) == {f"answers.{first}", f"answers.{second}"}
        from bme_wizard.pathway.vocabulary import QUESTIONS

        assert f"“{fields[first]}”" in errors[f"answers.{first}"][0]
        assert f"“{QUESTIONS[first].label}”" in errors[f"answers.{second}"][0]

    def test_deeply_nested_json_under_the_size_limit_is_refused(self, client, first_edition, conforms):
        response = post(client, "[" * 30_000 + "]" * 30_000)
        assert response.status_code == 400
        assert conforms(response)["errors"]["body"] == ["The JSON is nested too deeply."]

    def test_an_integer_too_long_to_read_is_a_400_not_a_500(self, client, first_edition, conforms):
        response = post(client, '{"answers": {}, "edition": 1' + "0" * 5000 + "}")
        assert response.status_code == 400
        assert "Unreadable JSON" in conforms(response)["errors"]["body"][0]

    @pytest.mark.parametrize("charset", ["punycode", "idna", "latin-1", "no-such-codec"])
    def test_only_utf_8_is_accepted(self, client, first_edition, conforms, charset):
        # generic() sends the bytes as they are; post() would re-encode them in that charset.
        body = json.dumps({"answers": answers()}).encode()
        response = client.generic("POST", URL, body, content_type=f"application/json; charset={charset}")
        assert response.status_code == 415
        assert conforms(response)["errors"]["body"] == ["Send JSON encoded as UTF-8."]

    def test_415_for_a_wrong_content_type(self, client, first_edition, conforms):
        response = post(client, "answers=1", content_type="application/x-www-form-urlencoded")
        assert response.status_code == 415
        assert "application/json" in conforms(response)["errors"]["body"][0]

    def test_413_for_a_body_over_64_kb(self, client, first_edition, conforms):
        body = json.dumps({"answers": answers(), "padding": "x" * 70_000})
        response = post(client, body)
        assert response.status_code == 413
        assert "at most 65536 bytes" in conforms(response)["errors"]["body"][0]

    def test_404_for_an_unknown_edition(self, client, first_edition, conforms):
        response = post(client, {"answers": answers(), "edition": 9})
        assert response.status_code == 404
        assert conforms(response)["errors"] == {"edition": ["No published edition 9."]}

    def test_a_draft_edition_is_not_served_to_the_public(self, client, first_edition, draft_edition):
        assert post(client, {"answers": answers(), "edition": draft_edition.number}).status_code == 404

    def test_503_when_nothing_is_published(self, client, conforms):
        response = post(client, {"answers": answers()})
        assert response.status_code == 503
        assert "No guideline edition" in conforms(response)["errors"]["edition"][0]

    def test_405_for_get(self, client, conforms):
        response = client.get(URL)
        assert response.status_code == 405
        assert response["Allow"] == "POST"
        conforms(response)

    def test_a_refusal_is_built_as_its_schema_says_or_not_at_all(self):
        from pydantic import ValidationError

        from bme_wizard.clinic.api import error_response

        response = error_response(404, {"edition": ["No published edition 9."]})
        assert json.loads(response.content) == {
            "detail": "Not found.",
            "errors": {"edition": ["No published edition 9."]},
        }
        # An Error names at least one field, each with at least one problem, as text.
        for errors in [{}, {"body": []}, {"body": ("Malformed JSON.",)}, {"body": [404]}]:
            with pytest.raises(ValidationError):
                error_response(400, errors)

    def test_csrf_is_not_needed_for_json_but_forms_cannot_post(self, first_edition):
        from django.test import Client

        strict = Client(enforce_csrf_checks=True)
        assert post(strict, {"answers": answers()}).status_code == 200
        assert strict.post(URL, {"answers": "x"}).status_code == 415


class TestOpenAPI:
    def test_the_document_is_valid_openapi_3_1(self, openapi):
        validate_spec(openapi)
        assert openapi["openapi"] == "3.1.0"

    def test_a_published_edition_has_its_own_document(self, client, first_edition):
        served = client.get(reverse("clinic:api-openapi")).json()
        named = client.get(reverse("clinic:api-openapi"), {"edition": first_edition.number}).json()
        assert named["components"] == served["components"]
        assert "the questions of edition 1" in named["info"]["description"]
        assert "the current edition's questions" in served["info"]["description"]

    @pytest.mark.parametrize(("number", "status"), [("0", 400), ("two", 400), ("1.5", 400), ("99", 404), ("2", 404)])
    def test_a_document_for_an_edition_not_published_is_refused_naming_the_field(self, client, draft, number, status):
        response = client.get(reverse("clinic:api-openapi"), {"edition": number})  # edition 2 is a draft
        assert response.status_code == status
        assert list(response.json()["errors"]) == ["edition"]

    def test_the_answers_schema_follows_the_vocabulary(self, openapi):
        from bme_wizard.pathway.vocabulary import QUESTIONS

        schema = openapi["components"]["schemas"]["Answers"]
        assert list(schema["properties"]) == list(QUESTIONS)
        site = next(
            rule["then"]["properties"]["site"] for rule in schema["allOf"] if "site" in rule["then"]["properties"]
        )
        assert site["enum"] == list(QUESTIONS["site"].values)
        assert schema["properties"]["symptom_weeks"]["anyOf"][0]["maximum"] == 520  # optional: not in the wizard
        assert "ramris_bme" not in schema["required"] and "context" in schema["required"]

    def test_the_answers_schema_accepts_what_the_api_accepts(self, openapi):
        answers_schema = {**openapi["components"]["schemas"]["Answers"]}
        validator = Draft202012Validator(answers_schema)
        validator.validate(answers())
        validator.validate(answers(context="charcot_foot", foot_signs=["ulcer"]))
        assert not validator.is_valid(answers(context="charcot_foot"))  # foot_signs required when asked
        assert not validator.is_valid(answers(site="elbow"))
        assert not validator.is_valid(answers(sequences=[]))  # the API says "Choose at least one."
        assert not validator.is_valid(answers(structural_findings=["none", "erosions"]))
        # Not asked, so ignored, whatever the value: by the API and by the document alike.
        assert validator.is_valid(answers(mri_done="no", site="elbow", sequences=[], ramris_bme=999))
        assert not validator.is_valid(answers(site="hand_wrist", ramris_bme=999))
        assert validator.is_valid(answers(mri_done="no", site="hand_wrist", ramris_bme=999))
        # A DCE pattern needs the DCE sequence, as the API says; when the MRI questions are not asked, not.
        assert not validator.is_valid(answers(dce_pattern="spot", sequences=["stir"]))
        assert validator.is_valid(answers(dce_pattern="spot", sequences=["stir", "dce"]))
        assert validator.is_valid(answers(mri_done="no", dce_pattern="spot", sequences=["stir"]))
        description = openapi["components"]["schemas"]["Answers"]["description"]
        assert "conservative_weeks must not be more than symptom_weeks" in description

    def test_the_response_schemas_are_the_models_with_the_editions_questions(self, openapi):
        from bme_wizard.clinic.plan_models import VOCABULARY_MARK, response_schemas
        from bme_wizard.pathway.vocabulary import QUESTIONS

        schemas = openapi["components"]["schemas"]
        models = response_schemas(QUESTIONS)
        assert {name: schemas[name] for name in models} == models
        assert schemas["Why"]["properties"]["question"]["enum"] == list(QUESTIONS)
        treatments = [t.value for t in QUESTIONS.treatments]
        for name in ("Recommendation", "AlreadyTried"):
            for field in ("treatments", "tried_treatments"):
                assert schemas[name]["properties"][field]["items"]["enum"] == treatments, (name, field)
        assert VOCABULARY_MARK not in json.dumps(openapi)
        # Closed objects, every property present, as the API sends them.
        for name in ("Plan", "Edition", "Pathway", "Recommendation", "AlreadyTried", "Pitfall", "Error"):
            assert schemas[name]["additionalProperties"] is False
            assert schemas[name]["required"] == list(schemas[name]["properties"]), name

    def test_another_editions_questions_give_its_own_response_schemas(self):
        import dataclasses

        from bme_wizard.clinic.plan_models import response_schemas
        from bme_wizard.pathway.vocabulary import QUESTIONS, TREATMENTS_QUESTION, Vocabulary

        tried = QUESTIONS[TREATMENTS_QUESTION]
        fewer = dataclasses.replace(tried, choices=tried.choices[:2])
        questions = tuple(fewer if q is tried else q for q in QUESTIONS.values() if q.key != "response")
        schemas = response_schemas(Vocabulary(QUESTIONS.steps, questions))
        assert schemas["Why"]["properties"]["question"]["enum"] == [q.key for q in questions]
        assert schemas["AlreadyTried"]["properties"]["treatments"]["items"]["enum"] == [c.value for c in fewer.choices]
        # The first edition's are not changed by it.
        assert "response" in response_schemas(QUESTIONS)["Why"]["properties"]["question"]["enum"]

    def test_the_request_response_and_fhir_schemas_have_names_of_their_own(self):
        from bme_wizard.clinic.plan_models import response_schemas
        from bme_wizard.interop.openapi import fhir_schemas
        from bme_wizard.pathway.vocabulary import QUESTIONS

        # The document merges them into one mapping: a name given twice would silently lose a schema.
        parts = [{"PlanRequest", "Answers"}, set(response_schemas(QUESTIONS)), set(fhir_schemas())]
        assert sum(len(part) for part in parts) == len(set().union(*parts))

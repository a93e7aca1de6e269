"""The FHIR server as an EHR integrator meets it: the edition's questions as an SDC Questionnaire, the
CodeSystem of their answers, every published edition by number, and a CapabilityStatement that lists
exactly what is served."""

import subprocess
import sys

import pytest
from django.urls import URLPattern, get_resolver

from bme_wizard.content.snapshot import edition_snapshot
from tests.conftest import answers
from tests.editorial import approve_everything, approve_scenarios, publish
from tests.fhir import answers_for, apply, question_items, questionnaire_response
from tests.test_questions_content import AGE, add_question

pytestmark = pytest.mark.django_db

BASE = "http://testserver/fhir"
QUESTIONNAIRE = "/fhir/Questionnaire/bme-pathway"
CODE_SYSTEM = "/fhir/CodeSystem/bme-vocabulary"
SYSTEM = BASE + "/CodeSystem/bme-vocabulary"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
FHIR_CONTENT_TYPE = "application/fhir+json; fhirVersion=4.0"


def get(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == FHIR_CONTENT_TYPE
    return response.json()


def extensions(item):
    return {extension["url"]: extension for extension in item.get("extension", [])}


class TestTheQuestionnaire:
    def test_it_asks_what_the_wizard_asks_in_the_editions_words(self, client, first_edition):
        questionnaire = get(client, QUESTIONNAIRE)
        vocabulary = edition_snapshot(first_edition).vocabulary
        assert [(group["linkId"], group["text"], group["type"]) for group in questionnaire["item"]] == [
            (f"step-{step.key}", step.title, "group") for step in vocabulary.steps
        ]
        for group, step in zip(questionnaire["item"], vocabulary.steps, strict=True):
            assert [item["linkId"] for item in group["item"]] == [q.key for q in vocabulary.wizard_questions(step.key)]
        items = question_items(questionnaire)
        for key, (_, item) in items.items():
            question = vocabulary[key]
            assert item["text"] == question.label
            assert item["code"] == [{"system": SYSTEM, "code": key, "display": question.label}]
            assert item["type"] == {"choice": "choice", "multi": "choice", "integer": "integer"}[question.kind]
            assert item.get("repeats", False) is (question.kind == "multi")
            assert item["required"] is not question.optional
            options = [
                (option["valueCoding"]["code"], option["valueCoding"]["display"])
                for option in item.get("answerOption", [])
            ]
            assert options == [(f"{key}.{choice.value}", choice.label) for choice in question.choices]
            if question.kind == "integer":
                assert extensions(item)[MIN_VALUE]["valueInteger"] == question.minimum
                assert extensions(item)[MAX_VALUE]["valueInteger"] == question.maximum
            rule = question.asked_when
            conditions = item.get("enableWhen", [])
            assert [(c["question"], c["operator"], c["answerCoding"]["code"]) for c in conditions] == (
                [(rule.question, "=", f"{rule.question}.{value}") for value in rule.values] if rule else []
            )
            assert item.get("enableBehavior") == ("any" if rule and len(rule.values) > 1 else None)
            help_items = [child["text"] for child in item.get("item", [])]
            assert help_items == ([question.help_text] if question.help_text else [])

    def test_what_an_integrator_reads_of_the_first_edition(self, client, first_edition):
        questionnaire = get(client, QUESTIONNAIRE)
        assert questionnaire["resourceType"] == "Questionnaire"
        assert questionnaire["url"] == BASE + "/Questionnaire/bme-pathway"
        assert (questionnaire["version"], questionnaire["status"]) == ("1", "active")
        assert questionnaire["title"] == "Management of bone marrow edema"
        assert questionnaire["name"] == "ManagementOfBoneMarrowEdema"
        assert questionnaire["date"] == first_edition.published_at.isoformat(timespec="seconds")
        assert questionnaire["meta"]["profile"] == [
            "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire|3.0.0"
        ]
        items = {key: item for key, (_, item) in question_items(questionnaire).items()}
        # Weeks of symptoms changes no plan of the first edition: the wizard does not ask it, nor does this.
        assert "symptom_weeks" not in items
        ramris = items["ramris_bme"]
        assert (ramris["type"], ramris["required"]) == ("integer", False)
        assert (extensions(ramris)[MIN_VALUE]["valueInteger"], extensions(ramris)[MAX_VALUE]["valueInteger"]) == (0, 69)
        assert ramris["enableWhen"] == [
            {
                "question": "site",
                "operator": "=",
                "answerCoding": {"system": SYSTEM, "code": "site.hand_wrist", "display": "Hand or wrist"},
            }
        ]
        # Asked for a vertebral fracture or myeloma, and then required: FHIR's required + enableWhen.
        cause = items["fracture_cause"]
        assert [c["answerCoding"]["code"] for c in cause["enableWhen"]] == [
            "context.vertebral_fracture",
            "context.multiple_myeloma",
        ]
        assert (cause["enableBehavior"], cause["required"]) == ("any", True)
        assert (items["sequences"]["repeats"], items["sequences"]["required"]) == (True, True)
        assert (items["population_flags"]["repeats"], items["population_flags"]["required"]) == (True, False)
        # "None" of the structural findings excludes the others, as the API's rule does.
        exclusive = [
            option["valueCoding"]["code"]
            for option in items["structural_findings"]["answerOption"]
            if extensions(option)
        ]
        assert exclusive == ["structural_findings.none"]
        help_item = items["severe_pain"]["item"][0]
        assert help_item["type"] == "display"
        assert help_item["text"] == "Pain needing parenteral opioids or hospital admission."
        control = extensions(help_item)["http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl"]
        assert control["valueCodeableConcept"]["coding"] == [
            {"system": "http://hl7.org/fhir/questionnaire-item-control", "code": "help"}
        ]
        link_ids = [group["linkId"] for group in questionnaire["item"]] + [
            link
            for _, item in question_items(questionnaire).values()
            for link in [item["linkId"]] + [c["linkId"] for c in item.get("item", [])]
        ]
        assert len(link_ids) == len(set(link_ids))  # FHIR's que-2, though a step and a question share "context"

    def test_its_answer_codes_are_the_codesystems(self, client, first_edition):
        questionnaire = get(client, QUESTIONNAIRE)
        code_system = get(client, CODE_SYSTEM)
        assert code_system["url"] == SYSTEM
        assert (code_system["version"], code_system["status"], code_system["content"]) == ("1", "active", "complete")
        concepts = {}

        def walk(entries):
            for concept in entries:
                assert concept["code"] not in concepts  # codes are unique in a CodeSystem (csd-1)
                concepts[concept["code"]] = concept["display"]
                walk(concept.get("concept", []))

        walk(code_system["concept"])
        assert code_system["count"] == len(concepts)
        vocabulary = edition_snapshot(first_edition).vocabulary
        assert {key: label for key, label in concepts.items() if "." not in key} == {
            question.key: question.label for question in vocabulary.values()
        }
        for _, item in question_items(questionnaire).values():
            codings = [option["valueCoding"] for option in item.get("answerOption", [])]
            codings += [condition["answerCoding"] for condition in item.get("enableWhen", [])]
            for coding in codings:
                assert coding["system"] == SYSTEM
                assert concepts[coding["code"]] == coding["display"]


class TestEditions:
    def test_a_question_added_to_a_draft_is_asked_once_published_and_the_old_edition_stays_as_it_was(
        self, client, first_edition, draft
    ):
        first = get(client, QUESTIONNAIRE)
        add_question(draft, AGE)
        # A draft is not served: neither as the current edition nor by its number.
        assert get(client, QUESTIONNAIRE) == first
        assert get(client, f"{QUESTIONNAIRE}/_history/{draft.number}", status=404)["resourceType"] == "OperationOutcome"
        approve_scenarios()
        approve_everything(draft)
        publish(draft)
        draft.refresh_from_db()

        second = get(client, QUESTIONNAIRE)
        assert (second["version"], second["status"]) == (str(draft.number), "active")
        assert second["date"] == draft.published_at.isoformat(timespec="seconds")
        group, age = question_items(second)["age"]
        assert (group, age["text"], age["type"], age["required"]) == ("step-context", "Age (years)", "integer", False)
        assert [extension["valueInteger"] for extension in age["extension"]] == [0, 120]
        assert "age" in {concept["code"] for concept in get(client, CODE_SYSTEM)["concept"]}

        # The first edition, by its number: as it was served, retired now.
        assert get(client, f"{QUESTIONNAIRE}/_history/1") == {**first, "status": "retired"}
        assert get(client, f"{QUESTIONNAIRE}/_history/{draft.number}") == second
        assert "age" not in {concept["code"] for concept in get(client, f"{CODE_SYSTEM}/_history/1")["concept"]}

    @pytest.mark.parametrize("url", [f"{QUESTIONNAIRE}/_history/7", f"{CODE_SYSTEM}/_history/99999999999999999999"])
    def test_an_unknown_edition_is_a_fhir_404(self, client, first_edition, url):
        outcome = get(client, url, status=404)
        assert outcome["resourceType"] == "OperationOutcome"
        assert outcome["issue"][0]["severity"] == "error"
        assert outcome["issue"][0]["code"] == "not-found"

    def test_nothing_is_served_before_an_edition_is_published(self, client, db):
        assert get(client, QUESTIONNAIRE, status=404)["issue"][0]["diagnostics"] == (
            "No guideline edition has been published yet."
        )


class TestTheServer:
    def test_the_capability_statement_lists_exactly_what_is_served(self, client, first_edition):
        statement = get(client, "/fhir/metadata")
        assert (statement["kind"], statement["fhirVersion"], statement["format"]) == ("instance", "4.0.1", ["json"])
        [rest] = statement["rest"]
        assert rest["mode"] == "server"
        listed = {r["type"]: [i["code"] for i in r["interaction"]] for r in rest["resource"]}
        assert listed == {
            "Questionnaire": ["read", "vread"],
            "CodeSystem": ["read", "vread"],
            "PlanDefinition": ["read", "vread"],
            "OperationDefinition": ["read"],
        }
        operations = {r["type"]: r.get("operation") for r in rest["resource"] if r.get("operation")}
        assert list(operations) == ["PlanDefinition"]
        [apply] = operations["PlanDefinition"]
        assert apply["name"] == "apply"
        assert get(client, apply["definition"].removeprefix("http://testserver"))["code"] == "apply"
        assert "operation" not in rest and all("searchParam" not in r for r in rest["resource"])
        # The QuestionnaireResponse input is the JSON API's, not a FHIR interaction: described, not listed.
        assert "http://testserver/api/v1/plan" in rest["documentation"]
        # Every route under /fhir/ but the catch-all 404 is one of the listed interactions.
        [fhir] = [entry for entry in get_resolver().url_patterns if str(entry.pattern) == "fhir/"]
        routes = {str(entry.pattern) for entry in fhir.url_patterns if isinstance(entry, URLPattern)}
        assert routes == {
            "metadata",
            "Questionnaire/bme-pathway",
            "Questionnaire/bme-pathway/_history/<int:version>",
            "CodeSystem/bme-vocabulary",
            "CodeSystem/bme-vocabulary/_history/<int:version>",
            "PlanDefinition/bme-pathway",
            "PlanDefinition/bme-pathway/_history/<int:version>",
            "PlanDefinition/bme-pathway/$apply",
            "OperationDefinition/bme-pathway-apply",
            "<path:path>",
        }
        for url in (QUESTIONNAIRE, f"{QUESTIONNAIRE}/_history/1", CODE_SYSTEM, f"{CODE_SYSTEM}/_history/1"):
            assert get(client, url)["version"] == "1"
        for url in ("/fhir/PlanDefinition/bme-pathway", "/fhir/PlanDefinition/bme-pathway/_history/1"):
            assert get(client, url)["version"] == "1"

    def test_the_openapi_document_describes_the_fhir_endpoints_and_input(self, client, first_edition):
        document = client.get("/api/v1/openapi.json").json()
        fhir_paths = {path for path in document["paths"] if path.startswith("/fhir/")}
        assert fhir_paths == {
            "/fhir/metadata",
            "/fhir/Questionnaire/bme-pathway",
            "/fhir/Questionnaire/bme-pathway/_history/{version}",
            "/fhir/CodeSystem/bme-vocabulary",
            "/fhir/CodeSystem/bme-vocabulary/_history/{version}",
            "/fhir/PlanDefinition/bme-pathway",
            "/fhir/PlanDefinition/bme-pathway/_history/{version}",
            "/fhir/PlanDefinition/bme-pathway/$apply",
            "/fhir/OperationDefinition/bme-pathway-apply",
        }
        apply = "/fhir/PlanDefinition/bme-pathway/$apply"
        for path in fhir_paths - {apply}:
            assert list(document["paths"][path]) == ["get"]
            assert client.get(path.replace("{version}", "1")).status_code == 200
        assert list(document["paths"][apply]) == ["post"]
        assert client.post(apply, data="{}", content_type="application/fhir+json").status_code == 400
        plan = document["paths"]["/api/v1/plan"]["post"]
        assert list(plan["requestBody"]["content"]) == ["application/json", "application/fhir+json"]
        assert plan["responses"]["400"]["content"]["application/fhir+json"]["schema"] == {
            "$ref": "#/components/schemas/OperationOutcome"
        }

    def test_anything_else_is_refused_in_fhir(self, client, first_edition):
        assert get(client, "/fhir/Patient/1", status=404)["issue"][0]["code"] == "not-found"
        assert get(client, "/fhir/Questionnaire/other", status=404)["issue"][0]["code"] == "not-found"
        response = client.post(QUESTIONNAIRE, data="{}", content_type="application/fhir+json")
        assert (response.status_code, response["Allow"]) == (405, "GET, HEAD")
        assert response.json()["issue"][0]["code"] == "not-supported"

    def test_the_resources_are_built_without_django(self):
        code = (
            "import sys, bme_wizard.interop.fhir, bme_wizard.interop.questionnaire, bme_wizard.interop.codesystem, "
            "bme_wizard.interop.capability, bme_wizard.interop.questionnaire_response, bme_wizard.interop.openapi,"
            "bme_wizard.interop.fhirpath, bme_wizard.interop.plan_definition, bme_wizard.interop.apply;"
            "leaked = [m for m in sys.modules if m == 'django' or m.startswith('django.')];"
            "sys.exit(f'django imported: {leaked[:3]}' if leaked else 0)"
        )
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr or result.stdout


def test_a_read_costs_one_query_once_the_edition_is_cached(client, first_edition, django_assert_num_queries):
    for url in (QUESTIONNAIRE, CODE_SYSTEM, "/fhir/metadata"):
        client.get(url)
    for url, queries in (
        (QUESTIONNAIRE, 1),
        (f"{QUESTIONNAIRE}/_history/1", 1),
        (CODE_SYSTEM, 1),
        ("/fhir/PlanDefinition/bme-pathway", 1),
        ("/fhir/OperationDefinition/bme-pathway-apply", 0),
        ("/fhir/metadata", 0),
    ):
        with django_assert_num_queries(queries):
            assert client.get(url).status_code == 200
    # $apply: the edition the response names, and nothing else (the rate limit counts in the cache).
    questionnaire = client.get(QUESTIONNAIRE).json()
    response = questionnaire_response(questionnaire, answers_for(questionnaire, answers()))
    apply(client, response)
    with django_assert_num_queries(1):
        assert apply(client, response).status_code == 200

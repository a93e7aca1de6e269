"""Helpers for the FHIR tests: a QuestionnaireResponse as an EHR would write it from the served
Questionnaire, and the independent validator (npm ``fhir``, run by ``validate.js``)."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VALIDATOR = Path(__file__).with_name("validate.js")
FHIR_JSON = "application/fhir+json"


def question_items(questionnaire):
    """linkId -> (group linkId, item) for every question of a Questionnaire (its groups' items)."""
    return {
        item["linkId"]: (group["linkId"], item)
        for group in questionnaire["item"]
        for item in group["item"]
        if item["type"] != "display"
    }


def answers_for(questionnaire, answers):
    """The answers the Questionnaire can carry (those to its items)."""
    items = question_items(questionnaire)
    return {key: value for key, value in answers.items() if key in items}


def questionnaire_response(questionnaire, answers, *, nested=True, version=True):
    """A QuestionnaireResponse to ``questionnaire`` giving ``answers`` (the JSON API's answers dict), as a
    form filler writes it: each answer the matching option's coding (or the whole number), items in the
    Questionnaire's order, nested in the step groups or (``nested=False``) flat. Answers to questions the
    Questionnaire does not have are left out (see ``answers_for``)."""
    groups = []
    for group in questionnaire["item"]:
        items = []
        for item in group["item"]:
            value = answers.get(item["linkId"])
            if value is None or value == []:
                continue
            if item["type"] == "integer":
                given = [{"valueInteger": value}]
            else:
                options = {option["valueCoding"]["code"]: option["valueCoding"] for option in item["answerOption"]}
                values = value if isinstance(value, list) else [value]
                given = [{"valueCoding": options[f"{item['linkId']}.{one}"]} for one in values]
            items.append({"linkId": item["linkId"], "text": item["text"], "answer": given})
        if items:
            groups.append({"linkId": group["linkId"], "text": group["text"], "item": items})
    canonical = questionnaire["url"] + (f"|{questionnaire['version']}" if version else "")
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": canonical,
        "status": "completed",
        "item": groups if nested else [item for group in groups for item in group["item"]],
    }


def post_response(client, response, **extra):
    body = response if isinstance(response, str | bytes) else json.dumps(response)
    return client.post("/api/v1/plan", data=body, content_type=FHIR_JSON, **extra)


def parameters(response, **others):
    """The Parameters resource $apply takes: the QuestionnaireResponse, and any other parameters as strings."""
    given = [{"name": "questionnaireResponse", "resource": response}]
    given += [{"name": name, "valueString": value} for name, value in others.items()]
    return {"resourceType": "Parameters", "parameter": given}


APPLY = "/fhir/PlanDefinition/bme-pathway/$apply"


def apply(client, response, **others):
    """POST $apply for the QuestionnaireResponse ``response`` (a Parameters resource is made around it)."""
    return client.post(APPLY, data=json.dumps(parameters(response, **others)), content_type=FHIR_JSON)


def validate(resources):
    """The validator's verdict on each resource: a list of {resourceType, id, errors, notes}.

    Node and the npm packages are part of the test set-up (``make test`` runs ``npm ci``): without them
    this fails, as the browser tests do without Chromium, rather than skip and hide a failure."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js is not installed: the FHIR validation needs it (apt-get install nodejs npm).")
    if not (ROOT / "node_modules" / "fhir").is_dir():
        pytest.fail("The npm package 'fhir' is not installed: run 'make node_modules/.installed' (npm ci).")
    result = subprocess.run(
        [node, str(VALIDATOR)], input=json.dumps(resources), capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)

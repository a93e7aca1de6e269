"""The plan as JSON (plan_json.plan_to_dict), validated as the response models (plan_models) say."""

import dataclasses
import json
import random

import pytest
from jsonschema import Draft202012Validator
from pydantic import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from benchmarks.editions import random_answers
from bme_wizard.clinic.openapi import openapi_document
from bme_wizard.clinic.plan_json import plan_to_dict
from bme_wizard.pathway.answers import clean_answers
from bme_wizard.pathway.plan import build_plan
from tests.conftest import FIRST_EDITION_FILE

pytestmark = pytest.mark.django_db  # the first_snapshot fixture needs the test database

SCENARIOS = json.loads(FIRST_EDITION_FILE.read_text(encoding="utf-8"))["scenarios"]
_rng = random.Random(14)  # noqa: S311 - seeded test data
RANDOM_PATIENTS = [random_answers(_rng) for _ in range(150)]


def every_patient():
    return [clean_answers(scenario["answers"]) for scenario in SCENARIOS] + RANDOM_PATIENTS


@pytest.fixture
def superseded_snapshot(first_snapshot):
    """The first edition once superseded, with a publication note and without its own text."""
    return dataclasses.replace(first_snapshot, status="superseded", text=None, publication_note="Changed *this*.")


def resolved(schema, components):
    return components[schema["$ref"].rsplit("/", 1)[1]] if "$ref" in schema else schema


def keys_in_schema_order(data, schema, components, path="plan"):
    """Every object's keys are its schema's properties, in the order the schema lists them."""
    schema = resolved(schema, components)
    if isinstance(data, dict) and "properties" in schema:
        assert list(data) == list(schema["properties"]), path
        for key, value in data.items():
            keys_in_schema_order(value, schema["properties"][key], components, f"{path}.{key}")
    elif isinstance(data, list) and "items" in schema:
        for index, value in enumerate(data):
            keys_in_schema_order(value, schema["items"], components, f"{path}[{index}]")


@pytest.mark.parametrize("snapshot", ["first_snapshot", "superseded_snapshot"])
def test_every_plan_is_sent_as_the_document_of_its_edition_describes(request, snapshot):
    snapshot = request.getfixturevalue(snapshot)
    document = openapi_document(snapshot.vocabulary)
    components = document["components"]["schemas"]
    registry = Registry().with_resource("urn:api", Resource.from_contents(document, default_specification=DRAFT202012))
    validator = Draft202012Validator({"$ref": "urn:api#/components/schemas/Plan"}, registry=registry)
    plans = [build_plan(answers, snapshot) for answers in every_patient()]
    # The cases cover every part of a plan.
    assert all(any(getattr(plan, part) for plan in plans) for part in ("pathways", "tried", "pitfalls", "references"))
    assert any(item.tried for plan in plans for item in plan.recommendations)
    for plan in plans:
        data = plan_to_dict(plan)
        validator.validate(data)
        keys_in_schema_order(data, components["Plan"], components)
        assert json.loads(json.dumps(data)) == data  # plain JSON values, nothing that encodes differently


def test_the_edition_is_described_as_it_stands(first_snapshot, superseded_snapshot):
    answers = every_patient()[0]
    current = plan_to_dict(build_plan(answers, first_snapshot))["edition"]
    assert (current["status"], current["current"]) == ("published", True)
    assert current["source_note"] == first_snapshot.text.source_note
    superseded = plan_to_dict(build_plan(answers, superseded_snapshot))["edition"]
    assert (superseded["status"], superseded["current"]) == ("superseded", False)
    assert (superseded["source_note"], superseded["publication_note"]) == ("", "Changed *this*.")


def with_entry(item, **changes):
    return item._replace(entry=dataclasses.replace(item.entry, **changes))


@pytest.mark.parametrize(
    ("part", "changes", "field"),
    [
        ("pitfalls", {"review_status": "approved-ish"}, "pitfalls.0.review_status"),
        ("pitfalls", {"caution": None}, "pitfalls.0.caution"),
        ("pathways", {"id": "7"}, "pathways.0.id"),  # strict: a number is not text
        ("recommendations", {"section": "elsewhere"}, "recommendations.0.section"),
        ("recommendations", {"certainty": None}, "recommendations.0.certainty"),
        ("tried", {"treatments": ()}, "already_tried.0.treatments"),  # tried, so it names its treatments
    ],
)
def test_a_plan_that_would_not_fit_its_schema_is_never_sent(first_snapshot, part, changes, field):
    plans = [build_plan(answers, first_snapshot) for answers in every_patient()]
    plan = next(plan for plan in plans if getattr(plan, part))
    items = getattr(plan, part)
    if part == "recommendations":
        section = plan.sections[0]
        plan = dataclasses.replace(
            plan, sections=(dataclasses.replace(section, items=(with_entry(section.items[0], **changes),)),)
        )
    else:
        plan = dataclasses.replace(plan, **{part: (with_entry(items[0], **changes), *items[1:])})
    with pytest.raises(ValidationError) as raised:
        plan_to_dict(plan)
    assert [".".join(map(str, error["loc"])) for error in raised.value.errors()] == [field]

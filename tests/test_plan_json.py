"""The plan as JSON (plan_json.plan_to_dict), built from the response models (plan_models)."""

import dataclasses
import json
import random

import pytest

from benchmarks.editions import random_answers
from bme_wizard.clinic.plan_json import plan_to_dict
from bme_wizard.pathway.answers import clean_answers
from bme_wizard.pathway.plan import build_plan
from bme_wizard.safe_json import HtmlSafeJSONEncoder
from tests.conftest import FIRST_EDITION_FILE

pytestmark = pytest.mark.django_db  # the first_snapshot fixture needs the test database

SCENARIOS = json.loads(FIRST_EDITION_FILE.read_text(encoding="utf-8"))["scenarios"]
_rng = random.Random(14)  # noqa: S311 - seeded test data
RANDOM_PATIENTS = [random_answers(_rng) for _ in range(150)]


def every_patient():
    return [clean_answers(scenario["answers"]) for scenario in SCENARIOS] + RANDOM_PATIENTS


# --- The hand-written plan_to_dict this module replaced, kept until the models are proven to give the
# same JSON for every plan (then removed).


def _legacy_why(conditions, vocabulary):
    return [
        {
            "question": condition.question,
            "operator": condition.operator.value,
            "value": list(condition.value) if isinstance(condition.value, tuple) else condition.value,
            "text": condition.describe(vocabulary),
        }
        for condition in conditions
    ]


def _legacy_statement(item):
    entry = item.entry
    data = {
        "id": entry.id,
        "key": entry.key,
        "text": entry.text,
        "plain_text": entry.plain_text,
        "review_status": entry.review_status,
        "why": _legacy_why(item.because, item.vocabulary),
        "citations": list(item.citation_numbers),
        "caution": entry.caution,
        "caution_citations": list(item.caution_numbers),
    }
    if entry.kind == "recommendation":
        data.update(
            {
                "pathway": entry.pathway_key,
                "section": entry.section,
                "strength": entry.strength,
                "certainty": entry.certainty,
                "treatments": list(entry.treatments),
                "tried": bool(item.tried),
                "tried_treatments": list(item.tried),
            }
        )
    return data


def _legacy_tried_statement(item):
    data = _legacy_statement(item)
    data["tried_text"] = getattr(item.entry, "tried_text", "")
    return data


def legacy_plan_to_dict(plan):
    edition = plan.edition
    return {
        "edition": {
            "number": edition.number,
            "label": edition.label,
            "title": edition.title,
            "status": edition.status,
            "current": edition.status == "published",
            "updated_at": edition.updated_at,
            "last_updated": edition.last_updated,
            "source_note": edition.text.source_note if edition.text else "",
            "publication_note": edition.publication_note,
        },
        "pending_review": plan.pending_review,
        "answers": dict(plan.answers),
        "pathways": [
            {
                "id": item.entry.id,
                "key": item.entry.key,
                "title": item.entry.title,
                "summary": item.entry.summary,
                "review_status": item.entry.review_status,
                "why": _legacy_why(item.because, item.vocabulary),
                "citations": list(item.citation_numbers),
            }
            for item in plan.pathways
        ],
        "sections": [{"key": section.key, "label": section.label} for section in plan.sections],
        "recommendations": [_legacy_statement(item) for item in plan.recommendations],
        "already_tried": [_legacy_tried_statement(item) for item in plan.tried],
        "pitfalls": [_legacy_statement(item) for item in plan.pitfalls],
        "references": [
            {
                "number": reference.number,
                "id": reference.entry.id,
                "key": reference.entry.key,
                "kind": reference.entry.kind,
                "citation": reference.entry.citation,
                "incomplete": reference.entry.is_incomplete,
            }
            for reference in plan.references
        ],
    }


def as_sent(data):
    return json.dumps(data, cls=HtmlSafeJSONEncoder)


@pytest.fixture
def superseded_snapshot(first_snapshot):
    """The first edition once superseded, with a publication note and without its own text."""
    return dataclasses.replace(first_snapshot, status="superseded", text=None, publication_note="Changed *this*.")


@pytest.mark.parametrize("snapshot", ["first_snapshot", "superseded_snapshot"])
def test_the_models_give_the_json_the_hand_written_dict_gave(request, snapshot):
    snapshot = request.getfixturevalue(snapshot)
    plans = [build_plan(answers, snapshot) for answers in every_patient()]
    # The cases cover every part of a plan.
    assert all(any(getattr(plan, part) for plan in plans) for part in ("pathways", "tried", "pitfalls", "references"))
    assert any(item.tried for plan in plans for item in plan.recommendations)
    for plan in plans:
        assert as_sent(plan_to_dict(plan)) == as_sent(legacy_plan_to_dict(plan)), plan.answers

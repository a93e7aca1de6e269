"""export_edition writes an edition file that load_edition reads back into the same guideline."""

import json
import random

import pytest
from django.core.management import CommandError, call_command

from benchmarks.editions import SAMPLE_ANSWERS, random_answers
from bme_wizard.clinic.plan_json import plan_to_dict
from bme_wizard.content import services
from bme_wizard.content.edition_file import edition_document, read_edition
from bme_wizard.content.models import Edition, Recommendation, ReviewComment, Scenario
from bme_wizard.content.selectors import scenario_results, scenario_specs_for
from bme_wizard.content.services import edition_import
from bme_wizard.content.snapshot import build_snapshot
from bme_wizard.pathway.answers import clean_answers
from bme_wizard.pathway.plan import build_plan
from tests.editorial import person

pytestmark = pytest.mark.django_db


def without_ids(value):
    """A plan as JSON minus database ids and the edition header, which differ between copies."""
    if isinstance(value, dict):
        return {key: without_ids(item) for key, item in value.items() if key not in {"id", "edition"}}
    if isinstance(value, list):
        return [without_ids(item) for item in value]
    return value


def renumbered(document, number):
    return {**document, "edition": {**document["edition"], "number": number}}


def test_an_exported_edition_reimported_gives_the_same_plans(first_edition):
    exported = edition_document(first_edition)
    copy = edition_import(document=renumbered(json.loads(json.dumps(exported)), 2))
    assert copy.status == "draft"
    original_snapshot, copy_snapshot = build_snapshot(first_edition), build_snapshot(copy)
    rng = random.Random(2024)  # noqa: S311 - seeded test data
    # Every scenario's patient, and many drawn at random.
    scenario_answers = [scenario["answers"] for scenario in exported["scenarios"]]
    assert len(scenario_answers) == Scenario.objects.count() >= 20
    answer_sets = [SAMPLE_ANSWERS, *scenario_answers, *(random_answers(rng) for _ in range(300))]
    contexts_seen = set()
    for answers in answer_sets:
        answers = clean_answers(answers)
        original = plan_to_dict(build_plan(answers, original_snapshot))
        assert without_ids(plan_to_dict(build_plan(answers, copy_snapshot))) == without_ids(original), answers
        contexts_seen.add(answers["context"])
        assert original["recommendations"]  # the comparison is of something
    assert len(contexts_seen) >= 6
    # And the scenarios themselves pass on the copy as on the original.
    specs = scenario_specs_for(edition=first_edition)
    assert len(specs) >= 20
    assert [r.passed for r in scenario_results(edition=copy, specs=specs)] == [
        r.passed for r in scenario_results(edition=first_edition)
    ]


def test_scenarios_travel_with_the_file_and_existing_ones_are_kept(first_edition):
    document = edition_document(first_edition)
    services.scenario_save(
        scenario=Scenario.objects.get(key="cno-follow-up"),
        user=person("board-author", "Author"),
        fields={"title": "Edited by the board"},
    )
    Scenario.objects.get(key="charcot-ulcer").delete()  # never approved: it gated nothing
    edition_import(document=renumbered(document, 2))
    assert Scenario.objects.get(key="cno-follow-up").title == "Edited by the board"  # kept
    assert Scenario.objects.get(key="charcot-ulcer").must_show  # added back from the file


def test_exporting_the_reimported_copy_gives_the_same_document(first_edition):
    exported = edition_document(first_edition)
    copy = edition_import(document=renumbered(exported, 2))
    again = edition_document(copy)
    assert again["edition"].pop("number") == 2
    exported["edition"].pop("number")
    assert again == exported


def test_the_export_holds_everything_editors_entered(first_edition):
    document = edition_document(first_edition)
    read_edition(renumbered(document, 3))  # valid as a file
    recommendations = [r for pathway in document["pathways"] for r in pathway["recommendations"]]
    assert len(recommendations) == Recommendation.objects.filter(edition=first_edition).count()
    comments = sum(len(r["review_comments"]) for r in recommendations)
    comments += sum(len(item["review_comments"]) for item in document["pathways"] + document["pitfalls"])
    comments += sum(len(item["review_comments"]) for item in document["references"])
    assert comments == ReviewComment.objects.filter(item__edition=first_edition).count() > 0
    incomplete = [ref for ref in document["references"] if ref["incomplete"]]
    assert incomplete and all(ref["incomplete_note"] for ref in incomplete)
    one_of = [c for r in recommendations for c in r["conditions"] if c["operator"] == "one_of"]
    assert one_of and all(isinstance(c["value"], list) for c in one_of)


def test_a_comment_from_an_account_keeps_the_name(first_edition, django_user_model):
    reviewer = django_user_model.objects.create_user("rev", first_name="Ada", last_name="Reviewer")
    item = Recommendation.objects.filter(edition=first_edition).first()
    ReviewComment.objects.create(item=item, author=reviewer, body="Check the dose.")
    document = edition_document(first_edition)
    record = next(r for p in document["pathways"] for r in p["recommendations"] if r["key"] == item.key)
    assert {"author_name": "Ada Reviewer", "kind": "editorial", "body": "Check the dose."} in record["review_comments"]


class TestCommand:
    def test_writes_the_current_edition_to_a_file_that_load_edition_reads(self, first_edition, tmp_path):
        path = tmp_path / "edition.json"
        call_command("export_edition", "--output", str(path), verbosity=0)
        document = json.loads(path.read_text(encoding="utf-8"))
        assert document == json.loads(json.dumps(edition_document(first_edition)))
        path.write_text(json.dumps(renumbered(document, 2)), encoding="utf-8")
        call_command("load_edition", str(path), verbosity=0)
        assert Edition.objects.get(number=2).status == "draft"

    def test_by_number_to_standard_output(self, first_edition, draft_edition, capsys):
        call_command("export_edition", "--number", "50")
        document = json.loads(capsys.readouterr().out)
        assert document["edition"]["number"] == 50
        assert [p["key"] for p in document["pathways"]] == ["pathway-a"]

    def test_an_unknown_number_is_a_clear_error(self, first_edition):
        with pytest.raises(CommandError, match=r"No edition 7; the editions are: 1\."):
            call_command("export_edition", "--number", "7")

    def test_nothing_published_is_a_clear_error(self, draft_edition):
        with pytest.raises(CommandError, match="No edition has been published; name one with --number"):
            call_command("export_edition")

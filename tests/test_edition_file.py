"""Loading an edition file: every problem is named by record and field, and nothing half-loads."""

import copy
import io
import json

import pytest
from django.core.management import CommandError, call_command

from bme_wizard.content.edition_file import EditionFileError
from bme_wizard.content.models import Citation, Condition, Edition, EditionItem, ReviewComment
from bme_wizard.content.services import edition_import

pytestmark = pytest.mark.django_db


def _nothing_loaded():
    return not (
        Edition.objects.exists()
        or EditionItem.objects.exists()
        or Condition.objects.exists()
        or Citation.objects.exists()
        or ReviewComment.objects.exists()
    )


def _recommendation(document, key):
    for pathway in document["pathways"]:
        for recommendation in pathway.get("recommendations", []):
            if recommendation["key"] == key:
                return recommendation
    raise KeyError(key)


def _problems(document):
    with pytest.raises(EditionFileError) as caught:
        edition_import(document=document, publish=True)
    assert _nothing_loaded()
    return caught.value.problems


class TestInvalidContentLoadsNothing:
    def test_a_condition_on_an_unknown_question(self, first_edition_document):
        doc = copy.deepcopy(first_edition_document)
        _recommendation(doc, "vcf-nsaids")["conditions"][1]["question"] = "pain_score"
        assert _problems(doc) == [
            "pathways[vertebral_fracture].recommendations[vcf-nsaids].conditions[1].question: "
            "This edition has no question with the key 'pain_score'."
        ]

    def test_a_value_outside_the_vocabulary(self, first_edition_document):
        doc = copy.deepcopy(first_edition_document)
        doc["pathways"][1]["conditions"][0]["value"] = "broken_back"
        (problem,) = _problems(doc)
        assert problem.startswith(
            "pathways[vertebral_fracture].conditions[0].value: 'broken_back' is not an answer to “Clinical context”"
        )

    def test_an_out_of_range_number(self, first_edition_document):
        doc = copy.deepcopy(first_edition_document)
        _recommendation(doc, "ia-ramris-over-2")["conditions"][1]["value"] = 70
        (problem,) = _problems(doc)
        assert "recommendations[ia-ramris-over-2].conditions[1].value" in problem
        assert "from 0 to 69" in problem

    def test_a_citation_to_a_missing_reference(self, first_edition_document):
        doc = copy.deepcopy(first_edition_document)
        _recommendation(doc, "cno-mri-activity")["citations"] = ["smith-2019"]
        assert _problems(doc) == [
            "pathways[cno].recommendations[cno-mri-activity].citations[0]: no reference with key 'smith-2019'"
        ]

    def test_a_statement_without_citations(self, first_edition_document):
        doc = copy.deepcopy(first_edition_document)
        doc["pitfalls"][0]["citations"] = []
        assert _problems(doc) == [
            "pitfalls[pitfall-nonspecific].citations: every statement must cite at least one reference"
        ]

    def test_field_level_model_rules(self, first_edition_document):
        doc = copy.deepcopy(first_edition_document)
        _recommendation(doc, "vcf-nsaids")["section"] = "whenever"
        _recommendation(doc, "vcf-nsaids")["treatments"] = ["aspirin"]
        doc["references"][0]["pmid"] = "PMID-1"
        problems = _problems(doc)
        assert "references[praxis-bme-diagnosis-treatment-2025].pmid: A PMID is digits only." in problems
        assert any(p.startswith("pathways[vertebral_fracture].recommendations[vcf-nsaids].section:") for p in problems)
        assert any("recommendations[vcf-nsaids].treatments: Unknown treatment(s): aspirin" in p for p in problems)

    def test_wrong_types_unknown_and_missing_fields(self, first_edition_document):
        doc = copy.deepcopy(first_edition_document)
        pitfalls = {pitfall["key"]: pitfall for pitfall in doc["pitfalls"]}
        pitfalls["pitfall-not-on-bme-alone"]["text"] = ["not", "text"]
        pitfalls["pitfall-immobilisation"]["colour"] = "red"
        del doc["pathways"][0]["title"]
        problems = _problems(doc)
        assert "pitfalls[pitfall-not-on-bme-alone].text: expected text, got a list" in problems
        assert any(p.startswith("pitfalls[pitfall-immobilisation].colour: unknown field") for p in problems)
        assert "pathways[workup].title: this field is required" in problems

    def test_duplicate_keys(self, first_edition_document):
        doc = copy.deepcopy(first_edition_document)
        next(p for p in doc["pitfalls"] if p["key"] == "pitfall-not-on-bme-alone")["key"] = "vcf-nsaids"
        problems = _problems(doc)
        assert (
            "pitfalls[vcf-nsaids].key: duplicate key; also used by "
            "pathways[vertebral_fracture].recommendations[vcf-nsaids]" in problems
        )

    def test_a_second_copy_of_an_existing_edition(self, first_edition_document, first_edition):
        with pytest.raises(EditionFileError) as caught:
            edition_import(document=first_edition_document)
        assert caught.value.problems == ["edition.number: edition 1 already exists"]
        assert Edition.objects.count() == 1

    @pytest.mark.parametrize("document", [[], "text", {"format": "other"}])
    def test_a_document_of_the_wrong_shape(self, document):
        with pytest.raises(EditionFileError):
            edition_import(document=document)
        assert _nothing_loaded()

    def test_row_level_field_rules_and_odd_citations(self, first_edition_document):
        doc = copy.deepcopy(first_edition_document)
        _recommendation(doc, "vcf-nsaids")["conditions"][0]["group"] = "g" * 21
        _recommendation(doc, "vcf-nsaids")["citations"] = [{"k": 1}]
        doc["pitfalls"][0]["review_comments"][0]["body"] = ""
        doc["edition"]["number"] = 0
        problems = _problems(doc)
        assert any(
            p.startswith("pathways[vertebral_fracture].recommendations[vcf-nsaids].conditions[0].group:")
            for p in problems
        )
        assert (
            "pathways[vertebral_fracture].recommendations[vcf-nsaids].citations[0]: expected text, got an object"
            in problems
        )
        assert any(p.startswith("pitfalls[pitfall-nonspecific].review_comments[0].body:") for p in problems)
        assert any(p.startswith("edition.number:") for p in problems)

    def test_every_problem_is_reported_at_once(self, first_edition_document):
        doc = copy.deepcopy(first_edition_document)
        doc["format_version"] = 9
        doc["pathways"][1]["conditions"][0]["operator"] = "like"
        doc["references"][1]["kind"] = "blog"
        assert len(_problems(doc)) == 3


class TestTheShapeOfTheFile:
    """The file is checked against its schema (edition_schema): every refusal names its path."""

    def test_an_unknown_field_is_refused_naming_its_path(self, first_edition_document):
        doc = copy.deepcopy(first_edition_document)
        doc["notes"] = "for the board"
        doc["pathways"][1]["conditions"][0]["colour"] = "red"
        assert _problems(doc) == [
            "pathways[vertebral_fracture].conditions[0].colour: unknown field; "
            "allowed: question, operator, value, group",
            "file.notes: unknown field; allowed: format, format_version, edition, questions, references, pathways, "
            "pitfalls, scenarios",
        ]

    def test_a_wrong_type_is_refused_naming_its_path(self, first_edition_document):
        doc = copy.deepcopy(first_edition_document)
        doc["format_version"] = True  # strict JSON types: true is not 1, "2020" is not 2020
        doc["references"][0]["year"] = "2020"
        _recommendation(doc, "vcf-nsaids")["treatments"] = ["nsaids", 5]
        doc["scenarios"][0]["must_show"] = "vcf-nsaids"
        assert _problems(doc) == [
            "file.format_version: expected a whole number, got true or false",
            "references[praxis-bme-diagnosis-treatment-2025].year: expected a whole number, got text",
            "pathways[vertebral_fracture].recommendations[vcf-nsaids].treatments[1]: expected text, got a whole number",
            "scenarios[vcf-early-improving].must_show: expected a list, got text",
        ]

    def test_several_problems_are_reported_at_once_and_a_refused_row_keeps_the_others_numbers(
        self, first_edition_document
    ):
        doc = copy.deepcopy(first_edition_document)
        doc["edition"]["content_date"] = "4 November 2025"
        del doc["pitfalls"][0]["text"]
        conditions = doc["pathways"][1]["conditions"]
        conditions[0]["question"] = "pain_score"
        conditions.insert(0, "context is vertebral_fracture")
        assert _problems(doc) == [
            "edition.content_date: expected a date as YYYY-MM-DD",
            "pathways[vertebral_fracture].conditions[0]: expected an object, got text",
            "pitfalls[pitfall-nonspecific].text: this field is required",
            "pathways[vertebral_fracture].conditions[1].question: This edition has no question with the key "
            "'pain_score'.",
            "pitfalls[pitfall-nonspecific].text: This field cannot be blank.",
        ]


class TestLoadEditionCommand:
    def _write(self, tmp_path, content):
        path = tmp_path / "edition.json"
        path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
        return path

    def test_loads_and_reports_counts(self, tmp_path, first_edition_document):
        out = io.StringIO()
        call_command("load_edition", self._write(tmp_path, first_edition_document), "--publish", stdout=out)
        assert "Loaded Edition 1" in out.getvalue()
        assert "8 pathways" in out.getvalue()
        assert Edition.objects.current().number == 1

    def test_if_absent_makes_set_up_idempotent(self, tmp_path, first_edition_document, first_edition):
        out = io.StringIO()
        call_command("load_edition", self._write(tmp_path, first_edition_document), "--if-absent", stdout=out)
        assert "already loaded; nothing to do" in out.getvalue()
        assert Edition.objects.count() == 1

    def test_malformed_json_fails_with_a_message(self, tmp_path):
        with pytest.raises(CommandError, match="not valid JSON"):
            call_command("load_edition", self._write(tmp_path, '{"format": '))
        assert _nothing_loaded()

    @pytest.mark.parametrize(
        "content",
        ['{"edition": "x"}', '{"edition": []}', '{"edition": {"number": 1' + "0" * 5000 + "}}", "[" * 200_000],
    )
    def test_odd_files_are_reported_not_crashed_on(self, tmp_path, content):
        with pytest.raises(CommandError):
            call_command("load_edition", self._write(tmp_path, content), "--if-absent")
        assert _nothing_loaded()

    def test_a_directory_is_reported(self, tmp_path):
        with pytest.raises(CommandError, match="cannot read"):
            call_command("load_edition", tmp_path)

    def test_publishing_over_a_current_edition_is_refused_and_loads_nothing(self, tmp_path, first_edition_document):
        edition_import(document={**first_edition_document, "edition": {"number": 5, "title": "Newer"}}, publish=True)
        with pytest.raises(CommandError, match="Edition 5 is current: a new edition replaces it only through"):
            call_command("load_edition", self._write(tmp_path, first_edition_document), "--publish")
        assert list(Edition.objects.values_list("number", flat=True)) == [5]

    def test_missing_file(self, tmp_path):
        with pytest.raises(CommandError, match="no such file"):
            call_command("load_edition", tmp_path / "absent.json")

    def test_invalid_content_lists_the_problems(self, tmp_path, first_edition_document):
        doc = copy.deepcopy(first_edition_document)
        doc["pathways"][1]["conditions"][0]["question"] = "nope"
        with pytest.raises(CommandError) as caught:
            call_command("load_edition", self._write(tmp_path, doc))
        message = str(caught.value)
        assert "1 problem; nothing was loaded" in message
        assert (
            "pathways[vertebral_fracture].conditions[0].question: This edition has no question with the key 'nope'."
            in message
        )
        assert _nothing_loaded()

"""The condition rules of the pathway engine: validation against the vocabulary, and evaluation."""

import subprocess
import sys

import pytest

from bme_wizard.pathway.conditions import (
    ConditionError,
    Operator,
    describe_conditions,
    evaluate,
    evaluate_all,
    parse_condition,
)
from bme_wizard.pathway.vocabulary import QUESTIONS, STEPS, Kind, questions_for_step


class TestVocabulary:
    def test_every_design_question_is_present_with_its_step(self):
        expected = {
            "mri": [
                "mri_done",
                "bme_on_fluid_sensitive",
                "site",
                "sequences",
                "bme_depth_over_1cm",
                "dce_pattern",
                "structural_findings",
                "ramris_bme",
            ],
            "context": [
                "context",
                "fracture_cause",
                "symptom_weeks",
                "severe_pain",
                "foot_signs",
                "population_flags",
                "vitamin_d_calcium",
            ],
            "treatment": ["treatments_tried", "conservative_weeks", "response"],
        }
        assert [step.key for step in STEPS] == list(expected)
        for step, keys in expected.items():
            assert [q.key for q in questions_for_step(step)] == keys

    def test_values_and_ranges_follow_the_contract(self):
        assert QUESTIONS["context"].values == (
            "vertebral_fracture",
            "rheumatoid_arthritis",
            "axial_spa",
            "transient_bme",
            "charcot_foot",
            "multiple_myeloma",
            "cno",
            "unclear",
        )
        assert (QUESTIONS["ramris_bme"].minimum, QUESTIONS["ramris_bme"].maximum) == (0, 69)
        assert QUESTIONS["ramris_bme"].optional
        assert (QUESTIONS["symptom_weeks"].kind, QUESTIONS["symptom_weeks"].maximum) == (Kind.INTEGER, 520)
        assert "anti_myeloma" in QUESTIONS["treatments_tried"].values
        assert QUESTIONS["fracture_cause"].asked_when.values == ("vertebral_fracture", "multiple_myeloma")


class TestParse:
    def test_one_of_accepts_text_or_list_and_canonicalises(self):
        from_text = parse_condition("site", "one_of", " hip,knee ,hip")
        from_list = parse_condition("site", "one_of", ["hip", "knee"])
        assert from_text == from_list
        assert from_text.value == ("hip", "knee")
        assert from_text.value_text == "hip, knee"

    def test_integer_values_are_typed(self):
        assert parse_condition("conservative_weeks", "at_least", "12").value == 12
        assert parse_condition("ramris_bme", "greater_than", 2).value == 2

    @pytest.mark.parametrize(
        ("question", "operator", "value", "field", "fragment"),
        [
            ("colour", "equals", "red", "question", "no question with the key 'colour'"),
            ("site", "resembles", "hip", "operator", "'resembles' is not a comparison"),
            ("site", "includes", "hip", "operator", "“includes” does not fit “Site of the edema”"),
            ("sequences", "equals", "t1", "operator", "“is” does not fit “Sequences acquired”"),
            ("site", "equals", "elbow", "value", "'elbow' is not an answer to “Site of the edema”"),
            ("site", "equals", "", "value", "needs an answer"),
            ("site", "equals", "hip, knee", "value", "single answer"),
            ("site", "one_of", "hip", "value", "two or more"),
            ("site", "one_of", "hip, elbow", "value", "'elbow' is not an answer to “Site of the edema”"),
            ("ramris_bme", "greater_than", "two", "value", "whole number"),
            ("ramris_bme", "greater_than", 70, "value", "from 0 to 69"),
            ("symptom_weeks", "less_than", -1, "value", "from 0 to 520"),
            ("symptom_weeks", "less_than", True, "value", "whole number"),
            ("population_flags", "is_empty", "postpartum", "value", "compares with no answer"),
        ],
    )
    def test_invalid_rows_name_the_field_and_the_problem(self, question, operator, value, field, fragment):
        with pytest.raises(ConditionError) as caught:
            parse_condition(question, operator, value)
        assert caught.value.field == field
        assert fragment in caught.value.message


class TestEvaluate:
    def test_operators(self):
        answers = {"site": "hip", "sequences": ["stir", "t2fs"], "conservative_weeks": 12, "population_flags": []}
        holds = {
            ("site", "equals", "hip"): True,
            ("site", "not_equals", "hip"): False,
            ("site", "one_of", "knee, hip"): True,
            ("sequences", "includes", "stir"): True,
            ("sequences", "excludes", "t1"): True,
            ("sequences", "excludes", "stir"): False,
            ("conservative_weeks", "at_least", 12): True,
            ("conservative_weeks", "greater_than", 12): False,
            ("conservative_weeks", "less_than", 12): False,
            ("conservative_weeks", "at_most", 12): True,
            ("population_flags", "is_empty", None): True,
            ("population_flags", "is_answered", None): False,
            ("site", "is_answered", None): True,
        }
        for (question, operator, value), expected in holds.items():
            assert evaluate(parse_condition(question, operator, value), answers) is expected, (question, operator)

    @pytest.mark.parametrize(
        ("question", "operator", "value"),
        [
            ("site", "equals", "hip"),
            ("site", "not_equals", "hip"),
            ("site", "one_of", "hip, knee"),
            ("sequences", "includes", "t1"),
            ("sequences", "excludes", "t1"),
            ("ramris_bme", "greater_than", 2),
            ("ramris_bme", "at_least", 2),
            ("ramris_bme", "less_than", 2),
            ("ramris_bme", "at_most", 2),
            ("site", "is_answered", None),
        ],
    )
    def test_an_absent_answer_makes_a_condition_false(self, question, operator, value):
        condition = parse_condition(question, operator, value)
        assert evaluate(condition, {}) is False
        assert evaluate(condition, {question: None}) is False

    def test_an_answered_empty_list_does_not_include_anything(self):
        not_bisphosphonate = parse_condition("treatments_tried", "excludes", "bisphosphonate")
        assert evaluate(not_bisphosphonate, {"treatments_tried": []}) is True
        assert evaluate(not_bisphosphonate, {"treatments_tried": ["bisphosphonate"]}) is False
        assert evaluate(not_bisphosphonate, {}) is False  # not answered at all
        assert evaluate(parse_condition("treatments_tried", "is_empty"), {"treatments_tried": []}) is True

    def test_is_empty_holds_for_an_absent_answer(self):
        assert evaluate(parse_condition("ramris_bme", "is_empty"), {}) is True
        assert evaluate(parse_condition("ramris_bme", "is_empty"), {"ramris_bme": 0}) is False

    def test_every_operator_is_covered_above(self):
        covered = {
            "equals",
            "not_equals",
            "one_of",
            "includes",
            "excludes",
            "greater_than",
            "at_least",
            "less_than",
            "at_most",
            "is_answered",
            "is_empty",
        }
        assert covered == {op.value for op in Operator}

    def test_all_any_and_groups(self):
        dce_not_done = parse_condition("dce_pattern", "equals", "not_done")
        hip = parse_condition("site", "equals", "hip", group="a")
        unclear = parse_condition("context", "one_of", "transient_bme, unclear", group="a")
        rows = [dce_not_done, hip, unclear]

        knee_unclear = {"dce_pattern": "not_done", "site": "knee", "context": "unclear"}
        outcome = evaluate_all("all", rows, knee_unclear)
        assert outcome.applies
        assert outcome.because == (dce_not_done, unclear)  # the rows that held, not the hip row

        assert not evaluate_all("all", rows, {**knee_unclear, "context": "cno"}).applies
        assert not evaluate_all("all", rows, {**knee_unclear, "dce_pattern": "rim"}).applies
        # With "any", a group's rows must all hold together.
        assert evaluate_all("any", [hip, unclear], {"site": "hip", "context": "unclear"}).applies
        assert not evaluate_all("any", [hip, unclear], {"site": "hip", "context": "cno"}).applies

    def test_no_conditions_means_always(self):
        assert evaluate_all("all", [], {}).applies
        assert describe_conditions("all", []) == "always"

    def test_description_shows_the_nesting(self):
        rows = [
            parse_condition("dce_pattern", "equals", "not_done"),
            parse_condition("site", "equals", "hip", group="a"),
            parse_condition("context", "equals", "unclear", group="a"),
        ]
        assert describe_conditions("all", rows) == (
            "all of: “Dynamic contrast-enhanced MRI pattern” is DCE-MRI not done; "
            "(“Site of the edema” is Hip or “Clinical context” is Unclear)"
        )


def test_the_pathway_engine_imports_no_django():
    code = (
        "import sys, bme_wizard.pathway.vocabulary, bme_wizard.pathway.conditions;"
        "leaked = [m for m in sys.modules if m == 'django' or m.startswith('django.')];"
        "sys.exit(f'django imported: {leaked[:3]}' if leaked else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr or result.stdout


def test_an_integer_question_has_a_range_and_only_it():
    from bme_wizard.pathway.vocabulary import QUESTIONS

    assert QUESTIONS["symptom_weeks"].bounds == (0, 520)
    with pytest.raises(ValueError, match="not an integer question"):
        _ = QUESTIONS["site"].bounds

"""Validating one patient's answers: the rules the API, the command and the wizard share."""

import random

import pytest

from benchmarks.editions import random_answers
from bme_wizard.pathway.answers import (
    CONSISTENCY_RULES,
    AnswersError,
    ConsistencyRule,
    Relation,
    clean_answers,
    consistency_errors,
)
from bme_wizard.pathway.vocabulary import QUESTIONS
from tests.conftest import BASE_ANSWERS, answers


def errors_of(raw, **options):
    with pytest.raises(AnswersError) as caught:
        clean_answers(raw, **options)
    return caught.value.errors


def test_a_complete_answer_set_is_accepted_unchanged():
    assert clean_answers(BASE_ANSWERS) == BASE_ANSWERS
    assert clean_answers(BASE_ANSWERS) == BASE_ANSWERS


def test_questions_not_asked_are_dropped_not_rejected():
    cleaned = clean_answers(answers(mri_done="no", site="elbow", ramris_bme=99, foot_signs=["ulcer"]))
    assert "site" not in cleaned and "ramris_bme" not in cleaned and "foot_signs" not in cleaned
    assert cleaned["mri_done"] == "no"


def test_a_question_becomes_required_when_it_is_asked():
    assert errors_of(answers(site=None)) == {"site": ["This question is required."]}
    assert errors_of(answers(context="charcot_foot")) == {"foot_signs": ["This question is required."]}
    assert errors_of(answers(context="multiple_myeloma")) == {"fracture_cause": ["This question is required."]}


def test_optional_questions_may_be_left_out():
    cleaned = clean_answers(answers(site="hand_wrist", population_flags=None, treatments_tried=None))
    assert "ramris_bme" not in cleaned
    assert cleaned["population_flags"] == [] and cleaned["treatments_tried"] == []


@pytest.mark.parametrize(
    ("change", "key", "fragment"),
    [
        ({"site": "elbow"}, "site", "'elbow' is not one of"),
        ({"site": ["hip"]}, "site", "as text"),
        ({"sequences": "stir"}, "sequences", "Expected a list"),
        ({"sequences": ["stir", "x"]}, "sequences", "'x' not allowed"),
        ({"sequences": ["stir", "stir"]}, "sequences", "more than once"),
        ({"sequences": []}, "sequences", "Choose at least one"),
        ({"structural_findings": ["none", "erosions"]}, "structural_findings", "cannot be combined"),
        ({"symptom_weeks": "6"}, "symptom_weeks", "whole number"),
        ({"symptom_weeks": 6.5}, "symptom_weeks", "whole number"),
        ({"symptom_weeks": float("nan")}, "symptom_weeks", "whole number"),
        ({"symptom_weeks": True}, "symptom_weeks", "whole number"),
        ({"symptom_weeks": 521}, "symptom_weeks", "from 0 to 520"),
        ({"conservative_weeks": -1}, "conservative_weeks", "from 0 to 520"),
        ({"site": "hand_wrist", "ramris_bme": 70}, "ramris_bme", "from 0 to 69"),
        ({"patient_name": "Jane Doe"}, "patient_name", "Unknown question"),
    ],
)
def test_bad_answers_name_the_question_and_the_problem(change, key, fragment):
    errors = errors_of(answers(**change))
    assert list(errors) == [key]
    assert fragment in errors[key][0]


def test_every_problem_is_reported_at_once():
    assert set(errors_of(answers(site="elbow", symptom_weeks=-3, response=None))) == {
        "site",
        "symptom_weeks",
        "response",
    }


@pytest.mark.parametrize("raw", [[], "answers", None, 3])
def test_answers_must_be_an_object(raw):
    assert list(errors_of(raw)) == ["answers"]


def test_a_whole_number_written_with_a_decimal_point_is_that_number():
    cleaned = clean_answers(answers(symptom_weeks=6.0))
    assert cleaned["symptom_weeks"] == 6 and type(cleaned["symptom_weeks"]) is int


class TestAnswersThatContradictEachOther:
    def test_more_weeks_of_conservative_care_than_of_symptoms_is_refused_on_both(self):
        errors = errors_of(answers(symptom_weeks=6, conservative_weeks=8))
        assert set(errors) == {"conservative_weeks", "symptom_weeks"}
        assert errors["conservative_weeks"] == [
            "Longer than “Weeks of symptoms” (6): conservative treatment cannot have gone on for longer than "
            "the symptoms. Correct one of the two."
        ]
        assert "“Weeks of conservative treatment so far” (8)" in errors["symptom_weeks"][0]

    @pytest.mark.parametrize("pattern", ["rim", "spot", "other"])
    def test_a_dce_pattern_without_the_dce_sequence_is_refused_on_both(self, pattern):
        errors = errors_of(answers(dce_pattern=pattern, sequences=["stir", "t1"]))
        assert set(errors) == {"dce_pattern", "sequences"}
        assert "“Sequences acquired” (STIR, T1-weighted) does not include" in errors["dce_pattern"][0]
        assert "“Dynamic contrast-enhanced MRI pattern” (" in errors["sequences"][0]

    @pytest.mark.parametrize(
        "change",
        [
            {"symptom_weeks": 8, "conservative_weeks": 8},  # as long as the symptoms: fine
            {"symptom_weeks": 0, "conservative_weeks": 0},
            {"dce_pattern": "rim", "sequences": ["stir", "dce"]},
            {"dce_pattern": "not_done", "sequences": ["stir"]},
            {"mri_done": "no", "dce_pattern": "rim", "sequences": ["stir"]},  # not asked: ignored, no contradiction
        ],
    )
    def test_consistent_answers_pass(self, change):
        assert clean_answers(answers(**change))

    def test_a_rule_waits_for_both_answers_to_be_valid(self):
        # An out-of-range number is reported as such, not also as a contradiction.
        assert errors_of(answers(symptom_weeks=-1, conservative_weeks=8)) == {
            "symptom_weeks": ["Must be from 0 to 520; got -1."]
        }

    def test_a_rule_naming_a_question_not_in_the_vocabulary_is_skipped(self):
        rule = ConsistencyRule("conservative_weeks", "pain_score", Relation.AT_MOST, "{other}", "{other}")
        assert consistency_errors({"conservative_weeks": 9, "pain_score": 1}, rules=[rule]) == {}
        known = ConsistencyRule("conservative_weeks", "symptom_weeks", Relation.AT_MOST, "a {other}", "b {other}")
        assert set(consistency_errors({"conservative_weeks": 9, "symptom_weeks": 1}, rules=[known])) == {
            "conservative_weeks",
            "symptom_weeks",
        }

    def test_a_step_reports_its_own_question_and_names_the_earlier_step(self):
        treatment = {"treatments_tried": [], "conservative_weeks": 8, "response": "improving"}
        context = {key: value for key, value in answers(symptom_weeks=6).items() if QUESTIONS[key].step == "context"}
        earlier = clean_answers(context, step="context")
        errors = errors_of(treatment, step="treatment", earlier=earlier)
        assert list(errors) == ["conservative_weeks"]
        assert "“Weeks of symptoms” (6, on step 2: Clinical context)" in errors["conservative_weeks"][0]
        # Without the earlier answers the step cannot know, and passes.
        assert clean_answers(treatment, step="treatment")["conservative_weeks"] == 8

    def test_every_rule_names_two_questions_of_the_vocabulary(self):
        for rule in CONSISTENCY_RULES:
            assert {rule.first, rule.second} <= set(QUESTIONS)

    def test_random_valid_answers_respect_the_rules(self):
        rng = random.Random(12)  # noqa: S311 - seeded test data
        for _ in range(300):
            assert consistency_errors(random_answers(rng)) == {}

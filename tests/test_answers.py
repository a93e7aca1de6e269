"""Validating one patient's answers: the rules the API, the command and the wizard share."""

import pytest

from bme_wizard.pathway.answers import AnswersError, clean_answers
from tests.conftest import BASE_ANSWERS, answers


def errors_of(raw):
    with pytest.raises(AnswersError) as caught:
        clean_answers(raw)
    return caught.value.errors


def test_a_complete_answer_set_is_accepted_unchanged():
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

"""An edition's questions as plain data: the engine works with whatever questions it is given.

The first step of "questions as guideline content": answers, conditions, "why this applies",
"what changed for this case" and content scenarios all read the vocabulary they are handed
(an edition's), not a module of code. A small hand-made vocabulary (the first edition's
questions plus an age and a kidney-function question) shows each on its own, without a database.
"""

from dataclasses import replace

import pytest

from bme_wizard.pathway.answers import AnswersError, clean_answers
from bme_wizard.pathway.compare import answers_for_today
from bme_wizard.pathway.conditions import ConditionError, Match, Rule, parse_condition
from bme_wizard.pathway.plan import build_plan
from bme_wizard.pathway.scenarios import ScenarioSpec, run_scenario
from bme_wizard.pathway.vocabulary import (
    QUESTIONS,
    AskedWhen,
    Choice,
    Kind,
    Question,
    Vocabulary,
    VocabularyError,
)
from tests.conftest import answers
from tests.test_tried_engine import recommendation
from tests.test_tried_engine import snapshot as hand_made_snapshot

AGE = Question("age", "context", Kind.INTEGER, "Age (years)", minimum=0, maximum=120)
KIDNEY = Question(
    "kidney_function",
    "context",
    Kind.CHOICE,
    "Kidney function",
    choices=(Choice("normal", "Normal"), Choice("reduced", "Reduced")),
    optional=True,
)
GROWN = Vocabulary(QUESTIONS.steps, (*QUESTIONS.questions, AGE, KIDNEY))


def snapshot(vocabulary, *statements):
    """The engine tests' hand-made edition, asking ``vocabulary``."""
    return replace(hand_made_snapshot(*statements), vocabulary=vocabulary)


def statement(key, *conditions):
    return recommendation(10, key, "first_line", citations=(1,), rule=Rule.of(Match.ALL, conditions))


def with_questions(*questions):
    return Vocabulary(QUESTIONS.steps, tuple(questions))


class TestPlainData:
    def test_the_first_editions_questions_survive_plain_data_unchanged(self):
        again = Vocabulary.from_data(QUESTIONS.to_data())
        assert again.questions == QUESTIONS.questions
        assert again.to_data() == QUESTIONS.to_data()

    def test_a_vocabulary_is_a_mapping_in_the_order_questions_are_asked(self):
        assert list(GROWN)[-2:] == ["age", "kidney_function"]
        assert GROWN["age"].bounds == (0, 120)
        assert [question.key for question in GROWN.for_step("context")][-2:] == ["age", "kidney_function"]
        assert "age" not in QUESTIONS

    def test_an_unknown_kind_is_refused_naming_the_question(self):
        rows = [*QUESTIONS.to_data(), {"key": "egfr", "step": "context", "kind": "decimal", "label": "eGFR"}]
        with pytest.raises(VocabularyError) as refused:
            Vocabulary.from_data(rows)
        assert refused.value.problems == (
            "Question egfr: unknown kind 'decimal'; a question is one of: choice, multi, integer",
        )


class TestProblems:
    """Bad question definitions are refused with a message naming the question."""

    def problems(self, *questions):
        return with_questions(*questions).problems()

    def test_the_first_editions_questions_have_none(self):
        assert QUESTIONS.problems() == []

    def test_a_duplicate_key(self):
        assert self.problems(AGE, replace(AGE, label="Age at onset")) == [
            "Question “Age at onset” (age): another question already has this key."
        ]

    def test_asked_when_pointing_at_a_question_of_a_later_step(self):
        asked = replace(KIDNEY, step="mri", asked_when=AskedWhen("context", ("transient_bme",)))
        problems = Vocabulary(QUESTIONS.steps, (*QUESTIONS.questions, asked)).problems()
        assert problems == [
            "Question “Kidney function” (kidney_function): “asked when” must name an earlier question of the same "
            "step; “Clinical context” is on another step."
        ]

    def test_asked_when_pointing_at_a_later_question_of_the_same_step(self):
        asked = replace(AGE, asked_when=AskedWhen("kidney_function", ("reduced",)))
        assert self.problems(asked, KIDNEY) == [
            "Question “Age (years)” (age): “asked when” must name an earlier question; “Kidney function” comes "
            "after it."
        ]

    def test_asked_when_with_a_value_its_question_does_not_have(self):
        asked = replace(AGE, asked_when=AskedWhen("kidney_function", ("failed",)))
        assert self.problems(KIDNEY, asked) == [
            "Question “Age (years)” (age): “asked when” names 'failed', not an option of “Kidney function”."
        ]

    def test_asked_when_naming_no_question_of_the_edition(self):
        asked = replace(AGE, asked_when=AskedWhen("egfr", ("low",)))
        assert self.problems(asked) == [
            "Question “Age (years)” (age): “asked when” names 'egfr', which is not a question of this edition."
        ]

    @pytest.mark.parametrize(
        ("question", "fault"),
        [
            (replace(AGE, minimum=None), "a whole-number question needs a lowest and a highest value"),
            (replace(AGE, minimum=130), "its lowest value (130) is above its highest (120)"),
            (replace(KIDNEY, choices=()), "a choice question needs options"),
            (
                replace(KIDNEY, choices=(Choice("normal", "Normal"), Choice("normal", "Fine"))),
                "options must differ; 'normal' is given more than once",
            ),
            (replace(KIDNEY, minimum=0, maximum=3), "only a whole-number question has a range"),
            (replace(AGE, step="history"), "unknown step 'history'; the steps are mri, context, treatment"),
            (replace(AGE, key="Age-Years"), "a key is lower-case letters, digits and _, starting with a letter"),
            (replace(AGE, in_wizard=False), "a question the wizard does not ask must be optional"),
        ],
    )
    def test_a_question_that_contradicts_itself(self, question, fault):
        assert self.problems(question) == [f"Question “{question.label}” ({question.key}): {fault}."]

    def test_from_data_refuses_a_vocabulary_with_problems(self):
        with pytest.raises(VocabularyError, match="another question already has this key"):
            Vocabulary.from_data([*QUESTIONS.to_data(), QUESTIONS.to_data()[0]])


class TestTheEngineReadsTheEditionsQuestions:
    def test_answers_are_validated_against_the_editions_questions(self):
        assert clean_answers(answers(age=70), vocabulary=GROWN)["age"] == 70
        with pytest.raises(AnswersError) as refused:
            clean_answers(answers(age=130), vocabulary=GROWN)
        assert refused.value.errors == {"age": ["Must be from 0 to 120; got 130."]}
        # The first edition has no age question: the same answer is unknown to it.
        with pytest.raises(AnswersError) as unknown:
            clean_answers(answers(age=70))
        assert unknown.value.errors == {"age": ["Unknown question."]}

    def test_a_required_question_of_the_edition_is_required(self):
        with pytest.raises(AnswersError) as refused:
            clean_answers(answers(), vocabulary=GROWN)
        assert refused.value.errors == {"age": ["This question is required."]}

    def test_conditions_are_validated_against_the_editions_questions(self):
        rule = parse_condition("age", "at_least", "65", vocabulary=GROWN)
        assert rule.value == 65
        with pytest.raises(ConditionError, match="from 0 to 120, not 130"):
            parse_condition("age", "at_least", "130", vocabulary=GROWN)
        with pytest.raises(ConditionError, match="“includes” does not fit “Age \\(years\\)”"):
            parse_condition("age", "includes", "65", vocabulary=GROWN)
        with pytest.raises(ConditionError, match="no question with the key 'age'"):
            parse_condition("age", "at_least", "65")

    def test_a_statement_on_a_new_question_applies_at_its_boundary_and_says_why(self):
        older = parse_condition("age", "at_least", "65", vocabulary=GROWN)
        edition = snapshot(GROWN, statement("older-patients", older))
        shown = build_plan(clean_answers(answers(age=65), vocabulary=GROWN), edition)
        assert [item.entry.key for item in shown.recommendations] == ["older-patients"]
        assert shown.recommendations[0].why == ("“Age (years)” is at least 65",)
        younger = build_plan(clean_answers(answers(age=64), vocabulary=GROWN), edition)
        assert younger.recommendations == ()

    def test_the_rule_is_described_in_the_editions_words(self):
        relabelled = Vocabulary(QUESTIONS.steps, (*QUESTIONS.questions, replace(AGE, label="Age at presentation")))
        rule = Rule.of(Match.ALL, (parse_condition("age", "at_most", "17", vocabulary=GROWN),))
        assert rule.describe(GROWN) == "“Age (years)” is at most 17"
        assert rule.describe(relabelled) == "“Age at presentation” is at most 17"

    def test_asked_when_is_described_in_the_editions_words(self):
        asked = replace(AGE, asked_when=AskedWhen("kidney_function", ("reduced",)))
        vocabulary = Vocabulary(QUESTIONS.steps, (*QUESTIONS.questions, KIDNEY, asked))
        assert asked.asked_when.describe(vocabulary) == "Asked when “Kidney function” is Reduced."

    def test_saved_answers_name_the_question_a_newer_edition_asks(self):
        kept, missing = answers_for_today(answers(), GROWN)
        assert missing == ("age",)
        assert kept == clean_answers(answers())

    def test_a_content_scenario_answers_the_editions_questions(self):
        older = parse_condition("age", "at_least", "65", vocabulary=GROWN)
        edition = snapshot(GROWN, statement("older-patients", older))
        spec = ScenarioSpec("older", "Older patient", answers(age=80), ("older-patients",), ())
        assert run_scenario(spec, edition).passed
        out_of_range = run_scenario(replace(spec, answers=answers(age=180)), edition)
        assert "age: Must be from 0 to 120; got 180." in out_of_range.error

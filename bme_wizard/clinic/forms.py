"""Wizard step forms, generated from an edition's questions (its vocabulary).

The fields and the rules of a valid answer are those of ``content.answer_fields``, shared with
the admin's scenario editor (the rules are ``pathway.answers.clean_answers``, the same the API
applies). A contradiction with an answer of an earlier step is shown on this step's question:
the form is given the earlier steps' answers (``earlier``).
"""

from __future__ import annotations

from functools import lru_cache

from django import forms

from bme_wizard.content.answer_fields import answer_field, clean_answer_fields
from bme_wizard.pathway.vocabulary import QUESTIONS, Question, Vocabulary


class StepForm(forms.Form):
    step: str = ""
    questions: tuple[Question, ...] = ()
    vocabulary: Vocabulary = QUESTIONS

    def __init__(self, *args, earlier: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.earlier = earlier or {}

    def clean(self):
        cleaned = super().clean()
        self.answers = clean_answer_fields(self, self.questions, self.vocabulary, step=self.step, earlier=self.earlier)
        return cleaned


@lru_cache(maxsize=64)
def step_form(step: str, vocabulary: Vocabulary = QUESTIONS) -> type[StepForm]:
    """The form class of one step of an edition's wizard; made once per edition snapshot (a vocabulary
    hashes by identity), so a page builds no form class."""
    questions = vocabulary.wizard_questions(step)
    attrs = {question.key: answer_field(question, vocabulary) for question in questions}
    return type(
        f"{step.title()}StepForm",
        (StepForm,),
        {**attrs, "step": step, "questions": questions, "vocabulary": vocabulary},
    )

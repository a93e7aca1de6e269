"""Wizard step forms, generated from an edition's questions (its vocabulary).

Django fields give the HTML widgets and coerce posted text (radio, checkboxes, numbers);
the rules of a valid answer (required when asked, "none" alone, ranges, answers that
contradict each other) are those of ``pathway.answers.clean_answers``, the same the API
applies. A contradiction with an answer of an earlier step is shown on this step's
question: the form is given the earlier steps' answers (``earlier``).
"""

from __future__ import annotations

from functools import lru_cache

from django import forms

from bme_wizard.pathway.answers import AnswersError, clean_answers, is_asked
from bme_wizard.pathway.vocabulary import QUESTIONS, Kind, Question, Vocabulary


def _field(question: Question, vocabulary: Vocabulary) -> forms.Field:
    help_text = question.help_text
    if question.asked_when:
        help_text = f"{help_text} {question.asked_when.describe(vocabulary)}".strip()
    common = {"label": question.label, "help_text": help_text, "required": False}
    choices = [(choice.value, choice.label) for choice in question.choices]
    if question.kind is Kind.CHOICE:
        return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
    if question.kind is Kind.MULTI:
        return forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, **common)
    return forms.IntegerField(
        min_value=question.minimum,
        max_value=question.maximum,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        **common,
    )


class StepForm(forms.Form):
    step: str = ""
    questions: tuple[Question, ...] = ()
    vocabulary: Vocabulary = QUESTIONS

    def __init__(self, *args, earlier: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.earlier = earlier or {}

    def clean(self):
        cleaned = super().clean()
        present = {key: value for key, value in cleaned.items() if value not in (None, "", [])}
        # An answer to a question that is not asked is ignored, even an invalid one (as in the API).
        for question in self.questions:
            if not is_asked(question, present):
                present.pop(question.key, None)
                self._errors.pop(question.key, None)
        try:
            self.answers = clean_answers(present, step=self.step, earlier=self.earlier, vocabulary=self.vocabulary)
        except AnswersError as error:
            for key, messages in error.errors.items():
                if key not in self._errors:  # a field error (e.g. an invalid choice) already says it
                    self.add_error(key if key in self.fields else None, messages)
        return cleaned


@lru_cache(maxsize=64)
def step_form(step: str, vocabulary: Vocabulary = QUESTIONS) -> type[StepForm]:
    """The form class of one step of an edition's wizard; made once per edition snapshot (a vocabulary
    hashes by identity), so a page builds no form class."""
    questions = vocabulary.wizard_questions(step)
    attrs = {question.key: _field(question, vocabulary) for question in questions}
    return type(
        f"{step.title()}StepForm",
        (StepForm,),
        {**attrs, "step": step, "questions": questions, "vocabulary": vocabulary},
    )

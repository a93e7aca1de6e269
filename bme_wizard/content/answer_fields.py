"""Django form fields for an edition's questions, and the answers a form of them gives.

The wizard's step forms (``clinic.forms``) and the scenario editor of the admin
(``content.scenario_form``) ask the same questions with the same widgets: a radio list for
a single choice, checkboxes for a multiple choice, a number box with the question's range.
The rules of a valid answer (required when asked, "none" alone, ranges, answers that
contradict each other) are not the fields' but ``pathway.answers.clean_answers``', the same
the API applies; ``clean_answer_fields`` runs them and puts each problem on its question's field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django import forms
from django.utils.html import escape

from bme_wizard.pathway.answers import AnswersError, clean_answers, is_asked
from bme_wizard.pathway.vocabulary import Kind, Question, Vocabulary


def answer_field(question: Question, vocabulary: Vocabulary, *, unanswered: str | None = None) -> forms.Field:
    """The form field that asks ``question``. Never required by itself: whether an answer is needed depends
    on the other answers ("asked when"), which ``clean_answer_fields`` knows. With ``unanswered``, a single
    choice offers that label as a first option meaning "no answer" (a radio list cannot be cleared)."""
    help_text = question.help_text
    if question.asked_when:
        help_text = f"{help_text} {question.asked_when.describe(vocabulary)}".strip()
    # Django's admin prints a field's help text as HTML (it trusts code to write it); a question's help text
    # is the board's content, so it is escaped here, once, for every form that asks the question.
    common = {"label": question.label, "help_text": escape(help_text), "required": False}
    choices = [(choice.value, choice.label) for choice in question.choices]
    if question.kind is Kind.CHOICE:
        if unanswered is not None:
            choices = [("", unanswered), *choices]
        return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
    if question.kind is Kind.MULTI:
        return forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, **common)
    return forms.IntegerField(
        min_value=question.minimum,
        max_value=question.maximum,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        **common,
    )


def clean_answer_fields(
    form: forms.Form,
    questions: Iterable[Question],
    vocabulary: Vocabulary,
    *,
    field_name: Callable[[str], str] = str,
    step: str | None = None,
    earlier: Mapping[str, Any] | None = None,
) -> dict[str, Any] | None:
    """The coded answers of ``form``'s fields for ``questions`` (named ``field_name(key)``), checked as the
    API checks them; None when they are refused, each problem then being an error of its question's field
    (of the form when it concerns no field of it). An answer to a question that is not asked is ignored,
    even an invalid one, as in the API."""
    questions = tuple(questions)
    present = {}
    for question in questions:
        value = form.cleaned_data.get(field_name(question.key))
        if value not in (None, "", []):
            present[question.key] = value
    for question in questions:
        if not is_asked(question, present):
            present.pop(question.key, None)
            form.errors.pop(field_name(question.key), None)
    try:
        return clean_answers(present, step=step, earlier=earlier, vocabulary=vocabulary)
    except AnswersError as error:
        for key, messages in error.errors.items():
            name = field_name(key)
            if name not in form.errors:  # a field error (e.g. an invalid choice) already says it
                form.add_error(name if name in form.fields else None, messages)
        return None

"""The admin's scenario editor: a patient written by answering the questions, not as JSON.

A scenario is written against the newest edition (the one being prepared): its patient is
one field per question of that edition, grouped by step, with the wizard's own widgets
(``answer_fields``) and the API's rules, each problem shown on its question. What the plan
must and must not show is picked from the edition's pathways, statements and pitfalls by
their text (grouped by pathway); a key the scenario names that the newest edition no longer
has stays offered, marked, until the editor removes it. The form gives the scenario's fields
to ``services.scenario_save`` (the one write path).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.core.exceptions import ValidationError

from .answer_fields import answer_field, clean_answer_fields
from .selectors import ScenarioWords

UNANSWERED = "Not answered"


class ItemChooser(FilteredSelectMultiple):
    """The admin's filtered chooser, with its filter icons named for assistive technology (admin-chooser.js)."""

    class Media:
        js = ["admin/js/SelectFilter2.js", "js/admin-chooser.js"]  # after SelectFilter2, which it amends


def answer_field_name(key: str) -> str:
    return f"answer__{key}"


# The scenario's own fields the form edits (its answers are the question fields).
SCENARIO_FORM_FIELDS = ["key", "title", "description", "must_show", "must_not_show", "is_active", "order"]


class ScenarioFields:
    """A model form of a scenario (mixed into the admin's), whose answers are asked question by question.
    ``words`` (the questions and items the scenario is written in) is set by ``scenario_form``."""

    words: ScenarioWords
    answers: dict[str, Any] | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stored = self.stored_answers = dict(self.instance.answers or {})
        for question in self.words.vocabulary.questions:
            name = answer_field_name(question.key)
            if name in self.fields and question.key in stored:
                self.initial.setdefault(name, stored[question.key])
        for name in ("must_show", "must_not_show"):
            if name in self.fields:
                self.fields[name].choices = self._item_choices(self.initial.get(name) or [])

    def _item_choices(self, chosen) -> list:
        known = {key for _group, choices in self.words.item_groups for key, _label in choices}
        stale = tuple((key, self.words.item_label(key)) for key in chosen if key not in known)
        groups = list(self.words.item_groups)
        if stale:
            groups.append(("No longer offered (take them out of this scenario)", stale))
        return groups

    def clean(self):
        cleaned = super().clean()
        self.answers = clean_answer_fields(
            self, self.words.vocabulary.questions, self.words.vocabulary, field_name=answer_field_name
        )
        if self.answers is not None:
            self.instance.answers = self.answers  # what the model's own validation then checks
        return cleaned

    def add_error(self, field, error):
        # The model checks the answers again (its clean, on every write path) and names the field
        # "answers", which this form does not have: it has already put each problem on its question.
        if field is None and isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            error.error_dict.pop("answers", None)
            if not error.error_dict:
                return
        super().add_error(field, error)

    def scenario_fields(self, *, adding: bool) -> dict[str, Any]:
        """The fields to save: all of them for a new scenario, those the editor changed for an existing one."""
        names = [name for name in SCENARIO_FORM_FIELDS if name in self.cleaned_data]
        fields = {name: self.cleaned_data[name] for name in names if adding or name in self.changed_data}
        if self.answers is not None and (adding or self.answers != self.stored_answers):
            fields["answers"] = self.answers
        return fields


def scenario_form(words: ScenarioWords, base: type[forms.ModelForm]) -> type[forms.ModelForm]:
    """The scenario form ``base`` (a model form with ``ScenarioFields``) for the questions and items of ``words``."""
    attrs: dict[str, Any] = {
        answer_field_name(question.key): answer_field(question, words.vocabulary, unanswered=UNANSWERED)
        for question in words.vocabulary.questions
    }
    for name, label, help_text in (
        ("must_show", "Must show", "The pathways, statements and pitfalls the plan must show for this patient."),
        ("must_not_show", "Must not show", "Those it must not show."),
    ):
        attrs[name] = forms.MultipleChoiceField(
            label=label,
            help_text=f"{help_text} Type a few words of their text to filter the list.",
            required=False,
            widget=ItemChooser(f"items the plan {label.lower()}", is_stacked=False),
        )
    attrs["words"] = words
    return type("ScenarioForm", (base,), attrs)


def answer_fieldsets(words: ScenarioWords) -> list[tuple[str, dict[str, Any]]]:
    """The patient's questions as admin fieldsets, one per step, titled as the wizard titles them."""
    fieldsets = []
    for number, step in enumerate(words.vocabulary.steps, start=1):
        names = [answer_field_name(question.key) for question in words.vocabulary.for_step(step.key)]
        if names:
            title = f"The patient, step {number} of {len(words.vocabulary.steps)}: {step.title}"
            fieldsets.append((title, {"fields": names}))
    return fieldsets

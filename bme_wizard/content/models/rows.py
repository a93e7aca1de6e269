"""Rows of an item: the conditions that decide when it applies, and the references it cites.

They are part of the item's content: frozen with its edition, written only while the item
is editable (a draft, or sent back with changes requested), and shown in the item's history.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from bme_wizard.pathway.conditions import Condition as RuleCondition
from bme_wizard.pathway.conditions import ConditionError, Operator, operators_for, parse_condition
from bme_wizard.pathway.vocabulary import Vocabulary

from .choices import EDITABLE_STATUSES
from .guard import DirectWriteError, FrozenWhenPublished, is_carrying_review_state
from .history import content_history
from .items import EditionItem, Reference, edition_or_current, edition_vocabulary


def question_choices(edition_id: int | None = None) -> list[tuple[str, str]]:
    """The questions a condition of an edition may name, by label (of the current edition when none is
    given). Early migrations refer to this function by name."""
    vocabulary = edition_vocabulary(edition_or_current(edition_id))
    return [(key, f"{question.label} ({key})") for key, question in vocabulary.items()]


def operator_choices() -> list[tuple[str, str]]:
    """The comparisons, in an editor's words ("is at least"); the condition editor offers those that fit."""
    return [(op.value, op.label) for op in Operator]


def condition_editor_questions(edition_id: int | None = None) -> list[dict[str, Any]]:
    """What the condition editor offers for each question of an edition (the current one when none is
    given): its label and kind, its answers or its range, and the comparisons that fit its kind."""
    vocabulary = edition_vocabulary(edition_or_current(edition_id))
    return [
        {
            "key": question.key,
            "label": question.label,
            "kind": question.kind.value,
            "options": [{"code": choice.value, "label": choice.label} for choice in question.choices],
            "minimum": question.minimum,
            "maximum": question.maximum,
            "operators": [op.value for op in operators_for(question)],
        }
        for question in vocabulary.values()
    ]


class PartOfItem(FrozenWhenPublished):
    """Mixin for rows that belong to an item (conditions, citations)."""

    edition_status_path = "item__edition__status"

    class Meta:
        abstract = True

    def _editions_touched(self) -> set[int]:
        ids = set()
        if type(self).item.is_cached(self):
            ids.add(self.item.edition_id)
        elif self.item_id:
            ids.add(EditionItem._base_manager.filter(pk=self.item_id).values_list("edition_id", flat=True).first())
        if self.pk:
            ids.add(type(self)._base_manager.filter(pk=self.pk).values_list("item__edition_id", flat=True).first())
        return {i for i in ids if i}

    def check_before_save(self) -> None:
        super().check_before_save()
        if is_carrying_review_state() or not self.item_id:
            return
        status = self.item.review_status if type(self).item.is_cached(self) else None
        if status is None:
            status = EditionItem._base_manager.filter(pk=self.item_id).values_list("review_status", flat=True).first()
        if status not in EDITABLE_STATUSES:
            raise DirectWriteError(
                f"{self.item} is not a draft: its {self._meta.verbose_name_plural} change through the item's "
                "operations (content.services), which send it back to draft first.",
                code="review_state",
            )

    @classmethod
    def check_bulk_delete(cls, queryset: models.QuerySet) -> None:
        if not is_carrying_review_state() and queryset.exclude(item__review_status__in=EDITABLE_STATUSES).exists():
            raise DirectWriteError(
                f"These {cls._meta.verbose_name_plural} belong to items that are not drafts; change them through "
                "the item's operations (content.services).",
                code="review_state",
            )

    def check_delete(self) -> None:
        self.check_bulk_delete(type(self)._base_manager.filter(pk=self.pk))


class Condition(PartOfItem):
    """One structured row: question, operator, value (validated against the questions)."""

    item = models.ForeignKey(EditionItem, on_delete=models.CASCADE, related_name="conditions")
    # A key of a question of the item's edition (checked in clean: an edition's questions are content).
    question = models.CharField(max_length=80)
    operator = models.CharField(max_length=20, choices=operator_choices)
    value = models.CharField(
        max_length=300,
        blank=True,
        help_text="One value, a whole number, or for 'one_of' several values separated by commas. "
        "Empty for is_empty / is_answered.",
    )
    group = models.CharField(
        max_length=20,
        blank=True,
        help_text="Optional. Rows sharing a group name combine the opposite way to the item's match.",
    )
    order = models.PositiveSmallIntegerField(default=0)

    history = content_history()

    class Meta:
        ordering = ["item", "order", "pk"]

    def __str__(self) -> str:
        try:
            return self.describe()
        except ConditionError:
            return f"{self.question} {self.operator} {self.value}"

    def as_rule(self, vocabulary: Vocabulary | None = None) -> RuleCondition:
        """The row as the engine reads it, against ``vocabulary`` (default: its item's edition's questions)."""
        if vocabulary is None:
            vocabulary = edition_vocabulary(self.item_edition_id())
        return parse_condition(self.question, self.operator, self.value, self.group, vocabulary=vocabulary)

    def describe(self, vocabulary: Vocabulary | None = None) -> str:
        """The row in words, in those of its edition's questions (raises ConditionError if it does not fit them)."""
        if vocabulary is None:
            vocabulary = edition_vocabulary(self.item_edition_id())
        return self.as_rule(vocabulary).describe(vocabulary)

    def item_edition_id(self) -> int | None:
        if type(self).item.is_cached(self):
            return self.item.edition_id
        return EditionItem._base_manager.filter(pk=self.item_id).values_list("edition_id", flat=True).first()

    def as_data(self) -> dict[str, Any]:
        return {"question": self.question, "operator": self.operator, "value": self.value, "group": self.group}

    def clean(self) -> None:
        super().clean()
        try:
            rule = self.as_rule()
        except ConditionError as error:
            raise ValidationError({error.field: error.message}) from None
        self.value = rule.value_text  # canonical form
        if self.item_id and Reference.objects.filter(pk=self.item_id).exists():
            raise ValidationError("References are not conditional; conditions belong on pathways and statements.")


class CitationPart(models.TextChoices):
    STATEMENT = "statement", "Statement"
    CAUTION = "caution", "Caution"


class Citation(PartOfItem):
    """An item citing a reference of the same edition: for its statement, or for its caution."""

    item = models.ForeignKey(EditionItem, on_delete=models.CASCADE, related_name="citations")
    # RESTRICT: a cited reference cannot be deleted alone, but goes with its whole draft edition.
    reference = models.ForeignKey(Reference, on_delete=models.RESTRICT, related_name="cited_by")
    part = models.CharField(
        max_length=20,
        choices=CitationPart.choices,
        default=CitationPart.STATEMENT,
        help_text="What the reference supports: the statement, or its caution.",
    )
    order = models.PositiveSmallIntegerField(default=0)

    history = content_history()

    class Meta:
        ordering = ["item", "part", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "reference", "part"],
                name="content_citation_unique",
                violation_error_message="This item already cites that reference.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.item_id} cites {self.reference}"

    def as_data(self) -> dict[str, str]:
        return {"reference": self.reference.key, "part": self.part}

    def clean(self) -> None:
        super().clean()
        if self.item_id and self.reference_id:
            item_edition = (
                EditionItem._base_manager.filter(pk=self.item_id).values_list("edition_id", flat=True).first()
            )
            if item_edition != self.reference.edition_id:
                raise ValidationError({"reference": "The reference belongs to another edition."})
            if self.item_id == self.reference_id or Reference.objects.filter(pk=self.item_id).exists():
                raise ValidationError("A reference cannot cite another reference.")

"""What an item's history records beyond its own fields: its conditions and citations, in words.

Conditions and citations are rows of their own, so an item's history would otherwise show
a change of them only as a new version number. Each historical record of an item carries
them as text, one line a row ("“Weeks of conservative treatment so far” is at least 12"),
so the History page shows "at least 12 -> at least 10" beside the item's other fields.
"""

from __future__ import annotations

from django.db import models
from django.dispatch import receiver
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record

from bme_wizard.pathway.conditions import ConditionError


class ItemHistory(models.Model):
    """Base of the historical models of items (django-simple-history's ``bases``)."""

    conditions_text = models.TextField(blank=True, verbose_name="conditions")
    citations_text = models.TextField(blank=True, verbose_name="citations")

    class Meta:
        abstract = True


def condition_line(row, vocabulary=None) -> str:
    """A condition row in words, in those of ``vocabulary`` (default: the questions of its item's edition)."""
    try:
        text = row.describe(vocabulary)
    except ConditionError:
        text = f"{row.question} {row.operator} {row.value}".strip() + " (not valid)"
    return f"{text} [group {row.group}]" if row.group else text


def citation_line(row) -> str:
    part = "" if row.part == "statement" else " (for the caution)"
    return f"{row.reference.key}: {row.reference.title or 'incomplete record'}{part}"


def rows_as_text(item, *, conditions=None, citations=None) -> dict[str, str]:
    """The item's conditions and citations, one line a row, as its history records them.

    ``conditions``/``citations``: the rows, when the caller has them (a copy made in bulk); else the stored ones."""
    if conditions is None:
        conditions = item.conditions.all() if item.pk else ()
    if citations is None:
        citations = item.citations.select_related("reference") if item.pk else ()
    return {
        "conditions_text": "\n".join(condition_line(row) for row in conditions),
        "citations_text": "\n".join(citation_line(row) for row in citations),
    }


@receiver(pre_create_historical_record)
def _record_rows(sender, instance, history_instance, **kwargs) -> None:
    if isinstance(history_instance, ItemHistory):
        for name, value in rows_as_text(instance).items():
            setattr(history_instance, name, value)


def content_history(**options) -> HistoricalRecords:
    """The history of a content model. The user is kept by id, not by a foreign key, so a change made
    by an account deleted since still says "a deleted account" rather than nobody."""
    return HistoricalRecords(history_user_id_field=models.IntegerField(null=True, blank=True), **options)

"""Reads of guideline content."""

from __future__ import annotations

from bme_wizard.pathway.compare import EditionDiff, compare_editions

from .models import FROZEN_STATUSES, Certainty, Edition, ReferenceKind, Strength
from .snapshot import edition_snapshot

# Display labels of stored grades, for comparisons (the pathway package does not know them).
CHOICE_LABELS = {
    "strength": dict(Strength.choices),
    "certainty": dict(Certainty.choices),
    "reference_kind": dict(ReferenceKind.choices),
}


def edition_current() -> Edition | None:
    """The one published edition clinicians see, or None before any is published."""
    return Edition.objects.current()


def edition_for_clinicians(*, number: int | None = None) -> Edition | None:
    """The current edition, or a named published or superseded one (drafts are for staff only)."""
    if number is None:
        return edition_current()
    return Edition.objects.filter(number=number, status__in=FROZEN_STATUSES).first()


def edition_compared_by_default(*, edition: Edition) -> Edition | None:
    """The edition a diff of ``edition`` starts from: the current one, or else the one numbered before it."""
    current = edition_current()
    if current is not None and current.pk != edition.pk:
        return current
    return Edition.objects.filter(number__lt=edition.number).order_by("-number").first()


def edition_diff(*, old: Edition, new: Edition) -> EditionDiff:
    """What ``new`` adds, removes and changes relative to ``old`` (from the cached snapshots)."""
    return compare_editions(edition_snapshot(old), edition_snapshot(new), labels=CHOICE_LABELS)

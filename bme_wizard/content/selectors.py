"""Reads of guideline content."""

from __future__ import annotations

from .models import FROZEN_STATUSES, Edition


def edition_current() -> Edition | None:
    """The one published edition clinicians see, or None before any is published."""
    return Edition.objects.current()


def edition_for_clinicians(*, number: int | None = None) -> Edition | None:
    """The current edition, or a named published or superseded one (drafts are for staff only)."""
    if number is None:
        return edition_current()
    return Edition.objects.filter(number=number, status__in=FROZEN_STATUSES).first()

"""Writes for clinicians: saving a completed assessment."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from bme_wizard.content.models import Edition
from bme_wizard.pathway.answers import clean_answers

from .models import Assessment


def assessment_create(*, answers: Mapping[str, Any], edition: Edition, run: str | None = None) -> Assessment:
    """Save one patient's answers (validated again here) with the edition they were evaluated against.

    ``run`` is the wizard run's random id: saving the same run twice (a double submit)
    returns the first assessment instead of a second one.
    """
    assessment = Assessment(answers=clean_answers(answers, check_consistency=True), edition=edition, run=run)
    assessment.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            assessment.save()
    except IntegrityError:
        if run is None:
            raise
        return Assessment.objects.get(run=run)
    return assessment


def assessment_prune(*, older_than_days: int, dry_run: bool = False) -> tuple[int, datetime]:
    """Delete assessments saved more than ``older_than_days`` ago; return how many, and the cut-off.

    Their permalinks then answer 404. With ``dry_run`` nothing is deleted: the count is what would be.
    """
    if older_than_days < 1:
        raise ValueError("older_than_days must be at least 1.")
    cutoff = timezone.now() - timedelta(days=older_than_days)
    old = Assessment.objects.filter(created_at__lt=cutoff)
    if dry_run:
        return old.count(), cutoff
    deleted, _ = old.delete()
    return deleted, cutoff

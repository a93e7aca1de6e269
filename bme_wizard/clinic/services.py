"""Writes for clinicians: saving a completed assessment."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from bme_wizard.content.models import Edition
from bme_wizard.pathway.answers import clean_answers

from .models import Assessment


@transaction.atomic
def assessment_create(*, answers: Mapping[str, Any], edition: Edition) -> Assessment:
    """Save one patient's answers (validated again here) with the edition they were evaluated against."""
    assessment = Assessment(answers=clean_answers(answers), edition=edition)
    assessment.full_clean()
    assessment.save()
    return assessment

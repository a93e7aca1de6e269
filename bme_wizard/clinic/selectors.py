"""Reads for clinicians: a plan for one patient's answers, shared by the API, the command and the wizard."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, connection
from django.db.models import Subquery

from bme_wizard.content.models import Edition, EditionStatus
from bme_wizard.content.selectors import CHOICE_LABELS, edition_current, edition_for_clinicians
from bme_wizard.content.snapshot import edition_snapshot
from bme_wizard.pathway.answers import Answers, AnswersError, clean_answers
from bme_wizard.pathway.compare import PlanDiff, answers_for_today, plan_compare
from bme_wizard.pathway.plan import Plan, build_plan
from bme_wizard.pathway.vocabulary import QUESTIONS, Question

from .models import Assessment

REQUEST_FIELDS = frozenset({"answers", "edition"})
MAX_BODY_BYTES = 64 * 1024  # a plan request is a few hundred bytes


class PlanRequestError(Exception):
    """A plan request that cannot be answered. ``errors`` maps a field to its problems."""

    def __init__(self, errors: dict[str, list[str]], status: int = 400):
        super().__init__("; ".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items()))
        self.errors = errors
        self.status = status


def plan_request_parse(data: Any) -> tuple[Answers, int | None]:
    """Validate a plan request body ``{"answers": {...}, "edition": N}``; return clean answers and edition."""
    if not isinstance(data, dict):
        raise PlanRequestError({"body": ["Expected a JSON object with an 'answers' object."]})
    errors: dict[str, list[str]] = {}
    for name in data:
        if name not in REQUEST_FIELDS:
            errors[str(name)] = [f"Unknown field; allowed: {', '.join(sorted(REQUEST_FIELDS))}."]
    edition = data.get("edition")
    if isinstance(edition, float) and edition.is_integer():
        edition = int(edition)  # 2.0 is 2 in JSON, as for the answers
    if edition is not None and (isinstance(edition, bool) or not isinstance(edition, int) or edition < 1):
        errors["edition"] = ["Expected an edition number (a whole number from 1)."]
    answers: Answers = {}
    if "answers" not in data:
        errors["answers"] = ["This field is required."]
    else:
        try:
            answers = clean_answers(data["answers"], check_consistency=True)
        except AnswersError as error:
            errors.update(
                {
                    ("answers" if key == "answers" else f"answers.{key}"): messages
                    for key, messages in error.errors.items()
                }
            )
    if errors:
        raise PlanRequestError(errors)
    return answers, edition


def plan_for(*, answers: Answers, edition_number: int | None = None) -> Plan:
    """The plan for cleaned answers under the current edition, or a named published one."""
    edition = edition_for_clinicians(number=edition_number)
    if edition is None:
        if edition_number is None:
            raise PlanRequestError({"edition": ["No guideline edition has been published yet."]}, status=503)
        raise PlanRequestError({"edition": [f"No published edition {edition_number}."]}, status=404)
    return build_plan(answers, edition_snapshot(edition))


@dataclass(frozen=True)
class CaseChanges:
    """A saved assessment's plan as given, beside the plan its answers get under the current edition.

    ``current`` and ``diff`` are None when the assessment already uses the current edition;
    ``missing`` names the questions asked today that the saved answers leave unanswered."""

    given: Plan
    current: Edition | None = None
    now: Plan | None = None
    diff: PlanDiff | None = None
    missing: tuple[Question, ...] = ()


def assessment_changes(*, assessment: Assessment) -> CaseChanges:
    """What the current edition changes for one saved assessment (same answers, both editions)."""
    given = build_plan(assessment.answers, edition_snapshot(assessment.edition))
    current = edition_current()
    if current is None or current.pk == assessment.edition_id:
        return CaseChanges(given)
    answers, missing = answers_for_today(assessment.answers)
    now = build_plan(answers, edition_snapshot(current))
    diff = plan_compare(given, now, labels=CHOICE_LABELS)
    return CaseChanges(given, current, now, diff, tuple(QUESTIONS[key] for key in missing))


def assessment_for_summary(*, token: str) -> Assessment | None:
    """A saved assessment with its edition and, as ``current_edition_id``, the current
    edition's id (None before any is published), in one query."""
    current = Edition.objects.filter(status=EditionStatus.PUBLISHED).values("pk")[:1]
    return (
        Assessment.objects.select_related("edition")
        .annotate(current_edition_id=Subquery(current))
        .filter(token=token)
        .first()
    )


def service_health() -> tuple[int | None, str | None]:
    """(current edition number, None) when clinicians can be served; else (None, the reason why not)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logging.getLogger(__name__).warning("Health check: the database does not answer.", exc_info=True)
        return None, "The database does not answer."
    try:
        edition = edition_current()
    except DatabaseError:
        logging.getLogger(__name__).warning("Health check: the content tables cannot be read.", exc_info=True)
        return None, "The guideline content cannot be read (have the migrations run?)."
    if edition is None:
        return None, "No guideline edition has been published."
    return edition.number, None

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
from bme_wizard.pathway.vocabulary import QUESTIONS, Question, Vocabulary

from .models import Assessment

REQUEST_FIELDS = frozenset({"answers", "edition"})
EDITION_NUMBER_EXPECTED = "Expected an edition number (a whole number from 1)."


class PlanRequestError(Exception):
    """A plan request that cannot be answered. ``errors`` maps a field to its problems."""

    def __init__(self, errors: dict[str, list[str]], status: int = 400):
        super().__init__("; ".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items()))
        self.errors = errors
        self.status = status


def plan_request(data: Any) -> Plan:
    """Answer a plan request body ``{"answers": {...}, "edition": N}``: the plan for the answers under
    the current edition, or a named published one, whose questions the answers are checked against.

    Raises ``PlanRequestError``: 400 naming each field at fault, 404 for an edition that is not
    published, 503 before any edition is."""
    if not isinstance(data, dict):
        raise PlanRequestError({"body": ["Expected a JSON object with an 'answers' object."]})
    errors: dict[str, list[str]] = {}
    for name in data:
        if name not in REQUEST_FIELDS:
            errors[str(name)] = [f"Unknown field; allowed: {', '.join(sorted(REQUEST_FIELDS))}."]
    number = data.get("edition")
    if isinstance(number, float) and number.is_integer():
        number = int(number)  # 2.0 is 2 in JSON, as for the answers
    if number is not None and (isinstance(number, bool) or not isinstance(number, int) or number < 1):
        errors["edition"] = [EDITION_NUMBER_EXPECTED]
        number = None
    edition = edition_for_clinicians(number=number)
    answers: Answers = {}
    if "answers" not in data:
        errors["answers"] = ["This field is required."]
    else:
        # Against the questions of the edition asked for (of the current one while that is not found).
        vocabulary = vocabulary_for(edition if edition is not None else edition_current())
        try:
            answers = clean_answers(data["answers"], vocabulary=vocabulary)
        except AnswersError as error:
            errors.update(
                {
                    ("answers" if key == "answers" else f"answers.{key}"): messages
                    for key, messages in error.errors.items()
                }
            )
    if errors:
        raise PlanRequestError(errors)
    if edition is None:
        raise _no_edition(number)
    return build_plan(answers, edition_snapshot(edition))


def openapi_edition(number_text: str | None) -> tuple[Edition | None, int | None]:
    """The edition whose questions the OpenAPI document describes (``?edition=N``, else the current
    one) and its number as asked; PlanRequestError for a number that is not one or not published."""
    if number_text is None:
        return edition_current(), None
    if not (number_text.isascii() and number_text.isdigit()) or len(number_text) > 9 or int(number_text) < 1:
        raise PlanRequestError({"edition": [EDITION_NUMBER_EXPECTED]})
    number = int(number_text)
    edition = edition_for_clinicians(number=number)
    if edition is None:
        raise _no_edition(number)
    return edition, number


def _no_edition(number: int | None) -> PlanRequestError:
    if number is None:
        return PlanRequestError({"edition": ["No guideline edition has been published yet."]}, status=503)
    return PlanRequestError({"edition": [f"No published edition {number}."]}, status=404)


def vocabulary_for(edition: Edition | None) -> Vocabulary:
    """The questions of ``edition`` (the first edition's when there is none yet: nothing is asked then)."""
    return edition_snapshot(edition).vocabulary if edition is not None else QUESTIONS


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
    today = edition_snapshot(current)
    answers, missing = answers_for_today(assessment.answers, today.vocabulary)
    now = build_plan(answers, today)
    diff = plan_compare(given, now, labels=CHOICE_LABELS)
    return CaseChanges(given, current, now, diff, tuple(today.vocabulary[key] for key in missing))


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

"""Reads for clinicians: a plan for one patient's answers, shared by the API, the command and the wizard."""

from __future__ import annotations

import logging
from typing import Any

from django.db import DatabaseError, connection

from bme_wizard.content.selectors import edition_current, edition_for_clinicians
from bme_wizard.content.snapshot import edition_snapshot
from bme_wizard.pathway.answers import Answers, AnswersError, clean_answers
from bme_wizard.pathway.plan import Plan, build_plan

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
            answers = clean_answers(data["answers"])
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

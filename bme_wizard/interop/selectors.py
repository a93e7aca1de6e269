"""Reads for the FHIR server: which edition a request is for, and where the server is."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from bme_wizard.content.selectors import CHOICE_LABELS, edition_for_clinicians
from bme_wizard.content.snapshot import edition_snapshot
from bme_wizard.pathway.answers import AnswersError, clean_answers
from bme_wizard.pathway.plan import Plan, build_plan

from .fhir import QUESTIONNAIRE, FhirError, IssueType, ServedEdition
from .plan_definition import Words
from .questionnaire_response import ReadResponse, answer_issues, read_answers, response_version

# What the FHIR resources call the board's grades: the labels editors choose them by.
WORDS = Words(strength=CHOICE_LABELS["strength"], certainty=CHOICE_LABELS["certainty"])

# Edition numbers are database integers: a larger one names no edition (and must not reach the query).
_LARGEST_NUMBER = 2**31 - 1


def fhir_base(request: HttpRequest) -> str:
    """The FHIR base URL as this request reached the server (``http://host/fhir``): the root of every
    canonical URL. Built like the permalinks, from the request's host, which ALLOWED_HOSTS vets."""
    return request.build_absolute_uri(reverse("interop:metadata")).removesuffix("/metadata")


def served_edition(*, base: str, number: int | None = None) -> ServedEdition | None:
    """The current edition, or a published or superseded one by number (never a draft), as served at
    ``base``; None when there is no such edition."""
    if number is not None and not 1 <= number <= _LARGEST_NUMBER:
        return None
    edition = edition_for_clinicians(number=number)
    if edition is None:
        return None
    return ServedEdition(edition_snapshot(edition), edition.published_at, base)


def no_edition(number: int | None, what: str, *expression: str) -> FhirError:
    """The 404 for a resource of an edition that is not published (``what``: the resource, by type and id)."""
    if number is None:
        return FhirError.one(404, IssueType.NOT_FOUND, "No guideline edition has been published yet.", *expression)
    diagnostics = f"{what} has no version {number}: no edition {number} has been published."
    return FhirError.one(404, IssueType.NOT_FOUND, diagnostics, *expression)


def questionnaire_response_answers(document: Any, *, base: str) -> ReadResponse:
    """The answers of a QuestionnaireResponse, read against the edition its ``questionnaire`` names.
    Raises FhirError for anything that is not a readable response to a published edition."""
    number = response_version(document, base=base)
    served = served_edition(base=base, number=number)
    if served is None and number is None:  # as the JSON API answers then: the service is not ready
        raise FhirError.one(503, IssueType.TRANSIENT, "No guideline edition has been published yet.")
    if served is None:
        raise no_edition(number, f"Questionnaire/{QUESTIONNAIRE}", "QuestionnaireResponse.questionnaire")
    return read_answers(document, served)


def plan_for_response(document: Any, *, base: str) -> tuple[Plan, ReadResponse]:
    """The plan for the answers of a QuestionnaireResponse, under the edition it names: the answers checked
    by the rules every entry point uses (``clean_answers``), the plan built by the engine. Raises FhirError
    for a response that cannot be read, naming each item at fault by its linkId."""
    read = questionnaire_response_answers(document, base=base)
    vocabulary = read.served.snapshot.vocabulary
    try:
        answers = clean_answers(read.answers, vocabulary=vocabulary)
    except AnswersError as error:
        raise FhirError(400, answer_issues(error.errors, read)) from None
    return build_plan(answers, read.served.snapshot), read

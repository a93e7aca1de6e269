"""The FHIR server's views: read-only, JSON (``application/fhir+json``), every refusal an OperationOutcome."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from bme_wizard.safe_json import HtmlSafeJSONEncoder

from .capability import capability_statement
from .codesystem import code_system as build_code_system
from .fhir import CODE_SYSTEM, FHIR_CONTENT_TYPE, QUESTIONNAIRE, FhirError, IssueType, ServedEdition
from .questionnaire import questionnaire as build_questionnaire
from .selectors import fhir_base, no_edition, served_edition


def fhir_response(resource: dict[str, Any], status: int = 200) -> JsonResponse:
    return JsonResponse(resource, status=status, encoder=HtmlSafeJSONEncoder, content_type=FHIR_CONTENT_TYPE)


def _read_only(view: Callable[..., JsonResponse]) -> Callable[..., HttpResponse]:
    """GET (and HEAD) only; a FhirError raised by the view is answered with its OperationOutcome.

    Exempt from the CSRF check, which would answer another method with the site's HTML 403 page: these
    views change nothing and refuse every method but GET, so a FHIR client learns why in FHIR (405)."""

    @csrf_exempt
    @wraps(view)
    def read(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            if request.method not in ("GET", "HEAD"):
                raise FhirError.one(405, IssueType.NOT_SUPPORTED, "This server is read-only: use GET.")
            return view(request, *args, **kwargs)
        except FhirError as error:
            response = fhir_response(error.outcome(), status=error.status)
            if error.status == 405:
                response["Allow"] = "GET, HEAD"
            return response

    return read


Build = Callable[[ServedEdition], dict[str, Any]]


def _edition_resource(request: HttpRequest, version: int | None, build: Build, what: str) -> JsonResponse:
    served = served_edition(base=fhir_base(request), number=version)
    if served is None:
        raise no_edition(version, what)
    return fhir_response(build(served))


@_read_only
def questionnaire(request: HttpRequest, version: int | None = None) -> JsonResponse:
    return _edition_resource(request, version, build_questionnaire, f"Questionnaire/{QUESTIONNAIRE}")


@_read_only
def code_system(request: HttpRequest, version: int | None = None) -> JsonResponse:
    return _edition_resource(request, version, build_code_system, f"CodeSystem/{CODE_SYSTEM}")


@_read_only
def metadata(request: HttpRequest) -> JsonResponse:
    plan_url = request.build_absolute_uri(reverse("clinic:api-plan"))
    return fhir_response(capability_statement(fhir_base(request), plan_url=plan_url))


@csrf_exempt  # as _read_only: it changes nothing, whatever the method
def unknown(request: HttpRequest, path: str) -> JsonResponse:
    """Anything else under /fhir/, whatever the method: a FHIR 404, not the site's HTML page."""
    error = FhirError.one(
        404,
        IssueType.NOT_FOUND,
        f"This server serves Questionnaire/{QUESTIONNAIRE} and CodeSystem/{CODE_SYSTEM} (and their "
        "_history/<edition number>) and its CapabilityStatement at metadata; nothing else.",
    )
    return fhir_response(error.outcome(), status=error.status)

"""The FHIR server's views: reads, and the one operation ($apply, which changes nothing), in JSON
(``application/fhir+json``); every refusal an OperationOutcome."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial, wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from bme_wizard.json_body import JSON, BodyError, read_json_body
from bme_wizard.ratelimits import rate_limit
from bme_wizard.safe_json import HtmlSafeJSONEncoder

from .apply import operation_definition as build_operation_definition
from .apply import response_in
from .capability import capability_statement
from .codesystem import code_system as build_code_system
from .fhir import (
    APPLY_OPERATION,
    CODE_SYSTEM,
    FHIR_CONTENT_TYPE,
    FHIR_JSON,
    PLAN_DEFINITION,
    QUESTIONNAIRE,
    FhirError,
    IssueType,
    ServedEdition,
)
from .plan_definition import plan_definition as build_plan_definition
from .plan_definition import request_group
from .questionnaire import questionnaire as build_questionnaire
from .selectors import WORDS, fhir_base, no_edition, plan_for_response, served_edition

# A body refused before it is read, by the HTTP status: what the OperationOutcome calls the problem.
_BODY_ISSUES = {413: IssueType.TOO_LONG, 415: IssueType.NOT_SUPPORTED}


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


def read_fhir_json(request: HttpRequest, what: str, *, also_json: bool = False) -> Any:
    """The parsed FHIR JSON body (``what``: the resource expected), or raise FhirError: 413 for a body too
    large, 415 for another media type (``also_json``: plain application/json is read too), 400 for one
    that is not JSON."""
    media_types = (FHIR_JSON, JSON) if also_json else (FHIR_JSON,)
    try:
        return read_json_body(request, media_types=media_types, wanted=f"Send {what} as {FHIR_JSON}.")
    except BodyError as error:
        raise FhirError.one(error.status, _BODY_ISSUES.get(error.status, IssueType.STRUCTURE), error.message) from None


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
def plan_definition(request: HttpRequest, version: int | None = None) -> JsonResponse:
    build = partial(build_plan_definition, words=WORDS)
    return _edition_resource(request, version, build, f"PlanDefinition/{PLAN_DEFINITION}")


@_read_only
def operation_definition(request: HttpRequest) -> JsonResponse:
    return fhir_response(build_operation_definition(fhir_base(request)))


# $apply changes nothing and needs no session: exempt from CSRF as the JSON API is (a cross-site form
# cannot send FHIR JSON without a CORS preflight, which this site never grants), and rate-limited with it.
@csrf_exempt
@never_cache
@rate_limit(group="api-plan", rate_setting="RATELIMIT_API", as_json=True)
def apply(request: HttpRequest) -> JsonResponse:
    """The actions of the PlanDefinition that apply to the answers of the QuestionnaireResponse in a
    Parameters resource, as a RequestGroup in plan order."""
    try:
        if request.method != "POST":
            raise FhirError.one(405, IssueType.NOT_SUPPORTED, "$apply is invoked with POST (a Parameters resource).")
        parameters = read_fhir_json(request, "a Parameters resource", also_json=True)
        plan, read = plan_for_response(response_in(parameters), base=fhir_base(request))
    except FhirError as error:
        response = fhir_response(error.outcome(), status=error.status)
        if error.status == 405:
            response["Allow"] = "POST"
        return response
    return fhir_response(request_group(plan, read.served, WORDS, authored_on=timezone.now()))


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
        f"This server serves Questionnaire/{QUESTIONNAIRE}, CodeSystem/{CODE_SYSTEM} and "
        f"PlanDefinition/{PLAN_DEFINITION} (and their _history/<edition number>), "
        f"PlanDefinition/{PLAN_DEFINITION}/$apply (POST), OperationDefinition/{APPLY_OPERATION} and its "
        "CapabilityStatement at metadata; nothing else.",
    )
    return fhir_response(error.outcome(), status=error.status)

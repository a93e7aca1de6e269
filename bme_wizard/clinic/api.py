"""The JSON API for integrators: ``POST /api/v1/plan`` and its OpenAPI document.

Bad input never reaches the engine: the body is checked for size, content type and
JSON shape here, and the answers with the same rules as the wizard
(``pathway.answers.clean_answers``). Every refusal is a 4xx JSON body of the form
``{"detail": "...", "errors": {"field": ["problem", ...]}}``, checked as a ``plan_models.Error``.

The plan endpoint also reads a FHIR QuestionnaireResponse (``application/fhir+json``), mapped to the
same request by ``interop``: the same checks, the same plan; its refusals are OperationOutcomes.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from bme_wizard.interop.fhir import FhirError
from bme_wizard.interop.selectors import fhir_base, plan_for_response
from bme_wizard.interop.views import fhir_response, read_fhir_json
from bme_wizard.json_body import FHIR_JSON, JSON, BodyError, read_json_body
from bme_wizard.ratelimits import rate_limit
from bme_wizard.safe_json import HtmlSafeJSONEncoder

from .openapi import openapi_document
from .plan_json import plan_to_dict
from .plan_models import ERROR
from .selectors import PlanRequestError, openapi_edition, plan_request, vocabulary_for

_DETAILS = {
    400: "The request is not valid.",
    404: "Not found.",
    405: "Method not allowed.",
    413: "The request body is too large.",
    415: "Unsupported media type.",
    503: "No guideline edition is available.",
}


def json_response(data, status: int = 200, **kwargs) -> JsonResponse:
    return JsonResponse(data, status=status, encoder=HtmlSafeJSONEncoder, **kwargs)


def error_response(status: int, errors: dict[str, list[str]]) -> JsonResponse:
    return json_response(ERROR.validate_python({"detail": _DETAILS[status], "errors": errors}), status=status)


def _read_json(request: HttpRequest):
    """The parsed body, or raise PlanRequestError for anything that is not a small UTF-8 JSON document."""
    wanted = f"Send JSON with Content-Type: {JSON} (or a FHIR QuestionnaireResponse as {FHIR_JSON})."
    try:
        return read_json_body(request, media_types=(JSON, FHIR_JSON), wanted=wanted)
    except BodyError as error:
        raise PlanRequestError({"body": [error.message]}, status=error.status) from None


# The API changes no state and needs no session: a cross-site form cannot send application/json
# (or application/fhir+json) without a CORS preflight, which this site never grants. So no CSRF token.
@csrf_exempt
@never_cache
@rate_limit(group="api-plan", rate_setting="RATELIMIT_API", as_json=True)
def plan(request: HttpRequest) -> JsonResponse:
    if request.method != "POST":
        response = error_response(405, {"method": ["Use POST."]})
        response["Allow"] = "POST"
        return response
    if request.content_type == FHIR_JSON:
        return _plan_for_questionnaire_response(request)
    try:
        result = plan_request(_read_json(request))
    except PlanRequestError as error:
        return error_response(error.status, error.errors)
    return json_response(plan_to_dict(result))


def _plan_for_questionnaire_response(request: HttpRequest) -> JsonResponse:
    """The same plan for a FHIR QuestionnaireResponse (the answers checked by the same rules); a refusal
    is an OperationOutcome naming the item by linkId."""
    try:
        result, _ = plan_for_response(read_fhir_json(request, "a QuestionnaireResponse"), base=fhir_base(request))
    except FhirError as error:
        return fhir_response(error.outcome(), status=error.status)
    return json_response(plan_to_dict(result))


def openapi(request: HttpRequest) -> JsonResponse:
    """The OpenAPI document; its answers schema is the current edition's questions, or with
    ``?edition=N`` a published edition's."""
    try:
        edition, number = openapi_edition(request.GET.get("edition"))
    except PlanRequestError as error:
        return error_response(error.status, error.errors)
    return json_response(openapi_document(vocabulary_for(edition), number), json_dumps_params={"indent": 2})

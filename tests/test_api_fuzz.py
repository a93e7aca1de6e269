"""Schemathesis fuzzes the API from its OpenAPI document, through the WSGI app: POST /api/v1/plan
and the FHIR server's reads under /fhir/.

Valid and invalid bodies drawn from the schema: no server error, every valid JSON body accepted,
and every response (status, content type, headers, body) is what the document says. A
QuestionnaireResponse the schema allows may still not fit the Questionnaire (its items are the
Questionnaire's to define, not the document's), so for those only acceptance is not asked: they must
be answered as documented, never with a server error. Bounded in examples, so it stays a few seconds
in the normal suite.
"""

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from bme_wizard.clinic.openapi import openapi_document
from bme_wizard.interop.fhir import FHIR_JSON
from bme_wizard.pathway.vocabulary import QUESTIONS

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 500


def map_case(context, case):
    """Schema-valid bodies made consistent where JSON Schema cannot say how: no more weeks of conservative
    treatment than of symptoms (the document says so in words; the DCE rule it states as schema). Only for
    bodies drawn as valid; those drawn as invalid are sent as drawn, and must be refused."""
    body = case.body
    answers = body.get("answers") if isinstance(body, dict) else None
    if case.meta is None or not case.meta.generation.mode.is_positive or not isinstance(answers, dict):
        return case
    treated, symptoms = answers.get("conservative_weeks"), answers.get("symptom_weeks")
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (treated, symptoms))
    if numbers and treated > symptoms:
        answers["conservative_weeks"], answers["symptom_weeks"] = symptoms, treated
    return case


@pytest.fixture
def connection_kept():
    """As Django's test client does: the app must not close the connection that holds the test's
    transaction (it would, on PostgreSQL, at the end of each request)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# The first edition's document, which is what the app serves once the test's first edition is
# published (test_api checks that it does); built without a database, calls go through the app.
schema = schemathesis.openapi.from_dict(json.loads(json.dumps(openapi_document(QUESTIONS))))
schema.app = get_wsgi_application()
schema.hook(map_case)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,  # the same examples every run: a failure here is never a fluke
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_the_api_keeps_to_its_document(case, first_edition, connection_kept):
    case.call_and_validate(excluded_checks=[positive_data_acceptance] if case.media_type == FHIR_JSON else None)

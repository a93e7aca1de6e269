"""Rate limits on POST /api/v1/plan and the admin login: 429 with Retry-After, JSON or HTML."""

import json

import pytest
from django.core.cache import cache
from jsonschema import Draft202012Validator

from bme_wizard.clinic.openapi import openapi_document
from bme_wizard.pathway.vocabulary import QUESTIONS
from tests.conftest import answers

pytestmark = pytest.mark.django_db

API = "/api/v1/plan"
LOGIN = "/admin/login/"


@pytest.fixture
def limits(settings):
    # An hour's window: a test never straddles the window's end.
    settings.RATELIMIT_ENABLE = True
    settings.RATELIMIT_API = "3/h"
    settings.RATELIMIT_LOGIN = "2/h"
    cache.clear()
    yield settings
    cache.clear()


def plan(client, **extra):
    return client.post(API, json.dumps({"answers": answers()}), content_type="application/json", **extra)


def test_the_api_answers_429_json_with_retry_after_past_its_limit(client, first_edition, limits):
    assert [plan(client).status_code for _ in range(3)] == [200, 200, 200]
    refused = plan(client)
    assert refused.status_code == 429
    retry_after = int(refused["Retry-After"])
    assert 1 <= retry_after <= 3600
    body = refused.json()
    assert body == {"error": f"Too many requests; try again in {retry_after} s.", "retry_after": retry_after}
    document = openapi_document(QUESTIONS)
    schema = document["paths"][API]["post"]["responses"]["429"]["content"]["application/json"]["schema"]
    Draft202012Validator({**schema, "components": document["components"]}).validate(body)


def test_each_address_has_its_own_count(client, first_edition, limits):
    for _ in range(4):
        plan(client)
    assert plan(client).status_code == 429
    assert plan(client, REMOTE_ADDR="192.0.2.7").status_code == 200


def test_the_rate_comes_from_settings_and_the_switch_turns_limits_off(client, first_edition, limits):
    limits.RATELIMIT_API = "1/h"
    assert [plan(client).status_code for _ in range(2)] == [200, 429]
    limits.RATELIMIT_ENABLE = False
    assert plan(client).status_code == 200


def test_refused_requests_before_the_limit_count_too(client, first_edition, limits):
    # Bad requests are not free: a client cannot probe without limit.
    for _ in range(3):
        assert client.post(API, "nope", content_type="application/json").status_code == 400
    assert plan(client).status_code == 429


def test_admin_login_posts_are_limited_with_an_html_429_page(client, limits):
    for _ in range(2):
        response = client.post(LOGIN, {"username": "someone", "password": "wrong-password"})
        assert response.status_code == 200  # the login form again, with its error
    refused = client.post(LOGIN, {"username": "someone", "password": "wrong-password"})
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 3600
    html = refused.content.decode()
    assert "Too many requests" in html and "Bone marrow edema pathway" in html
    assert refused["Content-Type"].startswith("text/html")
    # Reading the login page is not limited.
    assert client.get(LOGIN).status_code == 200


def test_the_limited_login_is_the_admin_login(client, limits, django_user_model):
    django_user_model.objects.create_user("editor", password="a-long-password-1", is_staff=True)
    response = client.post(LOGIN, {"username": "editor", "password": "a-long-password-1", "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200

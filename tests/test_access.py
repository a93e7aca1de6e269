"""Every route of the URL conf, walked as an anonymous visitor: public or closed, nothing between.

The walk reads the live URL conf (django.urls.get_resolver, recursively), so a route
added later (a staff preview, another admin) is checked without touching this file: it
is either on the public list below or must send an anonymous visitor to the login page,
or answer 403 or 404, for GET and for POST.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RegexPattern

pytestmark = pytest.mark.django_db

# Clinicians need no account; integrators use the API and the FHIR server; editors sign in and out.
PUBLIC = {
    "",
    "livez",
    "healthz",
    "guideline/",
    "assess/",
    "assess/<str:run_id>/",
    "a/<str:token>/",
    "a/<str:token>/patient/",
    "a/<str:token>/edit/",
    "a/<str:token>/changes/",
    "api/v1/plan",
    "api/v1/openapi.json",
    "fhir/metadata",
    "fhir/Questionnaire/bme-pathway",
    "fhir/Questionnaire/bme-pathway/_history/<int:version>",
    "fhir/CodeSystem/bme-vocabulary",
    "fhir/CodeSystem/bme-vocabulary/_history/<int:version>",
    "fhir/PlanDefinition/bme-pathway",
    "fhir/PlanDefinition/bme-pathway/_history/<int:version>",
    "fhir/PlanDefinition/bme-pathway/$apply",
    "fhir/OperationDefinition/bme-pathway-apply",
    "admin/login/",
    "admin/logout/",
}
LOGIN = "/admin/login/"
SAMPLE = {"int": "1", "uuid": "00000000-0000-0000-0000-000000000001"}  # any other converter: "1"


def routes(resolver=None, prefix=()):
    """(route as written, pattern) for every URL pattern, includes followed."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from routes(entry, (*prefix, entry.pattern))
        elif isinstance(entry, URLPattern):
            yield "".join(str(p) for p in (*prefix, entry.pattern)), (*prefix, entry.pattern)


def sample_segment(pattern) -> str:
    text = str(pattern)
    if isinstance(pattern, RegexPattern):
        # A named group of plain alternatives takes the first; any other group a placeholder.
        text = re.sub(
            r"\(\?P<\w+>([^()]*)\)",
            lambda m: m.group(1).split("|")[0] if re.fullmatch(r"[\w|]+", m.group(1)) else "1",
            text,
        )
        text = re.sub(r"\((?!\?)[^()]*\)", "1", text)  # an unnamed group: a placeholder
        return text.lstrip("^").rstrip("$").replace("\\", "")
    return re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLE.get(m.group(1) or "str", "1"), text)


def sample_url(patterns) -> str:
    return "/" + "".join(sample_segment(p) for p in patterns)


def test_the_walk_finds_the_routes_that_exist_today():
    found = {route for route, _ in routes()}
    assert PUBLIC <= found
    assert "admin/content/recommendation/<path:object_id>/change/" in found


@pytest.mark.parametrize(("route", "patterns"), [pytest.param(*r, id=r[0]) for r in routes() if r[0] not in PUBLIC])
def test_a_closed_route_sends_anonymous_visitors_away(client, first_edition, route, patterns):
    url = sample_url(patterns)
    resolved = resolve(url).route
    # The sample must reach this very route (Django drops a regex's ^ when it joins routes).
    assert resolved.replace("^", "") == route.replace("^", ""), f"{url} reaches {resolved}, not {route}: add a SAMPLE"
    for method in (client.get, client.post):
        response = method(url)
        if response.status_code == 302:
            assert response["Location"].startswith(LOGIN), (route, method.__name__, response["Location"])
        else:
            assert response.status_code in (403, 404), (route, method.__name__, response.status_code)


@pytest.mark.parametrize("route", sorted(PUBLIC))
def test_public_routes_answer_anonymous_visitors_without_a_server_error(client, first_edition, route):
    patterns = dict(routes())[route]
    response = client.get(sample_url(patterns))
    assert response.status_code < 500

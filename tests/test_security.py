"""Security headers, production cookies and HSTS, and the error pages in the product's style."""

import re
from pathlib import Path

import pytest
from django.test import Client

from tests.html import elements
from tests.test_settings import PRODUCTION_ENV, manage

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def test_every_page_carries_the_security_headers(client, first_edition):
    response = client.get("/guideline/")
    csp = response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert re.search(r"script-src 'self' 'nonce-[^']+'", csp)
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = response["Permissions-Policy"]
    assert "camera=()" in policy and "geolocation=()" in policy and "microphone=()" in policy
    assert "clipboard-write=(self)" in policy


def test_the_api_and_error_pages_carry_them_too(client, first_edition):
    for response in (client.post("/api/v1/plan", "{}", content_type="application/json"), client.get("/nowhere/")):
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "camera=()" in response["Permissions-Policy"]
        assert response["X-Frame-Options"] == "DENY"


def test_over_https_in_production_mode_hsts_and_cookies_are_strict(client, first_edition):
    page = client.get("/", secure=True)
    assert page["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    csrf = page.cookies["csrftoken"]
    assert csrf["secure"] and csrf["httponly"] and csrf["samesite"] == "Lax"
    started = client.post("/assess/", secure=True)
    session = started.cookies["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"


@pytest.mark.parametrize("cache_url", ["", "redis://127.0.0.1:6379/0"])
def test_check_deploy_is_clean_with_either_cache(cache_url):
    result = manage("check", "--deploy", "--fail-level", "WARNING", env={**PRODUCTION_ENV, "CACHE_URL": cache_url})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_an_unknown_cache_url_is_refused_by_name():
    result = manage("check", env={**PRODUCTION_ENV, "CACHE_URL": "memcached://x"})
    assert result.returncode != 0
    assert "CACHE_URL must be a redis://" in result.stderr


def test_htmx_is_configured_for_a_csp_without_unsafe_inline_or_eval():
    base = (TEMPLATES / "base.html").read_text()
    config = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", base).group(1)
    assert '"allowEval": false' in config and '"includeIndicatorStyles": false' in config
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        # Inline handlers, hx-on (evaluated by htmx) and inline styles would all need unsafe-*.
        assert not re.search(r"\s(on[a-z]+|hx-on[:\w-]*|style)\s*=", text), template
        assert "js:" not in text and "javascript:" not in text, template


def _looks_like_ours(html: str, heading: str) -> None:
    assert '<a class="brand" href="/">Bone marrow edema pathway</a>' in html
    assert "Professional medical disclaimer" in html
    assert heading in html
    assert 'href="/static/css/site.css"' in html


@pytest.mark.urls("tests.error_urls")
class TestErrorPages:
    def test_404(self, client):
        response = client.get("/no/such/page/")
        assert response.status_code == 404
        _looks_like_ours(response.content.decode(), "Page not found")

    def test_500_shows_our_page_and_no_script_without_a_nonce(self, first_edition):
        response = Client(raise_request_exception=False).get("/test-errors/500/")
        assert response.status_code == 500
        html = response.content.decode()
        _looks_like_ours(html, "Something went wrong on our side")
        assert "a bug, on purpose" not in html
        assert not [tag for tag, _ in elements(html) if tag == "script"]

    def test_403(self, client):
        response = client.get("/test-errors/403/")
        assert response.status_code == 403
        _looks_like_ours(response.content.decode(), "Not allowed")

    def test_400(self, client):
        response = client.get("/test-errors/400/")
        assert response.status_code == 400
        html = response.content.decode()
        _looks_like_ours(html, "The request could not be read")
        assert "on purpose" not in html

    def test_400_for_a_host_that_is_not_allowed(self, client):
        response = client.get("/", headers={"host": "evil.example"})
        assert response.status_code == 400
        _looks_like_ours(response.content.decode(), "The request could not be read")

    def test_403_csrf_when_a_form_arrives_without_its_token(self, first_edition):
        response = Client(enforce_csrf_checks=True).post("/assess/")
        assert response.status_code == 403
        html = response.content.decode()
        _looks_like_ours(html, "The form could not be sent")
        assert "CSRF verification failed" not in html
        # Rendered with the request: the page's script has this response's nonce.
        nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
        assert f'nonce="{nonce}"' in html

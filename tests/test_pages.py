"""The public pages: the current edition, its review state, and no injected markup."""

import pytest
from django.urls import reverse

from bme_wizard.content.models import Recommendation
from tests.editorial import approve_everything, change
from tests.html import assert_inert, elements

pytestmark = pytest.mark.django_db


def test_home_names_the_current_edition(client, first_edition):
    html = client.get(reverse("clinic:home")).content.decode()
    assert "Edition 1" in html
    assert "Professional medical disclaimer" in html


def test_home_without_any_edition_says_so(client):
    response = client.get(reverse("clinic:home"))
    assert response.status_code == 200
    assert "No guideline edition has been published yet" in response.content.decode()


def test_guideline_shows_every_statement_with_numbered_sources(client, first_edition):
    html = client.get(reverse("clinic:guideline")).content.decode()
    text = html.replace("<strong>", "").replace("</strong>", "")
    for recommendation in Recommendation.objects.filter(edition=first_edition):
        assert recommendation.text.split(".")[0].replace("**", "") in text, recommendation.key
    assert 'href="#ref-1"' in html and 'id="ref-1"' in html
    assert "Incomplete record" in html
    assert "Applies when" in html


def test_a_caution_banner_shows_while_content_awaits_review(client, first_edition):
    assert "Pending review" in client.get(reverse("clinic:guideline")).content.decode()
    approve_everything(first_edition)
    assert "Pending review" not in client.get(reverse("clinic:guideline")).content.decode()


def test_editor_html_is_rendered_inert_on_the_page(client, draft_edition):
    from tests.conftest import publish_without_checks

    change(
        Recommendation.objects.get(edition=draft_edition),
        text="Hello <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>",
    )
    publish_without_checks(draft_edition)
    html = client.get(reverse("clinic:guideline")).content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    assert_inert(main)
    assert "&lt;script&gt;" in main


def test_security_headers(client, first_edition):
    response = client.get(reverse("clinic:guideline"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_script_or_style(client, first_edition):
    for name in ["clinic:home", "clinic:guideline"]:
        for tag, attrs in elements(client.get(reverse(name)).content.decode()):
            assert tag not in {"script", "style"} or attrs.get("src"), (name, tag)
            assert "style" not in attrs, (name, tag)


def test_livez_answers_without_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/livez")
    assert response.status_code == 200 and response.content == b"ok\n"

"""Real pages in a real browser: accessible, no CSP violations, admin usable under the strict CSP."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model

from bme_wizard.content.models import Recommendation

# The live server runs in another thread, so data must be committed: transactional tests.
# Their flush also drops the roles a migration created, so the editor here is a superuser;
# the roles' permissions are tested in tests/test_admin.py.
pytestmark = pytest.mark.django_db(transaction=True)


def _axe_violations(page):
    results = Axe().run(page)
    return [(v["id"], v["impact"], v["help"]) for v in results.response["violations"]]


@pytest.mark.parametrize("path", ["/", "/guideline/"])
def test_public_pages_have_no_accessibility_violations(live_server, first_edition, page, path):
    page.goto(live_server.url + path)
    assert page.locator("h1").count() == 1
    assert _axe_violations(page) == []
    assert page.csp_violations == []


def test_guideline_is_readable_at_360_px_without_horizontal_scrolling(live_server, first_edition, page):
    page.goto(live_server.url + "/guideline/")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 360
    page.get_by_role("link", name="reference 1").first.click()
    assert page.url.endswith("#ref-1")


def test_an_editor_logs_in_and_moves_review_status_under_the_strict_csp(live_server, first_edition, page):
    get_user_model().objects.create_superuser("rev", password="a-long-test-password")
    recommendation = Recommendation.objects.get(edition=first_edition, key="vcf-nsaids")

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/admin/")
    page.get_by_label("Username").fill("rev")
    page.get_by_label("Password").fill("a-long-test-password")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/admin/content/recommendation/{recommendation.pk}/change/")
    page.get_by_role("link", name="Review (submitted)").click()
    page.get_by_role("button", name="Start review").click()
    assert "Start review: done for vcf-nsaids." in page.locator(".messagelist").inner_text()
    recommendation.refresh_from_db()
    assert recommendation.review_status == "under_review"
    assert page.csp_violations == []


def test_the_csp_violation_detector_sees_a_real_violation(page):
    """Guards the assertions above: a refused inline script must be recorded."""
    page.set_content("<meta http-equiv='Content-Security-Policy' content=\"script-src 'none'\"><script>1</script>")
    page.wait_for_timeout(200)
    assert page.csp_violations, "the console listener no longer recognises CSP violations"

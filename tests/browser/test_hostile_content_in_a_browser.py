"""A summary, patient page and guideline built from hostile content, in a real browser: nothing runs."""

import pytest

from bme_wizard.clinic.services import assessment_create
from bme_wizard.content.services import edition_import
from tests.conftest import publish_without_checks
from tests.test_hostile_content import SUMMARY_ANSWERS, accepted, editor_text_fields, packed, store_round

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def hostile_summary(first_edition_document):
    draft = edition_import(document=first_edition_document)
    plan = {}
    for model, name in editor_text_fields():
        field = model._meta.get_field(name)
        plan[(model, name)] = packed(accepted(model, name, draft), getattr(field, "max_length", None))
    edition = publish_without_checks(draft)
    store_round(edition, plan, 0)
    return assessment_create(answers=SUMMARY_ANSWERS[0], edition=edition).token


def test_hostile_content_fires_no_dialog_and_breaks_no_policy(live_server, page, hostile_summary):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    for path in (f"/a/{hostile_summary}/", f"/a/{hostile_summary}/patient/", "/guideline/"):
        page.goto(live_server.url + path)
        assert "alert(" in page.locator("main").inner_text()  # the hostile text is there, as text
        page.mouse.move(180, 300)
        page.locator("main").hover()
        for _ in range(15):
            page.keyboard.press("Tab")
        page.wait_for_timeout(300)
    assert dialogs == []
    # Not even an attempt that the Content Security Policy had to block.
    assert page.csp_violations == []

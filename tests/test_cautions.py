"""Evidence caveats reach clinicians: a statement the evidence check doubts carries a short, cited caution,
shown under it on the summary (and so in print), on the guideline page, in the clinical note, in the
`plan` command's text and in the API."""

import io
import json

import pytest
from django.core.management import call_command

from bme_wizard.content.models import Recommendation
from tests.conftest import answers
from tests.html import elements
from tests.wizard_walk import walk

pytestmark = pytest.mark.django_db

CANCER_DUE = answers(context="vertebral_fracture", fracture_cause="cancer", severe_pain="yes", response="no_change")
CAUTION = "Evidence check: no 80% figure was found."


def test_the_summary_shows_the_caution_under_its_statement_with_its_sources(client, first_edition):
    html = client.get(walk(client, CANCER_DUE)).content.decode()
    kyphoplasty = Recommendation.objects.get(edition=first_edition, key="vcf-kyphoplasty-cancer")
    start = html.index(kyphoplasty.text.split(" about")[0])
    block = html[start : html.index("Why this applies", start)]
    assert '<div class="statement-caution" role="note">' in block and CAUTION in block
    assert "Berenson" in html  # the caution's source is in the numbered references
    # Print is the same page under print CSS; the caution is not marked no-print.
    assert "no-print" not in block


def test_the_guideline_page_shows_every_caution(client, first_edition):
    html = client.get("/guideline/").content.decode()
    for statement in Recommendation.objects.filter(edition=first_edition).exclude(caution=""):
        assert statement.caution.split(":")[1].split(";")[0].strip()[:40] in html, statement.key


def test_the_clinical_note_and_the_command_carry_the_caution(client, first_edition, tmp_path):
    html = client.get(walk(client, CANCER_DUE)).content.decode()
    start = html.index(">", html.index('<textarea id="clinical-note"')) + 1
    note = html[start : html.index("</textarea>")]
    assert f"CAUTION: {CAUTION}" in note
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(CANCER_DUE))
    out = io.StringIO()
    call_command("plan", str(path), stdout=out)
    text = out.getvalue()
    assert f"CAUTION: {CAUTION}" in text and "Content last updated 2025-11-04." in text
    assert elements(note) == []


def test_a_statement_without_doubt_has_no_caution_box(client, first_edition):
    html = client.get(walk(client, answers(context="cno"))).content.decode()
    cno = Recommendation.objects.get(edition=first_edition, key="cno-mri-activity")
    start = html.index(cno.text.split(";")[0][:40])
    assert "statement-caution" not in html[start : html.index("Why this applies", start)]

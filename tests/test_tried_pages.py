"""Tried is a state, not a badge: every page and format of the first edition shows it the same way.

Transient bone marrow edema: ``tbme-conservative`` advises NSAIDs and protected weight bearing.
With both tried it is no longer advice but sits in the "already tried" part, after what the
pathway offers now; with only NSAIDs tried it stays in its section and says NSAIDs were tried.
"""

import io
import json
from dataclasses import replace

import pytest
from django.core.management import call_command

from bme_wizard.clinic.plan_json import plan_to_dict
from bme_wizard.clinic.plan_text import plan_to_text
from bme_wizard.content.snapshot import edition_snapshot
from bme_wizard.pathway.answers import clean_answers
from bme_wizard.pathway.plan import build_plan
from tests.conftest import answers, publish_without_checks
from tests.wizard_walk import walk

pytestmark = pytest.mark.django_db

BOTH = answers(context="transient_bme", treatments_tried=["nsaids", "protected_weight_bearing"])
NSAIDS_ONLY = answers(context="transient_bme", treatments_tried=["nsaids"])
STATEMENT = "Treat conservatively with NSAIDs and protected weight bearing."
PLAIN = "Anti-inflammatory painkillers and taking weight off the painful joint"
# The first edition's own wording for the statement once tried; tests of the fallback (an edition
# without such wording) take it away with ``_with_tried_wording(monkeypatch, text="")``.
EDITION_WORDING = "NSAIDs and protected weight bearing have already been tried."
TRIED_WORDING = "NSAIDs and protected weight bearing have been tried: reassess before going further."


def _between(html, start, end):
    begin = html.index(start)
    return html[begin : html.index(end, begin)]


def _section(html, section_id):
    """The <section> whose heading has this id."""
    start = html.rindex("<section", 0, html.index(f'id="{section_id}"'))
    return html[start : html.index("</section>", start)]


def _plan_sections(html):
    """Every section of the plan's advice (not the tried part), joined."""
    body = html[html.index("<h1>") : html.index('id="pitfalls-title"')]
    return "".join(
        body[start : body.index("</section>", start)] for start in _starts(body, '<section class="plan-section" ')
    )


def _starts(text, needle):
    found, index = [], text.find(needle)
    while index != -1:
        found.append(index)
        index = text.find(needle, index + 1)
    return found


def _note(html):
    return _between(html, '<textarea id="clinical-note"', "</textarea>")


def _with_tried_wording(monkeypatch, key="tbme-conservative", text=TRIED_WORDING):
    """The edition as the content side will supply it: with its own wording for a tried statement."""
    from bme_wizard.clinic import views

    def snapshot(edition):
        original = edition_snapshot(edition)
        recommendations = tuple(
            replace(entry, tried_text=text, tried_html=f"<p>{text}</p>" if text else "") if entry.key == key else entry
            for entry in original.recommendations
        )
        return replace(original, recommendations=recommendations)

    monkeypatch.setattr(views, "edition_snapshot", snapshot)


class TestSummaryPage:
    def test_a_fully_tried_statement_is_shown_as_tried_after_what_comes_next(self, client, first_edition, monkeypatch):
        _with_tried_wording(monkeypatch, text="")  # an edition without its own wording once tried
        html = client.get(walk(client, BOTH)).content.decode()
        tried = _section(html, "section-tried")
        assert '<h2 id="section-tried">Already tried</h2>' in tried
        assert "Already tried:</strong> NSAIDs, Protected weight bearing</p>" in tried
        # The statement itself is only quoted, as what was previously advised.
        quoted = _between(tried, '<blockquote class="previously-advised">', "</blockquote>")
        assert "Previously advised:" in quoted and STATEMENT in quoted
        assert tried.count(STATEMENT) == 1
        # Never as an instruction in the plan's sections.
        assert STATEMENT not in _plan_sections(html)
        # What the pathway offers now comes first, the tried part after it, the pitfalls last.
        offers = html.index("What the pathway offers now")
        assert offers < html.index('id="section-assessment"') < html.index('id="section-tried"')
        assert html.index('id="section-tried"') < html.index('id="pitfalls-title"')
        assert "Already tried: NSAIDs, Protected weight bearing." in _between(
            html, "What the pathway offers now", "</div>"
        )

    def test_only_some_treatments_tried_stays_as_advice_and_says_which(self, client, first_edition):
        html = client.get(walk(client, NSAIDS_ONLY)).content.decode()
        first_line = _section(html, "section-first_line")
        assert STATEMENT in first_line and "Already tried:</strong> NSAIDs</p>" in first_line
        assert 'id="section-tried"' not in html and "What the pathway offers now" not in html

    def test_the_editions_tried_wording_is_shown_instead_of_the_statement(self, client, first_edition, monkeypatch):
        _with_tried_wording(monkeypatch)
        html = client.get(walk(client, BOTH)).content.decode()
        tried = _section(html, "section-tried")
        assert f'<div class="statement-text tried-text"><p>{TRIED_WORDING}</p></div>' in tried
        assert "Already tried:</strong> NSAIDs, Protected weight bearing</p>" in tried
        assert STATEMENT not in html[: html.index('id="note-title"')]

    def test_the_print_view_keeps_the_tried_part(self, client, first_edition):
        # Print is the same page under print CSS, which hides what is marked no-print: the tried part
        # must not be (the browser test prints the page and sees it).
        html = client.get(walk(client, BOTH)).content.decode()
        start = html.rindex("<section", 0, html.index('id="section-tried"'))
        assert "no-print" not in html[start : html.index(">", start)]
        assert "no-print" not in _section(html, "section-tried")

    def test_the_first_editions_own_wording_once_tried(self, client, first_edition):
        html = client.get(walk(client, BOTH)).content.decode()
        tried = _section(html, "section-tried")
        assert f'<div class="statement-text tried-text"><p>{EDITION_WORDING}</p></div>' in tried
        assert STATEMENT not in html[: html.index('id="note-title"')]
        assert f"- {EDITION_WORDING} [" in _note(html)

    def test_the_clinical_note_has_an_already_tried_section(self, client, first_edition, monkeypatch):
        _with_tried_wording(monkeypatch, text="")
        note = _note(client.get(walk(client, BOTH)).content.decode())
        tried = _between(note, "\nAlready tried\n", "\nPitfalls to avoid\n")
        assert "- Already tried: NSAIDs, Protected weight bearing. [" in tried
        assert f"Previously advised: “{STATEMENT}”" in tried
        assert f"- {STATEMENT}" not in note
        assert (
            note.index("\nWhat the pathway offers now\n")
            < note.index("\nAssessment and imaging\n")
            < note.index("\nAlready tried\n")
        )

    def test_the_clinical_note_keeps_a_partly_tried_statement_as_advice(self, client, first_edition):
        note = _note(client.get(walk(client, NSAIDS_ONLY)).content.decode())
        assert f"- {STATEMENT}" in note and "Already tried: NSAIDs." in note
        assert "\nAlready tried\n" not in note


class TestPatientPage:
    def test_tried_statements_are_not_advice_and_the_treatments_are_listed(self, client, first_edition):
        patient = client.get(walk(client, BOTH) + "patient/").content.decode()
        assert PLAIN not in patient
        tried = _section(patient, "p-tried")
        assert "Treatments you have already tried" in tried
        assert "<li>NSAIDs</li>" in tried and "<li>Protected weight bearing</li>" in tried

    def test_a_partly_tried_statement_stays_in_plain_language(self, client, first_edition):
        patient = client.get(walk(client, NSAIDS_ONLY) + "patient/").content.decode()
        assert PLAIN in patient and "You have already tried: NSAIDs" in patient
        assert "Treatments you have already tried" not in patient


class TestCommand:
    def test_the_plan_command_text_and_json(self, tmp_path, first_edition, client):
        path = tmp_path / "answers.json"
        path.write_text(json.dumps(BOTH))
        out = io.StringIO()
        call_command("plan", str(path), stdout=out)
        text = out.getvalue()
        tried = _between(text, "\nAlready tried\n", "\nPitfalls to avoid\n")
        assert f"  - {EDITION_WORDING} [" in tried
        assert "Already tried: NSAIDs, Protected weight bearing." in tried
        assert STATEMENT not in text

        out = io.StringIO()
        call_command("plan", str(path), "--json", stdout=out)
        printed = json.loads(out.getvalue())
        assert [r["key"] for r in printed["already_tried"]] == ["tbme-conservative"]
        from_api = client.post("/api/v1/plan", json.dumps({"answers": BOTH}), content_type="application/json")
        assert printed == from_api.json()

    def test_the_editions_tried_wording_in_text_and_json(self, first_edition):
        snapshot = edition_snapshot(first_edition)
        worded = replace(
            snapshot,
            recommendations=tuple(
                replace(entry, tried_text=TRIED_WORDING, tried_html=f"<p>{TRIED_WORDING}</p>")
                if entry.key == "tbme-conservative"
                else entry
                for entry in snapshot.recommendations
            ),
        )
        plan = build_plan(clean_answers(BOTH), worded)
        text = plan_to_text(plan)
        tried = _between(text, "\nAlready tried\n", "\nPitfalls to avoid\n")
        assert "  - NSAIDs and protected weight bearing have been tried: reassess" in tried
        assert "Already tried: NSAIDs, Protected weight bearing." in tried
        assert STATEMENT not in text
        [entry] = plan_to_dict(plan)["already_tried"]
        assert entry["tried_text"] == TRIED_WORDING


def test_the_preview_summary_shows_the_tried_part(reviewer_client, first_edition):
    from tests.wizard_walk import walk_preview

    html = reviewer_client.get(walk_preview(reviewer_client, first_edition, BOTH)).content.decode()
    assert "Already tried:</strong> NSAIDs, Protected weight bearing</p>" in _section(html, "section-tried")
    assert STATEMENT not in _plan_sections(html)


def test_what_changed_for_this_case_shows_the_tried_part_in_both_plans(client, first_edition):
    from bme_wizard.content.services import edition_clone

    summary_url = walk(client, BOTH)
    publish_without_checks(edition_clone(source=first_edition))
    html = client.get(summary_url + "changes/").content.decode()
    assert "No change for this case." in html
    for column in ("plan-given-title", "plan-now-title"):
        side = _between(html, f'id="{column}"', "</section>")
        tried = side[side.index("<h3>Already tried</h3>") :]
        assert "Already tried:</strong> NSAIDs, Protected weight bearing</p>" in tried
        assert EDITION_WORDING in tried

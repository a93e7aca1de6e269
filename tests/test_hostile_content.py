"""Hostile text in every editor text field never becomes executable markup anywhere.

The fields are found by introspection: every editable CharField/TextField without
choices on every model of the content app, so a model or field added later is covered
without touching this file. Each payload of tests/xss_payloads.py is tried in each field:
either the model's validation refuses it there (as admin and edition files would), or it
is stored and then every page that can show it is parsed for executable markup:
the guideline, summaries, the patient page, the API's answer, the clinical note, and
the admin's change lists and change pages.
"""

from __future__ import annotations

import contextlib
import json
from collections import defaultdict

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.urls import NoReverseMatch, reverse
from simple_history.models import HistoricalChanges

from bme_wizard.clinic.models import Assessment
from bme_wizard.clinic.plan_text import plan_to_note
from bme_wizard.clinic.services import assessment_create
from bme_wizard.content import db_guard
from bme_wizard.content.models import Edition, EditionItem, Scenario, edition_touch
from bme_wizard.content.services import edition_import
from bme_wizard.content.snapshot import edition_snapshot
from bme_wizard.pathway.plan import build_plan
from tests.conftest import answers, publish_without_checks
from tests.html import elements, executable_markup
from tests.xss_payloads import PAYLOADS

pytestmark = pytest.mark.django_db

# Answers that bring many pathways and statements onto one summary.
SUMMARY_ANSWERS = [
    answers(context="transient_bme", response="no_change", treatments_tried=["nsaids"], vitamin_d_calcium="unknown"),
    answers(context="vertebral_fracture", fracture_cause="cancer", severe_pain="yes", symptom_weeks=16,
            conservative_weeks=14, response="worsening", mri_done="no", population_flags=["postpartum"]),
    answers(context="charcot_foot", foot_signs=["ulcer"], site="hip", dce_pattern="not_done", sequences=["stir"]),
    # Treatments all tried: the statement is shown in the "already tried" part, quoted as previously advised.
    answers(context="transient_bme", treatments_tried=["nsaids", "protected_weight_bearing"]),
]  # fmt: skip


def editor_text_fields() -> list[tuple[type[models.Model], str]]:
    """(model, field name) for every text an editor can type into, in every content model."""
    found = []
    for model in apps.get_app_config("content").get_models():
        if issubclass(model, HistoricalChanges):  # history rows are copies, written by saves only
            continue
        for field in model._meta.concrete_fields:
            text = isinstance(field, (models.CharField, models.TextField)) and field.editable and not field.choices
            inherited = field.model is not model and issubclass(model, field.model)  # listed once, on the parent
            if text and not inherited:
                found.append((model, field.name))
    return found


def rows_of(model, edition):
    if model is Edition:
        return model.objects.filter(pk=edition.pk)
    if model is Scenario:  # the guideline's, not one edition's
        return model.objects.all()
    if issubclass(model, EditionItem):
        return model.objects.filter(edition=edition)
    return model.objects.filter(item__edition=edition)  # conditions, review comments, ...


def accepted(model, name, edition) -> list[str]:
    """The payloads the model's own validation lets into this field (on a draft, as an editor would)."""
    instance = rows_of(model, edition).first()
    assert instance is not None, f"the first edition has no {model.__name__} to try {name} on"
    original = getattr(instance, name)
    allowed = []
    for payload in PAYLOADS:
        setattr(instance, name, payload)
        try:
            instance.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            if name in error.message_dict or "__all__" in error.message_dict:
                continue
            raise
        finally:
            setattr(instance, name, original)
        allowed.append(payload)
    return allowed


def packed(payloads: list[str], limit: int | None) -> list[str]:
    """Payloads packed into as few values as fit the field; Markdown fields get one paragraph each."""
    if limit is None:
        return ["\n\n".join(payloads)] if payloads else []
    chunks: list[str] = []
    for payload in payloads:
        if chunks and len(chunks[-1]) + 1 + len(payload) <= limit:
            chunks[-1] += " " + payload
        else:
            chunks.append(payload)
    return chunks


@pytest.fixture
def hostile(first_edition_document, django_user_model):
    """A published edition whose text fields take, round by round, every payload they accept."""
    draft = edition_import(document={**first_edition_document})
    plan = {}
    refused = {}
    for model, name in editor_text_fields():
        field = model._meta.get_field(name)
        allowed = accepted(model, name, draft)
        refused[(model, name)] = len(PAYLOADS) - len(allowed)
        plan[(model, name)] = packed(allowed, field.max_length if isinstance(field, models.CharField) else None)
    edition = publish_without_checks(draft)
    tokens = [assessment_create(answers=a, edition=edition).token for a in SUMMARY_ANSWERS]
    admin = django_user_model.objects.create_superuser("admin", "admin@example.org", "a-long-password-1")
    return {"edition": edition, "plan": plan, "refused": refused, "tokens": tokens, "admin": admin}


def rounds_needed(edition, plan) -> int:
    """Rounds until every chunk of every field has been stored in some row (and so been shown on the
    pages that list every row: the guideline, the summaries' references, the admin's change lists)."""
    return max(-(-len(chunks) // rows_of(model, edition).count()) for (model, _), chunks in plan.items() if chunks)


def fresh_models(edition, plan, round_number) -> set[type]:
    """Models with a field that shows a chunk not shown in an earlier round."""
    fresh = set()
    for (model, _), chunks in plan.items():
        if chunks and round_number * rows_of(model, edition).count() < len(chunks):
            fresh |= {model, *(parent for parent in model.__mro__ if parent in {m for m, _ in plan})}
    return fresh


def store_round(edition, plan, round_number) -> None:
    """Round k: row r of each field holds chunk (k * rows + r) of that field's packed payloads."""
    # Straight to the tables, with the database's triggers lifted: the freeze guards protect
    # published content from editors, and this test plays someone who got past every one of them.
    with db_guard.lifted(connection):
        for (model, name), chunks in plan.items():
            if not chunks:
                continue
            ids = list(rows_of(model, edition).order_by("pk").values_list("pk", flat=True))
            by_chunk = defaultdict(list)
            for row, pk in enumerate(ids):
                by_chunk[(round_number * len(ids) + row) % len(chunks)].append(pk)
            for chunk, pks in by_chunk.items():
                models.QuerySet(model).filter(pk__in=pks).update(**{name: chunks[chunk]})
    edition_touch([edition.pk])


def admin_urls(edition) -> tuple[dict[type, str], list[str]]:
    """The admin's change lists (every row) and a change page of each model (one row, with its inlines)."""
    lists, pages = {}, []
    for model in apps.get_app_config("content").get_models():
        info = (model._meta.app_label, model._meta.model_name)
        try:
            lists[model] = reverse("admin:{}_{}_changelist".format(*info))
        except NoReverseMatch:  # not registered: edited inline, on its item's change page
            continue
        first = rows_of(model, edition).order_by("pk").first()
        if first is not None:
            pages.append(reverse("admin:{}_{}_change".format(*info), args=[first.pk]))
            pages.append(reverse("admin:{}_{}_history".format(*info), args=[first.pk]))
            with contextlib.suppress(NoReverseMatch):  # the workflow's page of an item or an edition
                pages.append(reverse("admin:{}_{}_review".format(*info), args=[first.pk]))
    return lists, pages


def test_the_fields_are_found_by_introspection():
    fields = {f"{model.__name__}.{name}" for model, name in editor_text_fields()}
    # The ones that carry prose today; the list grows by itself with the models.
    assert {"EditionText.title", "EditionText.summary", "EditionText.source_note", "Edition.publication_note",
            "Recommendation.caution", "Recommendation.tried_text", "ReviewComment.resolution", "Pathway.title",
            "Pathway.summary", "Recommendation.text",
            "Recommendation.plain_text", "Pitfall.text", "Reference.title", "Reference.authors",
            "ReviewComment.body", "Condition.value", "EditionItem.key", "Scenario.title",
            "Scenario.description"} <= fields  # fmt: skip


def test_no_payload_in_any_field_becomes_executable_anywhere(client, hostile):
    edition, plan = hostile["edition"], hostile["plan"]
    stored = {field: chunks for field, chunks in plan.items() if chunks}
    # Prose fields take every payload (shown as text); identifiers and codes refuse them all.
    prose = [chunks[0] for (model, name), chunks in plan.items() if name in {"text", "summary"}]
    assert prose and all(payload in value for value in prose for payload in PAYLOADS)
    assert hostile["refused"][(EditionItem, "key")] == len(PAYLOADS)
    client.force_login(hostile["admin"])
    change_lists, change_pages = admin_urls(edition)
    summaries = [[f"/a/{token}/", f"/a/{token}/patient/"] for token in hostile["tokens"]]
    rounds = rounds_needed(edition, stored)
    seen_payload_text = seen_in_fhir = False
    for round_number in range(rounds):
        store_round(edition, plan, round_number)
        # Every round: the clinician pages that show every row, and the change lists of models
        # with something new to show. The pages that show some rows (the other summaries, one
        # item's change page with its inlines) in the first two rounds.
        fresh = fresh_models(edition, stored, round_number)
        lists = [url for model, url in change_lists.items() if model in fresh or (set(model.__mro__) & fresh)]
        pages = ["/", "/guideline/", *lists, *summaries[round_number % len(summaries)]]
        if round_number < 2:
            pages += [url for pair in summaries for url in pair] + change_pages
        for url in pages:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            html = response.content.decode()
            assert executable_markup(html) == [], (url, round_number)
            seen_payload_text |= "alert(22)" in html
        for assessment in Assessment.objects.all():
            note = plan_to_note(
                build_plan(assessment.answers, edition_snapshot(assessment.edition)),
                permalink="https://bme.example/a/x/",
                created=assessment.created_at,
            )
            assert elements(note) == [], round_number  # no tag at all in the plain-text note
        for body in SUMMARY_ANSWERS:
            response = client.post("/api/v1/plan", json.dumps({"answers": body}), content_type="application/json")
            assert response.status_code == 200
            assert response["Content-Type"] == "application/json"
            assert response["X-Content-Type-Options"] == "nosniff"
            assert elements(response.content.decode()) == [] and b"<" not in response.content
            assert "alert(" in json.dumps(response.json())  # the text is there, for clients to render
        # The FHIR server carries the questions' words (labels, help, answers): as text, never markup.
        for url in ("/fhir/Questionnaire/bme-pathway", "/fhir/CodeSystem/bme-vocabulary"):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            assert b"<" not in response.content, (url, round_number)
            seen_in_fhir |= "alert(" in json.dumps(response.json())
    assert seen_payload_text and seen_in_fhir  # the pages and the FHIR resources did show the hostile text, as text

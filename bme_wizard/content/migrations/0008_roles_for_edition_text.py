"""Roles after the one write path: the edition's text is an item authors edit and reviewers review;
authors may correct their own comments (the operations enforce that only a comment's author does)."""

from importlib import import_module

from django.db import migrations

roles_0002 = import_module("bme_wizard.content.migrations.0002_editorial_roles")
roles_0006 = import_module("bme_wizard.content.migrations.0006_review_roles")

CONTENT_MODELS = ["editiontext", "pathway", "recommendation", "pitfall", "reference", "condition", "citation"]


def _all(*models):
    return [f"{action}_{model}" for model in models for action in ("add", "change", "delete", "view")]


ROLES = {
    "Author": _all(*CONTENT_MODELS, "scenario")
    + ["view_edition", "change_edition", "clone_edition", "submit_item"]
    + ["add_reviewcomment", "change_reviewcomment", "view_reviewcomment"],
    "Reviewer": [f"view_{model}" for model in [*CONTENT_MODELS, "edition", "scenario"]]
    + ["review_item", "publish_edition", "add_reviewcomment", "change_reviewcomment", "view_reviewcomment"],
    "Editor in chief": _all(*CONTENT_MODELS, "edition", "reviewcomment", "scenario")
    + ["clone_edition", "publish_edition", "submit_item", "review_item"],
}


def update_roles(apps, schema_editor):
    roles_0002.set_roles(apps, ROLES)


def previous_roles(apps, schema_editor):
    roles_0002.set_roles(apps, roles_0006.ROLES)


class Migration(migrations.Migration):
    dependencies = [("content", "0007_integrity_write_path")]

    operations = [migrations.RunPython(update_roles, previous_roles)]

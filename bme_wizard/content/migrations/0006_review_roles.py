"""Roles for the review workflow: authors write and submit, reviewers review and publish.

Reviewers no longer change content directly (they move items through review and
comment); review steps and publishing are permissions of their own.
"""

from importlib import import_module

from django.db import migrations

roles_0002 = import_module("bme_wizard.content.migrations.0002_editorial_roles")

CONTENT_MODELS = ["pathway", "recommendation", "pitfall", "reference", "condition", "citation"]


def _all(*models):
    return [f"{action}_{model}" for model in models for action in ("add", "change", "delete", "view")]


ROLES = {
    # Authors write and revise drafts (content and scenarios), start new drafts and submit items.
    "Author": _all(*CONTENT_MODELS, "scenario")
    + ["view_edition", "change_edition", "clone_edition", "submit_item"]
    + ["add_reviewcomment", "view_reviewcomment"],
    # The medical advisory board reads everything, reviews items, comments and publishes.
    "Reviewer": [f"view_{model}" for model in [*CONTENT_MODELS, "edition", "scenario"]]
    + ["review_item", "publish_edition", "add_reviewcomment", "change_reviewcomment", "view_reviewcomment"],
    # The editor in chief may do everything with content, and every step of the workflow
    # (the four-eyes rule still applies to what they changed themselves).
    "Editor in chief": _all(*CONTENT_MODELS, "edition", "reviewcomment", "scenario")
    + ["clone_edition", "publish_edition", "submit_item", "review_item"],
}


def update_roles(apps, schema_editor):
    roles_0002.set_roles(apps, ROLES)


def previous_roles(apps, schema_editor):
    roles_0002.set_roles(apps, roles_0002.ROLES)


class Migration(migrations.Migration):
    dependencies = [("content", "0005_review_workflow_history_scenarios")]

    operations = [migrations.RunPython(update_roles, previous_roles)]

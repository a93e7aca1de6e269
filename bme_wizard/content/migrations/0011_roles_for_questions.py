"""Roles once questions are content: authors write an edition's questions, reviewers review them,
like every other item."""

from importlib import import_module

from django.db import migrations

roles_0002 = import_module("bme_wizard.content.migrations.0002_editorial_roles")
roles_0008 = import_module("bme_wizard.content.migrations.0008_roles_for_edition_text")

# What each role may do with questions, on top of what it may do since 0008.
QUESTION_PERMISSIONS = {
    "Author": roles_0008._all("question"),
    "Reviewer": ["view_question"],
    "Editor in chief": roles_0008._all("question"),
}
ROLES = {name: [*codenames, *QUESTION_PERMISSIONS[name]] for name, codenames in roles_0008.ROLES.items()}


def update_roles(apps, schema_editor):
    roles_0002.set_roles(apps, ROLES)


def previous_roles(apps, schema_editor):
    roles_0002.set_roles(apps, roles_0008.ROLES)


class Migration(migrations.Migration):
    dependencies = [("content", "0010_questions_are_content")]

    operations = [migrations.RunPython(update_roles, previous_roles)]

"""Editorial roles as groups with permissions: Author, Reviewer, Editor in chief."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CONTENT_MODELS = ["pathway", "recommendation", "pitfall", "reference", "condition", "citation"]

ROLES = {
    # Authors write and revise statements, conditions, citations and references in drafts.
    "Author": [f"{action}_{model}" for model in CONTENT_MODELS for action in ("add", "change", "delete", "view")]
    + ["view_edition", "add_edition", "add_reviewcomment", "view_reviewcomment"],
    # Reviewers of the medical advisory board read everything, move review status and comment.
    "Reviewer": [f"view_{model}" for model in CONTENT_MODELS]
    + ["change_pathway", "change_recommendation", "change_pitfall", "change_reference"]
    + ["view_edition", "add_reviewcomment", "change_reviewcomment", "view_reviewcomment"],
    # The editor in chief may do everything with content.
    "Editor in chief": [
        f"{action}_{model}"
        for model in [*CONTENT_MODELS, "edition", "reviewcomment"]
        for action in ("add", "change", "delete", "view")
    ],
}


def set_roles(apps, roles: dict[str, list[str]]) -> None:
    """Give each named group exactly these content permissions (later migrations reuse this)."""
    # Permissions are normally created after all migrations; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in roles.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = Permission.objects.filter(content_type__app_label="content", codename__in=codenames)
        missing = set(codenames) - set(permissions.values_list("codename", flat=True))
        if missing:
            raise RuntimeError(f"Role {name}: unknown permissions {sorted(missing)}")
        group.permissions.set(permissions)


def create_roles(apps, schema_editor):
    set_roles(apps, ROLES)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]

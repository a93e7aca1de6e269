"""What every operation shares: its refusal, the right it needs, and one history record per change."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from ..models import FROZEN_STATUSES, EditionImmutableError
from ..models.history import ItemHistory, rows_as_text


class WorkflowError(ValidationError):
    """A step that is not allowed: who, when, in which state, or with what input. Nothing was changed."""


def require(user, permission: str, doing: str) -> None:
    if user is None or not user.has_perm(permission):
        raise WorkflowError(f"You do not have the right to {doing}.", code="permission")


def field_label(model: type[models.Model], name: str) -> str:
    """A field's name as editors read it on the form ("Plain text", "Certainty of evidence")."""
    try:
        return str(model._meta.get_field(name).verbose_name).capitalize()
    except Exception:
        return name


def refusal(error: ValidationError, *, subject: str, model: type[models.Model] | None = None) -> WorkflowError:
    """A validation error restated for editors: the item named, each field by its label."""
    if isinstance(error, WorkflowError):
        return error
    if hasattr(error, "error_dict"):
        lines = []
        for name, errors in error.error_dict.items():
            where = "" if name == "__all__" or model is None else f" ({field_label(model, name)})"
            lines += [f"{subject}{where}: {message}" for e in errors for message in e.messages]
        return WorkflowError(lines, code="invalid")
    return WorkflowError([f"{subject}: {message}" for message in error.messages], code="invalid")


def lock_item(pk: int):
    """An item of an edition, locked for this transaction, as its concrete kind, with its edition."""
    from ..models import EditionItem

    return (
        EditionItem.objects.select_for_update(of=("self",))
        .select_related("edition", *EditionItem.KINDS)
        .get(pk=pk)
        .as_concrete()
    )


def check_not_frozen(edition, subject: str) -> None:
    if edition.status in FROZEN_STATUSES:
        raise EditionImmutableError(
            f"{subject} belongs to {edition.label}, which is {edition.get_status_display().lower()}: its content "
            "cannot change. Start a new draft edition to revise it."
        )


def record_history(
    objs: Iterable[models.Model], *, user, reason: str, created: bool = False, rows: Mapping[int, dict] | None = None
) -> None:
    """One history record per object for one operation, with an item's rows as they now stand.

    ``rows``: per object's pk, its rows as ``rows_as_text`` takes them, when the caller made them in bulk."""
    by_model: dict[type[models.Model], list[models.Model]] = {}
    for obj in objs:
        by_model.setdefault(type(obj), []).append(obj)
    now = timezone.now()
    for model, group in by_model.items():
        history_model = model.history.model
        records = []
        for obj in group:
            values = {field.attname: getattr(obj, field.attname) for field in history_model.tracked_fields}
            if issubclass(history_model, ItemHistory):
                values.update(rows_as_text(obj, **(rows or {}).get(obj.pk, {})))
            records.append(
                history_model(
                    history_date=now,
                    history_user=user,
                    history_change_reason=reason,
                    history_type="+" if created else "~",
                    **values,
                )
            )
        history_model.objects.bulk_create(records)


class quiet_history:
    """Saves inside an operation write no history of their own: the operation records one at the end."""

    def __init__(self, obj: models.Model):
        self.obj = obj

    def __enter__(self):
        self.obj.skip_history_when_saving = True
        return self.obj

    def __exit__(self, *exc):
        del self.obj.skip_history_when_saving
        return False

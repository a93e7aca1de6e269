"""The backstop under the write path: what no save may do, whoever calls it.

Guideline content changes through the operations in ``content.services``. The models
do not carry that workflow, but they refuse what would break its promises if some code
(a shell session, a script, a forgotten admin hook) wrote to them directly:

- content of a published or superseded edition never changes (also refused by the
  database itself, see ``content.db_guard``);
- every row is valid when saved: ``save()`` runs the model's validation;
- a content change never leaves an item submitted or approved: the review that covered
  it would silently cover something else (the operations send it back to draft first);
- review status moves only through the review transitions (the field is protected, and
  a queryset update, which would skip them, is refused);
- queryset updates and deletes of content are refused: they skip validation, review and
  history. Copies made by the clone, rebase and import operations may carry the review
  state of what they copy (``carrying_review_state``).

Every edition whose content a write touches has its ``revision`` moved on (the cache key
of its snapshot), once per operation when the operation defers the touches.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import ClassVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from .choices import EDITABLE_STATUSES, FROZEN_STATUSES


class EditionImmutableError(ValidationError):
    """Raised on any attempt to change the content of a published or superseded edition."""


class EditConflictError(ValidationError):
    """Raised when a save starts from a stale copy: someone else saved the row in between."""


class DirectWriteError(ValidationError):
    """A write that would skip the review rules: it must go through ``content.services``."""


# ---------------------------------------------------------------------------------------
# Revisions: one bump per edition per operation
# ---------------------------------------------------------------------------------------

_deferred_touches: ContextVar[set[int] | None] = ContextVar("deferred_touches", default=None)


def edition_touch(edition_ids: Iterable[int | None]) -> None:
    """Move the editions' revision on, so cached snapshots of them are rebuilt."""
    ids = {i for i in edition_ids if i}
    deferred = _deferred_touches.get()
    if deferred is not None:
        deferred |= ids
        return
    if ids:
        from .editions import Edition

        # Through the base queryset: a revision bump is not a content change.
        models.QuerySet(Edition).filter(pk__in=ids).update(revision=models.F("revision") + 1)


@contextmanager
def edition_touches_deferred() -> Iterator[None]:
    """Bump each touched edition's revision once, on leaving, instead of once per row."""
    if _deferred_touches.get() is not None:  # already deferring: the outer block bumps
        yield
        return
    token = _deferred_touches.set(set())
    try:
        yield
        touched = _deferred_touches.get() or set()
    finally:
        _deferred_touches.reset(token)
    edition_touch(touched)


_carrying: ContextVar[bool] = ContextVar("carrying_review_state", default=False)


@contextmanager
def carrying_review_state() -> Iterator[None]:
    """For copies only (clone, rebase, import): new rows may keep the review state of what they copy."""
    token = _carrying.set(True)
    try:
        yield
    finally:
        _carrying.reset(token)


def is_carrying_review_state() -> bool:
    return _carrying.get()


def direct_write_message(model: type[models.Model], what: str) -> str:
    return (
        f"A {what} of {model._meta.verbose_name_plural} would skip validation, review and history; "
        "change guideline content through its operations (content.services)."
    )


# ---------------------------------------------------------------------------------------
# The freeze guard and the queryset backstop
# ---------------------------------------------------------------------------------------


class ContentQuerySet(models.QuerySet):
    """Refuses bulk writes that would bypass the model's rules; moves touched editions' revisions."""

    def _frozen(self) -> models.QuerySet:
        return self.filter(**{f"{self.model.edition_status_path}__in": FROZEN_STATUSES})

    def _edition_ids(self) -> set[int]:
        path = self.model.edition_status_path.removesuffix("status").removesuffix("__")
        return set(self.values_list(f"{path}__id" if path else "id", flat=True).distinct())

    def update(self, **kwargs):
        if self._frozen().exists():
            raise EditionImmutableError(self.model.immutable_message())
        raise DirectWriteError(direct_write_message(self.model, "queryset update"), code="direct")

    def delete(self):
        if self._frozen().exists():
            raise EditionImmutableError(self.model.immutable_message())
        self.model.check_bulk_delete(self)
        editions = self._edition_ids()
        deleted = super().delete()
        edition_touch(editions)
        return deleted

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        editions: set[int] = set().union(*(obj._editions_touched() for obj in objs)) if objs else set()
        if self.model._any_frozen(editions):
            raise EditionImmutableError(self.model.immutable_message())
        for obj in objs:
            obj.check_before_save_unfrozen()
        created = super().bulk_create(objs, *args, **kwargs)
        edition_touch(editions)
        return created


class FrozenWhenPublished(models.Model):
    """Mixin: the guard every content model shares.

    ``edition_status_path`` is the lookup from this model to its edition's status;
    ``mutable_when_published`` names the fields that may still change once the edition is
    published (review bookkeeping), which ``content.db_guard`` also allows at database level.
    """

    edition_status_path: ClassVar[str]
    mutable_when_published: ClassVar[frozenset[str]] = frozenset()

    objects = ContentQuerySet.as_manager()

    class Meta:
        abstract = True

    @classmethod
    def immutable_message(cls) -> str:
        return (
            f"This {cls._meta.verbose_name} belongs to a published edition, whose content cannot change. "
            "Start a new draft edition to revise it."
        )

    @classmethod
    def check_bulk_delete(cls, queryset: models.QuerySet) -> None:
        """Raise DirectWriteError when a queryset delete of these rows must go through an operation."""
        raise DirectWriteError(direct_write_message(cls, "queryset delete"), code="direct")

    def _editions_touched(self) -> set[int]:
        """The edition ids this object belongs to now and, if saved before, belonged to."""
        raise NotImplementedError

    @staticmethod
    def _any_frozen(edition_ids: set[int]) -> bool:
        from .editions import Edition

        return bool(edition_ids) and Edition.objects.filter(pk__in=edition_ids, status__in=FROZEN_STATUSES).exists()

    def stored_values(self) -> dict[str, object] | None:
        names = [
            field.attname
            for field in self._meta.concrete_fields
            if not field.primary_key and not (field.remote_field and field.remote_field.parent_link)
        ]
        return type(self)._base_manager.filter(pk=self.pk).values(*names).first() if self.pk else None

    def _changed_fields(self) -> set[str]:
        stored = self.stored_values()
        names = [
            field.attname
            for field in self._meta.concrete_fields
            if not field.primary_key and not (field.remote_field and field.remote_field.parent_link)
        ]
        if stored is None:
            return set(names)
        return {name for name in names if stored[name] != getattr(self, name)}

    def check_mutable(self, edition_ids: set[int] | None = None) -> None:
        """Raise EditionImmutableError if saving would change a frozen edition's content."""
        if not self._any_frozen(self._editions_touched() if edition_ids is None else edition_ids):
            return
        if self._state.adding or self._changed_fields() - self.mutable_when_published:
            raise EditionImmutableError(self.immutable_message())

    def check_before_save(self) -> None:
        """The rules a row must meet to be written (validation, freeze, review state); subclasses add theirs.

        A related object the caller holds was read or written just now; the database's own foreign key
        checks it, so validation does not query for it again."""
        held = {
            field.name
            for field in self._meta.concrete_fields
            if field.is_relation and field.many_to_one and field.is_cached(self)
        }
        self.full_clean(exclude=held, validate_unique=False, validate_constraints=False)

    def check_before_save_unfrozen(self) -> None:
        """``check_before_save`` once the freeze has been checked (and refused as such): not again."""
        self._freeze_checked = True
        try:
            self.check_before_save()
        finally:
            del self._freeze_checked

    def clean(self) -> None:
        super().clean()
        if not getattr(self, "_freeze_checked", False):
            self.check_mutable()  # an EditionImmutableError is a ValidationError: forms show it

    def _is_bookkeeping(self, update_fields) -> bool:
        if update_fields is None:
            return False
        names = {self._meta.get_field(name).attname for name in update_fields}
        return names <= self.mutable_when_published | {"updated_at"}

    def save(self, *args, **kwargs):
        editions = self._editions_touched()
        self.check_mutable(editions)  # first, so a frozen edition is refused as such
        if not self._is_bookkeeping(kwargs.get("update_fields")):
            self.check_before_save_unfrozen()
        super().save(*args, **kwargs)
        edition_touch(editions or self._editions_touched())  # a new Edition has its id only now

    def check_delete(self) -> None:
        """Raise when deleting this row must go through an operation (the freeze is checked before)."""

    def delete(self, *args, **kwargs):
        editions = self._editions_touched()
        if self._any_frozen(editions):
            raise EditionImmutableError(self.immutable_message())
        self.check_delete()
        result = super().delete(*args, **kwargs)
        edition_touch(editions)
        return result


def check_editable_review_state(obj, *, content_changed: bool) -> None:
    """The review backstop: a content change never leaves an item or scenario submitted or approved,
    and a new one starts as a draft, unless it is a copy carrying the review state of its original."""
    if is_carrying_review_state():
        return
    if obj._state.adding and obj.review_status not in EDITABLE_STATUSES:
        raise DirectWriteError(
            f"A new {obj._meta.verbose_name} starts as a draft; its review happens through the review steps.",
            code="review_state",
        )
    if not obj._state.adding and content_changed and obj.review_status not in EDITABLE_STATUSES:
        raise DirectWriteError(
            f"{obj} is {obj.get_review_status_display().lower()}: a change to its content must send it back "
            "to draft (content.services does), or the review that covered it would cover something else.",
            code="review_state",
        )


class VersionedModel(models.Model):
    """Mixin: optimistic locking. Each save moves ``version`` on, and refuses to save a
    copy whose version is no longer the stored one: a second editor saving from a stale
    form gets a conflict (and keeps their form), never a silent overwrite."""

    version = models.PositiveIntegerField(default=1, help_text="Moves on with every save (edit conflicts).")

    class Meta:
        abstract = True

    def conflict_message(self) -> str:
        from .people import person_name

        stored = type(self)._base_manager.filter(pk=self.pk).select_related("changed_by").first()
        who = f" by {person_name(stored.changed_by)}" if stored is not None and stored.changed_by_id else ""
        when = f" at {timezone.localtime(stored.updated_at):%Y-%m-%d %H:%M}" if stored is not None else ""
        return (
            f"Someone else saved this {self._meta.verbose_name}{who}{when} after you opened it, so your "
            "changes were not saved. They are still in the form: copy what you need, reload the page to "
            "see the saved version, and apply your changes again."
        )

    def check_version(self, *, lock: bool = False, expected: int | None = None) -> None:
        """Raise EditConflictError if the stored row has moved on since this copy was read.

        ``lock``: read the row FOR UPDATE (inside a transaction), so that two saves of the
        same version cannot both pass. ``expected``: the version the editor opened (a form's)."""
        if self._state.adding or self.pk is None:
            return
        rows = type(self)._base_manager.filter(pk=self.pk)
        stored = (rows.select_for_update() if lock else rows).values_list("version", flat=True).first()
        opened = self.version if expected is None else expected
        if stored is not None and stored != opened:
            raise EditConflictError(self.conflict_message(), code="conflict")

    def save(self, *args, **kwargs):
        with transaction.atomic():
            if not self._state.adding and self.pk is not None:
                self.check_version(lock=True)
                self.version += 1
                if kwargs.get("update_fields") is not None:
                    kwargs["update_fields"] = {*kwargs["update_fields"], "version"}
            try:
                super().save(*args, **kwargs)
            except BaseException:
                if not self._state.adding:
                    self.version -= 1
                raise


def copy_review_state(target, source) -> None:
    """Give ``target`` (a draft's item) the review state of ``source`` (its counterpart in a published
    edition), as a rebase does when it takes the newer edition's reviewed version of an item.

    The status is protected from assignment, so this writes it through the base manager; only
    the rebase operation calls it, inside ``carrying_review_state``."""
    if not is_carrying_review_state():
        raise DirectWriteError("Review state is copied only by the rebase operation.", code="direct")
    values = {"review_status": source.review_status, "approved_content": source.approved_content}
    type(target)._base_manager.filter(pk=target.pk).update(**values)
    target.__dict__.update(values)
    target.contributors.set(source.contributors.all())

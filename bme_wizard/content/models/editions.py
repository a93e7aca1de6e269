"""Editions: numbered versions of the whole guideline.

An edition is a draft until it is published; exactly one published edition is current, and
publishing a newer one supersedes it. Published and superseded editions are frozen: saved
assessments keep rendering with the content they were given. A draft records the edition
it was started from (its base): a draft whose base is no longer current must be rebased
before it can be published, or publishing it would undo what the newer edition changed.

The edition's own text (title, summary, source note) is an item of the edition
(``EditionText``), reviewed like every other.
"""

from __future__ import annotations

from functools import cached_property

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from .choices import FROZEN_STATUSES, EditionStatus
from .guard import ContentQuerySet, EditionImmutableError, FrozenWhenPublished
from .history import content_history


class EditionQuerySet(ContentQuerySet):
    def current(self) -> Edition | None:
        return self.filter(status=EditionStatus.PUBLISHED).first()


class Edition(FrozenWhenPublished):
    edition_status_path = "status"
    # Through save() only, which allows just published -> superseded; never through update().
    mutable_when_published = frozenset({"status", "updated_at", "revision"})

    number = models.PositiveIntegerField(
        unique=True, validators=[MinValueValidator(1)], help_text="Editions are numbered 1, 2, 3…"
    )
    base = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The edition this draft was started from (or last rebased onto).",
    )
    status = models.CharField(max_length=20, choices=EditionStatus.choices, default=EditionStatus.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    publication_note = models.TextField(
        blank=True, help_text="What changed and why, written by the publisher; clinicians see it (Markdown)."
    )
    publication_scenarios = models.JSONField(
        default=list,
        blank=True,
        editable=False,
        help_text="The content scenarios, as approved, that this edition passed when it was published.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    revision = models.PositiveIntegerField(
        default=0, editable=False, help_text="Moves on with every change to the edition or its items."
    )

    objects = EditionQuerySet.as_manager()
    # The revision is a cache key, written as an F() expression in save(): not history.
    history = content_history(excluded_fields=["revision"])

    class Meta:
        ordering = ["-number"]
        permissions = [
            ("clone_edition", "Can start a new draft edition from the current one"),
            ("publish_edition", "Can publish an edition"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status=EditionStatus.PUBLISHED),
                name="content_edition_single_published",
                violation_error_message="Only one edition can be the current published edition.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[EditionStatus.DRAFT, EditionStatus.IN_REVIEW]) | Q(published_at__isnull=False),
                name="content_edition_published_has_date",
                violation_error_message="A published or superseded edition needs its publication date.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.get_status_display().lower()})"

    @property
    def label(self) -> str:
        return f"Edition {self.number}"

    @property
    def is_frozen(self) -> bool:
        return self.status in FROZEN_STATUSES

    @cached_property
    def text(self):
        """The edition's own text (title, summary, source note): an item of the edition."""
        from .items import EditionText

        return EditionText.objects.filter(edition=self).first()

    @property
    def title(self) -> str:
        return self.text.title if self.text else ""

    @classmethod
    def check_bulk_delete(cls, queryset: models.QuerySet) -> None:
        """A draft edition may be discarded whole (its items go with it); frozen ones never (checked before)."""

    def _editions_touched(self) -> set[int]:
        return {self.pk} if self.pk else set()

    def save(self, *args, **kwargs):
        # Never write back an in-memory revision, which may be stale: keep the stored one,
        # which save() then bumps; the new number is read back below.
        previous = self.revision
        if not self._state.adding:
            self.revision = models.F("revision")
        try:
            super().save(*args, **kwargs)
        except BaseException:
            self.revision = previous
            raise
        self.revision = Edition._base_manager.filter(pk=self.pk).values_list("revision", flat=True).get()

    def check_before_save(self) -> None:
        self.full_clean(exclude={"revision"}, validate_unique=False, validate_constraints=False)

    def check_mutable(self, edition_ids: set[int] | None = None) -> None:
        super().check_mutable(edition_ids)
        if self.pk:
            stored = Edition._base_manager.filter(pk=self.pk).values_list("status", flat=True).first()
            superseding = stored == EditionStatus.PUBLISHED and self.status == EditionStatus.SUPERSEDED
            if stored in FROZEN_STATUSES and self.status != stored and not superseding:
                raise EditionImmutableError(f"{self.label} is {stored}; it can only move from published to superseded.")

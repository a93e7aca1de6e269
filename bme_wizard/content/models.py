"""Guideline content that the editorial board owns: editions and what they contain.

An Edition is a numbered version of the whole guideline. Its items (pathways,
recommendations, pitfalls, references) carry a stable ``key`` across editions, a
review status, and for statements the conditions that decide when they apply and the
references they cite. Once an edition is published its content is frozen: the guard
below refuses changes at model and queryset level, so no code path (admin, shell,
command) can alter what a saved assessment was based on. Only review status may move on.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django_fsm import FSMField, transition
from simple_history.models import HistoricalRecords

from bme_wizard.pathway.conditions import Condition as RuleCondition
from bme_wizard.pathway.conditions import ConditionError, Match, Operator, describe_conditions, parse_condition
from bme_wizard.pathway.vocabulary import QUESTIONS, TREATMENTS


class EditionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"
    SUPERSEDED = "superseded", "Superseded"


FROZEN_STATUSES = frozenset({EditionStatus.PUBLISHED, EditionStatus.SUPERSEDED})


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    UNDER_REVIEW = "under_review", "Under review"
    APPROVED = "approved", "Approved"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"


class EditionImmutableError(ValidationError):
    """Raised on any attempt to change the content of a published or superseded edition."""


class EditConflictError(ValidationError):
    """Raised when a save starts from a stale copy: someone else saved the row in between."""


def question_choices() -> list[tuple[str, str]]:
    # A callable, so the migration refers to the vocabulary instead of copying it.
    return [(key, f"{key}: {question.label}") for key, question in QUESTIONS.items()]


def operator_choices() -> list[tuple[str, str]]:
    return [(op.value, f"{op.value} ({op.label})") for op in Operator]


def treatment_choices() -> list[tuple[str, str]]:
    return [(choice.value, choice.label) for choice in TREATMENTS]


# ---------------------------------------------------------------------------------------
# The freeze guard
# ---------------------------------------------------------------------------------------


class FrozenContentQuerySet(models.QuerySet):
    """Refuses bulk updates, deletes and creates that would touch a frozen edition's content,
    and moves the revision of every edition they touch on."""

    def _frozen(self) -> models.QuerySet:
        return self.filter(**{f"{self.model.edition_status_path}__in": FROZEN_STATUSES})

    def _edition_ids(self) -> set[int]:
        path = self.model.edition_status_path.removesuffix("status").removesuffix("__")
        return set(self.values_list(f"{path}__id" if path else "id", flat=True).distinct())

    def update(self, **kwargs):
        if set(kwargs) - self.model.mutable_when_published_in_bulk and self._frozen().exists():
            raise EditionImmutableError(self.model.immutable_message())
        editions = self._edition_ids()
        updated = super().update(**kwargs)
        edition_touch(editions)
        return updated

    def delete(self):
        if self._frozen().exists():
            raise EditionImmutableError(self.model.immutable_message())
        editions = self._edition_ids()
        deleted = super().delete()
        edition_touch(editions)
        return deleted

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        editions = set().union(*(obj._editions_touched() for obj in objs)) if objs else set()
        if self.model._any_frozen(editions):
            raise EditionImmutableError(self.model.immutable_message())
        created = super().bulk_create(objs, *args, **kwargs)
        edition_touch(editions)
        return created


_deferred_touches: ContextVar[set[int] | None] = ContextVar("deferred_touches", default=None)


def edition_touch(edition_ids) -> None:
    """Move the editions' revision on, so cached snapshots of them are rebuilt."""
    ids = {i for i in edition_ids if i}
    deferred = _deferred_touches.get()
    if deferred is not None:
        deferred |= ids
        return
    if ids:
        # Through the base queryset: a revision bump is not a content change.
        models.QuerySet(Edition).filter(pk__in=ids).update(revision=models.F("revision") + 1)


@contextmanager
def edition_touches_deferred():
    """Bump each touched edition's revision once, on leaving, instead of once per row (bulk writes)."""
    if _deferred_touches.get() is not None:  # already deferring: the outer block bumps
        yield
        return
    token = _deferred_touches.set(set())
    try:
        yield
        touched = _deferred_touches.get()
    finally:
        _deferred_touches.reset(token)
    edition_touch(touched)


class FrozenWhenPublished(models.Model):
    """Mixin: once the edition an object belongs to is published, its content cannot change.

    ``edition_status_path`` is the lookup from this model to its edition's status;
    ``mutable_when_published`` names the fields that may still change (review status).
    """

    edition_status_path: ClassVar[str]
    mutable_when_published: ClassVar[frozenset[str]] = frozenset()
    # What a bulk update() may change on frozen rows: it bypasses save()'s transition checks.
    mutable_when_published_in_bulk: ClassVar[frozenset[str]] = frozenset()

    objects = FrozenContentQuerySet.as_manager()

    class Meta:
        abstract = True

    @classmethod
    def immutable_message(cls) -> str:
        return (
            f"This {cls._meta.verbose_name} belongs to a published edition, whose content cannot change. "
            "Start a new draft edition to revise it."
        )

    def _editions_touched(self) -> set[int]:
        """The edition ids this object belongs to now and, if saved before, belonged to."""
        raise NotImplementedError

    @staticmethod
    def _any_frozen(edition_ids: set[int]) -> bool:
        return bool(edition_ids) and Edition.objects.filter(pk__in=edition_ids, status__in=FROZEN_STATUSES).exists()

    def _changed_fields(self) -> set[str]:
        names = [
            field.attname
            for field in self._meta.concrete_fields
            if not field.primary_key and not (field.remote_field and field.remote_field.parent_link)
        ]
        stored = type(self)._base_manager.filter(pk=self.pk).values(*names).first()
        if stored is None:
            return set(names)
        return {name for name in names if stored[name] != getattr(self, name)}

    def check_mutable(self, edition_ids: set[int] | None = None) -> None:
        """Raise EditionImmutableError if saving would change a frozen edition's content."""
        if not self._any_frozen(self._editions_touched() if edition_ids is None else edition_ids):
            return
        if self._state.adding or self._changed_fields() - self.mutable_when_published:
            raise EditionImmutableError(self.immutable_message())

    def clean(self) -> None:
        super().clean()
        self.check_mutable()  # an EditionImmutableError is a ValidationError: forms show it

    def save(self, *args, **kwargs):
        editions = self._editions_touched()
        self.check_mutable(editions)
        super().save(*args, **kwargs)
        edition_touch(editions or self._editions_touched())  # a new Edition has its id only now

    def delete(self, *args, **kwargs):
        editions = self._editions_touched()
        if self._any_frozen(editions):
            raise EditionImmutableError(self.immutable_message())
        result = super().delete(*args, **kwargs)
        edition_touch(editions)
        return result


class VersionedModel(models.Model):
    """Mixin: optimistic locking. Each save moves ``version`` on, and refuses to save a
    copy whose version is no longer the stored one: a second editor saving from a stale
    form gets a conflict (and keeps their form), never a silent overwrite."""

    version = models.PositiveIntegerField(default=1, help_text="Moves on with every save (edit conflicts).")

    class Meta:
        abstract = True

    def conflict_message(self) -> str:
        stored = type(self)._base_manager.filter(pk=self.pk).first()
        who = ""
        if stored is not None and getattr(stored, "changed_by_id", None):
            who = f" by {stored.changed_by.get_full_name() or stored.changed_by.get_username()}"
        when = f" at {timezone.localtime(stored.updated_at):%Y-%m-%d %H:%M}" if stored is not None else ""
        return (
            f"Someone else saved this {self._meta.verbose_name}{who}{when} after you opened it, so your "
            "changes were not saved. They are still in the form: copy what you need, reload the page to "
            "see the saved version, and apply your changes again."
        )

    def check_version(self, *, lock: bool = False) -> None:
        """Raise EditConflictError if the stored row has moved on since this copy was read.

        ``lock``: read the row FOR UPDATE (inside a transaction), so that two saves of the
        same version cannot both pass."""
        if self._state.adding or self.pk is None:
            return
        rows = type(self)._base_manager.filter(pk=self.pk)
        stored = (rows.select_for_update() if lock else rows).values_list("version", flat=True).first()
        if stored is not None and stored != self.version:
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


# ---------------------------------------------------------------------------------------
# Editions
# ---------------------------------------------------------------------------------------


class EditionQuerySet(FrozenContentQuerySet):
    def current(self) -> Edition | None:
        return self.filter(status=EditionStatus.PUBLISHED).first()


class Edition(FrozenWhenPublished):
    edition_status_path = "status"
    # Through save() only, which allows just published -> superseded; never through update().
    mutable_when_published = frozenset({"status", "updated_at", "revision"})

    number = models.PositiveIntegerField(
        unique=True, validators=[MinValueValidator(1)], help_text="Editions are numbered 1, 2, 3…"
    )
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True, help_text="What this edition changes (Markdown).")
    source_note = models.TextField(blank=True, help_text="Where the content comes from (Markdown).")
    status = models.CharField(max_length=20, choices=EditionStatus.choices, default=EditionStatus.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    revision = models.PositiveIntegerField(
        default=0, editable=False, help_text="Moves on with every change to the edition or its items."
    )

    objects = EditionQuerySet.as_manager()
    # The revision is a cache key, written as an F() expression in save(): not history.
    history = HistoricalRecords(excluded_fields=["revision"])

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
        return f"Edition {self.number}: {self.title} ({self.get_status_display()})"

    @property
    def label(self) -> str:
        return f"Edition {self.number}"

    @property
    def is_frozen(self) -> bool:
        return self.status in FROZEN_STATUSES

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

    def check_mutable(self, edition_ids: set[int] | None = None) -> None:
        super().check_mutable(edition_ids)
        if self.pk:
            stored = Edition._base_manager.filter(pk=self.pk).values_list("status", flat=True).first()
            superseding = stored == EditionStatus.PUBLISHED and self.status == EditionStatus.SUPERSEDED
            if stored in FROZEN_STATUSES and self.status != stored and not superseding:
                raise EditionImmutableError(f"{self.label} is {stored}; it can only move from published to superseded.")


# ---------------------------------------------------------------------------------------
# Items of an edition
# ---------------------------------------------------------------------------------------


class EditionItem(VersionedModel, FrozenWhenPublished):
    """What every item of an edition shares: identity, order and review status.

    Concrete (multi-table) so that conditions, citations and review comments can point at
    any kind of item with a real foreign key, and keys are unique across an edition.
    """

    edition_status_path = "edition__status"
    mutable_when_published = frozenset({"review_status", "updated_at", "version"})
    mutable_when_published_in_bulk = frozenset({"review_status", "updated_at"})

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="items")
    key = models.SlugField(
        max_length=80,
        help_text="Stable identifier, kept when the item is carried into a new edition (letters, digits, - and _).",
    )
    order = models.PositiveIntegerField(default=0, help_text="Editorial order; lower comes first.")
    # Moves only through the transitions below (content.review), never by editing the field.
    review_status = FSMField(max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who last changed the content (not the review status): they may not approve it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["edition", "order", "key"]
        permissions = [
            ("submit_item", "Can submit items for review"),
            ("review_item", "Can review items: start review, request changes, approve"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "key"],
                name="content_item_key_unique_in_edition",
                violation_error_message="Another item of this edition already has this key.",
            )
        ]

    def __str__(self) -> str:
        return self.key

    def _editions_touched(self) -> set[int]:
        ids = {self.edition_id} if self.edition_id else set()
        if self.pk:
            stored = EditionItem._base_manager.filter(pk=self.pk).values_list("edition_id", flat=True).first()
            if stored:
                ids.add(stored)
        return ids

    def rule_conditions(self) -> list[RuleCondition]:
        return [condition.as_rule() for condition in self.conditions.all()]

    # The reverse one-to-one names of the concrete kinds (multi-table inheritance).
    KINDS = ("as_pathway", "recommendation", "pitfall", "reference")

    def as_concrete(self) -> EditionItem:
        """This item as its concrete kind (pathway, recommendation, pitfall or reference)."""
        if type(self) is not EditionItem:
            return self
        for name in self.KINDS:
            try:
                return getattr(self, name)
            except models.ObjectDoesNotExist:
                continue
        return self

    # The review state machine (django-fsm). Who may take each step is the permission;
    # the rules that need more than the state (four-eyes, a comment) live in content.review.
    @transition(
        field=review_status,
        source=[ReviewStatus.DRAFT, ReviewStatus.CHANGES_REQUESTED],
        target=ReviewStatus.SUBMITTED,
        permission="content.submit_item",
    )
    def submit(self) -> None:
        """The author hands the item to the medical advisory board."""

    @transition(
        field=review_status,
        source=ReviewStatus.SUBMITTED,
        target=ReviewStatus.UNDER_REVIEW,
        permission="content.review_item",
    )
    def start_review(self) -> None:
        """A reviewer takes the item up."""

    @transition(
        field=review_status,
        source=ReviewStatus.UNDER_REVIEW,
        target=ReviewStatus.CHANGES_REQUESTED,
        permission="content.review_item",
    )
    def request_changes(self) -> None:
        """The reviewer sends the item back to its author, with a comment."""

    @transition(
        field=review_status,
        source=ReviewStatus.UNDER_REVIEW,
        target=ReviewStatus.APPROVED,
        permission="content.review_item",
    )
    def approve(self) -> None:
        """The reviewer approves the item as it stands."""

    @transition(
        field=review_status,
        source=[ReviewStatus.SUBMITTED, ReviewStatus.UNDER_REVIEW, ReviewStatus.APPROVED],
        target=ReviewStatus.DRAFT,
    )
    def return_to_draft(self) -> None:
        """Its content changed, so an earlier submission or approval no longer covers it."""


class Conditional(models.Model):
    """Mixin for items shown only when their conditions hold."""

    match = models.CharField(
        max_length=3,
        choices=[(Match.ALL.value, "All conditions hold"), (Match.ANY.value, "Any condition holds")],
        default=Match.ALL.value,
        help_text="How the rows combine. Rows sharing a group name combine the opposite way first.",
    )

    class Meta:
        abstract = True

    def applies_when(self) -> str:
        """When this item applies, in words, for clinicians and reviewers."""
        return describe_conditions(self.match, self.rule_conditions())


class Pathway(EditionItem, Conditional):
    """A clinical context (e.g. vertebral compression fracture) and the statements under it."""

    # Named explicitly: the default reverse name, "pathway", would clash with Recommendation.pathway.
    editionitem_ptr = models.OneToOneField(
        EditionItem, on_delete=models.CASCADE, parent_link=True, primary_key=True, related_name="as_pathway"
    )
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True, help_text="Introduction shown under the title (Markdown).")

    history = HistoricalRecords()

    class Meta:
        ordering = ["edition", "order", "key"]

    def __str__(self) -> str:
        return self.title


class Section(models.TextChoices):
    ASSESSMENT = "assessment", "Assessment and imaging"
    FIRST_LINE = "first_line", "First-line management"
    UNDERLYING = "underlying", "Treat the underlying disease"
    ESCALATION = "escalation", "If first-line management fails"
    FOLLOW_UP = "follow_up", "Follow-up"


class Strength(models.TextChoices):
    STRONG = "strong", "Strong"
    CONDITIONAL = "conditional", "Conditional"
    NOT_GRADED = "not_graded", "Not graded"


class Certainty(models.TextChoices):
    HIGH = "high", "High"
    MODERATE = "moderate", "Moderate"
    LOW = "low", "Low"
    VERY_LOW = "very_low", "Very low"
    NOT_GRADED = "not_graded", "Not graded"


class Recommendation(EditionItem, Conditional):
    """One statement of the management plan."""

    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="recommendations")
    section = models.CharField(max_length=20, choices=Section.choices)
    text = models.TextField(help_text="The statement for clinicians (Markdown).")
    plain_text = models.TextField(blank=True, help_text="The same advice in plain language for patients (Markdown).")
    strength = models.CharField(max_length=20, choices=Strength.choices, default=Strength.NOT_GRADED)
    certainty = models.CharField(
        max_length=20, choices=Certainty.choices, default=Certainty.NOT_GRADED, verbose_name="certainty of evidence"
    )
    treatments = models.JSONField(
        default=list,
        blank=True,
        help_text="Treatments this statement advises, so the plan can mark those already tried.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["edition", "order", "key"]

    def __str__(self) -> str:
        return self.key

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.pathway_id and self.edition_id and self.pathway.edition_id != self.edition_id:
            errors["pathway"] = "The pathway belongs to another edition."
        allowed = {value for value, _ in treatment_choices()}
        if not isinstance(self.treatments, list) or not all(isinstance(t, str) for t in self.treatments):
            errors["treatments"] = "Treatments must be a list of treatment keys."
        else:
            unknown = [t for t in self.treatments if t not in allowed]
            if unknown:
                errors["treatments"] = (
                    f"Unknown treatment(s): {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}."
                )
        if errors:
            raise ValidationError(errors)


class Pitfall(EditionItem, Conditional):
    """Something to avoid, shown when its conditions hold."""

    text = models.TextField(help_text="The pitfall for clinicians (Markdown).")
    plain_text = models.TextField(blank=True, help_text="The same point in plain language for patients (Markdown).")

    history = HistoricalRecords()

    class Meta:
        ordering = ["edition", "order", "key"]

    def __str__(self) -> str:
        return self.key


class ReferenceKind(models.TextChoices):
    GUIDELINE = "guideline", "Guideline"
    RESEARCH = "research", "Research"


class Reference(EditionItem):
    """A source that statements cite. Identifiers stay empty unless verified: never guessed."""

    kind = models.CharField(max_length=20, choices=ReferenceKind.choices)
    authors = models.CharField(max_length=500, blank=True)
    title = models.CharField(max_length=500, blank=True)
    source = models.CharField(max_length=300, blank=True, help_text="Journal or publisher.")
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    doi = models.CharField(max_length=200, blank=True, verbose_name="DOI")
    pmid = models.CharField(max_length=20, blank=True, verbose_name="PMID")
    url = models.URLField(blank=True, verbose_name="URL")
    is_incomplete = models.BooleanField(
        default=False,
        verbose_name="incomplete record",
        help_text="The record lacks what a reader needs to find the work; say what in the note.",
    )
    incomplete_note = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["edition", "order", "key"]

    def __str__(self) -> str:
        return self.title or self.key

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.pmid and not self.pmid.isdigit():
            errors["pmid"] = "A PMID is digits only."
        if self.doi and not self.doi.startswith("10."):
            errors["doi"] = "A DOI starts with 10. (without https://doi.org/)."
        if self.is_incomplete and not self.incomplete_note.strip():
            errors["incomplete_note"] = "Say what is missing from an incomplete record."
        if not self.is_incomplete and not self.title.strip():
            errors["title"] = "A complete reference needs its title; otherwise mark it incomplete."
        if errors:
            raise ValidationError(errors)

    def citation_text(self) -> str:
        """The full citation as one line, e.g. for the numbered reference list."""
        parts = [p for p in (self.authors, self.title, self.source, str(self.year or "")) if p]
        text = ". ".join(part.rstrip(".") for part in parts) + "." if parts else ""
        if self.doi:
            text += f" doi:{self.doi}"
        if self.pmid:
            text += f" PMID {self.pmid}"
        if self.is_incomplete:
            text = f"{text} [Incomplete record: {self.incomplete_note}]".strip()
        return text


# ---------------------------------------------------------------------------------------
# Conditions, citations, review comments
# ---------------------------------------------------------------------------------------


class PartOfItem(FrozenWhenPublished):
    """Mixin for rows that belong to an item (conditions, citations): frozen with its edition."""

    edition_status_path = "item__edition__status"

    class Meta:
        abstract = True

    def _editions_touched(self) -> set[int]:
        ids = set()
        if type(self).item.is_cached(self):
            ids.add(self.item.edition_id)
        elif self.item_id:
            ids.add(EditionItem._base_manager.filter(pk=self.item_id).values_list("edition_id", flat=True).first())
        if self.pk:
            ids.add(type(self)._base_manager.filter(pk=self.pk).values_list("item__edition_id", flat=True).first())
        return {i for i in ids if i}


class Condition(PartOfItem):
    """One structured row: question, operator, value (validated against the vocabulary)."""

    item = models.ForeignKey(EditionItem, on_delete=models.CASCADE, related_name="conditions")
    question = models.CharField(max_length=40, choices=question_choices)
    operator = models.CharField(max_length=20, choices=operator_choices)
    value = models.CharField(
        max_length=300,
        blank=True,
        help_text="One value, a whole number, or for 'one_of' several values separated by commas. "
        "Empty for is_empty / is_answered.",
    )
    group = models.CharField(
        max_length=20,
        blank=True,
        help_text="Optional. Rows sharing a group name combine the opposite way to the item's match.",
    )
    order = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["item", "order", "pk"]

    def __str__(self) -> str:
        try:
            return self.as_rule().describe()
        except ConditionError:
            return f"{self.question} {self.operator} {self.value}"

    def as_rule(self) -> RuleCondition:
        return parse_condition(self.question, self.operator, self.value, self.group)

    def clean(self) -> None:
        super().clean()
        try:
            rule = self.as_rule()
        except ConditionError as error:
            raise ValidationError({error.field: error.message}) from None
        self.value = rule.value_text  # canonical form
        if self.item_id and Reference.objects.filter(pk=self.item_id).exists():
            raise ValidationError("References are not conditional; conditions belong on pathways and statements.")


class Citation(PartOfItem):
    """A statement citing a reference of the same edition."""

    item = models.ForeignKey(EditionItem, on_delete=models.CASCADE, related_name="citations")
    # RESTRICT: a cited reference cannot be deleted alone, but goes with its whole draft edition.
    reference = models.ForeignKey(Reference, on_delete=models.RESTRICT, related_name="cited_by")
    order = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["item", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "reference"],
                name="content_citation_unique",
                violation_error_message="This statement already cites that reference.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.item_id} cites {self.reference}"

    def clean(self) -> None:
        super().clean()
        if self.item_id and self.reference_id:
            item_edition = (
                EditionItem._base_manager.filter(pk=self.item_id).values_list("edition_id", flat=True).first()
            )
            if item_edition != self.reference.edition_id:
                raise ValidationError({"reference": "The reference belongs to another edition."})
            if self.item_id == self.reference_id or Reference.objects.filter(pk=self.item_id).exists():
                raise ValidationError("A reference cannot cite another reference.")


class ReviewComment(models.Model):
    """A reviewer's comment on an item. Comments may be added to published editions too."""

    item = models.ForeignKey(EditionItem, on_delete=models.CASCADE, related_name="review_comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    author_name = models.CharField(
        max_length=120, blank=True, help_text="Shown when the comment does not come from an account."
    )
    body = models.TextField(help_text="Markdown.")
    is_open = models.BooleanField(default=True, verbose_name="open")
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["item", "created_at", "pk"]

    def __str__(self) -> str:
        return f"Comment on {self.item} by {self.byline}"

    @property
    def byline(self) -> str:
        if self.author_id:
            return self.author.get_full_name() or self.author.get_username()
        return self.author_name or "Unknown"


# ---------------------------------------------------------------------------------------
# Content scenarios
# ---------------------------------------------------------------------------------------


def _key_list_errors(value, label: str) -> str | None:
    if not isinstance(value, list) or not all(isinstance(key, str) and key.strip() for key in value):
        return f"{label} must be a list of item keys."
    return None


class Scenario(VersionedModel):
    """A named patient (answers only) with what the plan must and must not show.

    Scenarios belong to the guideline, not to one edition: items keep their ``key`` from
    edition to edition, so the same scenario checks every edition. Every active scenario
    must pass before an edition can be published.
    """

    key = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, help_text="What the case is about and why it matters (plain text).")
    answers = models.JSONField(
        help_text='The patient\'s answers, keyed by the question vocabulary, e.g. {"mri_done": "no", ...}.'
    )
    must_show = models.JSONField(
        default=list, blank=True, help_text="Keys of pathways, statements and pitfalls the plan must show."
    )
    must_not_show = models.JSONField(
        default=list, blank=True, help_text="Keys of pathways, statements and pitfalls the plan must not show."
    )
    is_active = models.BooleanField(
        default=True, help_text="Inactive scenarios are not run and do not gate publishing."
    )
    order = models.PositiveIntegerField(default=0)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "key"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        from bme_wizard.pathway.answers import AnswersError, clean_answers

        super().clean()
        errors: dict[str, str] = {}
        try:
            clean_answers(self.answers)
        except AnswersError as error:
            errors["answers"] = str(error)
        for name, label in (("must_show", "Must show"), ("must_not_show", "Must not show")):
            problem = _key_list_errors(getattr(self, name), label)
            if problem:
                errors[name] = problem
        if not errors:
            both = set(self.must_show) & set(self.must_not_show)
            if both:
                errors["must_not_show"] = f"Both must and must not show: {', '.join(sorted(both))}."
        if errors:
            raise ValidationError(errors)

    def unknown_keys(self, known: set[str]) -> dict[str, str]:
        """Field errors for keys that name no item in ``known`` (the keys of the content checked)."""
        errors = {}
        for name in ("must_show", "must_not_show"):
            unknown = [key for key in getattr(self, name) or () if key not in known]
            if unknown:
                errors[name] = f"No pathway, statement or pitfall has the key {', '.join(unknown)}."
        return errors

"""Review: the state machine every reviewed thing shares, and the board's comments.

Items of an edition and content scenarios are reviewed the same way: draft -> submitted
-> under review -> approved, or changes requested. The status is a protected django-fsm
field: it moves only through the transitions below, which the operations in
``content.services.review`` call after checking what the state alone cannot tell (the
four-eyes rule over everyone who changed the content since its last approval, open
evidence notes, a comment with every change request).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django_fsm import FSMField, FSMModelMixin, transition

from .choices import BLOCKING_COMMENT_KINDS, CommentKind, ReviewStatus
from .guard import DirectWriteError, is_carrying_review_state
from .history import content_history
from .people import person_name


class Reviewed(FSMModelMixin, models.Model):
    """Mixin: a review status moved only by transitions, and who changed the content since its last approval."""

    review_status = FSMField(max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT, protected=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who last changed the content.",
    )
    # Four-eyes: nobody in this set may approve. Cleared by an approval, grown by every change.
    contributors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        help_text="Everyone who changed the content since its last approval: none of them may approve it.",
    )
    approved_content = models.JSONField(
        null=True, blank=True, editable=False, help_text="The content as it stood at its last approval."
    )

    class Meta:
        abstract = True

    def review_content(self) -> dict[str, Any]:
        """The content a review covers, as plain JSON-able data (compared to detect a change)."""
        raise NotImplementedError

    def clean_fields(self, exclude=None):
        # Validation writes every field back; the status is protected from that (it moves only by
        # transitions, which keep it one of its choices).
        super().clean_fields(exclude={*(exclude or ()), "review_status"})

    def check_approval_record(self) -> None:
        """The record of the last approval is written by the approval itself: the content as approved, with
        the status approved. Anything else would let code pass unreviewed content off as approved."""
        if "approved_content" not in self.__dict__ or self._state.adding or is_carrying_review_state():
            return
        stored = type(self)._base_manager.filter(pk=self.pk).values_list("approved_content", flat=True).first()
        if stored == self.approved_content:
            return
        if self.review_status != ReviewStatus.APPROVED or self.approved_content != self.review_content():
            raise DirectWriteError(
                f"{self}: the record of its approval is written by a reviewer's approval (content.services), "
                "and is the content as it stands.",
                code="approval_record",
            )

    def blocking_notes(self) -> models.QuerySet:
        """Open evidence notes that say the content may be wrong: they block approval."""
        return self.review_comments.filter(is_open=True, kind__in=BLOCKING_COMMENT_KINDS)

    @transition(
        field="review_status",
        source=[ReviewStatus.DRAFT, ReviewStatus.CHANGES_REQUESTED],
        target=ReviewStatus.SUBMITTED,
        permission="content.submit_item",
    )
    def submit(self) -> None:
        """The author hands the content to the medical advisory board."""

    @transition(
        field="review_status",
        source=ReviewStatus.SUBMITTED,
        target=ReviewStatus.UNDER_REVIEW,
        permission="content.review_item",
    )
    def start_review(self) -> None:
        """A reviewer takes it up."""

    @transition(
        field="review_status",
        source=ReviewStatus.UNDER_REVIEW,
        target=ReviewStatus.CHANGES_REQUESTED,
        permission="content.review_item",
    )
    def request_changes(self) -> None:
        """The reviewer sends it back to its author, with a comment."""

    @transition(
        field="review_status",
        source=ReviewStatus.UNDER_REVIEW,
        target=ReviewStatus.APPROVED,
        permission="content.review_item",
    )
    def approve(self) -> None:
        """The reviewer approves it as it stands."""

    @transition(
        field="review_status",
        source=[ReviewStatus.SUBMITTED, ReviewStatus.UNDER_REVIEW, ReviewStatus.APPROVED],
        target=ReviewStatus.DRAFT,
    )
    def return_to_draft(self) -> None:
        """Its content changed, so an earlier submission or approval no longer covers it."""


class ReviewComment(models.Model):
    """A board member's note on an item or a scenario: an evidence note or an editorial remark.

    Open or resolved (who, when, why). Only its author edits its text; others add their own
    comment or resolve it. Comments may be added to a published edition's items too."""

    item = models.ForeignKey(
        "content.EditionItem", null=True, blank=True, on_delete=models.CASCADE, related_name="review_comments"
    )
    scenario = models.ForeignKey(
        "content.Scenario", null=True, blank=True, on_delete=models.CASCADE, related_name="review_comments"
    )
    kind = models.CharField(max_length=20, choices=CommentKind.choices, default=CommentKind.EDITORIAL)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    author_name = models.CharField(
        max_length=120, blank=True, help_text="Shown when the comment does not come from an account."
    )
    body = models.TextField(help_text="Markdown.")
    is_open = models.BooleanField(default=True, verbose_name="open")
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.TextField(blank=True, help_text="Why the note is resolved (Markdown).")

    history = content_history()

    class Meta:
        ordering = ["item", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(item__isnull=False, scenario__isnull=True)
                | models.Q(item__isnull=True, scenario__isnull=False),
                name="content_reviewcomment_one_subject",
                violation_error_message="A comment concerns one item or one scenario.",
            ),
            models.CheckConstraint(
                condition=models.Q(is_open=True) | ~models.Q(resolution=""),
                name="content_reviewcomment_resolved_with_reason",
                violation_error_message="A resolved comment says why it was resolved.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.subject} by {self.byline}"

    @property
    def subject(self):
        return self.item if self.item_id else self.scenario

    @property
    def byline(self) -> str:
        if self.author_id:
            return person_name(self.author)
        return self.author_name or "Unknown"

    @property
    def blocks_approval(self) -> bool:
        return self.is_open and self.kind in BLOCKING_COMMENT_KINDS

    def clean(self) -> None:
        super().clean()
        if not self.body.strip():
            raise ValidationError({"body": "Write the comment first: it is empty."})
        if not self.is_open and not self.resolution.strip():
            raise ValidationError({"resolution": "Say why the comment is resolved."})

"""Review steps and the board's comments, for items of an edition and for content scenarios alike.

The state machine is on the models (``models.review.Reviewed``); what the state alone
cannot tell is checked here:
- four-eyes: nobody who changed the content since its last approval approves it;
- an open evidence note saying "not confirmed" or "not found in a primary source" blocks
  approval until a reviewer resolves it with a reason;
- a change request needs a comment; a statement without a citation cannot be submitted;
- a superseded edition's review is closed.
Every refusal is a WorkflowError that says why and changes nothing.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed, has_transition_perm

from ..models import (
    TEXT_MAX_CHARS,
    CitationPart,
    CommentKind,
    EditionItem,
    EditionStatus,
    Pitfall,
    Recommendation,
    ReviewComment,
    Scenario,
    person_name,
)
from ..models.review import Reviewed
from .common import WorkflowError, lock_item, require

REVIEW_ACTIONS = {
    "submit": "Submit for review",
    "start_review": "Start review",
    "request_changes": "Request changes",
    "approve": "Approve",
}
ROLE_FOR_ACTION = {
    "submit": "an author",
    "start_review": "a reviewer",
    "request_changes": "a reviewer",
    "approve": "a reviewer",
}


def _name(obj: Reviewed) -> str:
    return obj.key


def _subject(obj: Reviewed) -> str:
    """How a message that starts with the item names it: "Recommendation vcf-nsaids"."""
    return f"{obj._meta.verbose_name.capitalize()} {obj.key}"


def next_steps_hint(obj: Reviewed) -> str:
    available = [
        REVIEW_ACTIONS[t.name].lower()
        for t in obj.get_available_review_status_transitions()
        if t.name in REVIEW_ACTIONS
    ]
    return f"From here it can: {', '.join(available)}." if available else "No review step starts from here."


def _check_step(obj: Reviewed, action: str, user, comment: str) -> None:
    label = REVIEW_ACTIONS[action].lower()
    step = getattr(obj, action)
    if not can_proceed(step):
        raise WorkflowError(
            f"Cannot {label} {_name(obj)}: it is {obj.get_review_status_display().lower()}. {next_steps_hint(obj)}",
            code="state",
        )
    if not has_transition_perm(step, user):
        raise WorkflowError(
            f"Only {ROLE_FOR_ACTION[action]} may {label}; your account does not have that role.", code="permission"
        )
    if action == "request_changes" and not comment:
        raise WorkflowError("Say what needs to change: a change request needs a comment.", code="comment")
    statement = isinstance(obj, (Recommendation, Pitfall)) and not obj.is_removed
    if action == "submit" and statement and not obj.citations.filter(part=CitationPart.STATEMENT).exists():
        raise WorkflowError(
            f"{_subject(obj)} cites no reference: every statement cites at least one before it is submitted.",
            code="citation",
        )
    if action == "approve":
        if user is not None and obj.contributors.filter(pk=user.pk).exists():
            raise WorkflowError(
                f"You changed {_name(obj)} since its last approval, so another reviewer must approve it "
                "(four-eyes rule).",
                code="four_eyes",
            )
        notes = list(obj.blocking_notes())
        if notes:
            listed = "; ".join(f"{note.get_kind_display()} ({note.byline})" for note in notes)
            raise WorkflowError(
                f"{_subject(obj)} has open evidence notes that say it may be wrong: {listed}. A reviewer resolves "
                "each with a reason before it can be approved.",
                code="open_note",
            )


@transaction.atomic
def _review(obj: Reviewed, action: str, user, comment: str) -> Reviewed:
    if action not in REVIEW_ACTIONS:
        raise WorkflowError(f"Unknown review step {action!r}.", code="unknown")
    comment = comment.strip()
    _check_step(obj, action, user, comment)
    getattr(obj, action)()
    fields = ["review_status", "updated_at"]
    if action == "approve":
        obj.approved_content = obj.review_content()
        fields.append("approved_content")
    obj._change_reason = REVIEW_ACTIONS[action]
    obj._history_user = user
    obj.save(update_fields=fields)
    if action == "approve":
        obj.contributors.clear()
    if comment:
        comment_add(subject=obj, user=user, body=comment)
    return obj


def item_review(*, item: EditionItem, action: str, user, comment: str = "") -> EditionItem:
    """Move ``item`` one step through review on behalf of ``user``, with an optional comment."""
    with transaction.atomic():
        stored = lock_item(item.pk)
        if stored.edition.status == EditionStatus.SUPERSEDED:
            raise WorkflowError(
                f"{stored.key} belongs to {stored.edition.label}, which is superseded: its review is closed.",
                code="closed",
            )
        return _review(stored, action, user, comment)


def scenario_review(*, scenario: Scenario, action: str, user, comment: str = "") -> Scenario:
    """Move a scenario one step through review; once approved, its new version gates publication."""
    with transaction.atomic():
        return _review(Scenario.objects.select_for_update().get(pk=scenario.pk), action, user, comment)


# ---------------------------------------------------------------------------------------
# Comments and evidence notes
# ---------------------------------------------------------------------------------------


def _checked_body(body: str, what: str = "comment") -> str:
    body = (body or "").strip()
    if not body:
        raise WorkflowError(f"Write the {what} first: it is empty.", code="comment")
    if len(body) > TEXT_MAX_CHARS:
        raise WorkflowError(f"The {what} is longer than {TEXT_MAX_CHARS} characters.", code="comment")
    return body


def comment_add(*, subject: Reviewed, user, body: str, kind: str = CommentKind.EDITORIAL) -> ReviewComment:
    """A comment on an item (of any edition: the board discusses published content too) or a scenario."""
    require(user, "content.add_reviewcomment", "comment on items")
    if kind not in CommentKind.values:
        raise WorkflowError(f"{kind!r} is not a kind of comment; choose one of: {', '.join(CommentKind.labels)}.")
    target = {"scenario": subject} if isinstance(subject, Scenario) else {"item": subject}
    comment = ReviewComment(author=user, body=_checked_body(body), kind=kind, **target)
    comment.full_clean()
    comment.save()
    return comment


@transaction.atomic
def comment_edit(*, comment: ReviewComment, user, body: str, kind: str | None = None) -> ReviewComment:
    """Only a comment's author rewrites it, while it is open; everyone else adds a comment of their own or
    resolves it. Its kind stays what it was: a note that says a statement may be wrong is resolved with a
    reason, never turned into a remark."""
    comment = ReviewComment.objects.select_for_update().get(pk=comment.pk)
    if user is None or comment.author_id != user.pk:
        raise WorkflowError(
            f"Only the comment's author ({comment.byline}) may change its text; add a comment of your own "
            "or resolve it instead.",
            code="not_author",
        )
    if not comment.is_open:
        raise WorkflowError("This comment is resolved: add a new comment instead.", code="resolved")
    if kind is not None and kind != comment.kind:
        raise WorkflowError(
            f"A comment stays a {comment.get_kind_display().lower()}: to say something else, add a new comment "
            "(an evidence note is resolved with a reason).",
            code="kind",
        )
    comment.body = _checked_body(body)
    comment.full_clean()
    comment.save()
    return comment


@transaction.atomic
def comment_resolve(*, comment: ReviewComment, user, reason: str) -> ReviewComment:
    """A reviewer closes a comment, saying why (confirmed elsewhere, statement revised, ...)."""
    require(user, "content.review_item", "resolve review comments")
    comment = ReviewComment.objects.select_for_update().get(pk=comment.pk)
    if not comment.is_open:
        raise WorkflowError(
            f"This comment was resolved already by {person_name(comment.resolved_by)}.", code="resolved"
        )
    comment.is_open = False
    comment.resolution = _checked_body(reason, "reason for resolving it")
    comment.resolved_by = user
    comment.resolved_at = timezone.now()
    comment.full_clean()
    comment.save()
    return comment

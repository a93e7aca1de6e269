"""Writes to guideline content. Every write that spans several rows runs in one transaction.

The editorial workflow lives here, so admin, commands and tests share one set of rules:
- items move through review by ``item_review`` (the state machine is on EditionItem; the
  four-eyes rule and the comment a change request needs are checked here);
- ``item_note_change`` records who changed an item's content, which sends a submitted or
  approved item back to draft;
- ``edition_clone`` starts a draft as a full copy of an edition;
- ``edition_publish`` publishes a draft once every item is approved and every scenario passes.
Every refusal is a WorkflowError (a ValidationError) that says why and changes nothing.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django_fsm import can_proceed, has_transition_perm

from .edition_file import EditionDraft, read_edition
from .models import (
    Citation,
    Condition,
    Edition,
    EditionImmutableError,
    EditionItem,
    EditionStatus,
    Pathway,
    Pitfall,
    Recommendation,
    Reference,
    ReviewComment,
    Scenario,
    edition_touches_deferred,
)
from .selectors import edition_publish_blockers


class WorkflowError(ValidationError):
    """A workflow step that is not allowed: who, when or in which state. Nothing was changed."""


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


def _require(user, permission: str, doing: str) -> None:
    if user is None or not user.has_perm(permission):
        raise WorkflowError(f"You do not have the right to {doing}.", code="permission")


@transaction.atomic
def item_review(*, item: EditionItem, action: str, user, comment: str = "") -> EditionItem:
    """Move ``item`` one step through review on behalf of ``user``, with an optional comment.

    Refused (WorkflowError, nothing changed) when the step does not start from the item's
    status, the user lacks the role, a change request has no comment, the approver is the
    last person who changed the item (four-eyes), or the edition is superseded.
    """
    if action not in REVIEW_ACTIONS:
        raise WorkflowError(f"Unknown review step {action!r}.", code="unknown")
    # The concrete kind (a recommendation, say), whose history records the step.
    item = EditionItem.objects.select_for_update().select_related("edition").get(pk=item.pk).as_concrete()
    label = REVIEW_ACTIONS[action].lower()
    if item.edition.status == EditionStatus.SUPERSEDED:
        raise WorkflowError(
            f"{item.key} belongs to {item.edition.label}, which is superseded: its review is closed.", code="closed"
        )
    step = getattr(item, action)
    if not can_proceed(step):
        raise WorkflowError(
            f"Cannot {label} {item.key}: it is {item.get_review_status_display().lower()}. {_next_steps_hint(item)}",
            code="state",
        )
    if not has_transition_perm(step, user):
        raise WorkflowError(
            f"Only {ROLE_FOR_ACTION[action]} may {label}; your account does not have that role.", code="permission"
        )
    comment = comment.strip()
    if action == "request_changes" and not comment:
        raise WorkflowError("Say what needs to change: a change request needs a comment.", code="comment")
    if action == "approve" and item.changed_by_id is not None and item.changed_by_id == user.pk:
        raise WorkflowError(
            f"You made the last change to {item.key}, so another reviewer must approve it (four-eyes rule).",
            code="four_eyes",
        )
    step()
    item._change_reason = REVIEW_ACTIONS[action]
    item.save(update_fields=["review_status", "updated_at"])
    if comment:
        item_comment(item=item, user=user, body=comment)
    return item


@transaction.atomic
def item_comment(*, item: EditionItem, user, body: str) -> ReviewComment:
    """A review comment on ``item`` (on any edition's item: the board discusses published content too)."""
    _require(user, "content.add_reviewcomment", "comment on items")
    body = body.strip()
    if not body:
        raise WorkflowError("Write the comment first: it is empty.", code="comment")
    return ReviewComment.objects.create(item=item, author=user, body=body)


def _next_steps_hint(item: EditionItem) -> str:
    available = [
        REVIEW_ACTIONS[t.name].lower()
        for t in item.get_available_review_status_transitions()
        if t.name in REVIEW_ACTIONS
    ]
    if available:
        return f"From here it can: {', '.join(available)}."
    return "No review step starts from here."


def item_note_change(*, item: EditionItem, user) -> None:
    """Record that ``user`` changed the item's content (before it is saved).

    The last person to change an item may not approve it; and a change after submission
    or approval sends the item back to draft, since the review no longer covers it.
    """
    item.changed_by = user
    if can_proceed(item.return_to_draft):
        item.return_to_draft()


@transaction.atomic
def item_content_changed(*, item: EditionItem, user) -> EditionItem:
    """As item_note_change, for a change saved already (conditions or citations of the item)."""
    item = EditionItem.objects.select_for_update().get(pk=item.pk).as_concrete()
    item_note_change(item=item, user=user)
    item.save(update_fields=["changed_by", "review_status", "updated_at"])
    return item


# ---------------------------------------------------------------------------------------
# Editions: clone and publish
# ---------------------------------------------------------------------------------------


@transaction.atomic
def edition_clone(*, source: Edition | None = None, user=None, title: str = "") -> Edition:
    """Start a new draft edition as a full copy of ``source`` (default: the current edition).

    Every item is copied with its key, order, review status and last editor, with its
    conditions and citations (pointing at the copied references) and its open review
    comments; an unchanged approved item stays approved. One transaction: all or nothing.
    """
    if user is not None:
        _require(user, "content.clone_edition", "start a new draft edition")
    if source is None:
        source = Edition.objects.current()
        if source is None:
            raise WorkflowError("There is no published edition to start a draft from.", code="no_source")
    number = (Edition.objects.aggregate(highest=Max("number"))["highest"] or 0) + 1
    clone = Edition(
        number=number,
        title=title or source.title,
        summary="",
        source_note=source.source_note,
        status=EditionStatus.DRAFT,
    )
    clone.full_clean()
    clone.save()
    copies: dict[int, EditionItem] = {}
    with edition_touches_deferred():
        # Pathways before their statements; references before the citations that point at them.
        for model in (Pathway, Reference, Recommendation, Pitfall):
            for original in model.objects.filter(edition=source).order_by("pk"):
                copy = _copy_item(original, clone)
                if isinstance(copy, Recommendation):
                    copy.pathway = copies[original.pathway_id]
                copy.save()
                copies[original.pk] = copy
        Condition.objects.bulk_create(
            Condition(
                item=copies[row.item_id],
                question=row.question,
                operator=row.operator,
                value=row.value,
                group=row.group,
                order=row.order,
            )
            for row in Condition.objects.filter(item__edition=source).order_by("pk")
        )
        Citation.objects.bulk_create(
            Citation(item=copies[row.item_id], reference=copies[row.reference_id], order=row.order)
            for row in Citation.objects.filter(item__edition=source).order_by("pk")
        )
        ReviewComment.objects.bulk_create(
            ReviewComment(
                item=copies[row.item_id], author=row.author, author_name=row.author_name, body=row.body, is_open=True
            )
            for row in ReviewComment.objects.filter(item__edition=source, is_open=True).order_by("created_at", "pk")
        )
    return clone


# What a copy keeps of an item: its content fields, not its identity or bookkeeping.
_NOT_COPIED = {"id", "editionitem_ptr", "edition", "pathway", "version", "created_at", "updated_at"}


def _copy_item(original: EditionItem, edition: Edition) -> EditionItem:
    model = type(original)
    values = {
        field.attname: getattr(original, field.attname)
        for field in model._meta.concrete_fields
        if field.name not in _NOT_COPIED
    }
    return model(edition=edition, **values)


@transaction.atomic
def edition_publish(*, edition: Edition, user) -> Edition:
    """Publish ``edition`` on behalf of ``user``; the previous current edition becomes superseded.

    Only a draft (or an edition in review) whose every item is approved and against which
    every active scenario passes; only for a user with the right to publish.
    """
    _require(user, "content.publish_edition", "publish an edition")
    edition = Edition.objects.select_for_update().get(pk=edition.pk)
    _check_publishable_status(edition)
    blockers = edition_publish_blockers(edition=edition)
    if blockers:
        raise WorkflowError([f"{edition.label} cannot be published yet:", *blockers], code="blocked")
    return _make_current(edition)


def _check_publishable_status(edition: Edition) -> None:
    if edition.status not in (EditionStatus.DRAFT, EditionStatus.IN_REVIEW):
        raise EditionImmutableError(
            f"{edition.label} is {edition.get_status_display().lower()}; only a draft can be published."
        )


@transaction.atomic
def edition_make_current(*, edition: Edition) -> Edition:
    """The operator's publication from the command line (``load_edition --publish``).

    It may put an edition whose items are still pending review in front of clinicians (as
    the first edition ships), who then see the review banner until the board approves the
    items in place. The scenarios still gate it: an edition that fails one is never published.
    """
    edition = Edition.objects.select_for_update().get(pk=edition.pk)
    _check_publishable_status(edition)
    problems = edition_publish_blockers(edition=edition, scenarios_only=True)
    if problems:
        raise WorkflowError([f"{edition.label} cannot be published:", *problems], code="blocked")
    return _make_current(edition)


def _make_current(edition: Edition) -> Edition:
    """The publication itself, in the caller's transaction, on the edition the caller has locked
    and checked: supersede the current edition, publish this one."""
    current = Edition.objects.select_for_update().filter(status=EditionStatus.PUBLISHED).first()
    if current is not None:
        if current.number > edition.number:
            raise EditionImmutableError(
                f"{edition.label} is older than the current {current.label}; publish a newer edition instead."
            )
        current.status = EditionStatus.SUPERSEDED
        current.save(update_fields=["status", "updated_at"])
    edition.status = EditionStatus.PUBLISHED
    edition.published_at = timezone.now()
    edition.full_clean()
    edition.save()
    return edition


@transaction.atomic
def edition_import(*, document: object, publish: bool = False) -> Edition:
    """Load a whole edition from a parsed edition file (see ``edition_file``).

    Everything is validated before anything is written; the write is one transaction,
    so a file either loads completely or not at all.
    """
    draft = read_edition(document)
    edition = _save_draft(draft)
    if publish:
        edition = edition_make_current(edition=edition)
    return edition


def _save_draft(draft: EditionDraft) -> Edition:
    edition = draft.edition
    edition.status = EditionStatus.DRAFT
    edition.save()
    saved = {}
    with edition_touches_deferred():
        for item in draft.items:
            instance = item.instance
            instance.edition = edition
            if item.pathway_key is not None:
                instance.pathway = saved[item.pathway_key]
            instance.save()
            saved[instance.key] = instance
        # Rows that read_edition has already validated, of a draft this transaction has just
        # created: written in bulk (bulk_create still checks the edition is not frozen).
        references = {key: obj for key, obj in saved.items() if isinstance(obj, Reference)}
        Condition.objects.bulk_create(
            Condition(
                item=item.instance,
                question=rule.question,
                operator=rule.operator.value,
                value=rule.value_text,
                group=rule.group,
                order=index,
            )
            for item in draft.items
            for index, rule in enumerate(item.conditions)
        )
        Citation.objects.bulk_create(
            Citation(item=item.instance, reference=references[key], order=index)
            for item in draft.items
            for index, key in enumerate(item.citations)
        )
        ReviewComment.objects.bulk_create(
            ReviewComment(item=item.instance, author_name=comment.get("author_name", ""), body=comment["body"])
            for item in draft.items
            for comment in item.comments
        )
    existing = set(Scenario.objects.values_list("key", flat=True))
    for scenario in draft.scenarios:
        if scenario.key not in existing:
            scenario.save()
    return edition

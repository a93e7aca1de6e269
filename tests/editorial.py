"""Helpers for tests of editorial work: people by role, changes through the operations, a whole edition
approved as a board would, and a second edition with known changes.

Tests change content the way the admin, the loader and the clone do: through ``content.services``.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from bme_wizard.content import services
from bme_wizard.content.models import (
    BLOCKING_COMMENT_KINDS,
    EditionItem,
    Pitfall,
    Recommendation,
    ReviewComment,
    ReviewStatus,
    Scenario,
    Strength,
)

PASSWORD = "a-long-test-password"


def person(username, role=None, *, is_staff=True):
    """The account ``username`` (made on first use), staff, in the editorial ``role`` group if given."""
    user, created = get_user_model().objects.get_or_create(username=username, defaults={"is_staff": is_staff})
    if created:
        user.set_password(PASSWORD)
        user.save()
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def log_in(client, username, *, role=None, is_staff=True):
    """``client`` logged in as a new user, staff by default, in the editorial ``role`` group if given."""
    user = get_user_model().objects.create_user(username, password=PASSWORD, is_staff=is_staff)
    if role:
        user.groups.add(Group.objects.get(name=role))
    client.force_login(user)
    return client


def change(item, *, by=None, conditions=None, citations=None, **fields):
    """``item`` changed through the write path, by ``by`` (default: an author of the board)."""
    return services.item_change(
        item=item,
        user=by or person("board-author", "Author"),
        fields=fields or None,
        conditions=conditions,
        citations=citations,
    )


def conditions_of(item):
    """An item's conditions as the operations take them (to change one row and write them back)."""
    return [row.as_data() for row in item.conditions.all()]


def resolve_blocking_notes(subject_filter, *, by=None):
    reviewer = by or person("board-reviewer", "Reviewer")
    for note in ReviewComment.objects.filter(**subject_filter, is_open=True, kind__in=BLOCKING_COMMENT_KINDS):
        services.comment_resolve(comment=note, user=reviewer, reason="Checked by the board for a test.")


def _to_approved(subject, step, *, reviewer, author):
    """``subject`` moved through review to approved: submitted by an author, approved by a reviewer."""
    if subject.review_status in (ReviewStatus.DRAFT, ReviewStatus.CHANGES_REQUESTED):
        subject = step(subject, "submit", author)
    if subject.review_status == ReviewStatus.SUBMITTED:
        subject = step(subject, "start_review", reviewer)
    if subject.review_status == ReviewStatus.UNDER_REVIEW:
        subject = step(subject, "approve", reviewer)
    return subject


def approve(item, *, reviewer=None, author=None):
    """``item`` approved: submitted by an author, approved by a reviewer who did not change it."""
    return _to_approved(
        EditionItem.objects.get(pk=item.pk),
        lambda subject, action, user: services.item_review(item=subject, action=action, user=user),
        reviewer=reviewer or person("board-reviewer", "Reviewer"),
        author=author or person("board-author", "Author"),
    )


def approve_everything(edition, *, reviewer=None, author=None):
    """Every item of ``edition`` approved as the board would: open evidence notes resolved first."""
    resolve_blocking_notes({"item__edition": edition}, by=reviewer)
    for item in EditionItem.objects.filter(edition=edition).exclude(review_status=ReviewStatus.APPROVED):
        approve(item, reviewer=reviewer, author=author)


def approve_scenarios(*, reviewer=None, author=None):
    """Every content scenario approved, so that it gates publication."""
    resolve_blocking_notes({"scenario__isnull": False}, by=reviewer)
    for scenario in Scenario.objects.exclude(review_status=ReviewStatus.APPROVED):
        _to_approved(
            scenario,
            lambda subject, action, user: services.scenario_review(scenario=subject, action=action, user=user),
            reviewer=reviewer or person("board-reviewer", "Reviewer"),
            author=author or person("board-author", "Author"),
        )


def publish(edition, *, by=None, note="Published for a test."):
    return services.edition_publish(edition=edition, user=by or person("board-chief", "Editor in chief"), note=note)


# What second_edition_with_changes changes, so tests can look for it.
REWORDED = "tbme-conservative"
REWORDED_FROM = "protected weight bearing"
REWORDED_TO = "protected weight bearing with crutches"
REGRADED = "vcf-nsaids"
REMOVED = "tbme-natural-course"
ADDED_PITFALL = "pitfall-new-in-2"
ADDED_PITFALL_TEXT = "Do not read a <b>single</b> MRI as proof of healing."
RECONDITIONED = "tbme-imaging-hip"


def second_edition_with_changes(first_edition):
    """A draft copy of the first edition with one statement reworded, one regraded, one removed,
    one condition changed and one pitfall added."""
    edition = services.edition_clone(source=first_edition, title="Second edition for tests")
    reworded = Recommendation.objects.get(edition=edition, key=REWORDED)
    assert REWORDED_FROM in reworded.text.lower(), reworded.text
    index = reworded.text.lower().index(REWORDED_FROM)
    change(reworded, text=reworded.text[:index] + REWORDED_TO + reworded.text[index + len(REWORDED_FROM) :])
    change(Recommendation.objects.get(edition=edition, key=REGRADED), strength=Strength.STRONG)
    services.item_remove(
        item=Recommendation.objects.get(edition=edition, key=REMOVED), user=person("board-author", "Author")
    )
    item = Recommendation.objects.get(edition=edition, key=RECONDITIONED)
    rows = [{**row, "value": "knee"} if row["question"] == "site" else row for row in conditions_of(item)]
    change(item, conditions=rows)
    reference = edition.items.filter(reference__isnull=False, is_removed=False).order_by("order").first()
    services.item_create(
        edition=edition,
        kind=Pitfall,
        user=person("board-author", "Author"),
        fields={"key": ADDED_PITFALL, "order": 99, "text": ADDED_PITFALL_TEXT},
        citations=[reference.key],
    )
    edition.refresh_from_db()
    return edition

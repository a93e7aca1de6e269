"""Operations on whole editions: start a draft, rebase it, publish it, import one from a file.

- ``edition_clone`` starts a draft as a full copy of an edition (its base), in one transaction;
- ``edition_rebase`` brings a newer published edition's changes into a draft whose base has
  moved, and takes the editor's decision for every item changed on both sides;
- ``edition_publish`` publishes a draft once its base is current, every item (removals
  included) is approved and every approved scenario passes, with a publication note;
- ``edition_make_current`` is the operator's publication from the command line;
- ``edition_import`` loads an edition file as a draft.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from bme_wizard.pathway.scenarios import ScenarioSpec

from ..edition_file import EditionDraft, read_edition
from ..models import (
    CONCRETE_KINDS,
    TEXT_MAX_CHARS,
    Citation,
    Condition,
    Edition,
    EditionImmutableError,
    EditionItem,
    EditionStatus,
    Pathway,
    Recommendation,
    Reference,
    ReviewComment,
    Scenario,
    carrying_review_state,
    edition_touches_deferred,
)
from ..models.guard import copy_review_state
from ..selectors import (
    approved_scenario_specs,
    edition_publish_blockers,
    rebase_plan,
    scenario_spec,
)
from .common import WorkflowError, lock_item, record_history, require
from .items import write_item

# What a copy keeps of an item: its content and review state, not its identity or bookkeeping.
_NOT_COPIED = {"id", "editionitem_ptr", "edition", "pathway", "version", "created_at", "updated_at"}


def _copy_values(original: EditionItem) -> dict[str, Any]:
    return {
        field.attname: getattr(original, field.attname)
        for field in type(original)._meta.concrete_fields
        if field.name not in _NOT_COPIED
    }


def rows_by_item(items, conditions, citations) -> dict[int, dict[str, list]]:
    """Rows written in bulk, grouped by their item, as ``record_history`` takes them."""
    rows: dict[int, dict[str, list]] = {item.pk: {"conditions": [], "citations": []} for item in items}
    for row in conditions:
        rows[row.item.pk]["conditions"].append(row)
    for row in citations:
        rows[row.item.pk]["citations"].append(row)
    return rows


@dataclass
class _Copier:
    """Copies items of one edition into another, keeping keys, content and review state, with their
    rows re-pointed at the target's own pathways and references."""

    target: Edition
    user: Any
    reason: str

    def __post_init__(self) -> None:
        self.by_key: dict[str, EditionItem] = {
            item.key: item.as_concrete()
            for item in EditionItem.objects.filter(edition=self.target).select_related(*EditionItem.KINDS)
        }

    def copy(self, originals: Sequence[EditionItem]) -> list[tuple[EditionItem, EditionItem]]:
        """New items in the target as copies of ``originals`` (concrete kinds), pathways and references
        first; returns (original, copy) pairs."""
        originals = sorted(originals, key=lambda item: CONCRETE_KINDS.index(type(item)))
        copies = []
        with carrying_review_state():
            for original in originals:
                copy = type(original)(edition=self.target, **_copy_values(original))
                if isinstance(original, Recommendation):
                    copy.pathway = self.by_key[original.pathway.key]
                copy.skip_history_when_saving = True
                copy.save()
                del copy.skip_history_when_saving
                self.by_key[copy.key] = copy
                copies.append((original, copy))
            rows = self._copy_rows(copies)
            through = EditionItem.contributors.through
            through.objects.bulk_create(
                through(editionitem_id=copy.pk, user_id=user_id)
                for original, copy in copies
                for user_id in original.contributors.values_list("pk", flat=True)
            )
        record_history([copy for _, copy in copies], user=self.user, reason=self.reason, created=True, rows=rows)
        return copies

    def _copy_rows(self, pairs: list[tuple[EditionItem, EditionItem]]) -> dict[int, dict[str, list]]:
        copy_of = {original.pk: copy for original, copy in pairs}
        conditions = [
            Condition(
                item=copy_of[row.item_id],
                question=row.question,
                operator=row.operator,
                value=row.value,
                group=row.group,
                order=row.order,
            )
            for row in Condition.objects.filter(item_id__in=copy_of).order_by("item_id", "order", "pk")
        ]
        citations = [
            Citation(
                item=copy_of[row.item_id], reference=self.by_key[row.reference.key], part=row.part, order=row.order
            )
            for row in Citation.objects.filter(item_id__in=copy_of)
            .select_related("reference")
            .order_by("item_id", "part", "order", "pk")
        ]
        Condition.objects.bulk_create(conditions)
        Citation.objects.bulk_create(citations)
        return rows_by_item(copy_of.values(), conditions, citations)


@transaction.atomic
def edition_clone(*, source: Edition | None = None, user=None, title: str = "") -> Edition:
    """Start a new draft edition as a full copy of ``source`` (default: the current edition), its base.

    Every item not marked removed is copied with its key, order, content, review state and
    the people who changed it since its last approval, with its conditions and citations
    (pointing at the copied references) and its open review comments; an unchanged approved
    item stays approved. The draft's own text starts a new summary, so it is a draft to review.
    """
    if user is not None:
        require(user, "content.clone_edition", "start a new draft edition")
    if source is None:
        source = Edition.objects.current()
        if source is None:
            raise WorkflowError("There is no published edition to start a draft from.", code="no_source")
    number = (Edition.objects.aggregate(highest=Max("number"))["highest"] or 0) + 1
    clone = Edition(number=number, base=source, status=EditionStatus.DRAFT)
    clone.save()
    with edition_touches_deferred():
        originals = [
            item.as_concrete()
            for item in EditionItem.objects.filter(edition=source, is_removed=False)
            .select_related(*EditionItem.KINDS)
            .order_by("pk")
        ]
        copy_of = {
            original.pk: copy for original, copy in _Copier(clone, user, f"Copied from {source.label}").copy(originals)
        }
        ReviewComment.objects.bulk_create(
            ReviewComment(
                item=copy_of[row.item_id],
                kind=row.kind,
                author=row.author,
                author_name=row.author_name,
                body=row.body,
                is_open=True,
            )
            for row in ReviewComment.objects.filter(item_id__in=copy_of, is_open=True).order_by("created_at", "pk")
        )
        text = {"summary": "", "content_date": None}
        if title:
            text["title"] = title
        write_item(clone.text, user=user, fields=text, reason="New draft")
    return clone


# ---------------------------------------------------------------------------------------
# Rebase
# ---------------------------------------------------------------------------------------

MINE, THEIRS = "mine", "theirs"


@dataclass(frozen=True)
class RebaseResult:
    edition: Edition
    taken: tuple[str, ...]  # keys brought in from the newer edition as they were reviewed there
    decided: tuple[str, ...]  # keys changed on both sides, as the editor decided (now drafts to review)


@transaction.atomic
def edition_rebase(*, edition: Edition, user, decisions: Mapping[str, str] | None = None) -> RebaseResult:
    """Move a draft onto the current edition: take the newer edition's changes into items this draft did
    not touch (with the review they had there), and for every item changed on both sides apply the
    editor's decision (``decisions[key]`` = "mine" or "theirs"), each then a draft change to review."""
    require(user, "content.clone_edition", "rebase a draft edition")
    edition = Edition.objects.select_for_update().get(pk=edition.pk)
    plan = rebase_plan(edition=edition)
    if plan.current is None or plan.up_to_date:
        raise WorkflowError(f"{edition.label} is already based on the current edition: nothing to rebase.")
    decisions = dict(decisions or {})
    undecided = [c.key for c in plan.conflicts if decisions.get(c.key) not in (MINE, THEIRS)]
    if undecided:
        raise WorkflowError(
            f"Decide for each item changed on both sides whether to keep this draft's version or take "
            f"{plan.current.label}'s: {', '.join(undecided)}.",
            code="undecided",
        )
    edition.base = plan.current
    fields = ["base", "updated_at"]
    if edition.number < plan.current.number:
        # Published after the current edition, it becomes the next edition, not an older one.
        edition.number = (Edition.objects.aggregate(highest=Max("number"))["highest"] or 0) + 1
        fields.append("number")
    edition.save(update_fields=fields)
    reason = f"Rebased onto {plan.current.label}"
    steps = [(key, None) for key in plan.taken] + [(c.key, decisions[c.key]) for c in plan.conflicts]
    steps.sort(key=lambda step: plan.position[step[0]])
    removals = [step for step in steps if step[1] != MINE and step[0] not in plan.current_items]
    with edition_touches_deferred():
        # Pathways and references first, so statements find them; removals last, statements first,
        # so nothing is removed while something this draft keeps still uses it.
        for key, decision in steps:
            if (key, decision) in removals:
                continue
            if decision == MINE:
                _keep_mine(edition, key, plan, user=user, reason=f"{reason}: kept this draft's version (decided)")
            elif decision == THEIRS:
                _take_theirs(edition, key, plan, user=user, reason=f"{reason}: took its version (decided)")
            else:
                _take_theirs(edition, key, plan, user=None, reason=f"{reason}: took its reviewed version")
        for key, _ in reversed(removals):
            _take_removal(edition, key, plan)
    _check_consistent(edition)
    return RebaseResult(edition, tuple(plan.taken), tuple(c.key for c in plan.conflicts))


def _draft_item(edition: Edition, key: str) -> EditionItem | None:
    item = EditionItem.objects.filter(edition=edition, key=key).select_related(*EditionItem.KINDS).first()
    return item.as_concrete() if item else None


def _take_theirs(edition: Edition, key: str, plan, *, user, reason: str) -> None:
    """Make the draft's item ``key`` what the current edition has. Without ``user`` (an item this draft did
    not touch) it keeps the review it had there, open evidence notes included; with one (a decision), it is
    a change to review."""
    theirs = plan.current_items[key]
    mine = _draft_item(edition, key)
    if mine is None:
        with carrying_review_state():
            _, mine = _Copier(edition, user, reason).copy([theirs])[0]
        if user is not None:
            _reopen(mine, user=user, reason=reason)
        _carry_open_notes(theirs, mine)
        return
    fields = {name: getattr(theirs, name) for name in ("order", *type(theirs).content_fields)}
    if "pathway" in fields:
        fields["pathway"] = theirs.pathway.key
    conditions = theirs.condition_rows() if hasattr(theirs, "match") else None
    if hasattr(theirs, "match"):
        fields["match"] = theirs.match
    citations = theirs.citation_rows() if theirs.has_citations else None
    if mine.is_removed:
        write_item(mine, user=user, fields={"is_removed": False}, reason=reason)
    changed = write_item(mine, user=user, fields=fields, conditions=conditions, citations=citations, reason=reason)
    if user is None:
        with carrying_review_state():
            copy_review_state(changed, theirs)
    else:
        _reopen(changed, user=user, reason=reason)
    _carry_open_notes(theirs, changed)


def _take_removal(edition: Edition, key: str, plan) -> None:
    """The current edition removed ``key`` (after review there): so does the draft, unless something the
    draft keeps still uses it, which is refused with what uses it (nothing is changed then)."""
    mine = _draft_item(edition, key)
    if mine is None:
        return
    users = _users_of(mine)
    if users:
        raise WorkflowError(
            f"{plan.current.label} removed {key}, but this draft still uses it in {', '.join(users)}: keep this "
            f"draft's version of {key}, or take {plan.current.label}'s version of those too.",
            code="in_use",
        )
    with carrying_review_state():
        mine.delete()


def _users_of(item: EditionItem) -> list[str]:
    """Every item of the draft that uses ``item``: a pathway's statements, a reference's citing items
    (those marked removed too: they are still records of the draft)."""
    if isinstance(item, Pathway):
        return sorted(item.recommendations.values_list("key", flat=True))
    if isinstance(item, Reference):
        return sorted(set(item.cited_by.values_list("item__key", flat=True)))
    return []


def _carry_open_notes(theirs: EditionItem, mine: EditionItem) -> None:
    """The current edition's open notes on an item come with its version of it (as a clone copies them)."""
    present = set(mine.review_comments.values_list("kind", "body"))
    ReviewComment.objects.bulk_create(
        ReviewComment(item=mine, kind=row.kind, author=row.author, author_name=row.author_name, body=row.body)
        for row in theirs.review_comments.filter(is_open=True).order_by("created_at", "pk")
        if (row.kind, row.body) not in present
    )


def _keep_mine(edition: Edition, key: str, plan, *, user, reason: str) -> None:
    """The draft's version stays, as a change to review. Its record of the last approval becomes the
    current edition's reviewed version, so the review shows what keeping this version undoes."""
    mine = _draft_item(edition, key)
    if mine is None:
        return
    _reopen(mine, user=user, reason=reason)
    theirs = plan.current_items.get(key)
    if theirs is not None and theirs.approved_content is not None:
        type(mine)._base_manager.filter(pk=mine.pk).update(approved_content=theirs.approved_content)


def _reopen(item: EditionItem, *, user, reason: str) -> None:
    """A decision over the draft's own content: it goes back to draft, the decider counted as changing it."""
    from django_fsm import can_proceed

    item = lock_item(item.pk)
    if can_proceed(item.return_to_draft):
        item.return_to_draft()
    item.changed_by = user
    item.skip_history_when_saving = True
    item.save(update_fields=["review_status", "changed_by", "updated_at"])
    del item.skip_history_when_saving
    if user is not None:
        item.contributors.add(user)
    record_history([item], user=user, reason=reason)


def _check_consistent(edition: Edition) -> None:
    live = EditionItem.objects.filter(edition=edition, is_removed=False)
    problems = [
        f"{key} is under the pathway {pathway}, which this draft no longer has"
        for key, pathway in Recommendation.objects.filter(edition=edition, is_removed=False)
        .filter(pathway__is_removed=True)
        .values_list("key", "pathway__key")
    ]
    problems += [
        f"{key} cites {reference}, which this draft no longer has"
        for key, reference in Citation.objects.filter(item__in=live, reference__is_removed=True).values_list(
            "item__key", "reference__key"
        )
    ]
    if problems:
        raise WorkflowError(["These decisions leave the draft inconsistent; decide otherwise:", *problems])


# ---------------------------------------------------------------------------------------
# Publish
# ---------------------------------------------------------------------------------------


@transaction.atomic
def edition_publish(*, edition: Edition, user, note: str) -> Edition:
    """Publish ``edition`` on behalf of ``user``, with a note saying what changed and why (clinicians see
    it); the previous current edition becomes superseded. Only a draft whose base is the current edition,
    every item of which (removals included) is approved and against which every approved scenario passes."""
    require(user, "content.publish_edition", "publish an edition")
    edition = Edition.objects.select_for_update().get(pk=edition.pk)
    _check_publishable_status(edition)
    note = (note or "").strip()
    blockers = edition_publish_blockers(edition=edition)
    if not note:
        blockers.append("Write the publication note: what changed and why, for clinicians.")
    elif len(note) > TEXT_MAX_CHARS:
        blockers.append(f"The publication note is longer than {TEXT_MAX_CHARS} characters.")
    if blockers:
        raise WorkflowError([f"{edition.label} cannot be published yet:", *blockers], code="blocked")
    return _make_current(edition, note=note, scenarios=approved_scenario_specs())


def _check_publishable_status(edition: Edition) -> None:
    if edition.status not in (EditionStatus.DRAFT, EditionStatus.IN_REVIEW):
        raise EditionImmutableError(
            f"{edition.label} is {edition.get_status_display().lower()}; only a draft can be published."
        )


@transaction.atomic
def edition_make_current(*, edition: Edition, file_scenarios: Sequence[ScenarioSpec] = ()) -> Edition:
    """The operator's publication from the command line (``load_edition --publish``), for a database with
    no current edition yet (the first edition's set-up).

    It puts an edition whose items are still pending review in front of clinicians (as the first
    edition ships), who then see the review banner until the board approves the items in place.
    Scenarios still gate it: the approved ones, and those the file carries. Over a current edition
    it is refused: replacing reviewed content is the board's publication, never the operator's."""
    edition = Edition.objects.select_for_update().get(pk=edition.pk)
    _check_publishable_status(edition)
    current = Edition.objects.current()
    if current is not None:
        raise WorkflowError(
            f"{current.label} is current: a new edition replaces it only through the board's review. Load the "
            "file as a draft (without --publish), then review and publish it in the admin.",
            code="current_exists",
        )
    specs = [*approved_scenario_specs(), *file_scenarios]
    problems = edition_publish_blockers(edition=edition, scenarios_only=True, specs=specs)
    if problems:
        raise WorkflowError([f"{edition.label} cannot be published:", *problems], code="blocked")
    return _make_current(edition, note="", scenarios=specs)


def _make_current(edition: Edition, *, note: str, scenarios: Sequence[ScenarioSpec]) -> Edition:
    """The publication itself, in the caller's transaction, on the edition the caller has locked and
    checked: supersede the current edition, publish this one with the scenarios it passed."""
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
    edition.publication_note = note
    edition.publication_scenarios = [scenario_spec(spec) for spec in scenarios]
    edition.save()
    return edition


# ---------------------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------------------


@transaction.atomic
def edition_import(*, document: object, publish: bool = False) -> Edition:
    """Load a whole edition from a parsed edition file (see ``edition_file``) as a draft based on the
    current edition. Everything is validated before anything is written, in one transaction: a file
    loads completely or not at all. With ``publish``, the operator's publication follows, gated by the
    approved scenarios and by the file's own."""
    draft = read_edition(document)
    edition = _save_draft(draft)
    if publish:
        specs = [
            ScenarioSpec(s.key, s.title, s.answers, tuple(s.must_show), tuple(s.must_not_show))
            for s in draft.scenarios
            if s.is_active
        ]
        edition = edition_make_current(edition=edition, file_scenarios=specs)
    return edition


def _save_draft(draft: EditionDraft) -> Edition:
    edition = draft.edition
    edition.status = EditionStatus.DRAFT
    edition.base = Edition.objects.current()
    edition.save()
    saved: dict[str, EditionItem] = {}
    conditions, citations = [], []
    with edition_touches_deferred(), carrying_review_state():
        for item in draft.items:
            instance = item.instance
            instance.edition = edition
            if item.pathway_key is not None:
                instance.pathway = saved[item.pathway_key]
            instance.skip_history_when_saving = True
            instance.save()
            del instance.skip_history_when_saving
            saved[instance.key] = instance
        references = {key: obj for key, obj in saved.items() if isinstance(obj, Reference)}
        for item in draft.items:
            conditions += [
                Condition(
                    item=item.instance,
                    question=rule.question,
                    operator=rule.operator.value,
                    value=rule.value_text,
                    group=rule.group,
                    order=index,
                )
                for index, rule in enumerate(item.conditions)
            ]
            citations += [
                Citation(item=item.instance, reference=references[key], part=part, order=index)
                for index, (key, part) in enumerate(item.citations)
            ]
        Condition.objects.bulk_create(conditions)
        Citation.objects.bulk_create(citations)
        ReviewComment.objects.bulk_create(
            ReviewComment(item=item.instance, **comment) for item in draft.items for comment in item.comments
        )
        rows = rows_by_item([item.instance for item in draft.items], conditions, citations)
        record_history(
            [item.instance for item in draft.items],
            user=None,
            reason="Loaded from an edition file",
            created=True,
            rows=rows,
        )
        existing = set(Scenario.objects.values_list("key", flat=True))
        for scenario in draft.scenarios:
            if scenario.key not in existing:
                scenario.save()
    return edition

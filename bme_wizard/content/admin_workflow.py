"""Admin pages of the editorial workflow: the review of an item or a scenario, an edition's review,
rebase and publication, starting a draft, and running the content scenarios.

Thin views: they read the request, call one operation or selector, and render. Every
refusal comes from the operations as a WorkflowError with the reason, shown as an error
message; nothing is changed then.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from . import selectors, services
from .models import CommentKind, Edition, EditionItem, EditionStatus, ReviewComment, ReviewStatus, Scenario


def _change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def review_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_review", args=[obj.pk])


def _object_or_404(model_admin, request, object_id):
    obj = model_admin.get_object(request, unquote(object_id))
    if obj is None:
        raise Http404(f"No {model_admin.opts.verbose_name} with that id.")
    if not model_admin.has_view_or_change_permission(request, obj):
        raise PermissionDenied
    return obj


def _context(model_admin, request, obj, title: str, **extra) -> dict:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "original": obj,
        "title": title,
        "change_url": _change_url(obj),
        **extra,
    }


def _refusal(error: ValidationError) -> str:
    return " ".join(error.messages)


# ---------------------------------------------------------------------------------------
# One item's (or scenario's) review
# ---------------------------------------------------------------------------------------


def _comment_step(request, subject) -> str:
    """Comment steps of the Review page: add a comment (with its kind) or resolve one (with a reason)."""
    action = request.POST.get("action", "")
    if action == "comment":
        kind = request.POST.get("kind") or CommentKind.EDITORIAL
        services.comment_add(subject=subject, user=request.user, body=request.POST.get("comment", ""), kind=kind)
        return "Comment added"
    comment = ReviewComment.objects.filter(pk=request.POST.get("comment_id") or 0).first()
    subject_id = comment and (comment.item_id if isinstance(subject, EditionItem) else comment.scenario_id)
    if comment is None or subject_id != subject.pk:
        raise services.WorkflowError("That comment does not belong to this page; reload it and try again.")
    services.comment_resolve(comment=comment, user=request.user, reason=request.POST.get("reason", ""))
    return "Comment resolved"


def review_view(model_admin):
    """The Review page of an item or a scenario: what is reviewed, what changed since its last approval,
    the comments and evidence notes, and the steps open to this person."""
    review = model_admin.review_operation

    def view(request, object_id):
        subject = _object_or_404(model_admin, request, object_id)
        if isinstance(subject, EditionItem):
            subject = subject.as_concrete()
        status = 200
        comment = ""
        if request.method == "POST":
            action, comment = request.POST.get("action", ""), request.POST.get("comment", "")
            try:
                if action in {"comment", "resolve"}:
                    done = _comment_step(request, subject)
                else:
                    review(item=subject, action=action, user=request.user, comment=comment)
                    done = f"{services.REVIEW_ACTIONS[action]}: done"
            except (ValidationError, KeyError) as error:
                messages.error(request, _refusal(error) if isinstance(error, ValidationError) else "Unknown step.")
                status = 400
            else:
                messages.success(request, f"{done} for {subject.key}.")
                return HttpResponseRedirect(review_url(subject))
        # A refused step changed nothing (the operation works on its own locked copy).
        actions = [
            (transition.name, services.REVIEW_ACTIONS[transition.name])
            for transition in subject.get_available_user_review_status_transitions(request.user)
            if transition.name in services.REVIEW_ACTIONS
        ]
        is_item = isinstance(subject, EditionItem)
        context = _context(
            model_admin,
            request,
            subject,
            f"Review {subject.key}",
            item=subject,
            is_item=is_item,
            actions=actions,
            comment=comment,
            comment_kinds=CommentKind.choices,
            can_comment=request.user.has_perm("content.add_reviewcomment"),
            can_resolve=request.user.has_perm("content.review_item"),
            changed_by_you=request.user.pk is not None and subject.contributors.filter(pk=request.user.pk).exists(),
            contributors=list(subject.contributors.all()),
            since_approval=selectors.changes_since_approval(subject),
            comments=subject.review_comments.select_related("author", "resolved_by"),
            conditions=subject.conditions.all() if is_item and hasattr(subject, "match") else None,
            citations=subject.citations.select_related("reference") if is_item else None,
            history_url=reverse(
                f"admin:{subject._meta.app_label}_{subject._meta.model_name}_history", args=[subject.pk]
            ),
            edition_review_url=review_url(subject.edition) if is_item else None,
            scenario=None if is_item else selectors.scenario_reading(subject),
        )
        return render(request, "admin/content/item_review.html", context, status=status)

    return view


def review_selected(request, queryset, action: str, *, review=services.item_review) -> None:
    """A list action: one review step for each selected item; says which were refused (skipped) and why."""
    done, refused = 0, []
    for item in queryset:
        try:
            review(item=item, action=action, user=request.user)
        except ValidationError as error:
            refused.append(_refusal(error))
        else:
            done += 1
    label = services.REVIEW_ACTIONS[action].lower()
    if done:
        messages.success(request, f"{label.capitalize()}: {done} item(s) done.")
    if refused:
        messages.warning(request, f"{len(refused)} skipped:")
    for reason in refused[:10]:
        messages.error(request, reason)
    if len(refused) > 10:
        messages.error(request, f"…and {len(refused) - 10} more refused.")


def item_remove_view(model_admin, request, object_id):
    """Remove an item from a draft (the admin's Delete): a reviewed change for an item of the base edition,
    a plain deletion for one added in this draft. Confirmed on a page that says which it is."""
    item = _object_or_404(model_admin, request, object_id)
    if not model_admin.has_delete_permission(request, item):
        raise PermissionDenied
    if request.method == "POST":
        try:
            removed = services.item_remove(item=item, user=request.user)
        except ValidationError as error:
            messages.error(request, _refusal(error))
            return HttpResponseRedirect(_change_url(item))
        if removed is None:
            messages.success(request, f"{item.key} was new in this draft and is deleted.")
            return HttpResponseRedirect(reverse(f"admin:content_{item._meta.model_name}_changelist"))
        messages.success(
            request,
            f"{item._meta.verbose_name.capitalize()} {item.key} is marked for removal. Like any change it is "
            "reviewed (four-eyes) and listed on the edition's publish page; it leaves the edition when the "
            "edition is published.",
        )
        return HttpResponseRedirect(_change_url(item))
    context = _context(model_admin, request, item, f"Remove {item.key}", item=item, in_base=item.in_base())
    return render(request, "admin/content/item_remove.html", context)


def item_restore_view(model_admin):
    def view(request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        item = _object_or_404(model_admin, request, object_id)
        if not model_admin.has_change_permission(request, item):
            raise PermissionDenied
        try:
            services.item_restore(item=item, user=request.user)
        except ValidationError as error:
            messages.error(request, _refusal(error))
        else:
            messages.success(request, f"{item.key} is part of the draft again (a change to review).")
        return HttpResponseRedirect(_change_url(item))

    return view


# ---------------------------------------------------------------------------------------
# An edition: review, rebase, publish, start a new draft
# ---------------------------------------------------------------------------------------


def _edition_review_context(model_admin, request, edition, title, **extra) -> dict:
    pending = selectors.items_not_approved(edition=edition).select_related("changed_by", *EditionItem.KINDS)
    counts = {label: 0 for _, label in ReviewStatus.choices}
    labels = dict(ReviewStatus.choices)
    for item_status in edition.items.values_list("review_status", flat=True):
        counts[labels[item_status]] += 1
    publishable_status = edition.status in (EditionStatus.DRAFT, EditionStatus.IN_REVIEW)
    results = selectors.scenario_results(edition=edition)
    base = selectors.edition_base_status(edition=edition)
    return _context(
        model_admin,
        request,
        edition,
        title,
        edition=edition,
        counts=counts,
        pending=[(item, review_url(item.as_concrete())) for item in pending],
        removed=[
            (item.as_concrete(), review_url(item.as_concrete())) for item in selectors.removed_items(edition=edition)
        ],
        results=results,
        failed=sum(not result.passed for result in results),
        scenario_changes=selectors.scenario_changes(edition=edition) if publishable_status else [],
        blockers=selectors.edition_publish_blockers(edition=edition, results=results) if publishable_status else [],
        publishable_status=publishable_status,
        can_publish=request.user.has_perm("content.publish_edition"),
        can_rebase=request.user.has_perm("content.clone_edition"),
        base=base,
        base_changes=selectors.edition_base_changes(edition=edition) if publishable_status else None,
        current=base.current,
        **extra,
    )


def edition_review_view(model_admin):
    """Review and publish: what is not approved yet, removals, scenario results and changes, the base."""

    def view(request, object_id):
        edition = _object_or_404(model_admin, request, object_id)
        context = _edition_review_context(model_admin, request, edition, f"Review and publish {edition.label}")
        return render(request, "admin/content/edition_review.html", context)

    return view


def edition_publish_view(model_admin):
    """The deliberate step: the change summary against the current edition, and a publication note."""

    def view(request, object_id):
        edition = _object_or_404(model_admin, request, object_id)
        status, note = 200, ""
        if request.method == "POST":
            note = request.POST.get("note", "")
            try:
                services.edition_publish(edition=edition, user=request.user, note=note)
            except ValidationError as error:
                messages.error(request, _refusal(error))
                status = 400
            else:
                messages.success(request, f"{edition.label} is published: clinicians see it from now on.")
                return HttpResponseRedirect(_change_url(edition))
        current = selectors.edition_current()
        diff = selectors.edition_diff(old=current, new=edition) if current and current.pk != edition.pk else None
        context = _edition_review_context(
            model_admin, request, edition, f"Publish {edition.label}", diff=diff, note=note, old=current, new=edition
        )
        return render(request, "admin/content/edition_publish.html", context, status=status)

    return view


def edition_rebase_view(model_admin):
    """Bring the current edition's changes into a draft whose base has moved; decide items changed on both sides."""

    def view(request, object_id):
        edition = _object_or_404(model_admin, request, object_id)
        status = 200
        if request.method == "POST":
            plan = selectors.rebase_plan(edition=edition)
            decisions = {c.key: request.POST.get(f"decision-{c.key}", "") for c in plan.conflicts}
            try:
                result = services.edition_rebase(edition=edition, user=request.user, decisions=decisions)
            except ValidationError as error:
                messages.error(request, _refusal(error))
                status = 400
            else:
                messages.success(
                    request,
                    f"{edition.label} is now based on {result.edition.base.label}: {len(result.taken)} item(s) taken "
                    f"as reviewed there, {len(result.decided)} decided by you and back in draft for review.",
                )
                return HttpResponseRedirect(reverse("admin:content_edition_review", args=[edition.pk]))
        plan = selectors.rebase_plan(edition=edition)
        context = _context(
            model_admin,
            request,
            edition,
            f"Rebase {edition.label}",
            edition=edition,
            plan=plan,
            can_rebase=request.user.has_perm("content.clone_edition"),
            decisions={key: value for key, value in request.POST.items() if key.startswith("decision-")},
        )
        return render(request, "admin/content/edition_rebase.html", context, status=status)

    return view


def edition_clone_view(model_admin):
    def view(request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        source = _object_or_404(model_admin, request, object_id)
        try:
            draft = services.edition_clone(source=source, user=request.user)
        except ValidationError as error:
            messages.error(request, _refusal(error))
            return HttpResponseRedirect(_change_url(source))
        messages.success(
            request, f"{draft.label} is a new draft, a full copy of {source.label}. Edit its items, then submit them."
        )
        return HttpResponseRedirect(_change_url(draft))

    return view


# ---------------------------------------------------------------------------------------
# Scenarios
# ---------------------------------------------------------------------------------------


def scenario_run_view(model_admin):
    def view(request):
        if not model_admin.has_view_or_change_permission(request):
            raise PermissionDenied
        editions = list(Edition.objects.all())
        chosen = request.GET.get("edition")
        if chosen:
            edition = next((e for e in editions if str(e.pk) == chosen), None)
            if edition is None:
                raise Http404("No such edition.")
        else:
            edition = Edition.objects.current() or (editions[0] if editions else None)
        results = selectors.scenario_results(edition=edition) if edition else []
        context = {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.opts,
            "title": f"Scenarios against {edition.label}" if edition else "Scenarios",
            "edition": edition,
            "editions": editions,
            "results": results,
            "failed": sum(not r.passed for r in results),
            "changes": selectors.scenario_changes(edition=edition) if edition else [],
            "pending": Scenario.objects.exclude(review_status=ReviewStatus.APPROVED).count(),
        }
        return render(request, "admin/content/scenario_run.html", context)

    return view

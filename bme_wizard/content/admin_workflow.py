"""Admin pages of the editorial workflow: an item's review, an edition's review and
publication, starting a draft, and running the content scenarios.

Thin views: they read the request, call one service or selector, and render. Every
refusal comes from the services as a WorkflowError with the reason, shown as an error
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
from .models import Edition, EditionItem, EditionStatus, ReviewStatus


def _change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def _review_url(obj) -> str:
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
# One item's review
# ---------------------------------------------------------------------------------------


def item_review_view(model_admin):
    def view(request, object_id):
        item = _object_or_404(model_admin, request, object_id)
        status = 200
        comment = ""
        if request.method == "POST":
            action, comment = request.POST.get("action", ""), request.POST.get("comment", "")
            try:
                if action == "comment":
                    services.item_comment(item=item, user=request.user, body=comment)
                    done = "Comment added"
                else:
                    services.item_review(item=item, action=action, user=request.user, comment=comment)
                    done = f"{services.REVIEW_ACTIONS[action]}: done"
            except ValidationError as error:
                messages.error(request, _refusal(error))
                status = 400
            else:
                messages.success(request, f"{done} for {item.key}.")
                return HttpResponseRedirect(_review_url(item))
        # A refused step changed nothing (the service works on its own locked copy).
        actions = [
            (transition.name, services.REVIEW_ACTIONS[transition.name])
            for transition in item.get_available_user_review_status_transitions(request.user)
            if transition.name in services.REVIEW_ACTIONS
        ]
        context = _context(
            model_admin,
            request,
            item,
            f"Review {item.key}",
            item=item,
            actions=actions,
            comment=comment,
            can_comment=request.user.has_perm("content.add_reviewcomment"),
            last_changed_by_you=item.changed_by_id is not None and item.changed_by_id == request.user.pk,
            comments=item.review_comments.select_related("author"),
            conditions=item.conditions.all() if hasattr(item, "match") else None,
            citations=item.citations.select_related("reference"),
            history_url=reverse(f"admin:{item._meta.app_label}_{item._meta.model_name}_history", args=[item.pk]),
            edition_review_url=_review_url(item.edition),
        )
        return render(request, "admin/content/item_review.html", context, status=status)

    return view


def review_selected(request, queryset, action: str) -> None:
    """A list action: one review step for each selected item; says which were refused and why."""
    done, refused = 0, []
    for item in queryset:
        try:
            services.item_review(item=item, action=action, user=request.user)
        except ValidationError as error:
            refused.append(_refusal(error))
        else:
            done += 1
    label = services.REVIEW_ACTIONS[action].lower()
    if done:
        messages.success(request, f"{label.capitalize()}: {done} item(s) done.")
    for reason in refused[:10]:
        messages.error(request, reason)
    if len(refused) > 10:
        messages.error(request, f"…and {len(refused) - 10} more refused.")


# ---------------------------------------------------------------------------------------
# An edition: review and publish, start a new draft
# ---------------------------------------------------------------------------------------


def edition_review_view(model_admin):
    def view(request, object_id):
        edition = _object_or_404(model_admin, request, object_id)
        status = 200
        if request.method == "POST":
            try:
                services.edition_publish(edition=edition, user=request.user)
            except ValidationError as error:
                messages.error(request, _refusal(error))
                status = 400
            else:
                messages.success(request, f"{edition.label} is published: clinicians see it from now on.")
                return HttpResponseRedirect(_change_url(edition))
        pending = selectors.items_not_approved(edition=edition).select_related("changed_by", *EditionItem.KINDS)
        counts = {label: 0 for _, label in ReviewStatus.choices}
        labels = dict(ReviewStatus.choices)
        for item_status in edition.items.values_list("review_status", flat=True):
            counts[labels[item_status]] += 1
        publishable_status = edition.status in (EditionStatus.DRAFT, EditionStatus.IN_REVIEW)
        results = selectors.scenario_results(edition=edition)
        context = _context(
            model_admin,
            request,
            edition,
            f"Review and publish {edition.label}",
            edition=edition,
            counts=counts,
            pending=[(item, _review_url(item.as_concrete())) for item in pending],
            results=results,
            failed=sum(not result.passed for result in results),
            blockers=selectors.edition_publish_blockers(edition=edition, results=results) if publishable_status else [],
            publishable_status=publishable_status,
            can_publish=request.user.has_perm("content.publish_edition"),
            current=Edition.objects.current(),
        )
        return render(request, "admin/content/edition_review.html", context, status=status)

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
        }
        return render(request, "admin/content/scenario_run.html", context)

    return view

"""Editorial pages of the admin beyond its forms: the diff between two editions, and the
instant checks the item forms call as an editor types (a Markdown preview, a condition row).

Wired in through ``EditionAdmin.get_urls`` (see ``edition_admin_urls``), behind the admin
site's login and a view-permission check on editions.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxLengthValidator
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from bme_wizard.pathway.conditions import ConditionError, parse_condition

from .markdown import render_markdown
from .models import TEXT_MAX_CHARS, Edition, edition_or_current, edition_vocabulary
from .selectors import edition_compared_by_default, edition_diff


def _edition_or_404(pk: object) -> Edition:
    try:
        return Edition.objects.get(pk=int(str(pk)))
    except (ValueError, Edition.DoesNotExist):
        raise Http404("No such edition.") from None


def edition_diff_view(request, object_id, *, model_admin):
    """``/admin/content/edition/<pk>/diff/?against=<pk>``: what changed between two editions."""
    edition = _edition_or_404(object_id)
    if not model_admin.has_view_permission(request, edition):
        raise PermissionDenied
    raw = request.GET.get("against", "").strip()
    if raw:
        if not raw.isdigit():
            return HttpResponseBadRequest("'against' must be the id of an edition.", content_type="text/plain")
        other = _edition_or_404(raw)
    else:
        other = edition_compared_by_default(edition=edition)
    old, new = sorted((edition, other), key=lambda e: e.number) if other else (None, edition)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Edition._meta,
        "title": f"What changed: {edition.label}",
        "edition": edition,
        "other": other,
        "old": old,
        "new": new,
        "diff": edition_diff(old=old, new=new) if other else None,
        "choices": Edition.objects.exclude(pk=edition.pk).order_by("-number"),
        "change_url": reverse("admin:content_edition_change", args=[edition.pk]),
    }
    return render(request, "admin/content/edition/diff.html", context)


@require_POST
def markdown_preview(request):
    """The sanitized HTML of the posted ``text``, exactly as clinicians would see it."""
    text = request.POST.get("text", "")
    try:
        MaxLengthValidator(TEXT_MAX_CHARS)(text)  # the limit the save applies, in the same words
    except ValidationError as error:
        return JsonResponse({"errors": {"text": error.messages}}, status=400)
    return JsonResponse({"html": render_markdown(text)})


@require_POST
def condition_check(request):
    """Whether a condition row fits the vocabulary: its meaning in words, or the problem by field."""
    data = request.POST
    edition = data.get("edition", "")
    named = int(edition) if edition.isascii() and edition.isdigit() and len(edition) <= 9 else None
    vocabulary = edition_vocabulary(edition_or_current(named))
    try:
        rule = parse_condition(
            data.get("question", ""), data.get("operator", ""), data.get("value", ""), vocabulary=vocabulary
        )
    except ConditionError as error:
        return JsonResponse({"ok": False, "field": error.field, "message": error.message})
    return JsonResponse({"ok": True, "message": f"Applies when {rule.describe(vocabulary)}."})


def _staff_with_content_access(view):
    def guarded(request, *args, **kwargs):
        if not any(request.user.has_perm(f"content.{p}") for p in ("add_recommendation", "change_recommendation")):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return guarded


def edition_admin_urls(model_admin) -> list:
    """URLs to add to the edition admin's own, each behind the admin site's login."""
    admin_view = model_admin.admin_site.admin_view

    def diff(request, object_id):
        return edition_diff_view(request, object_id, model_admin=model_admin)

    return [
        path(
            "check/markdown/", admin_view(_staff_with_content_access(markdown_preview)), name="content_check_markdown"
        ),
        path(
            "check/condition/", admin_view(_staff_with_content_access(condition_check)), name="content_check_condition"
        ),
        path("<path:object_id>/diff/", admin_view(diff), name="content_edition_diff"),
    ]

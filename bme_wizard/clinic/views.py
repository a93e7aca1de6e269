import functools
import re

from django.core.cache import cache
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from bme_wizard.content.selectors import edition_current
from bme_wizard.content.snapshot import edition_snapshot
from bme_wizard.pathway.plan import Plan, build_plan, outline
from bme_wizard.pathway.review import CLINICIAN_STAGES

from .models import Assessment
from .plan_text import plan_to_note
from .selectors import assessment_changes, assessment_for_summary, service_health, vocabulary_for
from .wizard import run_start

TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,32}")
SUMMARY_CACHE_SECONDS = 600


def livez(request):
    """Liveness: the process answers. No database, no template: also the benchmarks' baseline."""
    return HttpResponse("ok\n", content_type="text/plain")


@never_cache
def healthz(request):
    """Readiness: the database answers and a published edition exists (200), or why not (503)."""
    edition, problem = service_health()
    if problem:
        return JsonResponse({"status": "unavailable", "reason": problem}, status=503)
    return JsonResponse({"status": "ok", "database": "ok", "edition": edition})


def home(request):
    return render(request, "clinic/home.html", {"edition": edition_current()})


def guideline(request):
    """The current edition in full, as clinicians will see it: every statement and its sources."""
    edition = edition_current()
    return render(
        request,
        "clinic/guideline.html",
        {"edition": edition, "outline": outline(edition_snapshot(edition)) if edition else None},
    )


def _assessment_or_404(token: str) -> Assessment:
    if not TOKEN_PATTERN.fullmatch(token):
        raise Http404("No such assessment.")
    assessment = assessment_for_summary(token=token)
    if assessment is None:
        raise Http404("No such assessment.")
    return assessment


def _summary_context(request, assessment: Assessment) -> dict:
    plan = build_plan(assessment.answers, edition_snapshot(assessment.edition))
    newer = assessment.current_edition_id not in (None, assessment.edition_id)
    permalink = request.build_absolute_uri(reverse("clinic:summary", args=[assessment.token]))
    return {
        **plan_context(plan),
        "assessment": assessment,
        "edition": assessment.edition,
        "newer_edition": edition_current() if newer else None,
        "permalink": permalink,
    }


def plan_context(plan: Plan) -> dict:
    """What a summary page shows of a plan, saved or previewed."""
    return {
        "plan": plan,
        "contexts": [item for item in plan.pathways if item.entry.rule.conditions],
        "review_stage": plan.review_stage,
        "review_stages": [(stage.value, stage.label) for stage in CLINICIAN_STAGES],
    }


def private_page(view):
    """A page reached by its unguessable link only: never cached, never indexed by search engines."""

    @never_cache
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapped


@private_page
def summary(request, token: str):
    """The pathway summary at its permalink: the same advice whenever it is opened."""
    assessment = _assessment_or_404(token)
    context = _summary_context(request, assessment)
    # The plan and the note change only with the edition's revision (and the host in the
    # permalink): rendered once per process, then reused. They hold no CSRF token or nonce.
    key = f"summary:{assessment.token}:{assessment.edition_id}:{assessment.edition.revision}:{context['permalink']}"
    cached = cache.get(key)
    if cached is None:
        note = plan_to_note(context["plan"], permalink=context["permalink"], created=assessment.created_at)
        body = render_to_string("clinic/summary.html#plan-body", context, request)
        cached = (body, note)
        cache.set(key, cached, SUMMARY_CACHE_SECONDS)
    context["plan_body"], context["note"] = cached
    return render(request, "clinic/summary.html", context)


@private_page
def summary_patient(request, token: str):
    """The plain-language version for the patient: the same statements and references."""
    return render(request, "clinic/summary_patient.html", _summary_context(request, _assessment_or_404(token)))


@private_page
def summary_changes(request, token: str):
    """What the current edition changes for this assessment: both plans, the differences marked."""
    assessment = _assessment_or_404(token)
    context = {
        "assessment": assessment,
        "edition": assessment.edition,
        "changes": assessment_changes(assessment=assessment),
    }
    return render(request, "clinic/summary_changes.html", context)


@require_POST
def summary_edit(request, token: str):
    """Back into the wizard with this assessment's answers filled in (a new run; the permalink stays)."""
    assessment = _assessment_or_404(token)
    vocabulary = vocabulary_for(edition_current())  # the wizard asks the current edition's questions
    return redirect("clinic:wizard", run_id=run_start(request, answers=assessment.answers, vocabulary=vocabulary))

"""Preview: a reviewer walks the clinician wizard against any edition, a draft included.

The same wizard and templates as clinicians use, with the edition named in the URL instead
of the current one, and every page marked as a preview. Nothing is saved: at the end the
answers stay in the run's own session slot (apart from clinicians' runs) and the summary
is built from them and the edition as it is now, so an editor can change a statement in
the admin and reload the summary to see the effect.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django_htmx.http import HttpResponseClientRedirect

from bme_wizard.content.models import Edition
from bme_wizard.content.snapshot import edition_snapshot
from bme_wizard.pathway.answers import clean_answers
from bme_wizard.pathway.plan import build_plan

from .views import plan_context
from .wizard import AssessmentWizard, RunSlots, run_start

PREVIEW_RUNS = RunSlots("preview_runs", "preview")


def editorial_staff_required(view):
    """Staff who may view editions. Anyone else: to the admin login if anonymous, else refused (403)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        if not (user.is_active and user.is_staff and user.has_perm("content.view_edition")):
            raise PermissionDenied("Previews are for the editorial board.")
        return view(request, *args, **kwargs)

    return wrapped


def _edition_or_404(pk: int) -> Edition:
    edition = Edition.objects.filter(pk=pk).first() if pk <= 2**31 - 1 else None
    if edition is None:
        raise Http404("No such edition.")
    return edition


def _context(edition: Edition, **extra) -> dict:
    return {"preview": edition, "admin_url": reverse("admin:content_edition_change", args=[edition.pk]), **extra}


def _preview_run(request, edition: Edition, run_id: str) -> dict | None:
    run = request.session.get(PREVIEW_RUNS.index_key, {}).get(run_id)
    return run if run is not None and run.get("edition") == edition.pk else None


@never_cache
@editorial_staff_required
def preview_start(request, edition_pk: int):
    """The preview's front page (GET), and a new preview run of the edition (POST)."""
    edition = _edition_or_404(edition_pk)
    if request.method == "POST":
        run_id = run_start(request, slots=PREVIEW_RUNS, edition=edition.pk)
        return redirect("clinic:preview-wizard", edition_pk=edition.pk, run_id=run_id)
    return render(request, "clinic/preview/start.html", _context(edition))


@method_decorator(editorial_staff_required, name="dispatch")
class PreviewWizard(AssessmentWizard):
    slots = PREVIEW_RUNS

    def dispatch(self, request, *args, **kwargs):
        self.edition = _edition_or_404(kwargs["edition_pk"])
        run = _preview_run(request, self.edition, kwargs["run_id"])
        if run is None:
            page = render(request, "clinic/preview/expired.html", _context(self.edition), status=404)
            return HttpResponseClientRedirect(request.path) if request.htmx else page
        if run.get("answers") is not None:
            return redirect("clinic:preview-summary", edition_pk=self.edition.pk, run_id=kwargs["run_id"])
        return super().dispatch(request, *args, **kwargs)

    def get_edition(self) -> Edition:
        return self.edition

    def finish(self, answers: dict) -> str:
        """Keep the answers in the preview run's slot (no Assessment); return the preview summary's address."""
        runs = self.request.session[PREVIEW_RUNS.index_key]
        runs[self.kwargs["run_id"]]["answers"] = clean_answers(answers, vocabulary=self.vocabulary)
        self.request.session[PREVIEW_RUNS.index_key] = runs
        return reverse("clinic:preview-summary", args=[self.edition.pk, self.kwargs["run_id"]])

    def get_context_data(self, form, **kwargs):
        return {**super().get_context_data(form=form, **kwargs), **_context(self.edition)}


@never_cache
@editorial_staff_required
def preview_summary(request, edition_pk: int, run_id: str):
    """The summary the edition gives for the preview run's answers, as it is now; nothing saved."""
    edition = _edition_or_404(edition_pk)
    run = _preview_run(request, edition, run_id)
    if run is None:
        return render(request, "clinic/preview/expired.html", _context(edition), status=404)
    if run.get("answers") is None:  # not finished yet: back to its current step
        return redirect("clinic:preview-wizard", edition_pk=edition.pk, run_id=run_id)
    plan = build_plan(run["answers"], edition_snapshot(edition))
    return render(request, "clinic/preview/summary.html", _context(edition, **plan_context(plan)))

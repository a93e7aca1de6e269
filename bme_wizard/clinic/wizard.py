"""The clinician wizard: three steps on django-formtools, one independent run per URL.

Departures from formtools' defaults, each for a known formtools problem:
- Every run has its own id in the URL and its own session slot (the default slot is
  one per wizard class, so two tabs would share one assessment: formtools #15, #126).
- GET shows the run's current step instead of restarting it, and a successful post
  redirects (post/redirect/get), so refresh and the browser's back button never leave
  a stale or broken step (#166).
- "Back" keeps what was entered on the current step (#284).
- A missing or forged management form, or a jump to a step not yet reached, re-shows
  the current step with a message instead of raising SuspiciousOperation.
With htmx, a step post swaps only the step's form (a template partial), and changing an
answer that others depend on swaps only their fieldset.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django_htmx.http import HttpResponseClientRedirect
from formtools.wizard.forms import ManagementForm
from formtools.wizard.storage.session import SessionStorage
from formtools.wizard.views import SessionWizardView

from bme_wizard.content.models import Edition
from bme_wizard.content.selectors import edition_current
from bme_wizard.pathway.answers import is_asked
from bme_wizard.pathway.vocabulary import QUESTIONS, STEPS, Kind, Vocabulary

from .forms import step_form
from .selectors import vocabulary_for
from .services import assessment_create

RUNS_KEY = "assessment_runs"
MAX_RUNS = 20  # per browser session; the oldest runs beyond this are forgotten


@dataclass(frozen=True)
class RunSlots:
    """Where one kind of wizard run keeps its state in the session: an index of its runs and,
    per run, formtools' storage. Clinicians' runs and reviewers' preview runs never share one."""

    index_key: str
    prefix: str

    def storage_prefix(self, run_id: str) -> str:
        return f"{self.prefix}_{run_id}"


ASSESSMENT_RUNS = RunSlots(RUNS_KEY, "assessment")


class RunStorage(SessionStorage):
    """formtools' session storage, marking the session changed on writes only.

    The original marks it changed on every read, so each GET or reveal in one tab
    rewrote the whole session and could undo a step just saved in another tab.
    """

    def _get_data(self):
        return self.request.session[self.prefix]

    data = property(_get_data, SessionStorage._set_data)

    def _changed(self):
        self.request.session.modified = True

    def _set_current_step(self, step):
        super()._set_current_step(step)
        self._changed()

    def _set_extra_data(self, extra_data):
        super()._set_extra_data(extra_data)
        self._changed()

    def set_step_data(self, step, cleaned_data):
        super().set_step_data(step, cleaned_data)
        self._changed()

    def set_step_files(self, step, files):
        super().set_step_files(step, files)
        self._changed()

    def reset(self):
        super().reset()
        self._changed()


STORED_VALUE_LIMIT = 200  # characters; every vocabulary value and number is far shorter


def _step_fields_data(form, post) -> MultiValueDict:
    """Only the step's own fields, as posted: junk keys never reach the session."""
    data = MultiValueDict()
    for name in form.fields:
        key = form.add_prefix(name)
        most = len(getattr(form.fields[name], "choices", None) or [None])  # a multi answer has one per choice
        values = [value[:STORED_VALUE_LIMIT] for value in post.getlist(key)][:most]
        if values:
            data.setlist(key, values)
    return data


def run_start(
    request: HttpRequest,
    *,
    answers: dict | None = None,
    vocabulary: Vocabulary = QUESTIONS,
    slots: RunSlots = ASSESSMENT_RUNS,
    **about,
) -> str:
    """Open a new wizard run in this browser session, optionally filled in (``answers``, placed on
    the steps of ``vocabulary``, the edition's questions); return its id.

    ``about`` is kept in the run's index entry (a preview run records its edition)."""
    runs = request.session.get(slots.index_key, {})
    run_id = secrets.token_urlsafe(9)
    runs[run_id] = {"started": datetime.now(UTC).isoformat(), "token": None, **about}
    for old in sorted(runs, key=lambda key: runs[key]["started"])[:-MAX_RUNS]:
        runs.pop(old)
        request.session.pop(f"wizard_{slots.storage_prefix(old)}", None)
    request.session[slots.index_key] = runs
    if answers:
        storage = RunStorage(slots.storage_prefix(run_id), request, None)  # a new run: starts empty
        for step in vocabulary.steps:
            storage.set_step_data(step.key, _as_post_data(step.key, answers, vocabulary))
        storage.current_step = vocabulary.steps[0].key
    return run_id


def _as_post_data(step: str, answers: dict, vocabulary: Vocabulary) -> MultiValueDict:
    """Answers in the shape a step's form posts them (prefixed names, lists for multi)."""
    data = MultiValueDict()
    for key, value in answers.items():
        question = vocabulary.get(key)
        if question is None or question.step != step:
            continue
        data.setlist(f"{step}-{key}", [str(v) for v in value] if question.kind is Kind.MULTI else [str(value)])
    return data


def _question_tree(form) -> list[dict]:
    """The form's questions in display order, each with the questions that depend on it nested below."""
    questions = form.questions
    values = {question.key: form[question.key].value() for question in questions}

    def node(question):
        children = [q for q in questions if q.asked_when and q.asked_when.question == question.key]
        return {
            "question": question,
            "field": form[question.key],
            "asked": is_asked(question, values),
            "children": [node(child) for child in children],
        }

    return [node(q) for q in questions if q.asked_when is None]


@method_decorator(never_cache, name="dispatch")
class AssessmentWizard(SessionWizardView):
    # The steps, in order (formtools needs a form class for each). Every form is made from the
    # edition's own questions (``get_form``): these first-edition classes are never shown.
    form_list = [(step.key, step_form(step.key)) for step in STEPS]
    template_name = "clinic/wizard.html"
    storage_name = "bme_wizard.clinic.wizard.RunStorage"
    slots = ASSESSMENT_RUNS

    # --- one run per URL ---------------------------------------------------------------

    def get_prefix(self, request, *args, **kwargs):
        return self.slots.storage_prefix(kwargs["run_id"])

    def get_edition(self) -> Edition | None:
        """The edition the answers are evaluated against: the current one (a preview names its own),
        read once per request."""
        if not hasattr(self, "_edition"):
            self._edition = edition_current()
        return self._edition

    @property
    def vocabulary(self) -> Vocabulary:
        """The questions of the edition the answers are for (read once per request)."""
        if not hasattr(self, "_vocabulary"):
            self._vocabulary = vocabulary_for(self.get_edition())
        return self._vocabulary

    def get_form(self, step=None, data=None, files=None):
        """The step's form, made from the edition's questions (formtools would use ``form_list``)."""
        step = self.steps.current if step is None else step
        form_class = step_form(step, self.vocabulary)
        kwargs = self.get_form_kwargs(step)
        kwargs.update(
            {
                "data": data,
                "files": files,
                "prefix": self.get_form_prefix(step, form_class),
                "initial": self.get_form_initial(step),
            }
        )
        return form_class(**kwargs)

    def dispatch(self, request, *args, **kwargs):
        run = request.session.get(self.slots.index_key, {}).get(kwargs["run_id"])
        if run is None:
            # An unknown id, or a session that has expired: nothing to resume.
            page = render(request, "clinic/wizard_expired.html", status=404)
        elif run["token"]:
            page = render(request, "clinic/wizard_finished.html", {"token": run["token"]}, status=409)
        elif self.get_edition() is None:
            page = render(request, "clinic/wizard_expired.html", {"no_edition": True}, status=503)
        else:
            return super().dispatch(request, *args, **kwargs)
        # htmx does not swap error responses: send the browser to the page instead.
        return HttpResponseClientRedirect(request.path) if request.htmx else page

    # --- GET: show the current step, never restart ---------------------------------------

    def get(self, request, *args, **kwargs):
        if self.storage.current_step is None:
            self.storage.current_step = self.steps.first
        return self.render(self._stored_form(self.steps.current))

    def _stored_form(self, step):
        """The step's form showing what was entered, without judging it before it is submitted."""
        return self._unjudged(self.get_form(step=step, data=self.storage.get_step_data(step)), step)

    def _unjudged(self, bound, step):
        form = self.get_form(step=step)
        if bound.is_bound:
            form.initial = {name: bound[name].value() for name in form.fields}
        return form

    # --- POST ----------------------------------------------------------------------------

    def _reached(self) -> list[str]:
        steps = list(self.get_form_list())
        return steps[: steps.index(self.steps.current) + 1]

    def _refuse(self, message: str) -> HttpResponse:
        messages.warning(self.request, message)
        return self._show_current()

    def _show_current(self) -> HttpResponse:
        if self.request.htmx:
            return self.render(self._stored_form(self.steps.current))
        return redirect(self.request.path)

    def post(self, *args, **kwargs):
        request = self.request
        if request.htmx and request.POST.get("_reveal") in self.vocabulary:
            return self._reveal(request.POST["_reveal"])

        management_form = ManagementForm(request.POST, prefix=self.prefix)
        altered = "That page was incomplete or had been altered, so nothing was saved. Please go on here."
        if not management_form.is_valid() or management_form.cleaned_data["current_step"] not in self.get_form_list():
            return self._refuse(altered)
        posted_step = management_form.cleaned_data["current_step"]
        goto = request.POST.get("wizard_goto_step")
        if posted_step not in self._reached() or (goto and goto not in self._reached()):
            return self._refuse("Please answer the steps in order; that step has not been reached yet.")

        if goto:
            # Keep what was entered on this page when going back (formtools #284).
            self.storage.current_step = posted_step
            self.storage.set_step_data(posted_step, self.process_step(self.get_form(data=request.POST)))
            self.storage.current_step = goto
            return self._show_current()

        # A page from earlier in this run (the browser's back button): continue from there.
        self.storage.current_step = posted_step
        form = self.get_form(data=request.POST)
        if not form.is_valid():
            return self.render(form)
        self.storage.set_step_data(self.steps.current, self.process_step(form))
        if self.steps.current == self.steps.last:
            return self.render_done(form, **kwargs)
        self.storage.current_step = self.get_next_step()
        return self._show_current()

    def render_revalidation_failure(self, failed_step, form, **kwargs):
        self.storage.current_step = failed_step
        messages.warning(self.request, "Some answers need another look before the plan can be shown.")
        return self.render(form)

    def process_step(self, form):
        return _step_fields_data(form, self.request.POST)

    def get_form_kwargs(self, step=None):
        """Each step's form knows the answers of the steps before it, so that an answer contradicting
        one of them is refused on the step that can correct it (and again when the plan is built)."""
        return {"earlier": self._earlier_answers(step or self.steps.current)}

    def _earlier_answers(self, step: str) -> dict:
        answers: dict = {}
        for earlier in self.get_form_list():
            if earlier == step:
                break
            form = self.get_form(step=earlier, data=self.storage.get_step_data(earlier))
            if form.is_bound and form.is_valid():
                answers.update(form.answers)
        return answers

    def done(self, form_list, **kwargs):
        answers = {}
        for form in form_list:
            answers.update(form.answers)
        url = self.finish(answers)
        return HttpResponseClientRedirect(url) if self.request.htmx else redirect(url)

    def finish(self, answers: dict) -> str:
        """Save the assessment; return the address of its summary."""
        # Idempotent per run: a double submit finds the assessment the first one saved.
        assessment = assessment_create(answers=answers, edition=self.get_edition(), run=self.kwargs["run_id"])
        runs = self.request.session[RUNS_KEY]
        runs[self.kwargs["run_id"]]["token"] = assessment.token
        self.request.session[RUNS_KEY] = runs
        return reverse("clinic:summary", args=[assessment.token])

    # --- htmx: reveal the questions that depend on a changed answer ------------------------

    def _reveal(self, key: str) -> HttpResponse:
        form = self._unjudged(self.get_form(data=self.request.POST), self.steps.current)
        node = next((n for n in self._walk(_question_tree(form)) if n["question"].key == key), None)
        if node is None:
            raise Http404("No such question on this step.")
        return render(self.request, "clinic/wizard.html#dependents", {"node": node, "form": form})

    @staticmethod
    def _walk(nodes):
        for node in nodes:
            yield node
            yield from AssessmentWizard._walk(node["children"])

    # --- rendering -------------------------------------------------------------------------

    def get_template_names(self):
        return ["clinic/wizard.html#step-form"] if self.request.htmx else ["clinic/wizard.html"]

    def get_context_data(self, form, **kwargs):
        context = super().get_context_data(form=form, **kwargs)
        titles = {step.key: step.title for step in self.vocabulary.steps}
        context.update(
            {
                "questions": _question_tree(form),
                "step_title": titles[self.steps.current],
                "progress": [
                    {"key": key, "title": titles[key], "number": i + 1, "current": key == self.steps.current}
                    for i, key in enumerate(self.get_form_list())
                ],
            }
        )
        return context


def wizard_start(request: HttpRequest) -> HttpResponse:
    """Start a new assessment (POST from the home page or the summary's "start over")."""
    if request.method != "POST":
        return redirect("clinic:home")
    return redirect("clinic:wizard", run_id=run_start(request))

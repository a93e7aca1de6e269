"""Locust users for ``make bench`` (benchmarks/load.py runs this; not meant to be run by hand).

BENCH_CASE picks what every simulated user does, as fast as it can:
  baseline  GET /livez (the framework's ceiling through the same middleware)
  static    GET one hashed static file, served by whitenoise
  summary   GET a saved summary permalink
  flow      a whole clinician visit: home, start, three steps (GET and POST each), summary
  api       POST /api/v1/plan
  soak      the flow for make loadtest (benchmarks/loadtest.py): answers drawn at random, and
            every completed flow recorded in BENCH_RECORD ("run_id token" a line); one flow in
            BENCH_DOUBLE_SUBMIT sends its last step twice at once, as a double click would
            ("run_id token token").
BENCH_TOKENS (comma-separated permalink tokens) and BENCH_STATIC (a static path) come from
the harness. Only the pure vocabulary module is imported: no Django in this process.
"""

import json
import os
import random
import sys
from pathlib import Path

import gevent
import requests
from locust import HttpUser, constant, task

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.editions import SAMPLE_ANSWERS, random_answers
from bme_wizard.pathway.vocabulary import QUESTIONS, STEPS, Kind

CASE = os.environ.get("BENCH_CASE", "baseline")
TOKENS = [token for token in os.environ.get("BENCH_TOKENS", "").split(",") if token]
STATIC = os.environ.get("BENCH_STATIC", "")
RECORD = os.environ.get("BENCH_RECORD", "")
DOUBLE_SUBMIT = int(os.environ.get("BENCH_DOUBLE_SUBMIT", "10"))
ANSWERS = {**SAMPLE_ANSWERS, "context": "transient_bme", "treatments_tried": ["nsaids"], "response": "no_change"}
RNG = random.Random(11)


def step_form(run_id: str, step: str, csrf: str, answers: dict = ANSWERS) -> dict:
    data = {"csrfmiddlewaretoken": csrf, f"assessment_{run_id}-current_step": step}
    for key, value in answers.items():
        question = QUESTIONS[key]
        if question.step == step:
            data[f"{step}-{key}"] = [str(v) for v in value] if question.kind is Kind.MULTI else str(value)
    return data


class Clinician(HttpUser):
    wait_time = constant(0)

    @task
    def visit(self):
        if CASE == "baseline":
            self.client.get("/livez", name="baseline")
        elif CASE == "static":
            self.client.get(STATIC, name="static")
        elif CASE == "summary":
            self.client.get(f"/a/{random.choice(TOKENS)}/", name="summary")
        elif CASE == "api":
            self.client.post(
                "/api/v1/plan",
                data=json.dumps({"answers": ANSWERS}),
                headers={"Content-Type": "application/json"},
                name="api",
            )
        elif CASE == "flow":
            self.flow()
        elif CASE == "soak":
            self.soak()

    def _post_expecting_redirect(self, url, data, name):
        """POST and insist on the redirect a successful step gives; anything else is an error."""
        with self.client.post(url, data=data, allow_redirects=False, name=name, catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"expected a redirect, got {response.status_code}")
                return None
            return response.headers.get("Location", "")

    def flow(self, answers: dict = ANSWERS, double_submit: bool = False):
        """One clinician's visit; returns (run id, summary URLs seen) when it completes."""
        client = self.client
        client.cookies.clear()  # a new clinician each time: a new session
        client.get("/", name="flow: home")
        csrf = client.cookies.get("csrftoken", "")
        wizard = self._post_expecting_redirect("/assess/", {"csrfmiddlewaretoken": csrf}, "flow: start")
        if not wizard:
            return None
        run_id = wizard.rstrip("/").rsplit("/", 1)[1]
        locations = []
        for number, step in enumerate(step.key for step in STEPS):
            client.get(wizard, name=f"flow: step {number + 1} (GET)")
            data = step_form(run_id, step, csrf, answers)
            if double_submit and step == STEPS[-1].key:
                locations = self._twice_at_once(wizard, data)
                if not locations:
                    return None
                break
            location = self._post_expecting_redirect(wizard, data, f"flow: step {number + 1} (POST)")
            if not location:
                return None
            locations = [location]
        for location in locations:
            with client.get(location, name="flow: summary", catch_response=True) as response:
                if response.status_code != 200:
                    response.failure(f"summary answered {response.status_code}")
                    return None
        return run_id, locations

    def _twice_at_once(self, url, data):
        """The last step sent twice at the same moment from the same session (a double click)."""
        cookies = self.client.cookies.get_dict()

        def send():
            with requests.Session() as session:
                session.cookies.update(cookies)
                return session.post(self.host + url, data=data, allow_redirects=False, timeout=60)

        jobs = [gevent.spawn(send), gevent.spawn(send)]
        gevent.joinall(jobs)
        responses = [job.value for job in jobs]
        name = "flow: step 3 (POST, double submit)"
        # Each gets the redirect to the summary, or (the second, once the first has finished) the
        # "already finished" page, which links to the same summary.
        ok = [r for r in responses if r is not None and r.status_code in (302, 409)]
        locations = [r.headers["Location"] for r in ok if r.status_code == 302]
        if len(ok) != 2 or not locations:
            failure = next((r.status_code for r in responses if r is not None and r not in ok), "no answer")
            self.environment.events.request.fire(
                request_type="POST", name=name, response_time=0, response_length=0,
                exception=RuntimeError(f"double submit answered {failure}"), context={},
            )  # fmt: skip
            return None
        self.environment.events.request.fire(
            request_type="POST", name=name, response_time=0, response_length=0, exception=None, context={}
        )
        return locations

    def soak(self):
        answers = random_answers(RNG)
        double_submit = DOUBLE_SUBMIT > 0 and RNG.randrange(DOUBLE_SUBMIT) == 0
        outcome = self.flow(answers, double_submit=double_submit)
        if outcome and RECORD:
            run_id, locations = outcome
            tokens = [location.rstrip("/").rsplit("/", 1)[1] for location in locations]
            with open(RECORD, "a") as record:
                record.write(" ".join([run_id, *tokens]) + "\n")

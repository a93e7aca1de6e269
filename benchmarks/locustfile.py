"""Locust users for ``make bench`` (benchmarks/load.py runs this; not meant to be run by hand).

BENCH_CASE picks what every simulated user does, as fast as it can:
  baseline  GET /livez (the framework's ceiling through the same middleware)
  static    GET one hashed static file, served by whitenoise
  summary   GET a saved summary permalink
  flow      a whole clinician visit: home, start, three steps (GET and POST each), summary
  api       POST /api/v1/plan
BENCH_TOKENS (comma-separated permalink tokens) and BENCH_STATIC (a static path) come from
the harness. Only the pure vocabulary module is imported: no Django in this process.
"""

import json
import os
import random
import sys
from pathlib import Path

from locust import HttpUser, constant, task

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.editions import SAMPLE_ANSWERS
from bme_wizard.pathway.vocabulary import QUESTIONS, STEPS, Kind

CASE = os.environ.get("BENCH_CASE", "baseline")
TOKENS = [token for token in os.environ.get("BENCH_TOKENS", "").split(",") if token]
STATIC = os.environ.get("BENCH_STATIC", "")
ANSWERS = {**SAMPLE_ANSWERS, "context": "transient_bme", "treatments_tried": ["nsaids"], "response": "no_change"}


def step_form(run_id: str, step: str, csrf: str) -> dict:
    data = {"csrfmiddlewaretoken": csrf, f"assessment_{run_id}-current_step": step}
    for key, value in ANSWERS.items():
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

    def _post_expecting_redirect(self, url, data, name):
        """POST and insist on the redirect a successful step gives; anything else is an error."""
        with self.client.post(url, data=data, allow_redirects=False, name=name, catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"expected a redirect, got {response.status_code}")
                return None
            return response.headers.get("Location", "")

    def flow(self):
        client = self.client
        client.cookies.clear()  # a new clinician each time: a new session
        client.get("/", name="flow: home")
        csrf = client.cookies.get("csrftoken", "")
        wizard = self._post_expecting_redirect("/assess/", {"csrfmiddlewaretoken": csrf}, "flow: start")
        if not wizard:
            return
        run_id = wizard.rstrip("/").rsplit("/", 1)[1]
        location = None
        for number, step in enumerate(step.key for step in STEPS):
            client.get(wizard, name=f"flow: step {number + 1} (GET)")
            location = self._post_expecting_redirect(
                wizard, step_form(run_id, step, csrf), f"flow: step {number + 1} (POST)"
            )
            if not location:
                return
        client.get(location, name="flow: summary")

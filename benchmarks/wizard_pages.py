"""Benchmark: server time of each wizard page and of the summary (not a test; prints figures).

Run with ``make bench-wizard``. Drives the real views in-process with Django's test
client (middleware, sessions, templates, the database) against an in-memory SQLite
database holding the first edition, with production settings (DEBUG off). Times are
wall-clock per request; the median of many runs is reported, so one slow run on a
shared machine does not decide the figure. The network and the browser are not
included: this is the server's share of each page.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "bme_wizard.test_settings",  # DEBUG off, fast password hasher
        "DATABASE_URL": "sqlite://:memory:",
    }
)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from benchmarks.machine import machine  # noqa: E402
from tests.conftest import BASE_ANSWERS  # noqa: E402
from tests.wizard_walk import start, step_data  # noqa: E402

RUNS = 200
ANSWERS = {**BASE_ANSWERS, "context": "transient_bme", "treatments_tried": ["nsaids"], "response": "no_change"}


def timed(method, *args):
    """Call ``method(*args)``; return (milliseconds, response)."""
    started = time.perf_counter()
    response = method(*args)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code not in (200, 302):
        raise SystemExit(f"{args[0]}: unexpected status {response.status_code}; the figures would be meaningless.")
    return elapsed, response


def main() -> None:
    setup_test_environment()
    call_command("migrate", verbosity=0)
    call_command("load_edition", str(ROOT / "fixtures" / "edition-1.json"), "--publish", verbosity=0)
    client = Client()
    timings: dict[str, list[float]] = {}
    for run in range(RUNS + 10):
        samples = {}
        samples["home (GET)"], _ = timed(client.get, "/")
        samples["start (POST)"], _ = timed(client.post, "/assess/")
        url = start(client)
        for number, step in enumerate(("mri", "context", "treatment"), start=1):
            samples[f"step {number} (GET)"], _ = timed(client.get, url)
            label = f"step {number} (POST" + (", saves)" if step == "treatment" else ")")
            samples[label], response = timed(client.post, url, step_data(url, step, ANSWERS))
        summary = response["Location"]
        samples["summary (GET)"], _ = timed(client.get, summary)
        samples["patient version (GET)"], _ = timed(client.get, summary + "patient/")
        if run >= 10:  # the first runs warm caches and the snapshot
            for name, value in samples.items():
                timings.setdefault(name, []).append(value)

    print("Wizard and summary: server time per request (in-process, DEBUG off, SQLite in memory)")
    print(f"machine: {machine()}")
    print(f"{RUNS} walks of the wizard\n")
    print(f"{'page':<24}{'median ms':>11}{'p95 ms':>9}")
    for name, values in timings.items():
        values.sort()
        print(f"{name:<24}{statistics.median(values):>11.2f}{values[int(len(values) * 0.95) - 1]:>9.2f}")


if __name__ == "__main__":
    main()

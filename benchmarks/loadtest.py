"""``make loadtest``: 50 simulated clinicians completing wizards for 60 s, then a data check.

Not a test of speed and not part of ``make test``. It starts gunicorn (4 workers,
production settings, rate limits off) on 127.0.0.1 with a fresh SQLite database, as
``make bench`` does (benchmarks/load.py: the same server and locust helpers), and has
locust (headless) run 50 users, each completing wizard after wizard: start, three step
posts (answers drawn at random), the summary; one flow in ten sends its last step twice
at the same moment, as a double click would. Then it checks the data:
  - every completed flow (as the clients recorded it) saved exactly one assessment, whose
    token is the one the client was sent to, and a double submit saved once;
  - no assessment was saved that no client saw completed;
  - every saved summary permalink renders 200;
  - the server logged no "database is locked" and no server error.
Then the same on PostgreSQL when DATABASE_URL points at one (that database is used as
it is: the check counts only what this run saved). Exits non-zero when a check fails.

Options: --users 50, --seconds 60, --double-submit 10 (one flow in N; 0 for none).
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.load import Server, locust, prepare  # noqa: E402 - after the path is set

COUNT_CODE = (
    "from bme_wizard.clinic.models import Assessment as A; "
    "print(' '.join(f'{run or \"-\"}:{token}' for run, token in A.objects.values_list('run', 'token')))"
)


def saved(server: Server) -> dict[str, list[str]]:
    """Every assessment in the database: run id (or "-") to its tokens."""
    by_run: dict[str, list[str]] = {}
    for pair in server.shell(COUNT_CODE).split():
        run, token = pair.split(":", 1)
        by_run.setdefault(run, []).append(token)
    return by_run


def fetch_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def run(database_url: str | None, args) -> bool:
    label = "PostgreSQL" if database_url else "SQLite"
    with tempfile.TemporaryDirectory(prefix="bme-loadtest-") as tmp:
        workdir = Path(tmp)
        log = workdir / "gunicorn.log"
        server = Server(workdir, database_url, log_path=log)
        try:
            extra = prepare(server, None)
            before = saved(server)
            server.start()
            server.warm_up(extra)
            record = workdir / "flows.txt"
            record.touch()
            print(f"\n== {label}: {args.users} clinicians for {args.seconds} s; gunicorn, 4 workers", flush=True)
            started = time.monotonic()
            figures = locust(
                server, "soak", args.users, args.seconds, workdir,
                {**extra, "BENCH_RECORD": str(record), "BENCH_DOUBLE_SUBMIT": str(args.double_submit)},
                stop_timeout=30,
            )  # fmt: skip
            elapsed = time.monotonic() - started
            after = saved(server)

            flows = [line.split() for line in record.read_text().splitlines() if line.strip()]
            new = {run: tokens for run, tokens in after.items() if run not in before}
            # What the clients saw: each completed flow's run id and the token(s) it was sent to.
            missing = [f for f in flows if f[0] not in new]
            mismatched = [f for f in flows if f[0] in new and set(f[1:]) != set(new[f[0]])]
            duplicates = sum(len(tokens) - 1 for tokens in new.values())
            duplicates += len(flows) - len({f[0] for f in flows})  # one run recorded as completed twice
            unrecorded = [run for run in new if run not in {f[0] for f in flows}]
            double_submits = sum(1 for f in flows if len(f) > 2)

            tokens = [token for run_tokens in new.values() for token in run_tokens]
            with ThreadPoolExecutor(max_workers=8) as pool:
                statuses = list(pool.map(fetch_status, [f"{server.url}/a/{token}/" for token in tokens]))
            broken_permalinks = sum(1 for status in statuses if status != 200)
            server.stop()

            server_log = log.read_text(errors="replace")
            locked = server_log.count("database is locked")
            server_errors = sum(server_log.count(mark) for mark in ('"level": "ERROR"', "[ERROR]", "[CRITICAL]"))
            failures = []
            failures_csv = workdir / f"soak-{args.users}_failures.csv"
            if failures_csv.exists():
                with open(failures_csv, newline="") as handle:
                    failures = [(row["Name"], row["Error"], row["Occurrences"]) for row in csv.DictReader(handle)]

            rows = [
                ("flows completed (client)", len(flows)),
                ("  of which double submits", double_submits),
                ("assessments saved", len(tokens)),
                ("duplicates", duplicates),
                ("completed but not saved", len(missing)),
                ("saved under another token", len(mismatched)),
                ("saved but not completed", len(unrecorded)),
                ("permalinks not 200", broken_permalinks),
                ("request errors (locust)", figures["errors"]),
                ('"database is locked"', locked),
                ("server errors logged", server_errors),
            ]
            print(f"requests {figures['requests']}, {figures['rps']:.1f}/s; p50 {figures['p50']:.0f} ms, "
                  f"p95 {figures['p95']:.0f} ms, p99 {figures['p99']:.0f} ms; {elapsed:.0f} s in all")  # fmt: skip
            print(f"{'check':<28}{'count':>8}")
            for name, value in rows:
                print(f"{name:<28}{value:>8}")
            for name, error, occurrences in failures[:10]:
                print(f"  failure: {name}: {error} ({occurrences}x)")
            if server_errors or locked:
                print("  server log (last lines):\n" + "\n".join(server_log.splitlines()[-20:]))
            # A flow cut off by the run's end after its last post counts as saved but not completed;
            # there should be none (locust lets flows finish), but it is not data loss.
            ok = (
                flows
                and len(tokens) >= len(flows)
                and not (duplicates or missing or mismatched or broken_permalinks or locked or server_errors)
                and figures["errors"] == 0
            )
            print(f"result ({label}): {'PASS' if ok else 'FAIL'}")
            return bool(ok)
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description="Load and soak test: clinicians completing wizards.")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--double-submit", type=int, default=10, help="one flow in N sends its last step twice")
    args = parser.parse_args()

    from benchmarks.machine import machine

    print(f"make loadtest, {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC; machine: {machine()}")
    results = [run(None, args)]
    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        results.append(run(os.environ["DATABASE_URL"], args))
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()

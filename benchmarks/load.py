"""``make bench``: load figures for the production set-up, with the framework's own ceiling beside them.

Starts gunicorn on 127.0.0.1 with production settings (DEBUG off, whitenoise, hashed and
compressed static files) on a fresh SQLite database (or on DATABASE_URL's PostgreSQL,
when it is set), and drives it with locust (headless) at 1, 10 and 20 concurrent users
for a fixed time per case:
  baseline (a minimal view through the same middleware), a static file, a saved summary,
  a whole clinician flow, and POST /api/v1/plan;
then, for editions of 100, 1,000 and 10,000 generated statements, the summary and the API.
It prints requests per second, p50/p95/p99 latency and errors per case, and throughput as
a ratio of the baseline's at the same concurrency; then the page weight of a wizard step
and of a summary. Loopback only, bounded in time; it stops every process it started.

Options: --seconds N per measurement (default 10), --users 1 10 20, --growth 100 1000 10000,
--quick (3 s, 1 and 10 users, growth 100 and 1000: a smoke run).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent
CASES = ("baseline", "static", "summary", "flow", "api")
FIGURES_HEADER = f"{'req/s':>9}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'errors':>8}"
WARM_UP_REQUESTS = 40  # per page, spread over the workers: each builds its snapshot before measuring


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn with production settings on a database of its own; always stopped."""

    def __init__(self, workdir: Path, database_url: str | None, log_path: Path | None = None):
        self.workdir = workdir
        self.log_path = log_path  # gunicorn's output goes here when given
        self.port = free_port()
        self.env = {
            **os.environ,
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_COOKIES": "false",  # plain HTTP on loopback: see settings.py
            "DATABASE_URL": database_url or f"sqlite:///{workdir / 'bench.sqlite3'}",
            "LOG_LEVEL": "WARNING",
            "RATELIMIT_ENABLE": "false",  # one address sends everything: limits would measure themselves
        }
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [PYTHON, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, check=False
        )
        if result.returncode:
            raise SystemExit(f"manage.py {' '.join(args[:2])} failed:\n{result.stderr[-3000:]}")
        return result.stdout

    def shell(self, code: str) -> str:
        return self.manage("shell", "-c", code).strip().splitlines()[-1]

    def start(self) -> None:
        log = open(self.log_path, "ab") if self.log_path else None  # noqa: SIM115 - closed below
        try:
            self.process = subprocess.Popen(
                [str(BIN / "gunicorn"), "bme_wizard.wsgi", "--bind", f"127.0.0.1:{self.port}", "--workers", "4",
                 "--log-level", "warning"],
                cwd=ROOT, env=self.env, start_new_session=True, stdout=log, stderr=log,
            )  # fmt: skip
        finally:
            if log:
                log.close()  # gunicorn holds its own copy
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/livez", timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("gunicorn did not start within 30 s")

    def warm_up(self, extra_env: dict) -> None:
        """Let every worker build its edition snapshot first: steady state is what is measured."""
        token = extra_env["BENCH_TOKENS"].split(",")[0]
        body = json.dumps(
            {
                "answers": {
                    "mri_done": "no",
                    "context": "cno",
                    "symptom_weeks": 1,
                    "severe_pain": "no",
                    "vitamin_d_calcium": "normal",
                    "conservative_weeks": 1,
                    "response": "improving",
                }
            }
        )
        for _ in range(WARM_UP_REQUESTS):
            with urllib.request.urlopen(f"{self.url}/a/{token}/", timeout=30):
                pass
            request = urllib.request.Request(
                f"{self.url}/api/v1/plan", data=body.encode(), headers={"Content-Type": "application/json"}
            )
            with urllib.request.urlopen(request, timeout=30):
                pass

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def locust(
    server: Server, case: str, users: int, seconds: int, workdir: Path, extra_env: dict, stop_timeout: int = 5
) -> dict:
    prefix = workdir / f"{case}-{users}"
    command = [
        str(BIN / "locust"), "-f", str(ROOT / "benchmarks" / "locustfile.py"), "--headless",
        "-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--host", server.url,
        "--csv", str(prefix), "--only-summary", "--stop-timeout", str(stop_timeout), "--loglevel", "ERROR",
    ]  # fmt: skip
    subprocess.run(
        command, cwd=ROOT, env={**os.environ, "BENCH_CASE": case, **extra_env},
        capture_output=True, timeout=seconds + stop_timeout + 60, check=False,
    )  # fmt: skip
    with open(f"{prefix}_stats.csv", newline="") as handle:
        row = next(r for r in csv.DictReader(handle) if r["Name"] == "Aggregated")
    return {
        "rps": float(row["Requests/s"]),
        "p50": float(row["50%"] or 0),
        "p95": float(row["95%"] or 0),
        "p99": float(row["99%"] or 0),
        "requests": int(row["Request Count"]),
        "errors": int(row["Failure Count"]),
    }


def prepare(server: Server, statements: int | None) -> dict:
    """Migrate, load the first edition (or a generated one), collect static files, save summaries."""
    server.manage("migrate", "--noinput", "-v", "0")
    if statements is None:
        server.manage("load_edition", "fixtures/edition-1.json", "--publish", "--if-absent", "-v", "0")
    else:
        server.shell(f"from benchmarks.editions import publish_generated; publish_generated({statements}); print('ok')")
    server.manage("collectstatic", "--noinput", "-v", "0")
    tokens = server.shell(
        "import json; from benchmarks.editions import SAMPLE_ANSWERS as A; "
        "from bme_wizard.clinic.services import assessment_create; "
        "from bme_wizard.content.selectors import edition_current as current; "
        "contexts = ['transient_bme', 'unclear', 'cno', 'rheumatoid_arthritis', 'axial_spa']; "
        "print(','.join(assessment_create(answers={**A, 'context': c, 'response': 'no_change'}, "
        "edition=current()).token for c in contexts))"
    )
    manifest = json.loads((ROOT / "staticfiles" / "staticfiles.json").read_text())
    return {"BENCH_TOKENS": tokens, "BENCH_STATIC": "/static/" + manifest["paths"]["css/site.css"]}


def page_weight(server: Server, extra_env: dict) -> list[tuple[str, int, int, int]]:
    """(page, requests, bytes as served uncompressed, bytes compressed) for a first visit."""
    import re

    def fetch(path: str, encoding: str | None) -> bytes:
        request = urllib.request.Request(server.url + path, headers={"Accept-Encoding": encoding or "identity"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read()

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    home = opener.open(server.url + "/", timeout=10).read().decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', home).group(1)
    wizard = opener.open(urllib.request.Request(server.url + "/assess/", data=f"csrfmiddlewaretoken={csrf}".encode()))
    pages = {"wizard step 1": wizard.read(), "summary": fetch(f"/a/{extra_env['BENCH_TOKENS'].split(',')[0]}/", None)}
    rows = []
    for name, html in pages.items():
        assets = re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js))"', html.decode())
        plain = len(html) + sum(len(fetch(asset, None)) for asset in assets)
        # HTML compressed as a reverse proxy would (gzip); assets as whitenoise serves them (brotli/gzip).
        packed = len(gzip.compress(html, 6)) + sum(len(fetch(asset, "br, gzip")) for asset in assets)
        rows.append((name, 1 + len(assets), plain, packed))
    return rows


def run(database_url: str | None, args) -> None:
    label = "PostgreSQL" if database_url else "SQLite"
    with tempfile.TemporaryDirectory(prefix="bme-bench-") as tmp:
        workdir = Path(tmp)
        server = Server(workdir, database_url)
        try:
            extra = prepare(server, None)
            server.start()
            server.warm_up(extra)
            print(f"\n== {label}: the first edition; gunicorn, 4 workers; {args.seconds} s per measurement")
            print(f"{'case':<10}{'users':>6}{FIGURES_HEADER}{'vs base':>9}")
            for users in args.users:
                base = None
                for case in CASES:
                    figures = locust(server, case, users, args.seconds, workdir, extra)
                    base = base or figures["rps"]
                    ratio = figures["rps"] / base if base else 0
                    print(
                        f"{case:<10}{users:>6}{figures['rps']:>9.1f}{figures['p50']:>8.0f}{figures['p95']:>8.0f}"
                        f"{figures['p99']:>8.0f}{figures['errors']:>8}{ratio:>9.2f}"
                    )
            print(f"\n{'page (first load)':<20}{'requests':>9}{'bytes':>9}{'compressed':>12}")
            for name, requests, plain, packed in page_weight(server, extra):
                print(f"{name:<20}{requests:>9}{plain:>9,}{packed:>12,}")
            server.stop()

            print(f"\n== {label}: growth, {args.growth_users} users, {args.seconds} s per measurement")
            print(f"{'statements':>10} {'case':<9}{FIGURES_HEADER}")
            for statements in args.growth:
                extra = prepare(server, statements)
                server.start()
                server.warm_up(extra)
                for case in ("summary", "api"):
                    figures = locust(server, case, args.growth_users, args.seconds, workdir, extra)
                    print(
                        f"{statements:>10,} {case:<9}{figures['rps']:>9.1f}{figures['p50']:>8.0f}{figures['p95']:>8.0f}"
                        f"{figures['p99']:>8.0f}{figures['errors']:>8}"
                    )
                server.stop()
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description="Load figures for the production set-up.")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--users", type=int, nargs="*", default=[1, 10, 20])
    parser.add_argument("--growth", type=int, nargs="*", default=[100, 1000, 10000])
    parser.add_argument("--growth-users", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.users, args.growth = 3, [1, 10], [100, 1000]

    sys.path.insert(0, str(ROOT))
    from benchmarks.machine import machine  # no side effects: DATABASE_URL stays as given

    print(f"make bench, {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC")
    print(f"machine: {machine()}")
    print("load generator: locust (headless) on the same machine, sharing its cores with the server")
    run(None, args)
    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        run(os.environ["DATABASE_URL"], args)


if __name__ == "__main__":
    main()

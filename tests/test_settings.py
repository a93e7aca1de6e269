"""Settings come from the environment; production mode is secure by default."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "k3y-" + "x9Qw7Lp2Zr5Tn8Vb4Hc6Jd1Mf0Gs3Ya" * 2,
    "ALLOWED_HOSTS": "bme.example.org",
}


def manage(*args, env):
    # A bare environment: nothing leaks in from the test run's own settings.
    clean = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "bme_wizard.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_in_production_mode():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_secret_key_is_required_when_debug_is_off():
    result = manage("check", env={"DEBUG": "false", "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_a_malformed_boolean_is_refused_with_its_name():
    result = manage("check", env={**PRODUCTION_ENV, "DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG must be true or false, not 'maybe'" in result.stderr


@pytest.mark.parametrize(
    ("url", "engine", "name"),
    [
        ("", "django.db.backends.sqlite3", str(ROOT / "var" / "db.sqlite3")),
        ("postgres://u:p@db.example:5432/bme", "django.db.backends.postgresql", "bme"),
    ],
)
def test_database_url(url, engine, name):
    code = "from django.conf import settings as s; d = s.DATABASES['default']; print(d['ENGINE'], d['NAME'])"
    result = manage("shell", "-c", code, env={**PRODUCTION_ENV, "DATABASE_URL": url})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == [engine, name]


def test_production_static_files_are_compressed_and_hashed(settings):
    from bme_wizard import settings as base

    assert base.STORAGES["staticfiles"]["BACKEND"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in settings.MIDDLEWARE

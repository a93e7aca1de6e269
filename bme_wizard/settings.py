"""Settings, read from the environment (12-factor).

Environment variables (see README, "Configuration"):
  DEBUG            "true"/"1" for local development; off by default (production mode).
  SECRET_KEY       required when DEBUG is off.
  DATABASE_URL     defaults to an SQLite file under var/; postgres://... for PostgreSQL.
  ALLOWED_HOSTS    comma-separated; defaults to localhost names in debug mode.
  SECURE_SSL_REDIRECT, SECURE_HSTS_SECONDS, SECURE_PROXY_SSL_HEADER   HTTPS behaviour in production.
  CACHE_URL        redis://host:6379/0 for a cache shared by every worker; per-process memory otherwise.
  RATELIMIT_ENABLE, RATELIMIT_API, RATELIMIT_LOGIN, RATELIMIT_IP_META_KEY   rate limits (README).
  LOG_LEVEL, LOG_FORMAT   JSON lines on standard output by default; LOG_FORMAT=plain for reading by eye.
  ASSESSMENT_RETENTION_DAYS   default age for manage.py prune_assessments.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    normalized = value.strip().lower()
    if normalized in {"1", "true", "yes", "on"}:
        return True
    if normalized in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off. For local development run with DEBUG=true "
            "(the Makefile does); in production set a long random SECRET_KEY."
        )
    # A fixed key is acceptable only for local development, where nothing is worth protecting.
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "formtools",
    "django_htmx",
    "simple_history",
    "axes",
    "django_ratelimit",
    "bme_wizard.content",
    "bme_wizard.clinic",
    "bme_wizard.interop",
]

MIDDLEWARE = [
    "bme_wizard.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "bme_wizard.middleware.PermissionsPolicyMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Records who made each content change in its history row.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: refuses logins from a locked-out user or address.
    "axes.middleware.AxesMiddleware",
]

# django-axes first: it counts failed admin logins and locks out after AXES_FAILURE_LIMIT.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
# Hours until a lockout lifts by itself; `manage.py axes_reset` lifts all at once.
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "1"))
# Each username and each address is counted on its own: guessing one account from many
# addresses, or many accounts from one address, both end in a lockout.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
AXES_VERBOSE = False

# Content history: reverting from the history page is off; editors change content through
# the normal forms, where the review rules apply.
SIMPLE_HISTORY_REVERT_DISABLED = True

ROOT_URLCONF = "bme_wizard.urls"
WSGI_APPLICATION = "bme_wizard.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite file under var/ by default (ignored by git); PostgreSQL (psycopg 3) via DATABASE_URL.
DEFAULT_DATABASE_URL = f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"
DATABASE_URL = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
# A server database keeps connections for a minute (checked before reuse): opening one per
# request cost PostgreSQL about 10 ms a request in make bench. SQLite has nothing to keep.
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0" if DATABASE_URL.startswith("sqlite") else "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if DATABASES["default"]["NAME"] != ":memory:":
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # Concurrent writers wait for each other instead of failing with "database is locked":
    # write transactions take the lock up front, and a busy database is retried for 20 s.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Compressed (gzip/brotli) files with content hashes in their names, served by whitenoise.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Content Security Policy with per-request nonces: no inline script or style, no third parties.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Not "no-referrer": browsers then send "Origin: null" with form posts, which Django's CSRF
# check refuses over HTTPS. "same-origin" sends nothing to other sites (no permalink leaks).
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
# Features the site never uses are switched off for it and anything it might embed
# (bme_wizard.middleware.PermissionsPolicyMiddleware; Django has no setting for this header).
# clipboard-read keeps its default (this site, once the user allows it): the site never reads the
# clipboard, and the browser test of "Copy note" reads back what was copied.
_NOT_USED = (
    "accelerometer autoplay camera display-capture encrypted-media fullscreen geolocation gyroscope "
    "magnetometer microphone midi payment publickey-credentials-get screen-wake-lock serial usb xr-spatial-tracking"
)
PERMISSIONS_POLICY = {feature: [] for feature in _NOT_USED.split()} | {"clipboard-write": ["self"]}  # "Copy note"

if not DEBUG:
    # Production mode: HTTPS only. Behind a TLS-terminating proxy, set
    # SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO so Django knows the request was secure.
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Secure-only cookies; SECURE_COOKIES=false exists solely for benchmarks over plain HTTP on
    # the loopback interface (make bench), never for a deployment.
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    proxy_header = os.environ.get("SECURE_PROXY_SSL_HEADER", "").strip()
    if proxy_header:
        SECURE_PROXY_SSL_HEADER = (proxy_header, "https")

# Cache: per-process memory unless CACHE_URL names a Redis server shared by every worker.
# Rate limits count in this cache, so without CACHE_URL each worker process counts alone.
CACHE_URL = os.environ.get("CACHE_URL", "").strip()
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
elif CACHE_URL:
    raise ImproperlyConfigured(f"CACHE_URL must be a redis:// (or rediss://, unix://) URL, not {CACHE_URL!r}.")
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Rate limits (django-ratelimit, counted per client IP address in the cache above): "N/s", "N/m",
# "N/h" or "N/d". RATELIMIT_ENABLE=false switches them off (tests, make bench, make loadtest).
RATELIMIT_ENABLE = env_bool("RATELIMIT_ENABLE", True)
RATELIMIT_API = os.environ.get("RATELIMIT_API", "60/m")
RATELIMIT_LOGIN = os.environ.get("RATELIMIT_LOGIN", "10/m")
RATELIMIT_USE_CACHE = "default"
# Behind a proxy every request comes from the proxy's address: name the header it sets,
# e.g. HTTP_X_REAL_IP (one address, set by your proxy, never taken from the client).
RATELIMIT_IP_META_KEY = os.environ.get("RATELIMIT_IP_META_KEY", "").strip() or None
SILENCED_SYSTEM_CHECKS = [
    # django-ratelimit lists Django's own Redis backend as "not officially supported"; it is
    # atomic and shared (jsocol/django-ratelimit#283).
    "django_ratelimit.W001",
]
if CACHES["default"]["BACKEND"].endswith("LocMemCache"):
    # Chosen knowingly: without CACHE_URL limits are per process (README, "Rate limits").
    SILENCED_SYSTEM_CHECKS.append("django_ratelimit.E003")

# Default age for manage.py prune_assessments; unset means the command needs --older-than-days.
_retention = os.environ.get("ASSESSMENT_RETENTION_DAYS", "").strip()
if _retention and not (_retention.isdigit() and int(_retention) >= 1):
    raise ImproperlyConfigured(f"ASSESSMENT_RETENTION_DAYS must be a whole number of days from 1, not {_retention!r}.")
ASSESSMENT_RETENTION_DAYS = int(_retention) if _retention else None

# Logs: one JSON object per line on standard output (bme_wizard.logs), with the request id.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json").strip().lower()
if LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or plain, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "bme_wizard.logs.RequestContextFilter"}},
    "formatters": {
        "json": {"()": "bme_wizard.logs.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "filters": ["request"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Django's own request logger repeats what bme_wizard.requests says, with the raw path.
    # django-axes says "login failed" at INFO for every attempt; its lockouts are WARNINGs.
    "loggers": {
        "django.request": {"level": "ERROR"},
        "django.security": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

"""Rate limits on the JSON API and the admin login, counted by django-ratelimit in the cache.

django-ratelimit's own decorator answers a limited request with 403 (it raises
PermissionDenied); ``rate_limit`` below uses its counter (``get_usage``) instead and
answers 429 with ``Retry-After``: JSON for the API, the 429 page for browsers. Rates come
from settings (RATELIMIT_API, RATELIMIT_LOGIN), read on every request, and
RATELIMIT_ENABLE=false switches every limit off. Without a shared cache (CACHE_URL) each
worker process counts on its own.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django_ratelimit.core import get_usage

from bme_wizard.clinic.plan_models import RATE_LIMITED


def too_many_requests(request: HttpRequest, *, retry_after: int, as_json: bool) -> HttpResponse:
    if as_json:
        # The API's 429 body, as its OpenAPI document describes it.
        body = {"error": f"Too many requests; try again in {retry_after} s.", "retry_after": retry_after}
        response = JsonResponse(RATE_LIMITED.validate_python(body), status=429)
    else:
        response = render(request, "429.html", {"retry_after": retry_after}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def rate_limit(*, group: str, rate_setting: str, methods: tuple[str, ...] = ("POST",), as_json: bool = False):
    """Limit a view's ``methods`` per client IP address to the rate named by ``rate_setting``."""

    def decorator(view):
        @wraps(view)
        def limited(request: HttpRequest, *args, **kwargs):
            usage = get_usage(
                request,
                group=group,
                key="ip",
                rate=getattr(settings, rate_setting),
                method=list(methods),
                increment=True,
            )
            if usage is not None and usage["should_limit"]:
                return too_many_requests(request, retry_after=max(1, usage["time_left"]), as_json=as_json)
            return view(request, *args, **kwargs)

        return limited

    return decorator

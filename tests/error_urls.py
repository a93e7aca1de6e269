"""The project's URLs plus views that fail on purpose, for the error pages (tests only)."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import path

from bme_wizard.urls import urlpatterns as project_urlpatterns


def fail_with_server_error(request):
    raise RuntimeError("a bug, on purpose")


def fail_with_permission_denied(request):
    raise PermissionDenied


def fail_with_bad_request(request):
    raise SuspiciousOperation("malformed, on purpose")


urlpatterns = [
    path("test-errors/500/", fail_with_server_error),
    path("test-errors/403/", fail_with_permission_denied),
    path("test-errors/400/", fail_with_bad_request),
    *project_urlpatterns,
]

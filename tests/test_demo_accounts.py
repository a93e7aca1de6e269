import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory

pytestmark = pytest.mark.django_db


def test_demo_accounts_are_refused_outside_debug_mode(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only created in debug mode"):
        call_command("create_demo_accounts")


def test_demo_accounts_print_working_passwords_and_are_reset_each_run(settings):
    settings.DEBUG = True
    passwords = []
    for _ in range(2):
        out = io.StringIO()
        call_command("create_demo_accounts", stdout=out)
        lines = {
            line.split()[1]: line.split("password: ")[1] for line in out.getvalue().splitlines() if "password:" in line
        }
        assert set(lines) == {"demo-author", "demo-reviewer"}
        passwords.append(lines)
    assert passwords[0]["demo-reviewer"] != passwords[1]["demo-reviewer"]
    login = RequestFactory().post("/admin/login/")  # django-axes counts attempts per request
    reviewer = authenticate(login, username="demo-reviewer", password=passwords[1]["demo-reviewer"])
    assert reviewer is not None and reviewer.is_staff and not reviewer.is_superuser
    assert list(reviewer.groups.values_list("name", flat=True)) == ["Reviewer"]
    assert reviewer.has_perm("content.review_item") and reviewer.has_perm("content.publish_edition")
    assert not reviewer.has_perm("content.change_recommendation")

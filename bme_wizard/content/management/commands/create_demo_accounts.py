"""Create (or reset) the demo editorial accounts. Debug mode only."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

DEMO_ACCOUNTS = (
    ("demo-author", "Author"),
    ("demo-reviewer", "Reviewer"),
)


class Command(BaseCommand):
    help = "Create the demo author and reviewer with fresh random passwords, and print them (DEBUG only)."

    @transaction.atomic
    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo accounts are only created in debug mode (DEBUG=true).")
        User = get_user_model()
        lines = []
        for username, group_name in DEMO_ACCOUNTS:
            group = Group.objects.get(name=group_name)
            user, _ = User.objects.get_or_create(username=username)
            password = secrets.token_urlsafe(12)
            user.set_password(password)
            user.is_staff = True
            user.is_superuser = False
            user.save()
            user.groups.set([group])
            lines.append(f"  {group_name:<9} {username:<14} password: {password}")
        self.stdout.write("Demo editorial accounts (debug mode only; passwords are new each run):")
        self.stdout.write("\n".join(lines))
        self.stdout.write("Log in at http://127.0.0.1:8000/admin/")

"""Load a whole edition from an edition file (see bme_wizard/content/edition_file.py)."""

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from bme_wizard.content.edition_file import EditionFileError, describe_problems
from bme_wizard.content.models import Edition, Pathway, Pitfall, Question, Recommendation, Reference
from bme_wizard.content.services import edition_import


class Command(BaseCommand):
    help = "Load an edition file into the database, validated and in one transaction."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="The edition file (JSON).")
        parser.add_argument("--publish", action="store_true", help="Publish it as the current edition.")
        parser.add_argument(
            "--if-absent",
            action="store_true",
            help="Do nothing if an edition with the file's number exists (for idempotent set-up).",
        )

    def handle(self, *args, path: Path, publish: bool, if_absent: bool, **options):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CommandError(f"{path}: no such file.") from None
        except OSError as error:
            raise CommandError(f"{path}: cannot read ({error.strerror}).") from None
        except (ValueError, RecursionError) as error:  # includes JSON and UTF-8 decoding errors
            raise CommandError(f"{path}: not valid JSON ({error}); nothing was loaded.") from None

        header = document.get("edition") if isinstance(document, dict) else None
        number = header.get("number") if isinstance(header, dict) else None
        if if_absent and isinstance(number, int) and (existing := Edition.objects.filter(number=number).first()):
            self.stdout.write(f"{existing} is already loaded; nothing to do.")
            return
        try:
            edition = edition_import(document=document, publish=publish)
        except EditionFileError as error:
            raise CommandError(f"{path}: {describe_problems(error)}") from None
        except ValidationError as error:  # e.g. publishing an edition older than the current one
            raise CommandError(f"{path}: {' '.join(error.messages)} Nothing was loaded.") from None
        summary = ", ".join(
            f"{model.objects.filter(edition=edition).count()} {model._meta.verbose_name_plural}"
            for model in (Question, Pathway, Recommendation, Pitfall, Reference)
        )
        if options["verbosity"]:
            self.stdout.write(self.style.SUCCESS(f"Loaded {edition} with {summary}."))

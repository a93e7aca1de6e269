"""Write a whole edition as an edition file, which load_edition reads back (a backup, a review copy)."""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bme_wizard.content.edition_file import edition_document
from bme_wizard.content.models import Edition
from bme_wizard.content.selectors import edition_current


class Command(BaseCommand):
    help = "Write an edition (by number; the current one by default) as a JSON edition file."

    def add_arguments(self, parser):
        parser.add_argument("--number", type=int, help="The edition's number (default: the current edition).")
        parser.add_argument("--output", "-o", type=Path, default=None, help="File to write (default: standard output).")

    def handle(self, *args, number: int | None, output: Path | None, **options):
        if number is None:
            edition = edition_current()
            if edition is None:
                raise CommandError("No edition has been published; name one with --number.")
        else:
            edition = Edition.objects.filter(number=number).first()
            if edition is None:
                known = ", ".join(str(n) for n in Edition.objects.order_by("number").values_list("number", flat=True))
                raise CommandError(f"No edition {number}; the editions are: {known or 'none'}.")
        text = json.dumps(edition_document(edition), indent=2, ensure_ascii=False) + "\n"
        if output is None or str(output) == "-":
            sys.stdout.write(text)
            return
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as error:
            raise CommandError(f"{output}: cannot write ({error.strerror}).") from None
        if options["verbosity"]:
            self.stderr.write(f"Wrote {edition.label} ({edition.get_status_display().lower()}) to {output}.")

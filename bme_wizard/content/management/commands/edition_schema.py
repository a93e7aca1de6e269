"""Print the JSON Schema of an edition file: docs/edition-file.schema.json is its output."""

import json

from django.core.management.base import BaseCommand

from bme_wizard.content.edition_schema import edition_file_schema


class Command(BaseCommand):
    help = "Print the JSON Schema of an edition file (kept in docs/edition-file.schema.json)."

    def handle(self, *args, **options):
        self.stdout.write(json.dumps(edition_file_schema(), indent=2, ensure_ascii=False))

"""``manage.py flush`` with the frozen-edition triggers lifted (see ``content.db_guard``).

SQLite empties each table with DELETE, in no particular order, which the triggers would refuse
for a published edition's rows; PostgreSQL's TRUNCATE does not fire them, so there lifting costs
nothing but keeps the two alike. The test runner flushes after every transactional test.
"""

from django.core.management.commands import flush
from django.db import connections

from bme_wizard.content import db_guard


class Command(flush.Command):
    def handle(self, **options):
        if options["interactive"]:
            # Ask before lifting: the triggers are dropped in a transaction that holds the content
            # tables (PostgreSQL) or the whole database (SQLite) until it ends.
            confirm = input(
                f"You have requested a flush of the database.\nThis will IRREVERSIBLY DESTROY all data currently "
                f'in the "{connections[options["database"]].settings_dict["NAME"]}" database,\nand return each '
                "table to an empty state.\nAre you sure you want to do this?\n\n"
                "    Type 'yes' to continue, or 'no' to cancel: "
            )
            if confirm != "yes":
                self.stdout.write("Flush cancelled.")
                return
            options = {**options, "interactive": False}
        with db_guard.lifted(connections[options["database"]]):
            super().handle(**options)

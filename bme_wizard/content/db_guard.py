"""Database triggers that keep a published edition's content frozen: a backstop for the Python guard.

``FrozenWhenPublished`` refuses changes to a published or superseded edition in ``save()``,
``delete()`` and the content querysets, but anything that does not go through them gets past:
raw SQL, ``Model._base_manager``, Django's own cascades, a script or another program writing to
the database. These triggers refuse the same writes in the database itself.

They are generated from the live model metadata, so a column or a content model added later is
covered without editing this module: every concrete model of the content app that is
``FrozenWhenPublished`` gets triggers refusing

- an INSERT of a row that belongs to a frozen edition (an edition row itself becomes frozen
  by being published, so editions have no INSERT rule);
- an UPDATE of such a row (the edition it belongs to before or after) that changes a column of
  its table other than the model's ``mutable_when_published`` and ``ALWAYS_WRITABLE_COLUMNS``;
  an edition's status may move only from published to superseded;
- a DELETE of such a row.

Values are compared NULL-safely, because Django's ``save()`` writes every column: what counts is
whether a value changed, not whether its column was listed.

PostgreSQL and SQLite only; on other vendors every function here does nothing.
``install()`` runs after every migrate (``apps.py``); ``lifted()`` removes the triggers for a
deliberate bulk change such as ``manage.py flush``.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass

from django.apps import apps as global_apps
from django.db import connections, transaction
from django.db.backends.utils import truncate_name

from bme_wizard.content.models import FROZEN_STATUSES, EditionStatus, FrozenWhenPublished

logger = logging.getLogger(__name__)

# Writable on frozen rows whatever the model says: deleting a user account makes Django's
# SET_NULL rewrite changed_by_id on every item that user changed, published or not.
ALWAYS_WRITABLE_COLUMNS = frozenset({"changed_by_id"})

# Every trigger (SQLite) and trigger function (PostgreSQL) is named with this prefix, so the
# ones of a model or column since removed are found and dropped too.
PREFIX = "frozen_guard__"
MESSAGE = "content of a published edition cannot change; start a new draft edition"
STATUS_MESSAGE = "the status of a published edition can only move from published to superseded"


@dataclass(frozen=True)
class Rule:
    operation: str  # INSERT, UPDATE or DELETE
    name: str
    refuse_when: str  # an SQL condition on the NEW and OLD rows
    message: str


def guarded_models() -> list[type[FrozenWhenPublished]]:
    return [
        model
        for model in global_apps.get_app_config("content").get_models()
        if issubclass(model, FrozenWhenPublished) and model._meta.managed and not model._meta.proxy
    ]


def _supported(connection) -> bool:
    return connection.vendor in {"postgresql", "sqlite"}


def _columns(model) -> set[str]:
    """The columns of the model's own table (for a multi-table child: its own, and the parent link)."""
    return {field.column for field in model._meta.local_concrete_fields}


def _content_columns(model) -> list[str]:
    allowed = {model._meta.get_field(name).column for name in model.mutable_when_published}
    return sorted(_columns(model) - allowed - ALWAYS_WRITABLE_COLUMNS)


def _status_sql(model, row: str, qn) -> str:
    """SQL for the status of the edition that ``row`` (NEW or OLD) of the model's table belongs to:
    ``edition_status_path`` followed from table to table by scalar subqueries."""
    current = model

    def column(name):  # a column of the row itself, then of each row the path leads to
        return f"{row}.{qn(name)}"

    def row_of(target, key):
        meta = target._meta
        # Identifiers from the model metadata, quoted; no values: nothing to inject.
        return lambda name: f"(SELECT {qn(name)} FROM {qn(meta.db_table)} WHERE {qn(meta.pk.column)} = {key})"  # noqa: S608

    def field(name):
        nonlocal current, column
        found = current._meta.get_field(name)
        owner = found.model._meta.concrete_model
        if owner is not current:  # inherited: the column is in a parent's table, which shares the key
            column, current = row_of(owner, column(current._meta.get_ancestor_link(owner).column)), owner
        return found

    *links, status = model.edition_status_path.split("__")
    for name in links:
        link = field(name)
        column, current = row_of(link.related_model, column(link.column)), link.related_model
    return column(field(status).column)


def _rules(model, connection) -> list[Rule]:
    qn = connection.ops.quote_name
    distinct = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    frozen = ", ".join(f"'{status}'" for status in sorted(FROZEN_STATUSES))
    table = model._meta.db_table

    def is_frozen(row):
        return f"{_status_sql(model, row, qn)} IN ({frozen})"

    changed = " OR ".join(f"OLD.{qn(c)} {distinct} NEW.{qn(c)}" for c in _content_columns(model)) or "1 = 0"
    message = f"{table}: {MESSAGE}"
    if "__" not in model.edition_status_path:  # the edition itself: frozen once published
        status = qn(model.edition_status_path)
        leaving_published = (
            f"OLD.{status} = '{EditionStatus.PUBLISHED}' AND NEW.{status} = '{EditionStatus.SUPERSEDED}'"
        )
        return [
            Rule("UPDATE", "update", f"{is_frozen('OLD')} AND ({changed})", message),
            Rule(
                "UPDATE",
                "status",
                f"{is_frozen('OLD')} AND OLD.{status} {distinct} NEW.{status} AND NOT ({leaving_published})",
                f"{table}: {STATUS_MESSAGE}",
            ),
            Rule("DELETE", "delete", is_frozen("OLD"), message),
        ]
    return [
        Rule("INSERT", "insert", is_frozen("NEW"), message),
        Rule("UPDATE", "update", f"({is_frozen('OLD')} OR {is_frozen('NEW')}) AND ({changed})", message),
        Rule("DELETE", "delete", is_frozen("OLD"), message),
    ]


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _name(connection, *parts: str) -> str:
    return truncate_name(PREFIX + "__".join(parts), connection.ops.max_name_length())


def _create_sqlite(model, connection) -> list[str]:
    qn, table = connection.ops.quote_name, model._meta.db_table
    return [
        f"CREATE TRIGGER {qn(_name(connection, table, rule.name))} BEFORE {rule.operation} ON {qn(table)} "
        f"FOR EACH ROW WHEN {rule.refuse_when} BEGIN SELECT RAISE(ABORT, {_literal(rule.message)}); END"
        for rule in _rules(model, connection)
    ]


def _create_postgresql(model, connection) -> list[str]:
    qn, table = connection.ops.quote_name, model._meta.db_table
    function = qn(_name(connection, table))
    rules = _rules(model, connection)
    operations = " OR ".join(dict.fromkeys(rule.operation for rule in rules))
    checks = "\n".join(
        f"    IF TG_OP = '{rule.operation}' THEN\n        IF {rule.refuse_when} THEN\n"
        f"            RAISE EXCEPTION USING MESSAGE = {_literal(rule.message)},\n"
        "                ERRCODE = 'integrity_constraint_violation';\n"
        "        END IF;\n    END IF;"
        for rule in rules
    )
    return [
        f"CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $guard$\nBEGIN\n{checks}\n"
        "    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;\n    RETURN NEW;\nEND\n$guard$",
        f"CREATE TRIGGER {function} BEFORE {operations} ON {qn(table)} FOR EACH ROW EXECUTE FUNCTION {function}()",
    ]


def installed_tables(connection) -> set[str]:
    """The tables that have a guard trigger now."""
    if not _supported(connection):
        return set()
    pattern = PREFIX.replace("_", r"\_") + "%"
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                r"SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s ESCAPE '\'", [pattern]
            )
        else:
            cursor.execute(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE c.relnamespace = current_schema()::regnamespace AND t.tgname LIKE %s",
                [pattern],
            )
        return {table for (table,) in cursor.fetchall()}


def uninstall(connection) -> None:
    """Drop every guard trigger, including those of models or columns no longer there."""
    if not _supported(connection):
        return
    pattern = PREFIX.replace("_", r"\_") + "%"
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                r"SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s ESCAPE '\'", [pattern]
            )
            drops = [f"DROP TRIGGER {connection.ops.quote_name(name)}" for (name,) in cursor.fetchall()]
        else:
            # Dropping a trigger function drops its trigger with it.
            cursor.execute(
                "SELECT oid::regprocedure::text FROM pg_proc "
                "WHERE pronamespace = current_schema()::regnamespace AND proname LIKE %s",
                [pattern],
            )
            drops = [f"DROP FUNCTION {function} CASCADE" for (function,) in cursor.fetchall()]
        for sql in drops:
            cursor.execute(sql)


def install(connection) -> None:
    """(Re)create the triggers of every guarded model, from the models as they are now."""
    if not _supported(connection):
        return
    create = _create_postgresql if connection.vendor == "postgresql" else _create_sqlite
    with transaction.atomic(using=connection.alias):
        uninstall(connection)
        with connection.cursor() as cursor:
            for model in guarded_models():
                for sql in create(model, connection):
                    cursor.execute(sql)


@contextmanager
def lifted(connection):
    """Without the triggers for the duration, e.g. to flush the database or repair data on purpose.

    One transaction: other connections never see the tables unguarded (PostgreSQL makes them
    wait), and if the block fails the triggers are back with the rollback. Reinstalled only if
    they were there before."""
    if not _supported(connection):
        yield
        return
    with transaction.atomic(using=connection.alias):
        was_installed = bool(installed_tables(connection))
        uninstall(connection)
        yield
        if was_installed:
            install(connection)


def _schema_matches_models(state_apps) -> bool:
    for model in guarded_models():
        try:
            state = state_apps.get_model(model._meta.label)
        except LookupError:
            return False
        if state._meta.db_table != model._meta.db_table or _columns(state) != _columns(model):
            return False
    return True


def before_migrate(sender, using, **kwargs) -> None:
    """pre_migrate: migrations run without the triggers. SQLite rebuilds a table to alter it, and
    renaming the rebuilt table fails while a trigger refers to the table by name; a trigger on
    PostgreSQL would refer to a column a migration has just dropped."""
    uninstall(connections[using])


def after_migrate(sender, using, apps=global_apps, **kwargs) -> None:
    """post_migrate (after migrate, and after flush): install the triggers for the models as they
    are, unless the database is not at their state (a migration unapplied or reversed)."""
    connection = connections[using]
    if not _supported(connection):
        return
    if _schema_matches_models(apps):
        install(connection)
    else:
        logger.warning("The content tables are not at the models' state: frozen-edition triggers not installed.")

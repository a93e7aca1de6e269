"""Browser tests: Playwright drives Debian's Chromium against Django's live server.

There is no silent skip: a missing Chromium fails the run with instructions, because a
skipped browser suite in CI would hide a failure.
"""

import os
import shutil
import threading

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread

# Playwright's sync API runs an event loop in the test thread; Django must allow ORM use there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


class _OneRequestAtATime(ThreadedWSGIServer):
    """The live server, answering one request at a time when its threads share the test's database
    connection (an in-memory SQLite database, as Django's docs warn): a page's parallel fetches (the
    admin's Markdown and condition checks) would otherwise use that connection at once, which SQLite
    refuses ("bad parameter or other API misuse"). Connections are still served on their own threads."""

    def set_app(self, application):
        if not self.connections_override:
            return super().set_app(application)
        lock = threading.Lock()

        def serialised(environ, start_response):
            with lock:
                return application(environ, start_response)

        return super().set_app(serialised)


LiveServerThread.server_class = _OneRequestAtATime

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in item.nodeid:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: install it (apt-get install chromium) or set CHROMIUM.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 360, "height": 800})
    page = context.new_page()
    page.csp_violations = []
    page.on(
        "console",
        lambda message: page.csp_violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    yield page
    context.close()


@pytest.fixture
def editorial_roles(db):
    """The editorial groups as the migrations make them. Transactional tests (which the live
    server needs) flush the database, and with it the groups a data migration created."""
    from importlib import import_module

    from django.contrib.auth.models import Group, Permission
    from django.db.migrations.loader import MigrationLoader

    # The roles of the newest migration that sets them, so a migration adding a model's permissions counts here.
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    modules = [
        import_module(f"bme_wizard.content.migrations.{name}")
        for app, name in graph.forwards_plan(graph.leaf_nodes("content")[0])
        if app == "content"
    ]
    roles = next(module.ROLES for module in reversed(modules) if hasattr(module, "ROLES"))
    for name, codenames in roles.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(Permission.objects.filter(content_type__app_label="content", codename__in=codenames))

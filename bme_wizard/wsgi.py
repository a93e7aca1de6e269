"""WSGI entry point, for gunicorn: ``gunicorn bme_wizard.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bme_wizard.settings")

application = get_wsgi_application()

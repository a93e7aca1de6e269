from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "bme_wizard.interop"
    label = "interop"
    verbose_name = "Interoperability (FHIR)"

from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "bme_wizard.content"
    label = "content"
    verbose_name = "Guideline content"

from django.apps import AppConfig


class ClinicConfig(AppConfig):
    name = "bme_wizard.clinic"
    label = "clinic"
    verbose_name = "Clinic"

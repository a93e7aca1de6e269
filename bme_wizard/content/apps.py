from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate


class ContentConfig(AppConfig):
    name = "bme_wizard.content"
    label = "content"
    verbose_name = "Guideline content"

    def ready(self) -> None:
        from bme_wizard.content import db_guard

        # The database backstop for frozen editions, rebuilt from the models around every migrate.
        pre_migrate.connect(db_guard.before_migrate, sender=self, dispatch_uid="content.db_guard.before_migrate")
        post_migrate.connect(db_guard.after_migrate, sender=self, dispatch_uid="content.db_guard.after_migrate")

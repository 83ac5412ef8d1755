from django.apps import AppConfig


class PsgConfig(AppConfig):
    name = "psg"
    verbose_name = "PSG site"

    def ready(self):
        # Every cache the site keeps follows content changes from here (psg/invalidation.py).
        from . import checks, invalidation  # noqa: F401 - checks registers the deploy checks

        invalidation.connect(self)

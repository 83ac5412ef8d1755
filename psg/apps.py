from django.apps import AppConfig


class PsgConfig(AppConfig):
    name = "psg"
    verbose_name = "PSG site"

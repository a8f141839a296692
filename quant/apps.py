from django.apps import AppConfig


class QuantConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "quant"

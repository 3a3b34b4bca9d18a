from django.apps import AppConfig


class EcommerceConfig(AppConfig):
    name = "ecommerce"

    def ready(self):
        from . import metrics

        # The metrics count what the apps announce with signals (apps never import ecommerce).
        metrics.connect_receivers()

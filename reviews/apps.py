from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Reviews"

    def ready(self):
        from catalog.signals import mark_catalog_pages_out_of_date

        # Product pages show approved reviews: a review's change is a catalog change.
        for signal in (post_save, post_delete):
            signal.connect(mark_catalog_pages_out_of_date, sender=self.get_model("Review"))

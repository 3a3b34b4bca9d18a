from django.urls import path

from . import views

app_name = "reviews"

urlpatterns = [
    path("products/<slug:slug>/reviews/", views.review_create, name="review-create"),
]

"""Public addresses of the editorial app (included by psg/urls.py)."""

from django.urls import path

from . import views

app_name = "editorial"

urlpatterns = [
    path("preview/<str:token>/", views.shared_draft, name="shared_draft"),
]

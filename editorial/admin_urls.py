from django.urls import path

from . import admin_views

app_name = "editorial_admin"

urlpatterns = [
    path("pages/<int:page_id>/share/", admin_views.ShareDraftView.as_view(), name="share"),
    path("links/<int:link_id>/revoke/", admin_views.revoke_link, name="revoke"),
    path("links/", admin_views.ActiveLinksReportView.as_view(), name="active_links"),
]

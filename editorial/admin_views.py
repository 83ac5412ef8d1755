"""Admin screens for shared draft links: list, create and revoke them for one page."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django.views.generic import FormView, TemplateView
from wagtail.admin.views.generic import WagtailAdminTemplateMixin
from wagtail.models import Page
from wagtail.permissions import policy_registry

from .forms import ShareDraftForm
from .models import SharedDraftLink


def editable_page_or_403(user, page_id):
    page = get_object_or_404(Page, pk=page_id, depth__gt=1)
    if not page.permissions_for_user(user).can_edit():
        raise PermissionDenied
    return page


class ShareDraftView(WagtailAdminTemplateMixin, FormView):
    template_name = "editorial/admin/share.html"
    form_class = ShareDraftForm
    header_icon = "link"

    def dispatch(self, request, page_id):
        # Every handler below works on self.page: page_id goes no further.
        self.page = editable_page_or_403(request.user, page_id)
        return super().dispatch(request)

    def get_page_title(self):
        return "Share a draft"

    def get_page_subtitle(self):
        return self.page.get_admin_display_title()

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {
                "url": reverse("wagtailadmin_pages:edit", args=[self.page.pk]),
                "label": str(self.page.get_admin_display_title()),
            },
            {"url": "", "label": "Share a draft"},
        ]

    def form_valid(self, form):
        link = SharedDraftLink.objects.create(
            page=self.page,
            note=form.cleaned_data["note"],
            created_by=self.request.user,
            expires_at=timezone.now() + datetime.timedelta(days=form.cleaned_data["lifetime"]),
        )
        messages.success(
            self.request,
            "Link created. Copy it below and send it to the people who should read the draft.",
        )
        return redirect(f"{share_url(self.page)}#link-{link.pk}")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        links = list(self.page.shared_draft_links.select_related("created_by", "revoked_by"))
        for link in links:
            link.full_url = self.request.build_absolute_uri(link.get_absolute_url())
        context.update(
            page=self.page,
            links=links,
            has_unpublished_changes=self.page.has_unpublished_changes,
        )
        return context


def share_url(page):
    return reverse("editorial_admin:share", args=[page.pk])


@require_POST
def revoke_link(request, link_id):
    link = get_object_or_404(SharedDraftLink.objects.select_related("page"), pk=link_id)
    if not link.page.permissions_for_user(request.user).can_edit():
        raise PermissionDenied
    if link.is_revoked:
        messages.info(request, "That link was already revoked.")
    else:
        link.revoke(request.user)
        messages.success(request, "Link revoked. Anyone who opens it now sees “Page not found”.")
    return redirect(share_url(link.page))


def editable_pages(user):
    return policy_registry.get_by_type(Page).instances_user_has_permission_for(user, "change")


class ActiveLinksReportView(WagtailAdminTemplateMixin, TemplateView):
    """Every link that still works, on pages the user may edit: who has access to what."""

    template_name = "editorial/admin/active_links.html"
    page_title = "Shared draft links"
    header_icon = "link"

    def dispatch(self, request):
        if not user_may_share(request.user):
            raise PermissionDenied
        return super().dispatch(request)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": "Shared draft links"}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["links"] = list(
            SharedDraftLink.objects.active()
            .filter(page__in=editable_pages(self.request.user).values("pk"))
            .select_related("page", "created_by")
            .order_by("expires_at", "pk")
        )
        return context


def user_may_share(user):
    return policy_registry.get_by_type(Page).user_has_permission(user, "change")

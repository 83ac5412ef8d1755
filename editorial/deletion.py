"""What deleting a page takes away from the rest of the site, said before it happens.

Wagtail's delete screen counts the references to a page ("referenced 1 time"). The PSG screen
(templates/wagtailadmin/pages/confirm_delete.html) names them instead, from Wagtail's
reference index: the main menu item, and each page and place that links to the page, with
what will disappear there, e.g. "Peru Support Group (home page), Mission section → Call to
action: the “Become a member” button will disappear."
"""

from dataclasses import dataclass

from django.db import models
from wagtail.blocks import StreamValue, StructValue
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page, ReferenceIndex, Site


@dataclass
class Consequence:
    where: str  # the page or item that loses something, e.g. "Peru Support Group (home page)"
    what: str  # what happens there, e.g. "the “Join” button will disappear"
    url: str = ""  # where to change it in the admin, if anywhere


def _source_name(source):
    if isinstance(source, Page):
        specific = source.specific_deferred
        kind = specific._meta.verbose_name
        return f"{specific.get_admin_display_title()} ({kind})", specific
    return f"{source} ({source._meta.verbose_name})", source


def _admin_url(source):
    if isinstance(source, Page):
        from django.urls import reverse

        return reverse("wagtailadmin_pages:edit", args=[source.pk])
    from wagtail.admin.admin_url_finder import AdminURLFinder

    return AdminURLFinder().get_edit_url(source) or ""


def _parent_struct(source, reference):
    """The StructValue holding the reference in a StreamField, or None."""
    field = reference.source_field
    if not isinstance(field, StreamField):
        return None
    value = getattr(source, field.name, None)
    if not isinstance(value, StreamValue):
        return None
    path = reference.content_path.split(".")[1:-1]
    if not path:
        return None
    try:
        bound = field.stream_block.get_block_by_content_path(value, path)
    except (KeyError, IndexError, AttributeError, TypeError, ValueError):
        return None
    if bound is not None and isinstance(bound.value, StructValue):
        return bound.value
    return None


def _effect(source, reference):
    """What happens at one reference when the page goes."""
    field = reference.source_field
    place = reference.describe_source_field()
    if isinstance(field, StreamField):
        struct = _parent_struct(source, reference)
        leaf = reference.content_path.split(".")[-1]
        if struct is not None and leaf.startswith("button"):
            label = struct.get("button_label") or ""
            named = f"the “{label}” button" if label else "the button"
            return f"{place}: {named} will disappear"
        if leaf.endswith("page") or leaf == "read_more":
            return f"{place}: the link to this page will disappear"
        return f"{place}: a link in the text will stop working"
    if isinstance(field, RichTextField):
        return f"{place}: a link in the text will stop working"
    if reference.on_delete == models.CASCADE:
        return f"{place}: this entry will be removed"
    if reference.on_delete == models.PROTECT:
        return f"{place}: it prevents the deletion; change it first"
    return f"{place}: it will be left empty"


def _in_main_menu(page):
    """Whether `page` is an item of a site's main menu (a live, ticked child of a site's root)."""
    if not (page.show_in_menus and page.live) or page.depth < 3:
        return False
    parent_path = page.path[: -Page.steplen]
    return Site.objects.filter(root_page__path=parent_path).exists()


def delete_consequences(page):
    """Everything that disappears from the rest of the site when `page` is deleted."""
    found = []
    title = page.get_admin_display_title()
    if _in_main_menu(page):
        found.append(
            Consequence(
                where="The main menu",
                what=f"the “{title}” item will disappear from every page of the site",
            )
        )
    deleted = set(page.get_descendants(inclusive=True).values_list("pk", flat=True))
    groups = ReferenceIndex.get_references_to(page).group_by_source_object()
    for source, references in groups:
        if isinstance(source, Page) and source.pk in deleted:
            continue  # it goes too
        name, specific = _source_name(source)
        for reference in references:
            try:
                what = _effect(specific, reference)
            except Exception:  # noqa: BLE001 - an odd field must not hide the others
                what = "a link to this page will be removed"
            found.append(Consequence(where=name, what=what, url=_admin_url(specific)))
    return found

"""Invalidation: Wagtail's and Django's signals replace the generations a change affects.

The map of what depends on what is in pagecache/dependencies.py and docs/performance.md.
"""

from django.apps import apps
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move

from . import store
from .dependencies import (
    BOOKKEEPING_FIELDS,
    GLOBAL,
    INVISIBLE_WHEN_CREATED,
    MODEL_CHANGE_BUMPS,
    STRUCTURAL_FIELDS,
    bumps_for_page_change,
)


def _page_path(page):
    try:
        parts = page.get_url_parts()
    except Exception:  # noqa: BLE001 - a page without a URL has no path generation
        return None
    return parts[2] if parts else None


def page_changed(page, before=None, structural=None):
    """Something a visitor sees of `page` changed: its own URL, its groups, maybe everything.

    `before` holds the page's structural fields as they were in the database; when a
    structural field changed on a page whose title and URL show elsewhere (a child of the
    home page is in the main menu; a page with children is in their breadcrumbs and URLs; the
    privacy page is linked from every footer), everything is invalidated.
    """
    was_live = bool(before and before.get("live"))
    if not page.live and not was_live:
        return  # a draft that never showed
    deps = set(bumps_for_page_change(page.specific_class or type(page)))
    path = _page_path(page)
    if path:
        deps.add(store.path_dep(path))
    if structural is None:
        structural = before is None or any(
            before.get(field) != getattr(page, field) for field in STRUCTURAL_FIELDS
        )
    if structural and (page.depth <= 3 or page.numchild > 0 or _is_linked_from_settings(page)):
        deps.add(GLOBAL)
    if path is None:
        deps.add(GLOBAL)
    store.bump(*deps)


def _is_linked_from_settings(page):
    """The footer of every page links to the privacy page chosen in the site settings."""
    from psg.models import SiteSettings

    if getattr(page, "_pagecache_linked_from_settings", False):
        return True
    return page.pk is not None and SiteSettings.objects.filter(privacy_page_id=page.pk).exists()


def remember_page_before_delete(sender, instance, **kwargs):
    # Deleting the privacy page clears the settings' link before post_delete: note it now.
    if sender is Page and not store._muted:
        instance._pagecache_linked_from_settings = _is_linked_from_settings(instance)


def _is_bookkeeping(update_fields):
    return update_fields is not None and set(update_fields) <= BOOKKEEPING_FIELDS


def remember_page_before_save(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or not isinstance(instance, Page) or instance.pk is None or store._muted:
        return
    if _is_bookkeeping(update_fields):
        return
    instance._pagecache_before = (
        Page.objects.filter(pk=instance.pk).values(*STRUCTURAL_FIELDS).first()
    )


def page_saved(sender, instance, created=False, raw=False, update_fields=None, **kwargs):
    if raw or not isinstance(instance, Page) or store._muted:
        return
    if _is_bookkeeping(update_fields):
        return
    before = None if created else getattr(instance, "_pagecache_before", None)
    page_changed(instance, before, structural=True if created else None)


def page_was_published(sender, instance, **kwargs):
    # The save inside publishing has already compared the structural fields (page_saved);
    # this covers the page's own URL and groups whatever object the signal carries.
    before = getattr(instance, "_pagecache_before", None)
    page_changed(instance, before, structural=None if before else False)


def page_was_unpublished(sender, instance, **kwargs):
    page_changed(instance, {"live": True}, structural=True)


def page_was_deleted(sender, instance, **kwargs):
    # Deleting a page deletes its base row and its specific row: react to the base row only.
    if sender is Page:
        page_changed(instance, {"live": instance.live}, structural=True)


def page_was_moved(sender, instance, **kwargs):
    store.bump(GLOBAL)


def model_changed(sender, instance=None, created=False, raw=False, **kwargs):
    if raw:
        return
    target = MODEL_CHANGE_BUMPS.get(sender._meta.label_lower)
    if target is None:
        return
    if created and sender._meta.label_lower in INVISIBLE_WHEN_CREATED:
        return
    store.bump(GLOBAL) if target == GLOBAL else store.bump(*target)


def connect():
    pre_save.connect(remember_page_before_save, dispatch_uid="pagecache-pre-save")
    post_save.connect(page_saved, dispatch_uid="pagecache-page-saved")
    pre_delete.connect(remember_page_before_delete, dispatch_uid="pagecache-page-pre-delete")
    post_delete.connect(page_was_deleted, dispatch_uid="pagecache-page-deleted")
    page_published.connect(page_was_published, dispatch_uid="pagecache-published")
    page_unpublished.connect(page_was_unpublished, dispatch_uid="pagecache-unpublished")
    post_page_move.connect(page_was_moved, dispatch_uid="pagecache-moved")
    for label in MODEL_CHANGE_BUMPS:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        post_save.connect(model_changed, sender=model, dispatch_uid=f"pagecache-save-{label}")
        post_delete.connect(model_changed, sender=model, dispatch_uid=f"pagecache-del-{label}")

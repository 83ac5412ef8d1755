"""The one owner of invalidation: content changes become new generation tokens.

Every cache the site keeps stores its entries under generation tokens (psg/generations.py): the
site data every page shows (psg/sitedata.py), the listings' counts and filter choices, and the
full-page cache (pagecache/), which only reads the tokens. This module listens to Wagtail's and
Django's signals and replaces the tokens a change concerns; nothing else does. It is connected
by psg's own app config, so psg's caches follow every change whether or not the page cache is
installed.

Dependencies: ``global`` (site settings, menus, URLs, images, documents, view restrictions),
the groups ``news`` and ``campaigns`` (what a page type's changes invalidate is its
`changes_groups()`, psg/pages.py; a class that states nothing changes every group) and each
page's own path.

A change that sends no signal (raw SQL, `QuerySet.update()`, `bulk_create`, a data migration,
a restore from backup) has one remedy: `python manage.py invalidate_caches`, which calls
`psg.generations.invalidate_all()`. `restore_site` applies it, and so does every run of
`migrate` (the post_migrate receiver below), so data migrations need nothing of their own.
"""

from django.apps import apps
from django.db.models.signals import post_delete, post_migrate, post_save, pre_delete, pre_save
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move

from .generations import EVERY_GROUP, GLOBAL, NEWS, bump, invalidate_all, is_muted, path_dep

# Models other than pages whose changes show on pages: model label -> groups, or GLOBAL.
MODEL_CHANGE_BUMPS = {
    "news.topic": frozenset({NEWS}),
    "psg.sitesettings": GLOBAL,
    "wagtailcore.site": GLOBAL,
    "wagtailcore.pageviewrestriction": GLOBAL,
    "wagtailimages.image": GLOBAL,
    "wagtaildocs.document": GLOBAL,
}

# Rows of these models show nowhere when they are first created: a new image or document is
# on no page yet; site settings are created with their defaults the first time a page reads
# them (in the middle of rendering it).
INVISIBLE_WHEN_CREATED = frozenset(
    {"wagtailimages.image", "wagtaildocs.document", "psg.sitesettings"}
)

# Page fields whose change can show outside the page itself: in the main menu (children of
# the home page), in breadcrumbs (pages with children) and in every URL below the page.
STRUCTURAL_FIELDS = ("title", "slug", "show_in_menus", "live")

# Page.save(update_fields=...) with only these fields changes nothing a visitor sees
# (saving a draft revision, locking, scheduling).
BOOKKEEPING_FIELDS = frozenset(
    {
        "latest_revision",
        "latest_revision_created_at",
        "draft_title",
        "has_unpublished_changes",
        "locked",
        "locked_at",
        "locked_by",
        "go_live_at",
        "expire_at",
        "owner",
        "numchild",
        "wagtail_admin_comments",
        "comments",
    }
)


def changed_groups(page_class):
    """The groups a change to a page of `page_class` invalidates (every group when the class
    states nothing: an unknown type can be listed anywhere)."""
    changes = getattr(page_class, "changes_groups", None)
    return frozenset(changes()) if changes is not None else EVERY_GROUP


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
    deps = set(changed_groups(page.specific_class or type(page)))
    path = _page_path(page)
    if path:
        deps.add(path_dep(path))
    if structural is None:
        structural = before is None or any(
            before.get(field) != getattr(page, field) for field in STRUCTURAL_FIELDS
        )
    if structural and (page.depth <= 3 or page.numchild > 0 or _is_linked_from_settings(page)):
        deps.add(GLOBAL)
    if path is None:
        deps.add(GLOBAL)
    bump(*deps)


def _is_linked_from_settings(page):
    """The footer of every page links to the privacy page chosen in the site settings."""
    from .models import SiteSettings

    if getattr(page, "_psg_linked_from_settings", False):
        return True
    return page.pk is not None and SiteSettings.objects.filter(privacy_page_id=page.pk).exists()


def _is_bookkeeping(update_fields):
    return update_fields is not None and set(update_fields) <= BOOKKEEPING_FIELDS


# Receivers ---------------------------------------------------------------------------------------


def remember_page_before_delete(sender, instance, **kwargs):
    # Deleting the privacy page clears the settings' link before post_delete: note it now.
    if sender is Page and not is_muted():
        instance._psg_linked_from_settings = _is_linked_from_settings(instance)


def remember_page_before_save(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or not isinstance(instance, Page) or instance.pk is None or is_muted():
        return
    if _is_bookkeeping(update_fields):
        return
    instance._psg_before_save = (
        Page.objects.filter(pk=instance.pk).values(*STRUCTURAL_FIELDS).first()
    )


def page_saved(sender, instance, created=False, raw=False, update_fields=None, **kwargs):
    if raw or not isinstance(instance, Page) or is_muted():
        return
    if _is_bookkeeping(update_fields):
        return
    before = None if created else getattr(instance, "_psg_before_save", None)
    page_changed(instance, before, structural=True if created else None)


def page_was_published(sender, instance, **kwargs):
    # The save inside publishing has already compared the structural fields (page_saved);
    # this covers the page's own URL and groups whatever object the signal carries.
    before = getattr(instance, "_psg_before_save", None)
    page_changed(instance, before, structural=None if before else False)


def page_was_unpublished(sender, instance, **kwargs):
    page_changed(instance, {"live": True}, structural=True)


def page_was_deleted(sender, instance, **kwargs):
    # Deleting a page deletes its base row and its specific row: react to the base row only.
    if sender is Page:
        page_changed(instance, {"live": instance.live}, structural=True)


def page_was_moved(sender, instance, **kwargs):
    bump(GLOBAL)


def model_changed(sender, instance=None, created=False, raw=False, **kwargs):
    if raw:
        return
    label = sender._meta.label_lower
    target = MODEL_CHANGE_BUMPS.get(label)
    if target is None or (created and label in INVISIBLE_WHEN_CREATED):
        return
    bump(GLOBAL) if target == GLOBAL else bump(*target)


def migrated(sender, **kwargs):
    """After every run of `migrate`: a data migration writes without signals."""
    invalidate_all()


def connect(app_config):
    pre_save.connect(remember_page_before_save, dispatch_uid="psg-invalidation-pre-save")
    post_save.connect(page_saved, dispatch_uid="psg-invalidation-page-saved")
    pre_delete.connect(remember_page_before_delete, dispatch_uid="psg-invalidation-pre-delete")
    post_delete.connect(page_was_deleted, dispatch_uid="psg-invalidation-page-deleted")
    page_published.connect(page_was_published, dispatch_uid="psg-invalidation-published")
    page_unpublished.connect(page_was_unpublished, dispatch_uid="psg-invalidation-unpublished")
    post_page_move.connect(page_was_moved, dispatch_uid="psg-invalidation-moved")
    # Sent once per app at the end of every `migrate` (and test database set-up): psg's own.
    post_migrate.connect(migrated, sender=app_config, dispatch_uid="psg-invalidation-migrated")
    for label in MODEL_CHANGE_BUMPS:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        uid = f"psg-invalidation-{label}"
        post_save.connect(model_changed, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(model_changed, sender=model, dispatch_uid=f"{uid}-delete")

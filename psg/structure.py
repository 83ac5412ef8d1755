"""Pages the site's structure depends on: the home page, News, Campaigns and the join page.

Deleting or moving one of them takes away the main menu's sections, the home page's join
button and the addresses people have saved, so only administrators may do either. Editors and
moderators are offered no "Delete" or "Move" for these pages anywhere in the admin (the page
header, listings, bulk actions), and the delete and move addresses refuse them.

A page type opts in by putting `StructuralPageMixin` before `Page` in its bases.
"""

from wagtail.models import PagePermissionTester


class StructuralPagePermissionTester(PagePermissionTester):
    """Wagtail's permission rules, except that only an administrator may delete or move."""

    def can_delete(self, ignore_bulk=False):
        return self.user.is_superuser and super().can_delete(ignore_bulk=ignore_bulk)

    def can_move(self):
        return self.user.is_superuser and super().can_move()


class StructuralPageMixin:
    """A page the site's structure relies on: administrators alone may delete or move it."""

    is_structural_page = True

    def permissions_for_user(self, user):
        return StructuralPagePermissionTester(user, self)

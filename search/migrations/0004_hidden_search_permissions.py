"""Editors and moderators may hide queries from the public list of popular searches
(Settings > Hidden searches): add, change and delete hidden searches."""

from django.db import migrations

CODENAMES = ["add_hiddensearch", "change_hiddensearch", "delete_hiddensearch"]
GROUPS = ["Editors", "Moderators"]


def grant(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    content_type, _ = ContentType.objects.get_or_create(app_label="search", model="hiddensearch")
    permissions = [
        Permission.objects.get_or_create(
            content_type=content_type,
            codename=codename,
            defaults={"name": f"Can {codename.partition('_')[0]} hidden search"},
        )[0]
        for codename in CODENAMES
    ]
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    # Through the join table by ids: when other apps are unapplied in the same run, the
    # historical Group and Permission models may come from different states.
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    permission_ids = Permission.objects.filter(
        content_type__app_label="search", codename__in=CODENAMES
    ).values_list("id", flat=True)
    group_ids = Group.objects.filter(name__in=GROUPS).values_list("id", flat=True)
    Group.permissions.through.objects.filter(
        group_id__in=list(group_ids), permission_id__in=list(permission_ids)
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0003_popular_searches"),
        ("editorial", "0002_roles_and_moderation"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]

"""Create the "Membership officers" group: the only non-superusers who see applications."""

from django.db import migrations

GROUP_NAME = "Membership officers"
APPLICATION_PERMISSIONS = {
    "view_membershipapplication": "Can view membership application",
    "change_membershipapplication": "Can change membership application",
}


def create_group(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")

    # Model permissions are normally created after all migrations; create the two needed now.
    content_type, _ = ContentType.objects.get_or_create(
        app_label="membership", model="membershipapplication"
    )
    permissions = [
        Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )[0]
        for codename, name in APPLICATION_PERMISSIONS.items()
    ]
    permissions.append(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    group, _ = Group.objects.get_or_create(name=GROUP_NAME)
    group.permissions.add(*permissions)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("membership", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]

"""Search synonyms (Snippets > Search synonyms), which Editors and Moderators may add, change
and delete."""

from django.db import migrations, models

CODENAMES = ["add_searchsynonym", "change_searchsynonym", "delete_searchsynonym"]
GROUPS = ["Editors", "Moderators"]


def grant(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    content_type, _ = ContentType.objects.get_or_create(app_label="search", model="searchsynonym")
    permissions = [
        Permission.objects.get_or_create(
            content_type=content_type,
            codename=codename,
            defaults={"name": f"Can {codename.partition('_')[0]} search synonym"},
        )[0]
        for codename in CODENAMES
    ]
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.add(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0004_hidden_search_permissions"),
        ("editorial", "0002_roles_and_moderation"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchSynonym",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "name",
                    models.CharField(
                        help_text="What these words are about, e.g. “Human rights”. Only editors see it.",
                        max_length=100,
                        unique=True,
                        verbose_name="subject",
                    ),
                ),
                (
                    "terms",
                    models.TextField(
                        help_text="Put each word or phrase on its own line, in any language, e.g. “derechos humanos” on one line and “human rights” on the next. A search for any of them also finds pages that use the others. Capitals and accents do not matter.",
                        verbose_name="words and phrases",
                    ),
                ),
            ],
            options={
                "verbose_name": "search synonym",
                "verbose_name_plural": "search synonyms",
                "ordering": ["name"],
            },
        ),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]

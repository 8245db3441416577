"""The database refuses UPDATE and DELETE on audit entries; the chain starts with an empty head."""

from django.db import migrations

from sanshen.audit import protection

GENESIS = "0" * 64


def install_triggers(apps, schema_editor):
    # The trigger SQL differs per vendor, so it is chosen here rather than in a plain RunSQL.
    protection.install(schema_editor.connection)


def remove_triggers(apps, schema_editor):
    protection.remove(schema_editor.connection)


def create_head(apps, schema_editor):
    head = apps.get_model("audit", "AuditChainHead")
    head.objects.using(schema_editor.connection.alias).get_or_create(pk=1, defaults={"seq": 0, "hash": GENESIS})


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(install_triggers, remove_triggers),
        migrations.RunPython(create_head, migrations.RunPython.noop),
    ]

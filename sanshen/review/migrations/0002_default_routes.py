from django.db import migrations


def seed(apps, schema_editor):
    from sanshen.review.defaults import seed_default_routes

    seed_default_routes(apps.get_model("review", "RouteTemplate"), apps.get_model("review", "RouteStepTemplate"))


class Migration(migrations.Migration):
    dependencies = [("review", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

"""The database cache table that quant.cache.RedisWithDatabaseFallback uses while Redis is down."""

from django.core.management import call_command
from django.db import migrations

TABLE = "quant_cache"


def create(apps, schema_editor):
    call_command("createcachetable", TABLE, database=schema_editor.connection.alias, verbosity=0)


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("quant", "0004_trading")]
    operations = [migrations.RunPython(create, drop)]

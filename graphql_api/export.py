"""`python -m graphql_api.export` writes schema.graphql, the committed schema clients generate
their types from; a test fails when it is stale."""

import os
from pathlib import Path

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema.graphql"


def printed_schema() -> str:
    from graphql_api.schema import schema

    return schema.as_str().rstrip() + "\n"


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    SCHEMA_FILE.write_text(printed_schema())
    print(f"wrote {SCHEMA_FILE}")

"""Start Django for a CLI command, with one clear line (not a traceback) when the database is unreachable."""

from __future__ import annotations

import os
import sys


def setup_django(check_database: bool = True) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mandate.platform.settings")
    import django

    django.setup()
    if check_database:
        from django.conf import settings
        from django.db import connection
        from django.db.utils import OperationalError

        try:
            connection.ensure_connection()
        except OperationalError as error:
            first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            print(f"mandate: cannot reach the database at {settings.DATABASE_HOST}: {first}", file=sys.stderr)
            raise SystemExit(1) from None

"""Start-up check of the PostgreSQL database the search index lives in.

The bigram index itself is plain ASCII lexemes and works whatever the locale, but a
database that is not UTF-8, or whose ctype is C/POSIX, silently breaks Japanese text
elsewhere (pg_trgm drops every Japanese character, lower() and ILIKE leave them alone):
refuse it before anyone searches. Runs with `migrate`, `runserver` and `check --database default`.
"""

from django.core import checks
from django.db import connections


def database_locale_problems(using: str = "default") -> list[str]:
    connection = connections[using]
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_encoding_to_char(encoding), datctype FROM pg_database WHERE datname = current_database()"
        )
        encoding, ctype = cursor.fetchone()
    return locale_problems(encoding, ctype)


def locale_problems(encoding: str, ctype: str) -> list[str]:
    problems = []
    if encoding.upper() != "UTF8":
        problems.append(f"encoding is {encoding}, not UTF8")
    if "utf8" not in ctype.lower().replace("-", ""):
        problems.append(f"LC_CTYPE is {ctype!r}, not a UTF-8 locale such as C.UTF-8")
    return problems


def check_database_ctype(app_configs=None, databases=None, **kwargs) -> list[checks.CheckMessage]:
    messages: list[checks.CheckMessage] = []
    for alias in databases or []:
        for problem in database_locale_problems(alias):
            messages.append(
                checks.Error(
                    f"Database {alias!r}: {problem}. Japanese text search needs a UTF-8 database.",
                    hint="createdb -T template0 -E UTF8 --lc-collate=C.UTF-8 --lc-ctype=C.UTF-8 <name>",
                    id="search.E001",
                )
            )
    return messages

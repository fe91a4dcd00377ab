import pytest
from django.db import connection

from apps.search.checks import check_database_ctype, database_locale_problems, locale_problems


@pytest.mark.parametrize(
    ("encoding", "ctype", "problems"),
    [
        ("UTF8", "C.UTF-8", 0),
        ("UTF8", "ja_JP.utf8", 0),
        ("UTF8", "C", 1),
        ("UTF8", "POSIX", 1),
        ("SQL_ASCII", "C", 2),
        ("EUC_JP", "ja_JP.eucJP", 2),
    ],
)
def test_locale_problems(encoding, ctype, problems):
    assert len(locale_problems(encoding, ctype)) == problems


@pytest.mark.django_db
def test_the_test_database_passes_the_start_up_check():
    # SQLite has no locale; the PostgreSQL test database is created UTF-8 from template0.
    assert database_locale_problems() == []
    assert check_database_ctype(databases=["default"]) == []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT datctype FROM pg_database WHERE datname = current_database()")
            assert "utf" in cursor.fetchone()[0].lower()

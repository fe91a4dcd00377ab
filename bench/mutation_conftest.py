"""Root conftest.py of a mutation run (bench/mutation.py copies it there; pytest never
loads it from bench/).

mutmut runs one pytest session per mutant, two at a time, in processes forked from one
that has imported Django and the tests. Creating the test database in each session costs
4-5 s of migrations, and two sessions would share settings' one test database file. So
each session starts from its own copy of a database that bench/mutation.py migrated once
(PORTAL_MUTATION_DB): same schema and data migrations as the test runner's, nothing left
over from an earlier mutant (a mutant killed by its time limit leaves no trace), and the
copy is deleted afterwards. A Celery worker started by a test finds the copy through
`connection.settings_dict`, as it finds the test database in a normal run.
"""

import os
import shutil
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def django_db_setup(django_db_blocker):
    from django.db import connections

    template = Path(os.environ["PORTAL_MUTATION_DB"])
    copy = template.with_name(f"{template.stem}-{os.getpid()}{template.suffix}")
    shutil.copyfile(template, copy)
    with django_db_blocker.unblock():
        connections.close_all()
    # The connection's settings_dict is settings.DATABASES["default"] itself.
    connections["default"].settings_dict["NAME"] = str(copy)
    yield
    with django_db_blocker.unblock():
        connections.close_all()
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)

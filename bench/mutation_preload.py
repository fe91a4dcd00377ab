"""What mutmut's fork server imports once, before it forks a pytest session per mutant
(bench/mutation.py copies it into a run's directory; `forkserver_warmup = "import"`).

Django, the apps and the URLconf, not the test modules: pytest must collect those itself in
each session. mutmut's default warm-up (a `pytest --collect-only`) collects them a second
time in the same process, and pytest rewrites a test's `ids=[...]` list in place when it
escapes non-ASCII ids, so the second collection escapes them again, finds none of the ids
mutmut asks for, and every mutant of a module tested with Japanese ids came out "timeout".

The imports run inside mutants/ (where this file is copied to), as mutmut's own pytest runs
do: importing portal (its Celery app) puts the current directory on sys.path, and from the
run's directory that would be the unmutated copy of apps/, whose functions no mutant
reaches, so every mutant would "survive".
"""

import os
import sys
from pathlib import Path

_here, _cwd = Path(__file__).resolve().parent, Path.cwd().resolve()
os.chdir(_here)
try:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

    import django

    django.setup()

    import factory  # noqa: F401
    import hypothesis  # noqa: F401
    import pytest  # noqa: F401
    import pytest_django  # noqa: F401
    from django.test import Client, TestCase  # noqa: F401

    import portal.urls  # noqa: F401
finally:
    os.chdir(_cwd)
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _cwd]
if not all(Path(path).resolve().is_relative_to(_here) for path in sys.modules["apps"].__path__):
    raise RuntimeError("apps/ was imported from outside mutants/: no mutant would ever be switched on")

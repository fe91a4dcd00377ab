"""Lint: views read request parameters only through forms.

`request.GET.get("x")` followed by `int()` (or `.isdigit()`, or `redirect()`) is how a
page answers odd input with a 500. A view passes `request.GET` / `request.POST` /
`request.FILES` whole to a form (or to apps.core.params) and reads `cleaned_data`. The
only other use allowed is `.urlencode()`, which repeats the query string in links.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QUERY_DICTS = {"GET", "POST", "FILES"}
ALLOWED_METHODS = {"urlencode"}


def view_modules() -> list[Path]:
    found = sorted(ROOT.glob("apps/*/views.py")) + sorted(ROOT.glob("apps/*/views/*.py"))
    assert found, "no views found: the lint would pass for nothing"
    return found


def violations(source: str, filename: str) -> list[str]:
    tree = ast.parse(source, filename)
    found = []
    for node in ast.walk(tree):
        # request.GET.<something> or request.GET[...]
        target = None
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute):
            if node.value.attr in QUERY_DICTS and node.attr not in ALLOWED_METHODS:
                target = node.value
        elif (
            isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and node.value.attr in QUERY_DICTS
        ):
            target = node.value
        if target is not None and isinstance(target.value, ast.Name) and target.value.id == "request":
            found.append(f"{filename}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_the_lint_catches_what_it_is_for():
    bad = "def v(request):\n a = request.GET.get('page')\n b = request.POST['x']\n c = request.GET.getlist('t')"
    good = "def v(request):\n    f = Form(request.POST or None, request.FILES)\n    q = request.GET.urlencode()\n"
    assert len(violations(bad, "bad.py")) == 3
    assert violations(good, "good.py") == []


def test_views_read_request_parameters_only_through_forms():
    found = []
    for path in view_modules():
        found += violations(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert found == []

"""Lint: every test asserts something about behaviour, and no assertion is a constant.

A test function passes only if it contains (itself, or in a helper or fixture of the suite it
calls) an `assert`, `pytest.raises`/`pytest.warns`, Playwright's `expect(...)` or a raised
`AssertionError`. An
assertion whose condition is a constant (`assert True`, `assert "x"`, a non-empty tuple —
`assert (a == b, "msg")` is always true), or an `or` with a constant, fails the lint.
"""

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
ASSERTING_CALLS = {"raises", "warns", "expect", "fail"}  # pytest.fail: an explicit failure path


def _modules() -> dict[Path, ast.Module]:
    return {path: ast.parse(path.read_text(encoding="utf-8"), str(path)) for path in sorted(TESTS.rglob("*.py"))}


def _called_names(node: ast.AST) -> set[str]:
    names = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            func = sub.func
            if isinstance(func, ast.Name):
                names.add(func.id)
            elif isinstance(func, ast.Attribute):
                names.add(func.attr)
    return names


def _argument_names(func: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    return {a.arg for a in func.args.args + func.args.kwonlyargs}


def _asserts_directly(node: ast.AST) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Assert):
            return True
        if isinstance(sub, ast.Raise) and "AssertionError" in ast.unparse(sub.exc or ast.Constant(None)):
            return True  # a failure raised by hand, e.g. with a formatted report
        if isinstance(sub, ast.Call):
            func = sub.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ASSERTING_CALLS:
                return True
    return False


def asserting_names(modules: dict[Path, ast.Module]) -> set[str]:
    """Names of the suite's functions (helpers, fixtures, methods) that assert, directly or
    through another such function, to a fixed point. Fixtures count by their name: a test
    that takes `axe_check` and calls it is checking."""
    functions: dict[str, list[ast.AST]] = {}
    for tree in modules.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                functions.setdefault(node.name, []).append(node)
    asserting = {name for name, defs in functions.items() if any(_asserts_directly(d) for d in defs)}
    while True:
        grown = {
            name
            for name, defs in functions.items()
            if name not in asserting and any(_called_names(d) & asserting for d in defs)
        }
        if not grown:
            return asserting
        asserting |= grown


def _is_constant_truth(test: ast.expr) -> bool:
    if isinstance(test, ast.Constant):
        return bool(test.value)
    if isinstance(test, ast.Tuple | ast.List | ast.Set | ast.Dict):
        return len(getattr(test, "elts", getattr(test, "keys", []))) > 0
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or):
        return any(_is_constant_truth(v) for v in test.values)
    return False


def problems(modules: dict[Path, ast.Module]) -> list[str]:
    asserting = asserting_names(modules)
    found = []
    for path, tree in modules.items():
        where = path.relative_to(TESTS.parent)
        for node in ast.walk(tree):
            if isinstance(node, ast.Assert) and _is_constant_truth(node.test):
                found.append(f"{where}:{node.lineno}: constant assertion `{ast.unparse(node.test)[:60]}`")
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or not node.name.startswith("test_"):
                continue
            if not path.name.startswith("test_"):
                continue
            called = _called_names(node) | (_argument_names(node) & asserting)
            if not _asserts_directly(node) and not called & asserting:
                found.append(f"{where}:{node.lineno}: {node.name} asserts nothing")
    return found


def test_the_lint_catches_what_it_is_for():
    sample = ast.parse(
        "def helper(x):\n    assert x == 1\n"
        "def test_a():\n    helper(1)\n"
        "def test_b():\n    x = 1\n"
        "def test_c():\n    assert True\n"
        "def test_d():\n    assert (1 == 2, 'never fails')\n"
        "def test_e(axe_check):\n    axe_check()\n"
        "def axe_check():\n    def run():\n        assert 1 == 1\n    return run\n"
    )
    found = problems({TESTS / "core" / "test_sample.py": sample})
    assert [line.split(": ", 1)[1] for line in found] == [
        "test_b asserts nothing",
        "constant assertion `True`",
        "constant assertion `(1 == 2, 'never fails')`",
    ]


def test_every_test_asserts_and_no_assertion_is_a_constant():
    assert problems(_modules()) == []

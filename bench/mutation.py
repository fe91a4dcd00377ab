"""Mutation testing of one rule module against the tests that test it: mutmut 3, and
cosmic-ray for the rules.py modules (mutmut leaves module-level code and decorated
functions alone, and a rules.py is `@rules.predicate` functions and `rules.add_perm(...)`).

    .venv/bin/python bench/mutation.py apps/core/business_days.py
    .venv/bin/python bench/mutation.py --head apps/core/business_days.py   # the last commit
    .venv/bin/python bench/mutation.py --rev daea877 apps/core/business_days.py   # any commit
    .venv/bin/python bench/mutation.py --list            # the modules, their tool and test files
    .venv/bin/python bench/mutation.py all               # every module below, one after the other
    .venv/bin/python bench/mutation.py --check NAME [tests/...::test_x]   # one mutant vs your tests
    make mutation MODULE=apps/core/business_days.py

What a run does (docs/testing.md, "Mutation testing", says how to read the results):
1. Copies the project (apps, portal, templates, locale, static, staticfiles, tests; from the
   work tree, or from a commit with --head/--rev) into var/mutation/work/<module>/ with a
   pyproject.toml whose [tool.mutmut] names this module and its test files, so runs never
   touch the work tree and two runs never share state.
2. Migrates one SQLite database there (var/test-mut/mutation-template.sqlite3, reused while
   the migrations stay the same); every pytest session of the run starts from a copy of it
   (bench/mutation_conftest.py).
3. Runs `mutmut run` (fork server, MAX_CHILDREN pytest sessions at a time, each mutant
   against the tests that reached its function while mutmut collected stats), or for a
   rules.py `cosmic-ray exec` (one `pytest -x` of the module's test files per mutant, one
   at a time, over the operators that make a realistic bug: COSMIC_RAY_EXCLUDED).
4. Prints killed / survived / timeout / no tests and the score, writes every mutant that
   was not killed, with its diff, to var/mutation/<module>.txt, its figures to
   var/mutation/<module>.json, and the table of every module run so far to
   var/mutation/summary.md.

SQLite only (DATABASE_URL, REDIS_URL and CELERY_BROKER_URL are removed from the run's
environment): tests marked `postgres` skip, so a path only PostgreSQL takes is not tested.
"""

import argparse
import fcntl
import hashlib
import io
import json
import os
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "mutation"
VAR_DIR = ROOT / "var" / "test-mut"
MUTMUT = ROOT / ".venv" / "bin" / "mutmut"
COSMIC_RAY = ROOT / ".venv" / "bin" / "cosmic-ray"
# cosmic-ray operators left out: replacing `&` or `|` between predicates by arithmetic, `~` by
# `+`/`-`/`not`, or removing `@rules.predicate`, fails at import (a mutant that no test needs
# to kill); `==` to `<` or `is` on strings and ids makes noise, not bugs. Kept: `&` <-> `|`,
# dropping `~`/`not`, and <-> or, adding `not`, negated and off-by-one comparisons,
# True <-> False, numbers.
COSMIC_RAY_EXCLUDED = (
    r"core/ReplaceBinaryOperator_(?!(BitAnd_BitOr|BitOr_BitAnd)$)",
    r"core/ReplaceComparisonOperator_(?!(Eq_NotEq|NotEq_Eq|Is_IsNot|IsNot_Is|Lt_GtE|GtE_Lt|Gt_LtE|LtE_Gt"
    r"|Lt_LtE|LtE_Lt|Gt_GtE|GtE_Gt)$)",
    r"core/ReplaceUnaryOperator_(?!Delete_)",
    r"core/RemoveDecorator$",
)
# Copied into each run's directory; mutmut copies them again into its mutants/ folder.
PROJECT_PARTS = ("apps", "portal", "templates", "locale", "static", "staticfiles", "tests", "manage.py")
# What mutmut copies besides apps/ (its source_paths) and tests/ (always copied).
MUTMUT_ALSO_COPY = ("portal", "templates", "locale", "static", "staticfiles", "manage.py")
MUTMUT_ALSO_COPY += ("conftest.py", "mutation_preload.py")  # from bench/, see there
PERMISSION_MATRIX = "tests/core/test_permission_matrix.py"
PYTEST_ARGS = ("-p", "no:cacheprovider")


@dataclass(frozen=True)
class Target:
    tests: tuple[str, ...]
    # Only these functions of the module are mutated ("name" or "Class.method"); empty: all.
    functions: tuple[str, ...] = ()
    # Real Celery workers share the broker folder of PORTAL_VAR_DIR: one session at a time.
    max_children: int | None = None
    note: str = ""
    # "cosmic-ray" for module-level rules (every rules.py); functions cannot be chosen there.
    tool: str = "mutmut"
    # mutmut: only lines matching this regular expression are mutated (inside `functions`).
    lines: str = ""


# The one place that says which tests test which module. A module's mutants run only
# against these files (and, inside them, only the tests that reach the mutated function).
TARGETS: dict[str, Target] = {
    "apps/accounts/rules.py": Target(
        tests=("tests/accounts/test_roles.py", "tests/accounts/test_access.py", PERMISSION_MATRIX),
        tool="cosmic-ray",
    ),
    "apps/cases/rules.py": Target(
        tests=("tests/cases/test_permissions.py", "tests/cases/test_attachments.py", PERMISSION_MATRIX),
        tool="cosmic-ray",
    ),
    "apps/ideas/rules.py": Target(
        tests=(
            PERMISSION_MATRIX,
            "tests/ideas/test_views.py",
            "tests/ideas/test_history_leak.py",
            "tests/ideas/test_results.py",
            "tests/ideas/test_handover.py",
            "tests/ideas/test_counts_visible.py",
        ),
        tool="cosmic-ray",
    ),
    "apps/knowledge/rules.py": Target(
        tests=(PERMISSION_MATRIX, "tests/knowledge/test_views.py", "tests/knowledge/test_drafts.py"), tool="cosmic-ray"
    ),
    "apps/notifications/rules.py": Target(
        tests=(PERMISSION_MATRIX, "tests/notifications/test_views.py"), tool="cosmic-ray"
    ),
    "apps/reports/rules.py": Target(tests=(PERMISSION_MATRIX, "tests/reports/test_views.py"), tool="cosmic-ray"),
    "apps/search/rules.py": Target(tests=(PERMISSION_MATRIX, "tests/search/test_views.py"), tool="cosmic-ray"),
    "apps/support/rules.py": Target(
        tests=(
            PERMISSION_MATRIX,
            "tests/support/test_lifecycle.py",
            "tests/support/test_views.py",
            "tests/support/test_internal_notes.py",
            "tests/support/test_rules_visibility.py",
        ),
        tool="cosmic-ray",
    ),
    "apps/support/lifecycle.py": Target(
        tests=(
            "tests/support/test_lifecycle.py",
            "tests/support/test_services.py",
            "tests/support/test_views.py",
            "tests/support/test_rules_targets.py",
        ),
        # _t() builds TRANSITIONS at import, before any mutant is switched on: no test can
        # kill its mutants. The table itself is module-level data, which mutmut leaves alone.
        functions=("transition_get", "transitions_from", "reopen_window", "near_until"),
    ),
    "apps/support/services.py": Target(
        tests=(
            "tests/support/test_lifecycle.py",
            "tests/support/test_services.py",
            "tests/support/test_concurrency.py",
            "tests/support/test_internal_notes.py",
            "tests/support/test_rules_transitions.py",
            "tests/support/test_rules_targets.py",
        ),
        functions=(
            "support_request_transition",
            "_transition_locked",
            "_check_version",
            "_status_at_version",
            "_record_conflict",
            "_pauses",
            "targets_recompute",
            "_notify_transition",
        ),
    ),
    "apps/core/business_days.py": Target(
        tests=("tests/support/test_business_days.py", "tests/support/test_services.py"),
    ),
    "apps/core/dates.py": Target(
        tests=(
            "tests/core/test_dates.py",
            "tests/cases/test_dates.py",
            "tests/reports/test_figures.py",
            "tests/reports/test_views.py",
        ),
    ),
    "apps/ideas/services.py": Target(
        tests=(
            "tests/ideas/test_voting.py",
            "tests/ideas/test_concurrency.py",
            "tests/ideas/test_hidden_counts.py",
            "tests/ideas/test_results.py",
            "tests/ideas/test_vote_figures.py",
            "tests/ideas/test_views.py",
            "tests/ideas/test_vote_rules.py",
            "tests/ideas/test_coauthor_vote.py",
            "tests/ideas/test_merge.py",
            "tests/ideas/test_seal.py",
            "tests/ideas/test_withdraw.py",
        ),
        functions=(
            "_VoteFacts.budget_left",
            "_vote_facts",
            "vote_cast",
            "_vote_cast_locked",
            "_counter_moved",
            "vote_withdraw",
            "challenge_seal",
            "_refuse_if_sealed",
            "idea_withdraw",
            "coauthor_answer",
            "idea_merge",
        ),
    ),
    "apps/ideas/models.py": Target(
        tests=(
            "tests/ideas/test_results.py",
            "tests/ideas/test_hidden_counts.py",
            "tests/ideas/test_voting.py",
            "tests/ideas/test_vote_rules.py",
            "tests/ideas/test_counts_visible.py",
            "tests/ideas/test_seal.py",
        ),
        functions=("Challenge.is_voting_open", "Challenge.counts_hidden", "Challenge.digest_of"),
        note="the seal digest and the voting window the hidden counts depend on",
    ),
    "apps/ideas/selectors.py": Target(
        tests=(
            "tests/ideas/test_hidden_counts.py",
            "tests/ideas/test_results.py",
            "tests/ideas/test_voting.py",
            "tests/ideas/test_views.py",
            "tests/ideas/test_counts_visible.py",
            "tests/ideas/test_merge.py",
            "tests/ideas/test_coauthor_vote.py",
        ),
        functions=("counts_visible", "_hide_counts", "budget_for", "vote_state_refresh", "export_rows"),
    ),
    "apps/ideas/reporting.py": Target(
        functions=("_bounds", "challenges_with_hidden_counts", "vote_figures"),
        note="the paths that leave hidden counts out; _vote_figures_postgresql is PostgreSQL only",
        tests=(
            "tests/ideas/test_vote_figures.py",
            "tests/reports/test_hidden_counts.py",
            "tests/reports/test_figures.py",
            "tests/reports/test_hidden_period.py",
        ),
    ),
    "apps/reports/figures.py": Target(
        tests=(
            "tests/reports/test_hidden_counts.py",
            "tests/reports/test_figures.py",
            "tests/reports/test_exports.py",
            "tests/reports/test_hidden_period.py",
        ),
        functions=("ideas_section",),
        lines=r"hidden|\bnow\b",
        note="the lines of the ideas section that leave hidden counts out (the rest is captions and layout)",
    ),
    "apps/notifications/services.py": Target(
        tests=(
            "tests/notifications/test_outbox.py",
            "tests/notifications/test_services.py",
            "tests/notifications/test_worker.py",
            "tests/notifications/test_worker_killed.py",
            "tests/notifications/test_preferences.py",
            "tests/notifications/test_digest.py",
            "tests/notifications/test_tasks.py",
            "tests/notifications/test_who_is_told.py",
            "tests/notifications/test_views.py",
        ),
        functions=(
            "_email_modes",
            "notification_send",
            "deliveries_dispatch",
            "digests_dispatch",
            "delivery_email_send",
            "deliveries_postpone",
            "delivery_mark_failed",
            "digest_send",
            "deliveries_requeue_stale",
            "_update_in_chunks",
            "preferences_set",
        ),
        max_children=1,
    ),
    # Celery's @shared_task functions: mutmut leaves decorated functions alone.
    "apps/notifications/tasks.py": Target(
        tests=(
            "tests/notifications/test_tasks.py",
            "tests/notifications/test_digest.py",
            "tests/notifications/test_outbox.py",
        ),
        tool="cosmic-ray",
    ),
    "apps/core/text.py": Target(
        tests=("tests/search/test_text.py", "tests/search/test_highlight.py", "tests/search/test_query_table.py"),
    ),
    "apps/search/selectors.py": Target(
        tests=("tests/search/test_similar.py", "tests/search/test_similar_variants.py", "tests/search/test_views.py"),
        functions=("_content_words", "similar"),
    ),
}

STATUS_BY_EXIT_CODE = None  # filled from mutmut.stats on first use
_LOCKS = []  # open lock files of the modules this process runs


def slug(module: str) -> str:
    return module.removesuffix(".py").replace("/", ".")


def mutant_globs(module: str, functions: tuple[str, ...]) -> list[str]:
    prefix = slug(module)
    globs = []
    for name in functions:
        cls, _, method = name.rpartition(".")
        mangled = f"xǁ{cls}ǁ{method}" if cls else f"x_{method}"
        globs.append(f"{prefix}.{mangled}__mutmut_*")
    return globs


def toml_list(values) -> str:
    return "[" + ", ".join(json.dumps(str(v)) for v in values) + "]"


def prepare_workdir(module: str, target: Target, *, rev: str | None) -> Path:
    work = OUT / "work" / slug(module)
    for _attempt in range(5):  # a stopped run's last process may still be writing there
        shutil.rmtree(work, ignore_errors=True)
        if not work.exists():
            break
        time.sleep(2)
    work.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", ".hypothesis")
    if rev:
        (work / "HEAD").write_text(git_head(rev) + "\n")
        # A commit, whatever others are editing; the build outputs git does not keep
        # (collected static files, compiled messages) from the work tree.
        tracked = [part for part in PROJECT_PARTS if part != "staticfiles"]
        archive = subprocess.run(["git", "archive", rev, *tracked], cwd=ROOT, capture_output=True, check=True)
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(work, filter="data")
        shutil.copytree(ROOT / "staticfiles", work / "staticfiles", ignore=ignore)
        for compiled in (ROOT / "locale").glob("*/LC_MESSAGES/*.mo"):
            shutil.copy2(compiled, work / compiled.relative_to(ROOT))
    else:
        for part in PROJECT_PARTS:
            source = ROOT / part
            if source.is_dir():
                shutil.copytree(source, work / part, ignore=ignore)
            else:
                shutil.copy2(source, work / part)
    shutil.copy2(ROOT / "bench" / "mutation_conftest.py", work / "conftest.py")
    shutil.copy2(ROOT / "bench" / "mutation_preload.py", work / "mutation_preload.py")
    (work / "mutation-preload.txt").write_text("mutation_preload\n")
    return work


def write_mutmut_config(work: Path, module: str, target: Target) -> None:
    """The project's pyproject.toml (pytest's settings) with this run's [tool.mutmut]."""
    pyproject = (ROOT / "pyproject.toml").read_text()
    if "[tool.mutmut]" in pyproject:
        raise SystemExit("pyproject.toml has a [tool.mutmut] section: bench/mutation.py writes its own per run")
    config = "\n".join(
        [
            "",
            "# Written by bench/mutation.py for this run.",
            "[tool.mutmut]",
            'source_paths = ["apps"]',
            f"only_mutate = {toml_list([module])}",
            f"also_copy = {toml_list(MUTMUT_ALSO_COPY)}",
            f"pytest_add_cli_args = {toml_list(PYTEST_ARGS)}",
            f"pytest_add_cli_args_test_selection = {toml_list(target.tests)}",
            f"do_not_mutate_patterns = {toml_list([f'^(?!.*({target.lines}))'] if target.lines else [])}",
            'process_isolation = "forkserver"',
            # Not "collect": see bench/mutation_preload.py.
            'forkserver_warmup = "import"',
            'preload_modules_file = "mutation-preload.txt"',
            "use_git_change_detection = false",
            # A mutant is stopped (and counted "timeout", i.e. killed) after this many times
            # the time its tests took without mutants (mutmut's default is 15): a shared
            # machine under load must not turn a slow run into a kill.
            "timeout_multiplier = 30.0",
            "",
        ]
    )
    (work / "pyproject.toml").write_text(pyproject + config)


def run_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")}
    env["PORTAL_VAR_DIR"] = str(VAR_DIR)
    env["PORTAL_MUTATION_DB"] = str(VAR_DIR / "mutation-template.sqlite3")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    # One hash seed for every process: test ids built from a set come out the same in
    # mutmut's stats run and in each mutant's session.
    env.setdefault("PYTHONHASHSEED", "0")
    return env


def template_database(work: Path) -> None:
    """Migrate the database every session of the run copies, once per set of migrations."""
    template = VAR_DIR / "mutation-template.sqlite3"
    digest = hashlib.sha256()
    for path in sorted((work / "apps").glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(work)).encode() + path.read_bytes())
    digest.update((ROOT / "pyproject.toml").read_bytes())
    stamp = template.with_suffix(".sha256")
    if template.exists() and stamp.exists() and stamp.read_text() == digest.hexdigest():
        return
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # Built aside and moved in place: another run's sessions may be copying the old one.
    fresh = template.with_name(f"mutation-new-{os.getpid()}.sqlite3")
    fresh.unlink(missing_ok=True)
    env = run_env() | {"DATABASE_URL": f"sqlite:///{fresh}"}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--run-syncdb", "--no-input", "--skip-checks", "--verbosity", "0"],
        cwd=work,
        env=env,
        check=True,
    )
    # Fold the write-ahead log into the file, so a plain file copy is the whole database.
    with sqlite3.connect(fresh) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.execute("PRAGMA journal_mode=DELETE")
    os.replace(fresh, template)
    stamp.write_text(digest.hexdigest())


def remove_leftover_copies() -> None:
    """Database copies of sessions stopped by their time limit (the name ends in the pid of
    the session; those of sessions still running, this run's or another's, stay)."""
    for leftover in VAR_DIR.glob("mutation-template-*.sqlite3*"):
        pid = leftover.name.removeprefix("mutation-template-").partition(".")[0]
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            leftover.unlink(missing_ok=True)
        except (ValueError, PermissionError):
            continue


def count_mutants(work: Path, module: str, globs: list[str]) -> int:
    """How many mutants mutmut makes of the module (or of the named functions), without running anything."""
    code = (
        "import json, sys\n"
        "from fnmatch import fnmatch\n"
        "from pathlib import Path\n"
        "from mutmut.mutation.file_mutation import mutate_file_contents\n"
        "from mutmut.utils.format_utils import get_mutant_name\n"
        "module, globs = json.load(sys.stdin)\n"
        "made = mutate_file_contents(module, Path(module).read_text(), None, None)\n"
        "names = [get_mutant_name(Path(module), n) for n in made.mutant_names]\n"
        "print(sum(1 for n in names if not globs or any(fnmatch(n, g) for g in globs)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=work,
        input=json.dumps([module, globs]),
        capture_output=True,
        text=True,
        check=True,
        env=run_env(),
    )
    return int(done.stdout.strip().splitlines()[-1])


def read_results(work: Path, module: str, globs: list[str]) -> dict[str, int | None]:
    from fnmatch import fnmatch

    for _attempt in range(10):  # a running mutmut rewrites the file after every mutant
        try:
            meta = json.loads((work / "mutants" / f"{module}.meta").read_text())
            break
        except json.JSONDecodeError:
            time.sleep(0.5)
    else:
        raise SystemExit(f"cannot read mutants/{module}.meta in {work.relative_to(ROOT)}")
    codes = meta["exit_code_by_key"]
    if globs:
        codes = {k: v for k, v in codes.items() if any(fnmatch(k, g) for g in globs)}
    return codes


def mutant_diffs(work: Path, names: list[str]) -> dict[str, str]:
    """The diff of each mutant, as `mutmut show` prints it (read in the run's directory)."""
    if not names:
        return {}
    code = (
        "import json, sys\n"
        "from mutmut.mutation.diff_apply import find_mutant, get_diff_for_mutant\n"
        "out = {}\n"
        "for name in json.load(sys.stdin):\n"
        "    out[name] = get_diff_for_mutant(name, path=find_mutant(name).path)\n"
        "json.dump(out, sys.stdout)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=work,
        input=json.dumps(names),
        capture_output=True,
        text=True,
        check=True,
        env=run_env(),
    )
    return json.loads(done.stdout)


def status_of(code: int | None) -> str:
    global STATUS_BY_EXIT_CODE
    if STATUS_BY_EXIT_CODE is None:
        from mutmut.stats import status_by_exit_code

        STATUS_BY_EXIT_CODE = status_by_exit_code
    if code == 255:
        # mutmut says "timeout", but 255 is its session raising: pytest could not run the
        # tests it was given (exit 4), e.g. a test module whose parametrize list calls the
        # mutated function at import, so the ids mutmut collected do not exist under the
        # mutant. Neither killed nor survived: see for yourself with --check.
        return "error"
    return STATUS_BY_EXIT_CODE[code]


def uncommitted(module: str, target: Target) -> str:
    """A note for the figures when the module or its tests have uncommitted changes (a run
    without --head copies the work tree as it is)."""
    done = subprocess.run(
        ["git", "status", "--porcelain", "--", module, *target.tests], cwd=ROOT, capture_output=True, text=True
    )
    return " + working tree" if done.stdout.strip() else ""


def git_head(rev: str = "HEAD") -> str:
    done = subprocess.run(["git", "rev-parse", "--short=12", rev], cwd=ROOT, capture_output=True, text=True)
    return done.stdout.strip()


def run(
    module: str, *, max_children: int, rev: str | None = None, resume: bool = False, summarize: bool = False
) -> dict:
    """A fresh run of the module; with `resume`, the mutants its last run did not get to
    (a long module can be done in several sittings); with `summarize`, only the report of
    where its last run got to."""
    target = TARGETS[module]
    children = 1 if target.tool == "cosmic-ray" else min(max_children, target.max_children or max_children)
    work = OUT / "work" / slug(module)
    log = OUT / f"{slug(module)}.log"
    started_file = work / "started"
    if not summarize:
        # One run of a module at a time (it rebuilds the module's directory); held until exit.
        (OUT / "work").mkdir(parents=True, exist_ok=True)
        lock = (OUT / "work" / f"{slug(module)}.lock").open("w")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SystemExit(f"{module}: another run of it is in progress") from None
        _LOCKS.append(lock)
    if resume or summarize:
        if not started_file.exists():
            raise SystemExit(f"no earlier run of {module} in {work.relative_to(ROOT)}")
    else:
        work = prepare_workdir(module, target, rev=rev)
        started_file.write_text(str(time.time()))
    # A test file added after the commit being run cannot have killed anything there.
    missing = [t for t in target.tests if not (work / t).exists()]
    if missing:
        print(f"  not in this copy, left out: {' '.join(missing)}")
        target = replace(target, tests=tuple(t for t in target.tests if t not in missing))
    if not (resume or summarize):
        write_mutmut_config(work, module, target)
    OUT.mkdir(parents=True, exist_ok=True)
    if not summarize:
        template_database(work)
        where = f"{work.relative_to(ROOT)} ({children} at a time), log in {log.relative_to(ROOT)}"
        print(f"{module}: {target.tool} in {where}")
    if target.tool == "cosmic-ray":
        found = run_cosmic_ray(module, target, work, log, resume=resume, summarize=summarize)
    else:
        found = run_mutmut(module, target, work, log, children, resume=resume, summarize=summarize)
    remove_leftover_copies()
    if found is None:
        return {}
    statuses, diffs, exit_code, hint = found
    # From the first start to the last result (a resumed run adds up its sittings' gaps too).
    last = max((f.stat().st_mtime for f in work.glob("mutants/**/*.meta")), default=time.time())
    if target.tool == "cosmic-ray" and (work / "session.sqlite").exists():
        last = (work / "session.sqlite").stat().st_mtime
    seconds = round((last if summarize else time.time()) - float(started_file.read_text()))
    if (work / "HEAD").exists():  # a --head/--rev run: the commit it copied
        commit = (work / "HEAD").read_text().strip()
    else:
        commit = git_head() + uncommitted(module, target)
    return report(module, target, statuses, diffs, seconds, children, exit_code, hint, commit=commit)


def run_mutmut(module: str, target: Target, work: Path, log: Path, children: int, *, resume: bool, summarize: bool):
    globs = mutant_globs(module, target.functions)
    if not summarize:
        if count_mutants(work, module, globs) == 0:
            print("  mutmut makes no mutants here: only module-level code and decorated functions")
            return {}, {}, None, ""
        names = globs
        if resume and (work / "mutants" / f"{module}.meta").exists():
            # Named one by one: mutmut runs again every mutant a name or pattern matches.
            names = sorted(n for n, code in read_results(work, module, globs).items() if code is None)
            if not names:
                print("  every mutant has a result already")
        command = [str(MUTMUT), "run", "--max-children", str(children), *names]
        with log.open("a" if resume else "w") as out:
            done = subprocess.run(command, cwd=work, env=run_env(), stdout=out, stderr=subprocess.STDOUT)
        exit_code = done.returncode
    else:
        exit_code = None
    if not (work / "mutants" / f"{module}.meta").exists():
        print(f"  mutmut produced no results (exit {exit_code}); see {log.relative_to(ROOT)}")
        return None
    statuses = {name: status_of(code) for name, code in read_results(work, module, globs).items()}
    not_killed = sorted(n for n, status in statuses.items() if status not in ("killed", "timeout", "not checked"))
    hint = f"cd {work.relative_to(ROOT)} && ../../../../.venv/bin/mutmut show NAME"
    return statuses, mutant_diffs(work, not_killed), exit_code, hint


def run_cosmic_ray(module: str, target: Target, work: Path, log: Path, *, resume: bool, summarize: bool):
    """One `pytest -x` of the module's test files per mutant; the mutant is written into the
    run's copy of the module (never the work tree) and taken out again afterwards."""
    tests = [sys.executable, "-m", "pytest", "-x", "-q", *PYTEST_ARGS, *target.tests]
    config, session = work / "cosmic-ray.toml", work / "session.sqlite"

    def write_config(timeout: int) -> None:
        lines = [
            "[cosmic-ray]",
            f"module-path = {json.dumps(module)}",
            f"timeout = {timeout}.0",
            "excluded-modules = []",
            f"test-command = {json.dumps(shlex.join(tests))}",
            "",
            "[cosmic-ray.distributor]",
            'name = "local"',
            "",
            "[cosmic-ray.filters.operators-filter]",
            f"exclude-operators = {toml_list(COSMIC_RAY_EXCLUDED)}",
            "",
        ]
        config.write_text("\n".join(lines))

    def cosmic_ray(*args: str, out) -> bool:
        done = subprocess.run([*args], cwd=work, env=run_env(), stdout=out, stderr=subprocess.STDOUT)
        if done.returncode != 0:
            print(f"  {Path(args[0]).name} failed (exit {done.returncode}); see {log.relative_to(ROOT)}")
        return done.returncode == 0

    hint = "bench/mutation.py --check NAME (applies it to the run's copy, runs the tests, takes it out)"
    if summarize or (resume and session.exists()):
        if resume:
            with log.open("a") as out:
                if not cosmic_ray(str(COSMIC_RAY), "exec", config.name, session.name, out=out):
                    return None
        statuses, diffs = _cosmic_ray_dump(work, module)
        return statuses, diffs, 0, hint
    with log.open("w") as out:
        write_config(60)
        filter_operators = str(COSMIC_RAY.with_name("cr-filter-operators"))
        if not cosmic_ray(str(COSMIC_RAY), "init", config.name, session.name, out=out) or not cosmic_ray(
            filter_operators, session.name, config.name, out=out
        ):
            return None
        if not _cosmic_ray_dump(work, module)[0]:
            print("  cosmic-ray makes no mutants here (with the operators kept)")
            return {}, {}, 0, ""
        started = time.monotonic()
        baseline = subprocess.run(tests, cwd=work, env=run_env(), stdout=out, stderr=subprocess.STDOUT)
        if baseline.returncode != 0:
            print(f"  the tests fail without a mutant (exit {baseline.returncode}); see {log.relative_to(ROOT)}")
            return None
        write_config(max(60, round(3 * (time.monotonic() - started))))
        if not cosmic_ray(str(COSMIC_RAY), "exec", config.name, session.name, out=out):
            return None
    statuses, diffs = _cosmic_ray_dump(work, module)
    return statuses, diffs, 0, hint


def _cosmic_ray_dump(work: Path, module: str) -> tuple[dict[str, str], dict[str, str]]:
    """Status and diff of each mutant of the session, the operators left out excepted."""
    dump = subprocess.run(
        [str(COSMIC_RAY), "dump", "session.sqlite"], cwd=work, env=run_env(), capture_output=True, text=True, check=True
    )
    statuses, diffs = {}, {}
    for line in dump.stdout.splitlines():
        item, result = json.loads(line)
        (mutation,) = item["mutations"]
        if result and result["worker_outcome"] == "skipped":
            continue  # an operator left out (COSMIC_RAY_EXCLUDED)
        name = f"{slug(module)}@{mutation['operator_name']}#{mutation['occurrence']}"
        if result is None:
            statuses[name] = "not checked"
        elif result["test_outcome"] == "killed":
            statuses[name] = "timeout" if result["output"] == "timeout" else "killed"
        else:
            statuses[name] = result["test_outcome"] or result["worker_outcome"]
        diffs[name] = f"line {mutation['start_pos'][0]}\n" + ((result or {}).get("diff") or "")
    return statuses, diffs


def report(module, target, statuses, diffs, seconds, children, exit_code, hint, *, commit: str) -> dict:
    """The figures (var/mutation/<module>.json, summary.md) and the mutants not killed, with
    their diffs (var/mutation/<module>.txt)."""
    counts: dict[str, int] = {}
    for status in statuses.values():
        counts[status] = counts.get(status, 0) + 1
    total = len(statuses)
    checked = total - counts.get("not checked", 0)
    globs = mutant_globs(module, target.functions) if target.tool == "mutmut" else []
    result = {
        "module": module,
        "tool": target.tool,
        "functions": list(target.functions),
        "tests": list(target.tests),
        "commit": commit,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "seconds": seconds,
        "max_children": children,
        "exit": exit_code,
        "total": total,
        "killed": counts.get("killed", 0),
        "timeout": counts.get("timeout", 0),
        "survived": counts.get("survived", 0),
        "no_tests": counts.get("no tests", 0),
        "other": {
            k: v for k, v in counts.items() if k not in ("killed", "timeout", "survived", "no tests", "not checked")
        },
        "not_checked": counts.get("not checked", 0),
        # Over the mutants that have a result: a run stopped half way gives a partial figure.
        "score": round(100 * (counts.get("killed", 0) + counts.get("timeout", 0)) / checked, 1) if checked else None,
        "functions_without_mutants": [
            f for f, g in zip(target.functions, globs, strict=True) if not any(_match(n, g) for n in statuses)
        ],
    }
    not_killed = sorted(n for n, status in statuses.items() if status not in ("killed", "timeout", "not checked"))
    partial = f" (only {checked} of {total} checked so far: --resume)" if checked < total else ""
    if total:
        head = (
            f"# {module} ({target.tool}): {total} mutants, {result['killed']} killed, {result['timeout']} timeout, "
            f"{result['survived']} survived, {result['no_tests']} no tests, score {result['score']}%{partial}"
        )
    else:
        why = {
            "mutmut": "mutmut leaves module-level code and decorated functions alone",
            "cosmic-ray": "none of the operators kept applies",
        }[target.tool]
        head = f"# {module} ({target.tool}): no mutants ({why})"
    lines = [
        head,
        f"# commit {result['commit']}, {result['date']}, {seconds} s with {children} at a time",
        f"# functions: {', '.join(target.functions) or 'all'}",
        f"# tests: {' '.join(target.tests)}",
        f"# show one: {hint}",
        "",
    ]
    for name in not_killed:
        lines += [f"## {name}: {statuses[name]}", diffs.get(name, "").rstrip(), ""]
    (OUT / f"{slug(module)}.txt").write_text("\n".join(lines) + "\n")
    (OUT / f"{slug(module)}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    write_summary()
    other = f", {result['other']}" if result["other"] else ""
    print(
        f"  {total} mutants: {result['killed']} killed, {result['timeout']} timeout, {result['survived']} survived, "
        f"{result['no_tests']} no tests{other} -> score {result['score']}% in {seconds} s{partial}"
    )
    if result["functions_without_mutants"]:
        print(f"  no mutants in: {', '.join(result['functions_without_mutants'])}")
    print(f"  not killed, with diffs: {(OUT / (slug(module) + '.txt')).relative_to(ROOT)}")
    return result


def _match(name: str, glob: str) -> bool:
    from fnmatch import fnmatch

    return fnmatch(name, glob)


def write_summary() -> None:
    rows = []
    for path in sorted(OUT.glob("*.json")):
        r = json.loads(path.read_text())
        if "module" not in r:
            continue
        what = r["module"] + (f" ({', '.join(r['functions'])})" if r["functions"] else "")
        score = "–" if r["score"] is None else f"{r['score']}%"
        if r.get("not_checked"):
            score += f" ({r['total'] - r['not_checked']} checked)"
        rows.append(
            f"| {what} | {r.get('tool', 'mutmut')} | {r['total']} | {r['killed'] + r['timeout']} | {r['survived']} "
            f"| {r['no_tests']} | {score} | {r['seconds']} s | {r['commit']} |"
        )
    header = [
        "| module (functions) | tool | mutants | killed | survived | no tests | score | time | commit |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    (OUT / "summary.md").write_text("\n".join(header + rows) + "\n")


def check(name: str, pytest_args: list[str]) -> None:
    """Run tests of the work tree (the module's test files, or the given ones) against one
    mutant of the module's last run, the way the tool runs it: "does my new test kill it?"."""
    if "@" in name:  # cosmic-ray: module@operator#occurrence
        module_slug, _, spec = name.partition("@")
        operator, _, occurrence = spec.rpartition("#")
        where = OUT / "work" / module_slug
    else:
        module_slug = name.split(".xǁ")[0] if ".xǁ" in name else name.split(".x_")[0]
        where = OUT / "work" / module_slug / "mutants"
    module = next((m for m in TARGETS if slug(m) == module_slug), None)
    if module is None or not where.is_dir():
        raise SystemExit(f"no run of {module_slug} in {OUT.relative_to(ROOT)}/work: run the module first")
    # The tests as they are now in the work tree, over the copy the run used.
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "tests", where / "tests", dirs_exist_ok=True, ignore=ignore)
    command = [sys.executable, "-m", "pytest", "-x", "-q", "--rootdir=.", *PYTEST_ARGS]
    command += pytest_args or list(TARGETS[module].tests)
    if "@" in name:
        original = (where / module).read_bytes()
        subprocess.run([str(COSMIC_RAY), "apply", module, operator, occurrence], cwd=where, check=True)
        try:
            done = subprocess.run(command, cwd=where, env=run_env())
        finally:
            (where / module).write_bytes(original)
    else:
        done = subprocess.run(command, cwd=where, env=run_env() | {"MUTANT_UNDER_TEST": name})
    verdict = {0: "survived", 5: "no test ran"}.get(done.returncode, f"killed (pytest exit {done.returncode})")
    print(f"{name}: {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("module", nargs="?", help="a module path from --list, or 'all'")
    parser.add_argument("--max-children", type=int, default=2, help="pytest sessions at a time (default 2)")
    parser.add_argument("--list", action="store_true", help="list the modules and their test files")
    parser.add_argument(
        "--head", action="store_true", help="run the last commit (HEAD), not the work tree with its uncommitted changes"
    )
    parser.add_argument("--rev", help="run this commit (a baseline, say), not the work tree")
    parser.add_argument("--resume", action="store_true", help="go on with the mutants the last run did not get to")
    parser.add_argument("--summarize", action="store_true", help="only report where the last run got to")
    parser.add_argument(
        "--check",
        metavar="MUTANT",
        help="run the module's tests (or the test ids given after it) against one mutant of the last run",
    )
    args, rest = parser.parse_known_args()
    if args.check:
        check(args.check, ([args.module] if args.module else []) + rest)
        return
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    if args.list or not args.module:
        for module, target in TARGETS.items():
            functions = f" ({', '.join(target.functions)})" if target.functions else ""
            print(f"{module}{functions} [{target.tool}]\n    " + "\n    ".join(target.tests))
        return
    modules = list(TARGETS) if args.module == "all" else [args.module.removeprefix("./")]
    unknown = [m for m in modules if m not in TARGETS]
    if unknown:
        raise SystemExit(f"not a rule module here: {', '.join(unknown)} (see --list)")
    if not (ROOT / "staticfiles").is_dir() or not any((ROOT / "locale").glob("*/LC_MESSAGES/django.mo")):
        raise SystemExit("run `make messages static` first: the tests render templates with compiled messages")
    for module in modules:
        rev = args.rev or ("HEAD" if args.head else None)
        run(module, max_children=args.max_children, rev=rev, resume=args.resume, summarize=args.summarize)


if __name__ == "__main__":
    main()

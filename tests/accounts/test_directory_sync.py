# ruff: noqa: F811 - the fixtures imported from the fakes are re-bound by the test parameters using them
"""The directory sync against a local HTTPS fake of Graph's /users/delta and /groups/delta
(tests/accounts/directory_fake.py): the portal's MSAL client and requests run unpatched; only
the URLs in settings point at the fake. A city of 2,000 people: the first run, then a day of
leavers, a transfer, a re-hire, a department rename and a merge, each reflected exactly."""

import logging
from datetime import timedelta
from urllib.parse import unquote

import pytest
from allauth.socialaccount.models import SocialAccount
from django.utils import timezone

from apps.accounts import directory as sync
from apps.accounts.models import (
    Department,
    DepartmentLineage,
    DepartmentMembership,
    DirectoryChange,
    DirectoryEntry,
    DirectorySyncRun,
    DirectorySyncState,
    User,
)
from apps.core.models import AuditEntry
from tests.accounts.directory_fake import (  # noqa: F401 - fixtures, found by pytest in this module
    DEPARTMENTS,
    directory,
    oid_of,
    person,
    populate,
)
from tests.accounts.test_sso_fakes import tls_material  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db

USERS_DELTA = "/v1.0/users/delta"


def run(**kwargs) -> DirectorySyncRun:
    return sync.directory_sync_run(trigger="command", **kwargs)


def changes(sync: DirectorySyncRun) -> dict[str, set[str]]:
    """kind → names, of what a run changed."""
    found: dict[str, set[str]] = {}
    for kind, name in DirectoryChange.objects.filter(run=sync).values_list("kind", "name"):
        found.setdefault(kind, set()).add(name)
    return found


def user(number: int) -> User:
    return User.objects.select_related("department").get(socialaccount__uid=oid_of(number))


def test_the_first_run_reads_every_page_and_creates_the_city(directory, caplog):
    populate(directory, 2000)
    # Graph throttles the fourth page once; the client waits what Retry-After says and goes on.
    directory.throttle(USERS_DELTA, 4, "1")
    caplog.set_level(logging.INFO, logger="apps.accounts.graph")

    first = run()

    assert first.status == DirectorySyncRun.Status.SUCCEEDED and first.full and not first.dry_run
    assert first.counts == {"joined": 2000, "dept_created": len(DEPARTMENTS)}
    # 20 pages of users (100 each) plus the one answered 429; the group's 2,000 members in 20 more.
    assert directory.calls_to("GET", USERS_DELTA) == 21
    assert directory.calls_to("GET", "/v1.0/groups/delta") == 20
    assert "retrying in 1.0 s" in caplog.text
    first_request = unquote(directory.delta_requests[0])
    assert first_request.startswith(f"{USERS_DELTA}?$select=id,accountEnabled,") and ",manager" in first_request

    assert User.objects.count() == 2000
    assert set(Department.objects.values_list("name_ja", flat=True)) == set(DEPARTMENTS)
    for number in (1, 2, 777, 2000):
        account = user(number)
        expected = person(number, DEPARTMENTS[(number - 1) % len(DEPARTMENTS)])
        assert account.display_name == expected["displayName"]
        assert account.email == expected["mail"]
        assert account.username == expected["userPrincipalName"]
        assert account.employee_number == expected["employeeId"]
        assert account.department.name_ja == expected["department"]
        assert account.is_active and not account.has_usable_password()
    # Every 50th person manages the next 49.
    assert user(777).manager == user(751) and user(751).manager is None
    # History: everybody belongs to their department "since before the records".
    assert DepartmentMembership.objects.filter(valid_from__isnull=True, valid_until__isnull=True).count() == 2000
    assert SocialAccount.objects.filter(provider="entra").count() == 2000
    state = DirectorySyncState.objects.get(scope=sync.scope_key())
    assert state.users_delta_link.startswith(directory.base_url) and "deltatoken" in state.users_delta_link
    assert state.group_delta_link and state.full_run_at is not None
    assert AuditEntry.objects.filter(action="directory.joined").count() == 2000
    assert AuditEntry.objects.filter(action="department.created").count() == len(DEPARTMENTS)

    # The next run follows the delta links: nothing changed, nothing is written.
    before = directory.calls_to("GET", USERS_DELTA)
    again = run()
    assert not again.full and again.counts == {} and again.status == DirectorySyncRun.Status.SUCCEEDED
    assert directory.calls_to("GET", USERS_DELTA) == before + 1
    assert "deltatoken" in directory.delta_requests[-2]
    assert DirectoryChange.objects.filter(run=again).count() == 0


def test_a_day_of_changes_is_reflected_exactly(directory):
    populate(directory, 2000)
    run()
    # Someone left last week; the sync deactivated them then.
    directory.update(oid_of(15), accountEnabled=False)
    run()
    assert not user(15).is_active
    membership_before = DepartmentMembership.objects.filter(user=user(42)).get()
    citizens = Department.objects.get(name_ja="市民課")
    accounting = {d.name_ja: d.pk for d in Department.objects.filter(name_ja__in=["経理課", "出納課"])}

    # Today: three leave (disabled, deleted, taken out of the group), one transfers, the one
    # who left comes back, 市民課 is renamed 市民窓口課, 経理課 and 出納課 merge into 会計課,
    # one person gets a new job title, and somebody new joins.
    directory.update(oid_of(101), accountEnabled=False)
    directory.delete(oid_of(102))
    directory.group_remove(oid_of(103))
    directory.update(oid_of(42), department="防災課")
    directory.update(oid_of(15), accountEnabled=True)
    for number in range(1, 2001):
        department = DEPARTMENTS[(number - 1) % len(DEPARTMENTS)]
        if department == "市民課" and number not in (101, 102, 103, 15):
            directory.update(oid_of(number), department="市民窓口課")
        if department in ("経理課", "出納課") and number not in (101, 102, 103, 42, 15):
            directory.update(oid_of(number), department="会計課")
    directory.update(oid_of(7), jobTitle="主任")
    directory.add(oid_of(2001), **person(2001, "防災課"))

    result = run()

    assert result.status == DirectorySyncRun.Status.SUCCEEDED, result.errors
    assert changes(result) == {
        "left": {"職員 00101", "職員 00102", "職員 00103"},
        "transferred": {"職員 00042"} | {f"職員 {n:05d}" for n in range(1, 2001) if _in_accounting(n)},
        "rehired": {"職員 00015"},
        "updated": {"職員 00007"},
        "joined": {"職員 02001"},
        "dept_renamed": {"市民窓口課"},
        "dept_merged": {"会計課"},
    }
    today = timezone.localdate()

    # Leavers: inactive, their history closed today; why is on the run and in the audit log.
    for number, reason in ((101, "disabled"), (102, "deleted"), (103, "unassigned")):
        account = user(number)
        assert not account.is_active
        assert DepartmentMembership.objects.get(user=account).valid_until == today
        assert DirectoryChange.objects.get(run=result, user=account).detail["reason"] == reason
        assert AuditEntry.objects.filter(action="directory.user_left", target_id=str(account.pk)).exists()

    # The transfer: the old row closed today, the new one opened today; the page shows the new one.
    moved = user(42)
    assert moved.department.name_ja == "防災課"
    closed = DepartmentMembership.objects.get(user=moved, valid_until=today)
    assert closed.department_id == membership_before.department_id and closed.valid_from is None
    assert DepartmentMembership.objects.get(user=moved, valid_until__isnull=True).valid_from == today

    # The re-hire: active again, in the department Entra ID says, from today.
    back = user(15)
    assert back.is_active and back.department.name_ja == DEPARTMENTS[14 % len(DEPARTMENTS)]
    assert DepartmentMembership.objects.get(user=back, valid_until__isnull=True).valid_from == today

    # The rename keeps the department's identity: same row, its people did not move.
    citizens.refresh_from_db()
    assert citizens.name_ja == "市民窓口課" and citizens.is_active
    assert DepartmentLineage.objects.get(kind="renamed").old_name_ja == "市民課"
    members = User.objects.filter(department=citizens, is_active=True)
    assert members.count() == 199  # the 200 of 市民課 but 101, who left
    assert (
        not DepartmentMembership.objects.filter(department=citizens, valid_until=today)
        .exclude(user__is_active=False)
        .exists()
    )

    # The merge: a new department, the old two closed today, lineage from each.
    merged = Department.objects.get(name_ja="会計課")
    assert merged.valid_from == today and merged.is_active
    for name, pk in accounting.items():
        old = Department.objects.get(pk=pk)
        assert not old.is_active and old.valid_until == today, name
        assert DepartmentLineage.objects.filter(predecessor=old, successor=merged, kind="merged").exists()
    assert User.objects.filter(department=merged).count() == sum(1 for n in range(1, 2001) if _in_accounting(n))

    assert user(7).job_title == "主任"
    newcomer = user(2001)
    assert newcomer.department.name_ja == "防災課"
    assert DepartmentMembership.objects.get(user=newcomer).valid_from == today

    # Applying the same answers again changes nothing.
    assert run().counts == {}


def _in_accounting(number: int) -> bool:
    return DEPARTMENTS[(number - 1) % len(DEPARTMENTS)] in ("経理課", "出納課") and number not in (
        101,
        102,
        103,
        42,
        15,
    )


def test_a_dry_run_lists_what_would_change_and_changes_nothing(directory):
    populate(directory, 60)
    run()
    directory.update(oid_of(5), accountEnabled=False)
    directory.update(oid_of(6), department="防災課")
    link = DirectorySyncState.objects.get().users_delta_link

    dry = run(dry_run=True)

    assert dry.dry_run and dry.counts == {"left": 1, "transferred": 1}
    assert changes(dry) == {"left": {"職員 00005"}, "transferred": {"職員 00006"}}
    assert user(5).is_active and user(6).department.name_ja == DEPARTMENTS[5]
    assert DirectorySyncState.objects.get().users_delta_link == link
    assert not AuditEntry.objects.filter(action__in=["directory.user_left", "directory.transferred"]).exists()

    real = run()
    assert changes(real) == changes(dry)
    assert not user(5).is_active and user(6).department.name_ja == "防災課"


def test_an_expired_delta_token_starts_a_full_run(directory):
    populate(directory, 30)
    run()
    directory.update(oid_of(3), department="防災課")
    directory.expired.update(range(directory.version + 1))  # every token handed out so far

    result = run()

    assert result.full and result.status == DirectorySyncRun.Status.SUCCEEDED
    assert any("full run" in e for e in result.errors)
    assert changes(result) == {"transferred": {"職員 00003"}}


def test_without_a_group_only_accounts_people_made_are_kept(directory, settings, user_factory):
    settings.DIRECTORY_SYNC_GROUP_ID = ""
    populate(directory, 20)
    signed_in = user_factory(username="staff00003@city.example.jp", employee_number="")
    SocialAccount.objects.create(user=signed_in, provider="entra", uid=oid_of(3), extra_data={})
    directory.update(oid_of(3), accountEnabled=False)

    result = run()

    assert User.objects.count() == 1  # nobody created
    assert changes(result) == {"left": {"職員 00003"}}
    signed_in.refresh_from_db()
    assert not signed_in.is_active
    assert DirectoryEntry.objects.count() == 20
    assert DirectorySyncState.objects.filter(scope="tenant").exists()


def test_existing_accounts_are_found_by_employee_id(directory, user_factory, department_factory):
    populate(directory, 10)
    existing = user_factory(employee_number="E000004", department=department_factory(name_ja="税務課"))

    result = run()

    assert changes(result)["joined"] == {f"職員 {n:05d}" for n in range(1, 11) if n != 4}
    assert result.counts["linked"] == 1  # the run's summary says one account was tied to Entra ID
    existing.refresh_from_db()
    assert existing.display_name == "職員 00004"
    assert SocialAccount.objects.get(user=existing).uid == oid_of(4)


def test_a_new_account_with_the_employee_id_of_a_leaver_is_a_rehire(directory):
    populate(directory, 10)
    run()
    old = user(4)
    directory.delete(oid_of(4))
    run()
    old.refresh_from_db()
    assert not old.is_active

    directory.add(oid_of(104), **person(4, "防災課"))  # a new Entra ID account, same employee id
    result = run()

    assert changes(result) == {"rehired": {"職員 00004"}}
    old.refresh_from_db()
    assert old.is_active and old.department.name_ja == "防災課"
    assert SocialAccount.objects.get(user=old).uid == oid_of(104)
    assert DirectoryEntry.objects.get(oid=oid_of(104)).user == old
    assert DirectoryEntry.objects.get(oid=oid_of(4)).user is None


def test_an_account_an_administrator_deactivated_is_not_reactivated(directory):
    populate(directory, 5)
    run()
    blocked = user(2)
    blocked.is_active = False
    blocked.save(update_fields=["is_active"])
    directory.update(oid_of(2), jobTitle="主任")

    assert run().counts == {}
    blocked.refresh_from_db()
    assert not blocked.is_active


def test_a_split_and_a_new_department(directory):
    populate(directory, 40, departments=["市民課", "税務課", "防災課", "道路管理課"])
    run()
    old = Department.objects.get(name_ja="市民課")
    for number in range(1, 41, 4):  # the ten of 市民課 go to two new sections
        directory.update(oid_of(number), department="住民記録課" if number < 25 else "戸籍課")
    directory.update(oid_of(2), department="DX推進課")  # one of 税務課 to a section that is new

    result = run()

    assert changes(result)["dept_split"] == {"住民記録課 / 戸籍課"}
    assert changes(result)["dept_created"] == {"DX推進課"}
    old.refresh_from_db()
    assert not old.is_active
    lineage = {link.successor.name_ja: link.is_primary for link in DepartmentLineage.objects.filter(predecessor=old)}
    assert lineage == {"住民記録課": True, "戸籍課": False}  # 6 went to the first, 4 to the second


def test_too_many_leavers_stops_the_run_before_deactivating_anyone(directory):
    populate(directory, 100)
    run()
    for number in range(1, 31):
        directory.group_remove(oid_of(number))

    result = run()

    assert result.status == DirectorySyncRun.Status.FAILED
    assert "DIRECTORY_SYNC_MAX_LEAVERS_PERCENT" in result.errors[0]
    assert User.objects.filter(is_active=False).count() == 0


def test_the_sync_does_not_run_unconfigured(settings):
    settings.DIRECTORY_SYNC_ENABLED = False
    with pytest.raises(sync.SyncError):
        run()
    assert not DirectorySyncRun.objects.exists()


def test_a_run_that_died_gives_up_the_lock(directory):
    populate(directory, 5)
    dead = DirectorySyncRun.objects.create(
        lock="directory-sync", trigger="schedule", heartbeat_at=timezone.now() - timedelta(hours=1)
    )
    taken_over = run()
    dead.refresh_from_db()
    assert dead.status == "failed" and dead.lock is None
    assert taken_over.status == "succeeded" and taken_over.counts["joined"] == 5


def test_a_second_run_is_refused_while_one_holds_the_lock(directory):
    populate(directory, 5)
    running = DirectorySyncRun.objects.create(lock="directory-sync", trigger="schedule")
    with pytest.raises(sync.SyncRefused) as refused:
        run()
    assert refused.value.running == running
    assert User.objects.count() == 0


def test_the_command_syncs_once_and_says_what_changed(directory):
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    populate(directory, 5)
    out = StringIO()
    call_command("directory_sync", "--dry-run", stdout=out)
    assert out.getvalue().strip() == "dry run succeeded: dept_created 5, joined 5"
    assert User.objects.count() == 0

    call_command("directory_sync", stdout=out)
    assert out.getvalue().strip().splitlines()[-1] == "sync succeeded: dept_created 5, joined 5"
    assert User.objects.filter(is_active=True).count() == 5

    DirectorySyncRun.objects.create(lock="directory-sync", trigger="schedule")
    with pytest.raises(CommandError, match="another sync is running"):
        call_command("directory_sync", stdout=out)

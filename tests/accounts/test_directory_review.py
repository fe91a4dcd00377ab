# ruff: noqa: F811 - the fixtures imported from the fakes are re-bound by the test parameters using them
"""The directory sync where a review found it wrong (issue #22): small departments, the first
run of a portal already in use, closed departments, two Entra ID accounts of one person, a
failing leaver, a run taken over. Against the HTTPS fake of Graph, as test_directory_sync."""

import pytest
from allauth.socialaccount.models import SocialAccount

from apps.accounts import directory as sync
from apps.accounts.models import Department, DirectoryChange, DirectoryEntry, DirectorySyncRun, User
from apps.core.models import AuditEntry
from tests.accounts.directory_fake import (  # noqa: F401 - fixtures, found by pytest in this module
    directory,
    oid_of,
    person,
    populate,
)
from tests.accounts.test_sso_fakes import tls_material  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db


def run(**kwargs) -> DirectorySyncRun:
    return sync.directory_sync_run(trigger="command", **kwargs)


def changes(result: DirectorySyncRun) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for kind, name in DirectoryChange.objects.filter(run=result).values_list("kind", "name"):
        found.setdefault(kind, set()).add(name)
    return found


def user(number: int) -> User:
    return User.objects.select_related("department").get(socialaccount__uid=oid_of(number))


def test_the_only_person_of_a_small_section_moving_to_a_new_name_is_a_transfer_not_a_rename(directory):
    populate(directory, 20)
    directory.add(oid_of(100), **person(100, "統計係"))
    run()
    small = Department.objects.get(name_ja="統計係")

    directory.update(oid_of(100), department="データ活用係")
    result = run()

    assert changes(result) == {"dept_created": {"データ活用係"}, "transferred": {"職員 00100"}}
    small.refresh_from_db()
    assert small.name_ja == "統計係" and small.is_active  # still there for whoever Entra ID puts in it next
    assert user(100).department.name_ja == "データ活用係"
    directory.add(oid_of(101), **person(101, "統計係"))
    run()
    assert user(101).department_id == small.pk


def test_without_a_group_two_people_moving_together_close_no_department(directory, settings, user_factory):
    """Without a group the sync knows only the accounts people made: 経理課 and 出納課 each have
    one here, and their moving to DX推進課 says nothing about the colleagues who never signed in."""
    settings.DIRECTORY_SYNC_GROUP_ID = ""
    ledger = Department.objects.create(code="310", name_ja="経理課")
    cashier = Department.objects.create(code="320", name_ja="出納課")
    for number, department in ((1, ledger), (2, cashier)):
        account = user_factory(username=f"staff{number:05d}@city.example.jp", department=department)
        SocialAccount.objects.create(user=account, provider=sync.PROVIDER, uid=oid_of(number), extra_data={})
        directory.add(oid_of(number), **person(number, department.name_ja))
    run()

    directory.update(oid_of(1), department="DX推進課")
    directory.update(oid_of(2), department="DX推進課")
    result = run()

    assert changes(result) == {"dept_created": {"DX推進課"}, "transferred": {"職員 00001", "職員 00002"}}
    ledger.refresh_from_db()
    cashier.refresh_from_db()
    assert ledger.is_active and cashier.is_active


def test_the_first_run_of_a_portal_in_use_deactivates_its_few_leavers(directory, settings, user_factory):
    """200 people signed in before the sync was turned on; 6 (3%) have left since. The valve
    (10% here) counts them against the 200 accounts, not against an empty mirror."""
    populate(directory, 200)
    for number in range(1, 201):
        account = user_factory(username=f"old{number:05d}", employee_number=f"E{number:06d}")
        SocialAccount.objects.create(user=account, provider=sync.PROVIDER, uid=oid_of(number), extra_data={})
    for number in range(1, 7):
        directory.update(oid_of(number), accountEnabled=False)

    result = run()

    assert result.status == DirectorySyncRun.Status.SUCCEEDED, result.errors
    assert changes(result)["left"] == {f"職員 {n:05d}" for n in range(1, 7)}
    assert User.objects.filter(is_active=False).count() == 6


def test_nobody_is_put_into_a_department_that_was_merged_away(directory):
    populate(directory, 30)
    run()
    for number in range(1, 31):
        if (number - 1) % 10 in (2, 3):  # 経理課 and 出納課, three people each
            directory.update(oid_of(number), department="会計課")
    assert changes(run())["dept_merged"] == {"会計課"}
    merged = Department.objects.get(name_ja="会計課")

    # Entra ID still says the old name for a newcomer and for someone moving in.
    directory.add(oid_of(31), **person(31, "経理課"))
    directory.update(oid_of(1), department="出納課")
    result = run()

    assert result.status == DirectorySyncRun.Status.SUCCEEDED, result.errors
    assert user(31).department_id == merged.pk
    assert user(1).department_id == merged.pk
    assert not User.objects.filter(is_active=True, department__is_active=False).exists()


def test_a_rehire_whose_old_account_is_disabled_in_the_same_run_is_linked_once(directory):
    populate(directory, 10)
    run()
    old = user(4)

    directory.update(oid_of(4), accountEnabled=False)
    directory.add(oid_of(104), **person(4, "防災課"))  # back the same day with a new Entra ID account
    result = run()

    assert result.status == DirectorySyncRun.Status.SUCCEEDED, result.errors
    old.refresh_from_db()
    assert old.is_active and old.department.name_ja == "防災課"
    assert list(DirectoryEntry.objects.filter(user=old).values_list("oid", flat=True)) == [oid_of(104)]
    assert SocialAccount.objects.get(user=old).uid == oid_of(104)
    assert result.counts["linked"] == 1


def test_a_second_enabled_account_with_the_same_employee_id_does_not_take_over_a_sign_in(directory, user_factory):
    """Someone signs in with their everyday account; an administrative account of theirs
    carries the same employee id. The everyday sign-in stays theirs."""
    everyday = user_factory(username="staff00001@city.example.jp", employee_number="E000001")
    SocialAccount.objects.create(user=everyday, provider=sync.PROVIDER, uid=oid_of(1), extra_data={})
    directory.add(oid_of(1), **person(1, "市民課"))
    directory.add(oid_of(501), **{**person(1, "情報政策課"), "userPrincipalName": "adm-staff00001@city.example.jp"})

    result = run()

    assert SocialAccount.objects.get(user=everyday).uid == oid_of(1)
    assert DirectoryEntry.objects.get(oid=oid_of(1)).user == everyday
    assert DirectoryEntry.objects.get(oid=oid_of(501)).user is None
    assert any("E000001" in problem for problem in result.errors)


def test_a_failing_leaver_does_not_apply_the_others_twice(directory, monkeypatch):
    populate(directory, 30)
    run()
    directory.update(oid_of(5), department="防災課")  # a transfer in the same batch
    directory.update(oid_of(6), accountEnabled=False)
    directory.update(oid_of(7), accountEnabled=False)

    real_leave = sync.user_leave

    def leave(*, user, **kwargs):
        if user.pk == User.objects.get(socialaccount__uid=oid_of(6)).pk:
            raise RuntimeError("a handler failed")
        return real_leave(user=user, **kwargs)

    monkeypatch.setattr(sync, "user_leave", leave)
    result = run()

    assert result.counts == {"transferred": 1, "left": 1}
    assert changes(result) == {"transferred": {"職員 00005"}, "left": {"職員 00007"}}
    assert AuditEntry.objects.filter(action="directory.transferred").count() == 1
    assert user(6).is_active and not user(7).is_active
    assert "a handler failed" in DirectoryEntry.objects.get(oid=oid_of(6)).error

    monkeypatch.setattr(sync, "user_leave", real_leave)
    assert changes(run()) == {"left": {"職員 00006"}}  # tried again at the next run


def test_a_run_whose_lock_was_taken_over_stops_before_changing_more(directory):
    populate(directory, 5)
    stale = sync._run_start(dry_run=False, full=False, trigger="schedule", actor=None)
    DirectorySyncRun.objects.filter(pk=stale.pk).update(lock=None, status="failed")  # another run took over

    with pytest.raises(sync.LockLost):
        sync._heartbeat(stale)


def test_after_an_administrator_reactivates_and_deactivates_someone_the_sync_leaves_them_alone(directory):
    from apps.accounts.leavers import user_leave, user_return

    populate(directory, 5)
    run()
    directory.update(oid_of(3), accountEnabled=False)
    run()  # the sync deactivates them
    directory.update(oid_of(3), accountEnabled=True)
    person_ = user(3)
    user_return(user=person_, department=None, source="admin")  # an administrator brings them back…
    user_leave(user=person_, reason="admin", source="admin")  # …and later blocks them again

    directory.update(oid_of(3), jobTitle="主任")  # Entra ID mentions them again
    result = run()

    assert "rehired" not in changes(result)
    assert not user(3).is_active

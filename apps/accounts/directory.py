"""Directory sync: Microsoft Entra ID → portal accounts, departments and their history.

What is read (app-only, the MSAL client of apps.accounts.graph):

- `GET /users/delta?$select=id,accountEnabled,department,jobTitle,employeeId,displayName,
  mail,userPrincipalName,userType,manager` — the first run without a token reads every user
  (a full run); later runs follow the stored `@odata.deltaLink` and get only what changed.
  Paging follows `@odata.nextLink`; 429 (Retry-After) and 5xx are retried with back-off by
  the client. Graph sends only the properties that changed, so each answer is merged into
  the user's `DirectoryEntry` (a mirror) and the portal account compared with the whole.
  Needs `User.Read.All`.
- With `DIRECTORY_SYNC_GROUP_ID`: `GET /groups/delta?$filter=id eq '<group>'&$select=members`,
  whose `members@delta` says who joined or left the group. Needs `GroupMember.Read.All`.

Scope (docs/entra-id.md): with a group, the portal's people are the group's direct members
— assign the enterprise application to that group and the two are the same people (Entra
ID does not pass an app assignment on to nested groups either); the sync creates accounts
for members who never signed in, and a member removed from the group has left. Reading the
enterprise application's assignments themselves would need `Application.Read.All`, which
reads every application of the tenant: the group is the least-privilege way to say the
same. Without a group, the sync keeps the accounts the portal already has (people who
signed in) and creates none.

A person has left when their account is disabled (`accountEnabled=false`), deleted
(`@removed`), a guest, or (with a group) no longer in the group: apps.accounts.leavers.
One who comes back — enabled again, back in the group, or with a new account but the same
employee id (再任用) — is reactivated, if the sync was what deactivated them.

Departments (DIRECTORY_SYNC_DEPARTMENTS): with `entra` (default) Entra ID's department
field is the source of truth. A name no department has is a new department — or, when a
department's whole staff moved to it, that department renamed (same row); two or more
departments whose whole staff moved to one new name merged; one whose staff spread over
several new names split. With `chart` the organisation chart import is the source: a name
that matches no department is reported and the person's department is left alone.

A run: take the lock (one run at a time), fetch everything (network only), plan every
change, then apply the plan in short transactions of BATCH people, so pages keep being
served while a full run of tens of thousands of accounts goes on. A dry run stops after the
plan and lists it. Every change is written to the run's list and to the audit log. Applying
the same answers twice changes nothing (the plan compares wanted with actual state), and the
delta links are stored only after everything was applied.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from apps.accounts import graph
from apps.accounts.leavers import user_leave, user_return
from apps.accounts.models import (
    RUN_LOCK,
    Department,
    DepartmentLineage,
    DirectoryChange,
    DirectoryEntry,
    DirectorySyncRun,
    DirectorySyncState,
    User,
)
from apps.accounts.services import memberships_apply
from apps.core.models import AuditEntry
from apps.core.services import audit_log

logger = logging.getLogger(__name__)

PROVIDER = "entra"  # apps.accounts.sso.ENTRA_PROVIDER_ID (not imported: sso loads allauth's adapters)
USER_SELECT = "id,accountEnabled,department,jobTitle,employeeId,displayName,mail,userPrincipalName,userType,manager"
# Graph's property → DirectoryEntry's field.
FIELDS = {
    "accountEnabled": "account_enabled",
    "department": "department_name",
    "jobTitle": "job_title",
    "employeeId": "employee_id",
    "displayName": "display_name",
    "mail": "mail",
    "userPrincipalName": "user_principal_name",
    "userType": "user_type",
}
ENTRY_FIELDS = [*FIELDS.values(), "manager_oid", "in_group", "removed"]
BATCH = 500
# A run whose heartbeat is older than this died (a killed worker): the next run takes over.
STALE_AFTER = timedelta(minutes=15)
ERRORS_KEPT = 200
Kind = DirectoryChange.Kind


class SyncError(Exception):
    """The sync cannot run (not configured) or Graph refused it."""


class SyncRefused(SyncError):
    """Another run holds the lock."""

    def __init__(self, running: DirectorySyncRun | None) -> None:
        super().__init__("a directory sync is running already")
        self.running = running


class DeltaExpired(SyncError):
    """Graph no longer knows the stored delta token: start again with a full run."""


def sync_enabled() -> bool:
    return bool(settings.DIRECTORY_SYNC_ENABLED and graph.graph_enabled())


def scope_key() -> str:
    group = settings.DIRECTORY_SYNC_GROUP_ID
    return f"group:{group}" if group else "tenant"


# --- the lock ------------------------------------------------------------------------------


def _run_start(*, dry_run: bool, full: bool, trigger: str, actor: User | None) -> DirectorySyncRun:
    now = timezone.now()
    abandoned = DirectorySyncRun.objects.filter(lock=RUN_LOCK, heartbeat_at__lt=now - STALE_AFTER).update(
        lock=None, status=DirectorySyncRun.Status.FAILED, finished_at=now, errors=["abandoned: the run stopped"]
    )
    if abandoned:
        logger.warning("directory sync: took over the lock of a run that stopped")
    try:
        with transaction.atomic():
            return DirectorySyncRun.objects.create(
                lock=RUN_LOCK,
                trigger=trigger,
                actor=actor,
                dry_run=dry_run,
                full=full,
                started_at=now,
                heartbeat_at=now,
            )
    except IntegrityError:
        raise SyncRefused(DirectorySyncRun.objects.filter(lock=RUN_LOCK).first()) from None


class LockLost(SyncError):
    """Another run took the lock over (this one was silent too long): stop before changing more."""


def _heartbeat(run: DirectorySyncRun) -> None:
    run.heartbeat_at = timezone.now()
    held = DirectorySyncRun.objects.filter(pk=run.pk, lock=RUN_LOCK).update(
        heartbeat_at=run.heartbeat_at, graph_pages=run.graph_pages
    )
    if not held:
        raise LockLost("another run took over this run's lock")


def _run_finish(run: DirectorySyncRun, *, status: str, counts: dict, errors: list[str]) -> None:
    run.status, run.counts, run.errors = status, counts, errors[:ERRORS_KEPT]
    run.finished_at, run.lock = timezone.now(), None
    run.save(update_fields=["status", "counts", "errors", "finished_at", "lock", "graph_pages"])


# --- fetching --------------------------------------------------------------------------------


@dataclass
class Fetched:
    users: dict[str, dict[str, Any]] = field(default_factory=dict)  # oid → merged properties Graph sent
    members: dict[str, bool] = field(default_factory=dict)  # oid → in the group (group scope)
    group_removed: bool = False
    users_link: str = ""
    group_link: str = ""
    full: bool = False


def _pages(client: graph.GraphClient, run: DirectorySyncRun, *, start: str, params: dict | None) -> Iterator[dict]:
    """Every page of a delta round; the last one carries @odata.deltaLink."""
    try:
        if start.startswith(("http://", "https://")):
            response = client.request_link(start)
        else:
            response = client.request("GET", start, params=params)
        while True:
            data = response.json()
            run.graph_pages += 1
            _heartbeat(run)
            yield data
            next_link = data.get("@odata.nextLink")
            if not next_link:
                return
            response = client.request_link(next_link)
    except graph.GraphTransientError:
        raise
    except graph.GraphError as exc:
        text = str(exc)
        if "HTTP 410" in text or "syncStateNotFound" in text or "resyncRequired" in text:
            raise DeltaExpired(text) from exc
        raise


def _merge_user(target: dict[str, Any], item: dict[str, Any]) -> None:
    if "@removed" in item:
        target["removed"] = True
        return
    target["removed"] = False  # an object sent without @removed exists (a deleted user restored)
    for key, name in FIELDS.items():
        if key in item:
            value = item[key]
            target[name] = value is not False if name == "account_enabled" else str(value or "")
    if "manager@delta" in item:
        managers = [m.get("id", "") for m in item["manager@delta"] or [] if "@removed" not in m]
        target["manager_oid"] = managers[0] if managers else ""


def _fetch(client: graph.GraphClient, state: DirectorySyncState, run: DirectorySyncRun, *, full: bool) -> Fetched:
    fetched = Fetched(full=full)
    start = "users/delta" if full else state.users_delta_link
    for page in _pages(client, run, start=start, params={"$select": USER_SELECT} if full else None):
        for item in page.get("value", []):
            oid = str(item.get("id") or "")
            if oid:
                _merge_user(fetched.users.setdefault(oid, {}), item)
        fetched.users_link = page.get("@odata.deltaLink", fetched.users_link)
    group = settings.DIRECTORY_SYNC_GROUP_ID
    if group:
        start = "groups/delta" if full else state.group_delta_link
        params = {"$filter": f"id eq '{group}'", "$select": "members"} if full else None
        for page in _pages(client, run, start=start, params=params):
            for item in page.get("value", []):
                if item.get("id") != group:
                    continue
                if "@removed" in item:
                    fetched.group_removed = True
                for member in item.get("members@delta", []) or []:
                    if member.get("@odata.type", "#microsoft.graph.user") != "#microsoft.graph.user":
                        continue  # nested groups, devices: app assignment is not passed on to them either
                    fetched.members[str(member.get("id"))] = "@removed" not in member
            fetched.group_link = page.get("@odata.deltaLink", fetched.group_link)
    if not fetched.users_link or (group and not fetched.group_link):
        raise SyncError("Graph ended a delta round without @odata.deltaLink")
    return fetched


# --- planning ---------------------------------------------------------------------------------


@dataclass
class PersonChange:
    kind: str
    oid: str
    user_id: int | None
    name: str
    department_from: str = ""
    department_to: str = ""
    # what to write: user fields, the department (an id, or a name the department plan creates)
    fields: dict[str, Any] = field(default_factory=dict)
    department_id: int | None = None
    department_name: str = ""
    reason: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class DepartmentChange:
    kind: str  # DEPARTMENT_CREATED, _RENAMED, DEPARTMENTS_MERGED, DEPARTMENT_SPLIT
    names: list[str]  # the new name(s)
    sources: list[int] = field(default_factory=list)  # the old departments
    primary: str = ""  # a split's main successor


@dataclass
class Plan:
    entries: dict[str, dict[str, Any]]  # oid → the mirror row as it will be
    entry_ids: dict[str, int]  # oid → existing DirectoryEntry id
    people: list[PersonChange] = field(default_factory=list)
    departments: list[DepartmentChange] = field(default_factory=list)
    links: dict[str, int] = field(default_factory=dict)  # oid → user id (to store in the mirror)
    unlink: set[int] = field(default_factory=set)  # entry ids that lose their user
    new_accounts: set[str] = field(default_factory=set)  # oids whose Entra sign-in must be linked
    left_by_sync: set[int] = field(default_factory=set)  # users the sync deactivated
    errors: list[str] = field(default_factory=list)
    entry_errors: dict[str, str] = field(default_factory=dict)
    refused_leavers: int = 0
    first_run: bool = False
    on: date = field(default_factory=timezone.localdate)

    def changes_of(self, oids: set[str]) -> list[PersonChange]:
        return [p for p in self.people if p.oid in oids]


def _chunked(query, values, size: int = 2000) -> Iterator:
    """Rows of `query(part)` for the values in parts: SQLite takes at most 32,766 bound
    values in one statement, and a full run looks up tens of thousands."""
    values = list(values)
    for start in range(0, len(values), size):
        yield from query(values[start : start + size])


def _blank_entry() -> dict[str, Any]:
    entry = dict.fromkeys(FIELDS.values(), "")
    entry.update(account_enabled=True, manager_oid="", in_group=False, removed=False)
    return entry


class _Departments:
    """Names → departments: current names and codes first, then names a department had
    before a rename (Entra ID may still say the old one)."""

    def __init__(self) -> None:
        self.rows = {
            d["pk"]: d
            for d in Department.objects.values("pk", "code", "name_ja", "name_en", "level", "parent_id", "is_active")
        }
        self.by_name: dict[str, int] = {}
        for old in DepartmentLineage.objects.filter(kind=DepartmentLineage.Kind.RENAMED).order_by("effective_on", "pk"):
            for name in (old.old_name_ja, old.old_name_en, old.old_code):
                if name:
                    self.by_name[name] = old.successor_id
        # A closed department's names lead to the department it became (a merge's new one, a
        # split's main successor): nobody is put into a department that no longer exists. One
        # closed without a successor is a name no department has.
        from apps.accounts.selectors import department_current_map

        current = department_current_map()
        for active in (False, True):  # active ones win
            for pk, row in self.rows.items():
                if row["is_active"] != active:
                    continue
                target = pk if active else current.get(pk, pk)
                if not self.rows.get(target, {}).get("is_active"):
                    continue
                for name in (row["code"], row["name_en"], row["name_ja"]):
                    if name:
                        self.by_name[name] = target
        for name, pk in list(self.by_name.items()):  # a rename's old name, of a department closed since
            if not self.rows.get(pk, {}).get("is_active"):
                successor = current.get(pk, pk)
                if self.rows.get(successor, {}).get("is_active"):
                    self.by_name[name] = successor
                else:
                    del self.by_name[name]

    def find(self, name: str) -> int | None:
        return self.by_name.get(name.strip()) if name.strip() else None

    def label(self, pk: int | None) -> str:
        row = self.rows.get(pk) if pk else None
        return row["name_ja"] if row else ""


def _in_scope(entry: dict[str, Any], grouped: bool) -> tuple[bool, str]:
    if entry["removed"]:
        return False, "deleted"
    if not entry["account_enabled"]:
        return False, "disabled"
    if entry["user_type"].lower() == "guest":
        return False, "guest"
    if grouped and not entry["in_group"]:
        return False, "unassigned"
    return True, ""


def _plan(fetched: Fetched, *, first_run: bool) -> Plan:
    grouped = bool(settings.DIRECTORY_SYNC_GROUP_ID)
    stored = {
        row["oid"]: row
        for row in DirectoryEntry.objects.values("id", "oid", "user_id", "error", "left_at", *ENTRY_FIELDS)
    }
    touched = set(fetched.users) | set(fetched.members)
    touched |= {oid for oid, row in stored.items() if row["error"]}
    if fetched.full or fetched.group_removed:
        touched |= set(stored)
    entries: dict[str, dict[str, Any]] = {}
    for oid in touched:
        row = stored.get(oid)
        entry = {k: row[k] for k in ENTRY_FIELDS} if row else _blank_entry()
        if fetched.full and oid not in fetched.users:
            entry["removed"] = True  # a full read that no longer lists a user: they are gone
        entry.update(fetched.users.get(oid, {}))
        if oid in fetched.members:
            entry["in_group"] = fetched.members[oid]
        elif (fetched.full and grouped) or fetched.group_removed:
            entry["in_group"] = False
        entries[oid] = entry
    plan = Plan(entries=entries, entry_ids={oid: row["id"] for oid, row in stored.items()}, first_run=first_run)
    plan.left_by_sync = {row["user_id"] for row in stored.values() if row["left_at"] and row["user_id"]}

    # Which portal account is whose: the mirror's link, the Entra sign-in, the employee id.
    linked = {oid: row["user_id"] for oid, row in stored.items() if row["user_id"]}
    signed_in = dict(
        _chunked(
            lambda part: SocialAccount.objects.filter(provider=PROVIDER, uid__in=part).values_list("uid", "user_id"),
            [o for o in touched if o not in linked],
        )
    )
    employee_ids = {e["employee_id"] for oid, e in entries.items() if e["employee_id"] and oid not in linked}
    by_employee = dict(
        _chunked(
            lambda part: User.objects.filter(employee_number__in=part).values_list("employee_number", "pk"),
            employee_ids,
        )
    )
    entry_of_user = {user_id: oid for oid, user_id in signed_in.items()}
    entry_of_user.update({user_id: oid for oid, user_id in linked.items()})
    user_ids = {linked.get(o) or signed_in.get(o) for o in touched} | set(by_employee.values())
    users = {
        u["pk"]: u
        for u in _chunked(
            lambda part: User.objects.filter(pk__in=part).values(
                "pk", "is_active", "department_id", "display_name", "email", "job_title", "employee_number", "username"
            ),
            [pk for pk in user_ids if pk],
        )
    }
    departments = _Departments()

    # First pass: who is who, and where each one should be.
    wanted: dict[str, tuple[dict | None, bool, str]] = {}
    for oid in sorted(touched):
        entry = entries[oid]
        in_scope, reason = _in_scope(entry, grouped)
        user_id = None if entry.get("_relinked") else linked.get(oid) or signed_in.get(oid)
        if user_id is None and not entry.get("_relinked") and entry["employee_id"] in by_employee and in_scope:
            # A portal account with this employee id: an account made before the sync, or a
            # person back with a new Entra ID account (再任用). Not one still in use elsewhere.
            candidate = by_employee[entry["employee_id"]]
            other = entry_of_user.get(candidate)
            other_entry = entries.get(other) or (
                {k: stored[other][k] for k in ENTRY_FIELDS} if other in stored else None
            )
            candidate_active = users.get(candidate, {}).get("is_active", False)
            if other is None or not candidate_active or not _in_scope(other_entry, grouped)[0]:
                user_id = candidate
                if other is not None:
                    # The old Entra ID account (left, or out of scope) no longer stands for them.
                    if other in plan.entry_ids:
                        plan.unlink.add(plan.entry_ids[other])
                    plan.links.pop(other, None)
                    if other in entries:
                        entries[other]["_relinked"] = True
                plan.new_accounts.add(oid)
            else:
                plan.entry_errors[oid] = f"employee id {entry['employee_id']} belongs to another active account"
                plan.errors.append(f"{entry['display_name'] or oid}: {plan.entry_errors[oid]}")
        if user_id is not None:
            plan.links[oid] = user_id
            entry_of_user[user_id] = oid
        wanted[oid] = (users.get(user_id) if user_id else None, in_scope, reason)

    # Where people go: a department, or a name no department has (planned below).
    moves: dict[str, tuple[int | None, int | str | None]] = {}  # oid → (from dept, to dept id or new name)
    for oid, (user, in_scope, _reason) in wanted.items():
        if not in_scope or entries[oid].get("_relinked"):
            continue
        if user is None and not grouped:
            continue
        name = entries[oid]["department_name"]
        target: int | str | None = departments.find(name) if name else None
        if target is None and name:
            target = name if settings.DIRECTORY_SYNC_DEPARTMENTS == "entra" else None
            if target is None:
                plan.errors.append(
                    f"Entra ID department “{name}” matches no department ({entries[oid]['display_name']})"
                )
        current = user["department_id"] if user and user["is_active"] else None
        if target is None:
            target = user["department_id"] if user else None
        moves[oid] = (current, target)
    # Without a group only the accounts people made are known: never enough to infer a reorganisation.
    sizes = _entra_sizes(stored, entries, departments) if grouped else None
    _plan_departments(plan, departments, moves, sizes)
    _plan_people(plan, departments, moves, wanted)
    _check_leavers(plan)
    return plan


# A department is taken as renamed, merged or split only when at least this many people of
# its own were in it, as Entra ID said before the run, and none is left in it after: one or
# two people moving to a new name is a transfer to a new department, not a reorganisation.
MIN_REORGANISED = 3


def _entra_sizes(stored: dict, entries: dict, departments: _Departments) -> tuple[Counter, Counter]:
    """People per department before and after this run's changes, as Entra ID says (every
    member in scope, with a portal account or not), by the department their name leads to."""
    before: Counter = Counter()
    after: Counter = Counter()
    for oid, row in stored.items():
        entry = {k: row[k] for k in ENTRY_FIELDS}
        if _in_scope(entry, True)[0] and (pk := departments.find(entry["department_name"])):
            before[pk] += 1
        if oid not in entries and _in_scope(entry, True)[0] and (pk := departments.find(entry["department_name"])):
            after[pk] += 1
    for entry in entries.values():
        if _in_scope(entry, True)[0] and (pk := departments.find(entry["department_name"])):
            after[pk] += 1
    return before, after


def _plan_departments(
    plan: Plan, departments: _Departments, moves: dict, sizes: tuple[Counter, Counter] | None
) -> None:
    """Names no department has: a rename, a merge, a split or a new department."""
    unknown: dict[str, set[int]] = defaultdict(set)  # new name → departments people come from
    targets_of: dict[int, set] = defaultdict(set)  # department → where its people go
    for _oid, (current, target) in moves.items():
        if current == target:
            continue
        if isinstance(target, str):
            unknown[target].add(current) if current else unknown[target]
        if current:
            targets_of[current].add(target)
    if not unknown:
        return
    before, after = sizes or (Counter(), Counter())

    def empties(pk: int) -> bool:
        return sizes is not None and before[pk] >= MIN_REORGANISED and after[pk] == 0

    done: set[str] = set()
    for name in sorted(unknown):
        whole = sorted(pk for pk in unknown[name] if empties(pk) and targets_of[pk] == {name})
        if len(whole) == 1:
            plan.departments.append(DepartmentChange(Kind.DEPARTMENT_RENAMED, [name], whole))
            done.add(name)
        elif len(whole) > 1:
            plan.departments.append(DepartmentChange(Kind.DEPARTMENTS_MERGED, [name], whole))
            done.add(name)
    for pk in sorted(targets_of):
        names = targets_of[pk]
        if len(names) > 1 and all(isinstance(n, str) and n not in done for n in names) and empties(pk):
            ordered = sorted(names)
            counts = Counter(t for (c, t) in moves.values() if c == pk)
            primary = max(ordered, key=lambda n: (counts[n], -ordered.index(n)))
            plan.departments.append(DepartmentChange(Kind.DEPARTMENT_SPLIT, ordered, [pk], primary=primary))
            done.update(names)
    for name in sorted(unknown):
        if name not in done:
            plan.departments.append(DepartmentChange(Kind.DEPARTMENT_CREATED, [name]))


def _plan_people(plan: Plan, departments: _Departments, moves: dict, wanted: dict) -> None:
    renamed = {c.names[0]: c.sources[0] for c in plan.departments if c.kind == Kind.DEPARTMENT_RENAMED}
    for oid, (user, in_scope, reason) in sorted(wanted.items()):
        entry = plan.entries[oid]
        if entry.get("_relinked") or oid in plan.entry_errors:
            continue
        name = entry["display_name"] or entry["user_principal_name"] or oid
        if not in_scope:
            if user and user["is_active"] and oid in plan.links:
                plan.people.append(
                    PersonChange(
                        Kind.LEFT,
                        oid,
                        user["pk"],
                        name,
                        department_from=departments.label(user["department_id"]),
                        reason=reason,
                    )
                )
            continue
        if oid not in moves:
            continue
        current, target = moves[oid]
        if isinstance(target, str) and target in renamed:
            target = renamed[target]
        change = PersonChange("", oid, user["pk"] if user else None, name)
        if isinstance(target, str):
            change.department_name, change.department_to = target, target
        else:
            change.department_id, change.department_to = target, departments.label(target)
        fields = {
            "display_name": entry["display_name"],
            "email": entry["mail"],
            "job_title": entry["job_title"][:100],
        }
        if entry["employee_id"]:
            fields["employee_number"] = entry["employee_id"][:30]
        change.fields = fields
        if user is None:
            change.kind = Kind.JOINED
            plan.people.append(change)
            continue
        # An empty value from Entra ID leaves the portal's alone, as the sign-in does.
        changed = {k: v for k, v in fields.items() if v and user[k] != v}
        change.fields = changed
        if not user["is_active"]:
            if user["pk"] not in plan.left_by_sync and oid not in plan.new_accounts:
                continue  # deactivated by an administrator: left alone
            change.kind = Kind.REHIRED
            change.department_from = departments.label(user["department_id"])
            plan.people.append(change)
            continue
        moved = target != current and not (target is None and current is None)
        if moved:
            change.kind = Kind.TRANSFERRED
            change.department_from = departments.label(current)
            reorganised = [c for c in plan.departments if current in c.sources and c.kind != Kind.DEPARTMENT_RENAMED]
            if reorganised:
                change.detail["reorganisation"] = reorganised[0].kind
            plan.people.append(change)
        elif changed:
            change.kind = Kind.UPDATED
            change.department_to = ""
            change.detail["fields"] = sorted(changed)
            plan.people.append(change)


def _check_leavers(plan: Plan) -> None:
    leavers = sum(1 for p in plan.people if p.kind == Kind.LEFT)
    if not leavers:
        return
    # Out of every active account the run ties to Entra ID: the mirror's links, and on a first
    # run the sign-ins and employee ids (the mirror is empty then).
    user_ids = sorted(set(plan.links.values()))
    active = sum(
        User.objects.filter(pk__in=user_ids[start : start + 2000], is_active=True).count()
        for start in range(0, len(user_ids), 2000)
    )
    limit = max(5, active * settings.DIRECTORY_SYNC_MAX_LEAVERS_PERCENT // 100)
    if leavers > limit:
        plan.errors.insert(
            0,
            f"refused: {leavers} of {active} accounts would be deactivated, more than "
            f"DIRECTORY_SYNC_MAX_LEAVERS_PERCENT={settings.DIRECTORY_SYNC_MAX_LEAVERS_PERCENT} allows "
            "(check DIRECTORY_SYNC_GROUP_ID; raise the limit for a reorganisation of that size)",
        )
        plan.refused_leavers = leavers


# --- applying ---------------------------------------------------------------------------------


def _department_code(name: str, taken: set[str]) -> str:
    base = "E" + hashlib.sha1(name.encode()).hexdigest()[:8].upper()  # a label, not a secret
    code, n = base, 1
    while code in taken:
        n += 1
        code = f"{base}-{n}"
    taken.add(code)
    return code


def _change_row(run: DirectorySyncRun, person: PersonChange) -> DirectoryChange:
    detail = dict(person.detail)
    if person.reason:
        detail["reason"] = person.reason
    if person.fields and person.kind != Kind.JOINED:
        detail.setdefault("fields", sorted(person.fields))
    return DirectoryChange(
        run=run,
        kind=person.kind,
        user_id=person.user_id,
        oid=person.oid,
        name=person.name[:300],
        department_from=person.department_from[:300],
        department_to=person.department_to[:300],
        detail=detail,
    )


def _department_rows(plan: Plan, run: DirectorySyncRun) -> list[DirectoryChange]:
    rows = []
    sources = {
        d.pk: d.name_ja for d in Department.objects.filter(pk__in={pk for c in plan.departments for pk in c.sources})
    }
    for change in plan.departments:
        old = " / ".join(sources.get(pk, "") for pk in change.sources)
        rows.append(
            DirectoryChange(
                run=run,
                kind=change.kind,
                name=" / ".join(change.names)[:300],
                department_from=old[:300],
                department_to=" / ".join(change.names)[:300],
                detail={"primary": change.primary} if change.primary else {},
            )
        )
    return rows


def _apply_departments(plan: Plan, run: DirectorySyncRun) -> dict[str, int]:
    """Create, rename, merge and split departments (one transaction); returns each new
    name's department id."""
    created: dict[str, int] = {}
    if not plan.departments:
        return created
    on = plan.on
    with transaction.atomic():
        DirectoryChange.objects.bulk_create(_department_rows(plan, run))
        taken = set(Department.objects.values_list("code", flat=True))
        for change in plan.departments:
            sources = list(Department.objects.select_for_update().filter(pk__in=change.sources).order_by("pk"))
            if change.kind == Kind.DEPARTMENT_RENAMED:
                department = sources[0]
                old = department.name_ja
                DepartmentLineage.objects.get_or_create(
                    predecessor=department,
                    successor=department,
                    kind=DepartmentLineage.Kind.RENAMED,
                    effective_on=on,
                    defaults={
                        "old_code": department.code,
                        "old_name_ja": department.name_ja,
                        "old_name_en": department.name_en,
                        "source": "directory",
                    },
                )
                # Entra ID gives one name: the English one would be the old department's.
                department.name_ja, department.name_en, department.kana = change.names[0][:100], "", ""
                department.save(update_fields=["name_ja", "name_en", "kana"])
                created[change.names[0]] = department.pk
                audit_log(
                    action="department.renamed",
                    target=department,
                    data={"from": old, "to": department.name_ja, "source": "directory", "run": run.pk},
                )
                continue
            parents = {d.parent_id for d in sources}
            for name in change.names:
                department = Department.objects.create(
                    code=_department_code(name, taken),
                    name_ja=name[:100],
                    level=sources[0].level if sources else Department.Level.SECTION,
                    parent_id=next(iter(parents)) if len(parents) == 1 else None,
                    valid_from=None if plan.first_run and not sources else on,
                    sort_order=max([d.sort_order for d in sources], default=10_000),
                )
                created[name] = department.pk
                for source in sources:
                    DepartmentLineage.objects.create(
                        predecessor=source,
                        successor=department,
                        kind=DepartmentLineage.Kind.MERGED
                        if change.kind == Kind.DEPARTMENTS_MERGED
                        else DepartmentLineage.Kind.SPLIT,
                        effective_on=on,
                        is_primary=change.kind != Kind.DEPARTMENT_SPLIT or name == change.primary,
                        source="directory",
                    )
            for source in sources:
                source.is_active = False
                if source.valid_from is None or source.valid_from < on:
                    source.valid_until = on
                source.save(update_fields=["is_active", "valid_until"])
            audit_log(
                action={
                    Kind.DEPARTMENT_CREATED: "department.created",
                    Kind.DEPARTMENTS_MERGED: "department.merged",
                    Kind.DEPARTMENT_SPLIT: "department.split",
                }[change.kind],
                data={"from": [d.name_ja for d in sources], "to": change.names, "source": "directory", "run": run.pk},
            )
    return created


def _audit_rows(run: DirectorySyncRun, people: list[PersonChange], users: dict[int, User]) -> list[AuditEntry]:
    return [
        AuditEntry(
            action=f"directory.{person.kind}",
            target_type="accounts.user",
            target_id=str(person.user_id),
            target_repr=person.name[:200],
            data={
                "run": run.pk,
                "oid": person.oid,
                "from": person.department_from,
                "to": person.department_to,
                "fields": sorted(person.fields),
                **person.detail,
            },
        )
        for person in people
        if person.user_id
    ]


def _apply_batch(plan: Plan, oids: list[str], run: DirectorySyncRun, departments: dict[str, int]) -> None:
    """Joiners, transfers, updates and the mirror rows of a batch of people: one transaction.
    Leavers and returners follow, one by one (_apply_batch_safely)."""
    wanted = set(oids)
    people = [
        p for p in plan.changes_of(wanted) if p.kind in (Kind.JOINED, Kind.TRANSFERRED, Kind.UPDATED, Kind.REHIRED)
    ]
    on = plan.on
    with transaction.atomic():
        joined = [p for p in people if p.kind == Kind.JOINED]
        if joined:
            _create_accounts(plan, joined, departments)
        joined_oids = {p.oid for p in joined}
        _link_sign_ins(
            {plan.links[o]: o for o in oids if o in plan.new_accounts and o in plan.links and o not in joined_oids}
        )
        existing = [p for p in people if p.kind != Kind.JOINED]
        users = User.objects.in_bulk([p.user_id for p in existing])
        fields: set[str] = set()
        moves = []
        for person in existing:
            user = users[person.user_id]
            for name, value in person.fields.items():
                setattr(user, name, value)
                fields.add(name)
            if person.kind == Kind.TRANSFERRED:
                user.department_id = person.department_id or departments.get(person.department_name)
                fields.add("department")
                moves.append((user.pk, user.department_id))
        if fields:
            User.objects.bulk_update([users[p.user_id] for p in existing], sorted(fields))
        if moves:
            memberships_apply(moves=moves, on=on, source="directory")
        _save_entries(plan, oids)
        DirectoryChange.objects.bulk_create([_change_row(run, p) for p in people if p.kind != Kind.REHIRED])
        AuditEntry.objects.bulk_create(_audit_rows(run, [p for p in people if p.kind != Kind.REHIRED], users))


def _link_sign_ins(oid_of_user: dict[int, str]) -> None:
    """Accounts found by their employee id: their Entra ID sign-in is this object id now (an
    account with an old one, a person back with a new Entra ID account, gets it replaced)."""
    if not oid_of_user:
        return
    existing = list(SocialAccount.objects.filter(provider=PROVIDER, user_id__in=list(oid_of_user)))
    for account in existing:
        account.uid = oid_of_user[account.user_id]
    SocialAccount.objects.bulk_update(existing, ["uid"])
    have = {account.user_id for account in existing}
    SocialAccount.objects.bulk_create(
        [
            SocialAccount(user_id=user_id, provider=PROVIDER, uid=oid, extra_data={})
            for user_id, oid in oid_of_user.items()
            if user_id not in have
        ]
    )


def _create_accounts(plan: Plan, joined: list[PersonChange], departments: dict[str, int]) -> None:
    password = make_password(None)  # unusable: sign-in is Entra ID's
    names = {(plan.entries[p.oid]["user_principal_name"] or p.oid)[:150] for p in joined}
    taken = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    users = []
    for person in joined:
        username = (plan.entries[person.oid]["user_principal_name"] or person.oid)[:150]
        if username in taken:
            username = f"{username[:140]}-{person.oid[:8]}"
        taken.add(username)
        department_id = person.department_id or departments.get(person.department_name)
        users.append(User(username=username, password=password, department_id=department_id, **person.fields))
    User.objects.bulk_create(users)
    for person, user in zip(joined, users, strict=True):
        person.user_id = plan.links[person.oid] = user.pk
    SocialAccount.objects.bulk_create(
        [SocialAccount(user_id=p.user_id, provider=PROVIDER, uid=p.oid, extra_data={}) for p in joined]
    )
    moves = [(u.pk, u.department_id) for u in users if u.department_id]
    # On the first run nobody's start is known: "since before the portal's records".
    memberships_apply(moves=moves, on=None if plan.first_run else plan.on, source="directory")


def _save_entries(plan: Plan, oids: list[str]) -> None:
    now = timezone.now()
    new, existing = [], []
    for oid in oids:
        values = {k: plan.entries[oid][k] for k in ENTRY_FIELDS}
        row = DirectoryEntry(oid=oid, updated_at=now, error=plan.entry_errors.get(oid, "")[:500], **values)
        row.user_id = plan.links.get(oid)
        if oid in plan.entry_ids:
            row.pk = plan.entry_ids[oid]
            existing.append(row)
        else:
            new.append(row)
    if existing:
        DirectoryEntry.objects.bulk_update(existing, [*ENTRY_FIELDS, "error", "updated_at"])
        # The link only where the plan knows one: an unlinked entry keeps its old account.
        linked = [row for row in existing if row.user_id]
        if linked:
            DirectoryEntry.objects.bulk_update(linked, ["user"])
    if new:
        DirectoryEntry.objects.bulk_create(new)


def _leave(plan: Plan, person: PersonChange, run: DirectorySyncRun) -> None:
    user = User.objects.filter(pk=person.user_id).first()
    if user is None:
        return
    summary = user_leave(user=user, reason=person.reason, on=plan.on, source="directory")
    if summary is None:
        return
    DirectoryEntry.objects.filter(oid=person.oid).update(left_at=timezone.now(), left_reason=person.reason[:20])
    person.detail.update(
        {k: v for k, v in summary.items() if k in ("successor", "handed_over") and v}  # for the admin's list
    )
    DirectoryChange.objects.create(**_change_kwargs(run, person))


def _rehire(plan: Plan, person: PersonChange, run: DirectorySyncRun, departments: dict[str, int]) -> None:
    user = User.objects.filter(pk=person.user_id).first()
    if user is None:
        return
    department_id = person.department_id or departments.get(person.department_name)
    department = Department.objects.filter(pk=department_id).first() if department_id else None
    if not user_return(user=user, department=department, on=plan.on, source="directory"):
        return
    DirectoryEntry.objects.filter(oid=person.oid).update(left_at=None, left_reason="")
    DirectoryChange.objects.create(**_change_kwargs(run, person))


def _change_kwargs(run: DirectorySyncRun, person: PersonChange) -> dict[str, Any]:
    row = _change_row(run, person)
    return {f.attname: getattr(row, f.attname) for f in DirectoryChange._meta.concrete_fields if f.attname != "id"}


def _apply_batch_safely(
    plan: Plan, oids: list[str], run: DirectorySyncRun, departments: dict[str, int], errors: list[str]
) -> None:
    """A batch that fails (say, an employee number another account took meanwhile) is tried
    again one person at a time; then each leaver and returner, each in a transaction of its
    own with the feature apps' handlers. Who fails is reported and tried again next run; a
    failure never makes the others' changes apply twice."""
    failed: set[str] = set()
    try:
        _apply_batch(plan, oids, run, departments)
    except Exception:
        logger.warning("directory sync: a batch failed, applying it person by person", exc_info=True)
        for oid in oids:
            try:
                _apply_batch(plan, [oid], run, departments)
            except Exception as exc:
                failed.add(oid)
                _record_failure(plan, oid, exc, errors)
    for person in plan.changes_of(set(oids) - failed):
        if person.kind not in (Kind.REHIRED, Kind.LEFT):
            continue
        try:
            if person.kind == Kind.REHIRED:
                _rehire(plan, person, run, departments)
            else:
                _leave(plan, person, run)
        except Exception as exc:
            _record_failure(plan, person.oid, exc, errors)


def _record_failure(plan: Plan, oid: str, exc: Exception, errors: list[str]) -> None:
    logger.warning("directory sync: %s could not be updated", oid, exc_info=True)
    message = f"{plan.entries[oid]['display_name'] or oid}: {type(exc).__name__}: {exc}"[:500]
    errors.append(message)
    plan.entry_errors[oid] = message
    try:
        _save_error(plan, oid, message)
    except Exception:
        logger.exception("directory sync: could not record the error of %s", oid)


def _save_error(plan: Plan, oid: str, message: str) -> None:
    if oid in plan.entry_ids:
        DirectoryEntry.objects.filter(pk=plan.entry_ids[oid]).update(error=message)
    else:
        values = {k: plan.entries[oid][k] for k in ENTRY_FIELDS}
        DirectoryEntry.objects.update_or_create(oid=oid, defaults={**values, "error": message})


def _apply_managers(plan: Plan) -> int:
    """Each person's manager, once every account of the run exists."""
    wanted = {oid: e["manager_oid"] for oid, e in plan.entries.items() if oid in plan.links}
    manager_users = dict(
        _chunked(
            lambda part: DirectoryEntry.objects.filter(oid__in=part, user__isnull=False).values_list("oid", "user_id"),
            {m for m in wanted.values() if m},
        )
    )
    current = dict(
        _chunked(
            lambda part: User.objects.filter(pk__in=part).values_list("pk", "manager_id"),
            [plan.links[o] for o in wanted],
        )
    )
    rows = []
    for oid, manager_oid in wanted.items():
        user_id = plan.links[oid]
        manager_id = manager_users.get(manager_oid) if manager_oid else None
        if user_id in current and current[user_id] != manager_id and manager_id != user_id:
            rows.append(User(pk=user_id, manager_id=manager_id))
    for start in range(0, len(rows), BATCH):
        with transaction.atomic():
            User.objects.bulk_update(rows[start : start + BATCH], ["manager"])
    return len(rows)


# --- a run ------------------------------------------------------------------------------------


def directory_sync_run(
    *, dry_run: bool = False, full: bool = False, trigger: str = "command", actor: User | None = None
) -> DirectorySyncRun:
    """Run the directory sync once (see the module's docstring). Raises SyncRefused while
    another run holds the lock, SyncError when the sync is not configured; a run that fails
    on the way is recorded as failed, with its error, and the error raised again (a delta
    link is stored only after a complete run, so the next run starts from the same place)."""
    if not sync_enabled():
        raise SyncError("the directory sync needs GRAPH_ENABLED=1 and DIRECTORY_SYNC_ENABLED=1")
    run = _run_start(dry_run=dry_run, full=full, trigger=trigger, actor=actor)
    errors: list[str] = []
    counts: dict[str, int] = {}
    try:
        state, _created = DirectorySyncState.objects.get_or_create(scope=scope_key())
        first_run = state.full_run_at is None
        full = full or first_run or not state.users_delta_link
        full = full or bool(settings.DIRECTORY_SYNC_GROUP_ID and not state.group_delta_link)
        client = graph.graph_client()
        try:
            fetched = _fetch(client, state, run, full=full)
        except DeltaExpired:
            errors.append("Graph no longer knew the delta token: a full run was made instead")
            full = True
            fetched = _fetch(client, state, run, full=True)
        if full != run.full:
            run.full = full
            DirectorySyncRun.objects.filter(pk=run.pk).update(full=full)
        plan = _plan(fetched, first_run=first_run)
        errors.extend(plan.errors)
        counts = dict(Counter(p.kind for p in plan.people) + Counter(c.kind for c in plan.departments))
        if dry_run or plan.refused_leavers:
            # A refused run applies nothing and keeps the old delta links: the next run sees the
            # same changes again. Its list shows what it would have done.
            rows = _department_rows(plan, run) + [_change_row(run, p) for p in plan.people]
            for start in range(0, len(rows), 2000):
                DirectoryChange.objects.bulk_create(rows[start : start + 2000])
        else:
            departments = _apply_departments(plan, run)
            if plan.unlink:
                DirectoryEntry.objects.filter(pk__in=plan.unlink).update(user=None)
            oids = sorted(plan.entries)
            for start in range(0, len(oids), BATCH):
                _apply_batch_safely(plan, oids[start : start + BATCH], run, departments, errors)
                _heartbeat(run)
            _apply_managers(plan)
            _heartbeat(run)  # still this run's lock: a run taken over must not store its older links
            state.users_delta_link = fetched.users_link
            state.group_delta_link = fetched.group_link
            if full:
                state.full_run_at = timezone.now()
            state.updated_at = timezone.now()
            state.save()
            counts = dict(
                DirectoryChange.objects.filter(run=run).values_list("kind").annotate(n=Count("pk")).order_by()
            )
            linked = sum(1 for oid in plan.new_accounts if oid in plan.links and oid not in plan.entry_errors)
            if linked:
                counts["linked"] = linked  # accounts found by employee id, now tied to their Entra ID account
        if plan.refused_leavers:
            counts["refused_leavers"] = plan.refused_leavers
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}"[:1000])
        _run_finish(run, status=DirectorySyncRun.Status.FAILED, counts=counts, errors=errors)
        logger.exception("directory sync failed")
        raise
    status = DirectorySyncRun.Status.FAILED if plan.refused_leavers else DirectorySyncRun.Status.SUCCEEDED
    _run_finish(run, status=status, counts=counts, errors=errors)
    logger.info("directory sync %s: %s", "dry run" if dry_run else "done", counts)
    return run


def directory_sync_request(*, actor: User, dry_run: bool, full: bool) -> None:
    """An administrator's "sync now" or "dry run": queued for a worker after the commit (a
    full run of tens of thousands of accounts takes minutes, not a page's time)."""
    if not sync_enabled():
        raise SyncError("the directory sync is not configured")
    running = DirectorySyncRun.objects.filter(lock=RUN_LOCK).first()
    if running is not None and running.heartbeat_at >= timezone.now() - STALE_AFTER:
        raise SyncRefused(running)
    from apps.accounts.tasks import directory_sync

    audit_log(action="directory.sync_requested", actor=actor, data={"dry_run": dry_run, "full": full})
    transaction.on_commit(lambda: directory_sync.delay(dry_run=dry_run, full=full, actor_id=actor.pk, trigger="admin"))


def next_scheduled_run(now=None):
    """When beat starts the next sync: the next moment of its daily crontab (hours and minutes
    of settings.CELERY_BEAT_SCHEDULE, in CELERY_TIMEZONE); None when the sync is off."""
    entry = settings.CELERY_BEAT_SCHEDULE.get("accounts-directory-sync")
    if entry is None or not sync_enabled():
        return None
    schedule = entry["schedule"]
    now = timezone.localtime(now or timezone.now())
    for days in range(0, 3):
        day = (now + timedelta(days=days)).date()
        for hour in sorted(schedule.hour):
            for minute in sorted(schedule.minute):
                moment = timezone.make_aware(datetime.combine(day, time(hour, minute)))
                if moment > now:
                    return moment
    return None

"""A local fake of Microsoft Graph's directory (no tests here): `/users/delta`, `/groups/delta`
and `/users/{id}`, over the same HTTPS fake as the sign-in and mail tests
(tests/accounts/test_sso_fakes.py), so the portal's MSAL client and `requests` run unpatched.

What it does as Graph documents it:
- the first `/users/delta` (with `$select`) answers every user, in pages of `page_size` linked
  by `@odata.nextLink`; the last page carries `@odata.deltaLink`;
- a later round from that link answers only users changed since, with only the properties that
  changed (plus `id`), deleted users as `{"id", "@removed": {"reason"}}`, a manager change as
  `manager@delta`;
- `/groups/delta?$filter=id eq '<group>'&$select=members` answers the group's members as
  `members@delta`, later rounds only who joined or left (left: `@removed`);
- an expired token answers 410 `syncStateNotFound`; `script()` (from MicrosoftFake) makes the
  next calls of a path answer 429 with Retry-After, or 5xx;
- `hold()` makes the next delta request wait until `release()` (to overlap two runs).

Used by tests/accounts/test_directory_*.py and bench/directory_bench.py.
"""

from __future__ import annotations

import base64
import json
import threading
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from tests.accounts.test_sso_fakes import CLIENT_ID, CLIENT_SECRET, TENANT, MicrosoftFake, serve

GROUP = "8b1f6c2e-3a4d-4e5f-9a0b-1c2d3e4f5a6b"
PROPERTIES = (
    "accountEnabled",
    "department",
    "jobTitle",
    "employeeId",
    "displayName",
    "mail",
    "userPrincipalName",
    "userType",
)


def oid_of(number: int) -> str:
    return f"{number:08d}-0000-4000-8000-{number:012d}"


def _token(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode()


def _untoken(text: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(text.encode()))


class DirectoryFake(MicrosoftFake):
    def __init__(self, *, page_size: int = 100, group_id: str = GROUP) -> None:
        super().__init__()
        self.page_size = page_size
        self.group_id = group_id
        self.people: dict[str, dict] = {}  # oid → Graph properties, plus "manager": oid or None
        self.deleted: dict[str, str] = {}  # oid → @removed reason
        self.version = 0
        self.log: list[tuple[int, str, frozenset[str]]] = []  # (version, oid, changed properties)
        self.group: set[str] = set()
        self.group_log: list[tuple[int, str]] = []
        self.expired: set[int] = set()  # delta tokens of these versions answer 410
        self.delta_requests: list[str] = []
        self.throttles: dict[tuple[str, int], str] = {}  # (path, nth call) → Retry-After
        self._hold = threading.Event()
        self._hold.set()
        self.held = threading.Event()

    # --- the directory, as an administrator changes it ----------------------------------------

    def _changed(self, oid: str, names) -> None:
        self.version += 1
        self.log.append((self.version, oid, frozenset(names)))

    def add(self, oid: str, *, in_group: bool = True, manager: str | None = None, **properties) -> None:
        with self.lock:
            person = {"accountEnabled": True, "userType": "Member", "manager": manager}
            person.update(properties)
            self.people[oid] = person
            self.deleted.pop(oid, None)
            self._changed(oid, [*PROPERTIES, "manager"])
            if in_group:
                self._group_set(oid, True)

    def update(self, oid: str, **properties) -> None:
        with self.lock:
            self.people[oid].update(properties)
            self._changed(oid, properties)

    def delete(self, oid: str, reason: str = "changed") -> None:
        with self.lock:
            self.deleted[oid] = reason
            self._changed(oid, ["@removed"])
            if oid in self.group:
                self._group_set(oid, False)

    def restore(self, oid: str) -> None:
        with self.lock:
            self.deleted.pop(oid, None)
            self._changed(oid, [*PROPERTIES, "manager"])

    def group_add(self, oid: str) -> None:
        with self.lock:
            self._group_set(oid, True)

    def group_remove(self, oid: str) -> None:
        with self.lock:
            self._group_set(oid, False)

    def _group_set(self, oid: str, member: bool) -> None:
        if member:
            self.group.add(oid)
        else:
            self.group.discard(oid)
        self.version += 1
        self.group_log.append((self.version, oid))

    def throttle(self, path: str, nth: int, retry_after: str) -> None:
        """The `nth` call of `path` (counting from 1) answers 429 with this Retry-After."""
        self.throttles[(path, nth)] = retry_after

    def hold(self) -> None:
        """The next delta request waits (in its server thread) until release()."""
        self.held.clear()
        self._hold.clear()

    def release(self) -> None:
        self._hold.set()

    # --- HTTP ------------------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers, body: bytes):
        parts = urlsplit(target)
        if method == "GET" and parts.path in ("/v1.0/users/delta", "/v1.0/groups/delta"):
            if not self._hold.is_set():
                self.held.set()
                self._hold.wait(30)
            with self.lock:
                self.calls.append((method, parts.path))
                self.delta_requests.append(target)
                retry_after = self.throttles.pop((parts.path, self.calls_to(method, parts.path)), None)
                if retry_after is not None:
                    return 429, {"Retry-After": retry_after}, b'{"error": {"code": "TooManyRequests"}}'
                if self.scripted[(method, parts.path)]:
                    status, extra = self.scripted[(method, parts.path)].popleft()
                    return status, extra, json.dumps({"error": {"code": "scripted", "message": ""}}).encode()
                token = headers.get("Authorization", "").removeprefix("Bearer ")
                self.graph_tokens.append(token)
                if token not in self.valid_tokens:
                    return self._json(401, {"error": {"code": "InvalidAuthenticationToken", "message": "expired"}})
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if parts.path == "/v1.0/users/delta":
                    return self._users_delta(query)
                return self._groups_delta(query)
        return super().handle(method, target, headers, body)

    def _link(self, path: str, name: str, data: dict) -> str:
        return f"{self.base_url}/v1.0/{path}?${name}={quote(_token(data))}"

    def _page(self, path: str, items: list[dict], state: dict) -> tuple[int, dict, bytes]:
        offset = state.get("offset", 0)
        page = items[offset : offset + self.page_size]
        answer: dict = {"@odata.context": f"{self.base_url}/v1.0/$metadata#{path}", "value": page}
        if offset + self.page_size < len(items):
            answer["@odata.nextLink"] = self._link(path, "skiptoken", {**state, "offset": offset + self.page_size})
        else:
            answer["@odata.deltaLink"] = self._link(path, "deltatoken", {"version": state["upto"], **_keep(state)})
        return self._json(200, answer)

    def _round(self, query: dict) -> dict | tuple:
        """The state of a delta round: from a skip token, a delta token or the first request."""
        if "$skiptoken" in query:
            return _untoken(query["$skiptoken"])
        if "$deltatoken" in query:
            state = _untoken(query["$deltatoken"])
            if state["version"] in self.expired:
                return self._json(410, {"error": {"code": "syncStateNotFound", "message": "resync required"}})
            return {"since": state["version"], "upto": self.version, "offset": 0, **_keep(state)}
        return {"since": None, "upto": self.version, "offset": 0}

    def _users_delta(self, query: dict):
        state = self._round(query)
        if isinstance(state, tuple):
            return state
        if state["since"] is None and "offset" in state and "select" not in state:
            if "$select" not in query:
                return self._json(400, {"error": {"code": "Request_BadRequest", "message": "$select expected"}})
            state["select"] = query["$select"].split(",")
        selected = [name for name in state["select"] if name != "id"]
        if state["since"] is None:
            items = [self._user(oid, selected, None) for oid in sorted(self.people) if oid not in self.deleted]
        else:
            changed: dict[str, set[str]] = {}
            for version, oid, names in self.log:
                if state["since"] < version <= state["upto"]:
                    changed.setdefault(oid, set()).update(names)
            items = [self._user(oid, selected, names) for oid, names in sorted(changed.items())]
        return self._page("users/delta", items, state)

    def _user(self, oid: str, selected: list[str], names: set[str] | None) -> dict:
        if oid in self.deleted:
            return {"id": oid, "@removed": {"reason": self.deleted[oid]}}
        person = self.people[oid]
        item = {"id": oid}
        for name in selected:
            if name == "manager":
                if names is None or "manager" in names:
                    manager = person.get("manager")
                    item["manager@delta"] = [{"@odata.type": "#microsoft.graph.user", "id": manager}] if manager else []
            elif names is None or name in names:
                item[name] = person.get(name)
        return item

    def _groups_delta(self, query: dict):
        state = self._round(query)
        if isinstance(state, tuple):
            return state
        if state["since"] is None and "group" not in state:
            if query.get("$filter") != f"id eq '{self.group_id}'" or query.get("$select") != "members":
                return self._json(400, {"error": {"code": "Request_BadRequest", "message": "filter/select"}})
            state["group"] = self.group_id
        if state["since"] is None:
            members = [{"@odata.type": "#microsoft.graph.user", "id": oid} for oid in sorted(self.group)]
        else:
            latest = {oid for version, oid in self.group_log if state["since"] < version <= state["upto"]}
            members = [
                {"@odata.type": "#microsoft.graph.user", "id": oid}
                if oid in self.group
                else {"@odata.type": "#microsoft.graph.user", "id": oid, "@removed": {"reason": "deleted"}}
                for oid in sorted(latest)
            ]
        # Graph splits a long member list over pages, repeating the group object on each.
        offset = state.get("offset", 0)
        chunk = members[offset : offset + self.page_size]
        answer: dict = {"value": [{"id": self.group_id, "members@delta": chunk}] if chunk else []}
        if offset + self.page_size < len(members):
            answer["@odata.nextLink"] = self._link(
                "groups/delta", "skiptoken", {**state, "offset": offset + self.page_size}
            )
        else:
            answer["@odata.deltaLink"] = self._link(
                "groups/delta", "deltatoken", {"version": state["upto"], **_keep(state)}
            )
        return self._json(200, answer)


def _keep(state: dict) -> dict:
    """What a round remembers of its first request (Graph encodes it into its tokens)."""
    return {k: state[k] for k in ("select", "group") if k in state}


# --- a city's staff ---------------------------------------------------------------------------

DEPARTMENTS = [
    "市民課",
    "税務課",
    "経理課",
    "出納課",
    "福祉総務課",
    "介護保険課",
    "子育て支援課",
    "環境政策課",
    "道路管理課",
    "防災課",
]


def person(number: int, department: str) -> dict:
    return {
        "displayName": f"職員 {number:05d}",
        "mail": f"staff{number:05d}@city.example.jp",
        "userPrincipalName": f"staff{number:05d}@city.example.jp",
        "employeeId": f"E{number:06d}",
        "jobTitle": "主事",
        "department": department,
    }


def populate(fake: DirectoryFake, count: int, departments: list[str] = DEPARTMENTS) -> list[str]:
    """`count` people spread over the departments in turn; every 50th is the manager of the
    next 49. Returns their object ids in order."""
    oids = []
    for number in range(1, count + 1):
        manager = oid_of(number - (number - 1) % 50) if (number - 1) % 50 else None
        fake.add(oid_of(number), manager=manager, **person(number, departments[(number - 1) % len(departments)]))
        oids.append(oid_of(number))
    return oids


@pytest.fixture
def directory(tls_material, monkeypatch, settings):
    """The HTTPS directory fake, with the portal's Graph and sync settings pointing at it
    (group scope, departments from Entra ID)."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", tls_material[0])
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    fake = DirectoryFake()
    server, thread = serve(fake, tls_material)
    settings.GRAPH_ENABLED = True
    settings.GRAPH_TENANT_ID = TENANT
    settings.GRAPH_CLIENT_ID = CLIENT_ID
    settings.GRAPH_CLIENT_SECRET = CLIENT_SECRET
    settings.GRAPH_AUTHORITY_URL = f"{fake.base_url}/{TENANT}"
    settings.GRAPH_ENDPOINT = f"{fake.base_url}/v1.0"
    settings.GRAPH_TIMEOUT_SECONDS = 10.0
    settings.GRAPH_MAX_ATTEMPTS = 3
    settings.GRAPH_RETRY_BACKOFF_SECONDS = 0.0
    settings.DIRECTORY_SYNC_ENABLED = True
    settings.DIRECTORY_SYNC_GROUP_ID = GROUP
    settings.DIRECTORY_SYNC_DEPARTMENTS = "entra"
    settings.DIRECTORY_SYNC_MAX_LEAVERS_PERCENT = 10
    yield fake
    fake.release()
    server.shutdown()
    server.server_close()
    thread.join(5)

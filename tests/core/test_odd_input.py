"""No 500 on odd input, anywhere: every URL pattern, as every role, with odd values in every
path parameter and in every field of the forms the view declares.

Nothing here is listed by hand. The patterns come from the URLconf; the values of a path
parameter from the objects of the demo city (an id of each row of the pattern's app, and
for two ids a child row with its parent) and from the words the view's own code compares
them with; the fields from the forms the view's code names (and the helpers it calls in
its module) plus the fields of the forms on the page itself. Each reachable view is then
sent, as GET query and as POST body, every field set at once to each odd value — empty,
"²", "abc", 20-digit and negative numbers, 0001-01-01, NUL, a lone surrogate, 1 MB of text,
CR/LF, markup, `next=foo`, `next=//evil.example` — and a few mixtures drawn by hypothesis.

What must hold: never a 5xx; a redirect never leaves the site; a refused write (4xx to a
POST) changes no row of the portal's tables.
"""

import dis
import inspect
import io
import itertools
import random
import re
import sys
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
from django import forms
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.db.models import ForeignKey
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.accounts.models import User
from apps.accounts.roles import Role

pytestmark = pytest.mark.django_db

ODD = [
    "",
    "²",
    "abc",
    "99999999999999999999",
    "-1",
    "0",
    "0001-01-01",
    "9999-12-31T23:59",
    "\x00",
    "\ud800",  # a lone surrogate: sent as the bytes a client could send (ED A0 80)
    "a" * 1_000_000,
    "件名\r\nBcc: evil@example.com",
    "<script>alert(1)</script>",
    '=HYPERLINK("http://evil.example")',
    "foo",  # as `next`: redirect() would take it for a URL name
    "//evil.example",
    "https://evil.example/",
]
# Plausible values for the mixtures, so a form may get past its first error.
PLAUSIBLE = ["1", "2", "on", "テスト", "2026-04-01", "new", "approve", "csv", "ja", "staff"]
NEXT_FIELD_VALUES = ["foo", "//evil.example", "https://evil.example/", "/\\evil.example", "/ideas/"]
# Tables a refused request may write: the session (sign-in, messages) and the audit log.
MAY_WRITE = ("django_session", "core_auditentry")
ROLES = ("anonymous", "owner", "coe", "manager", "admin", "staff")
SKIP_PREFIXES = ("admin/",)  # Django's own admin has its own tests of permission (test_django_admin.py)


# --- the URLconf ------------------------------------------------------------------------------


@dataclass
class Route:
    route: str
    name: str
    pattern: URLPattern
    prefix: list  # the resolvers above it, for reversing
    converters: dict = field(default_factory=dict)

    @property
    def view(self):
        return inspect.unwrap(self.pattern.callback)

    def url(self, kwargs: dict) -> str:
        path = self.route
        for name, value in kwargs.items():
            path = re.sub(rf"<(?:\w+:)?{name}>", str(value), path)
            path = re.sub(rf"\(\?P<{name}>[^)]*\)", str(value), path)
        return "/" + path.replace("^", "").replace("$", "")


def _routes() -> list[Route]:
    found = []

    def walk(patterns, prefix, chain):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern), [*chain, p])
                continue
            route = prefix + str(p.pattern)
            if route.startswith(SKIP_PREFIXES):
                continue
            converters = dict(getattr(p.pattern, "converters", {}))
            for resolver in chain:
                converters.update(getattr(resolver.pattern, "converters", {}))
            name = f"{route} ({p.name or p.callback.__name__})"
            found.append(Route(route=route, name=name, pattern=p, prefix=chain, converters=converters))

    walk(get_resolver().url_patterns, "", [])
    return found


ROUTES = _routes()


def _param_names(route: Route) -> list[str]:
    return [a or b for a, b in re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", route.route)]


# --- what a view's code names -------------------------------------------------------------------


def _code_objects(func):
    code = func.__code__
    stack = [code]
    while stack:
        c = stack.pop()
        yield c
        stack.extend(const for const in c.co_consts if inspect.iscode(const))


def _module_functions_called(func, depth: int = 3):
    """The function and the functions of its own module it names, to `depth`."""
    module = sys.modules.get(func.__module__)
    seen, todo = [], [(func, 0)]
    while todo:
        current, level = todo.pop()
        if current in seen:
            continue
        seen.append(current)
        if level >= depth or module is None:
            continue
        for code in _code_objects(current):
            for name in code.co_names:
                target = getattr(module, name, None)
                if inspect.isfunction(target) and target.__module__ == func.__module__:
                    todo.append((inspect.unwrap(target), level + 1))
    return seen


def forms_of(view) -> list[type[forms.BaseForm]]:
    if not inspect.isfunction(view):
        view = getattr(view, "view_class", view)
        return [v for v in vars(view).values() if isinstance(v, type) and issubclass(v, forms.BaseForm)]
    found = []
    for func in _module_functions_called(view):
        module = sys.modules[func.__module__]
        app_forms = sys.modules.get(func.__module__.rsplit(".", 1)[0] + ".forms")
        for code in _code_objects(func):
            for name in code.co_names:
                for source in (module, app_forms):
                    target = getattr(source, name, None) if source else None
                    if isinstance(target, type) and issubclass(target, forms.BaseForm) and target not in found:
                        found.append(target)
    return found


def words_of(view) -> set[str]:
    """String constants in the view's code: the values it compares a `<str:>` parameter with."""
    if not inspect.isfunction(view):
        return set()
    words = set()
    for func in _module_functions_called(view, depth=2):
        module = sys.modules[func.__module__]
        for code in _code_objects(func):
            for instruction in dis.get_instructions(code):
                if instruction.opname == "LOAD_CONST" and isinstance(instruction.argval, str):
                    words.add(instruction.argval)
            # and the keys of the module's tables it looks them up in (REFERENCE_MODELS, SECTIONS)
            for name in code.co_names:
                table = getattr(module, name, None)
                if isinstance(table, dict | list | tuple | set | frozenset) and len(table) < 50:
                    words.update(item for item in table if isinstance(item, str))
    return {w for w in words if re.fullmatch(r"[-\w]{1,30}", w)}


def field_names(form_classes, html: str = "") -> list[str]:
    names = []
    for form_class in form_classes:
        names.extend(form_class.base_fields)
    names.extend(re.findall(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"', html))
    names.append("next")
    return [n for n in dict.fromkeys(names) if n not in ("csrfmiddlewaretoken",)]


def file_fields(form_classes) -> set[str]:
    return {
        name
        for form_class in form_classes
        for name, f in form_class.base_fields.items()
        if isinstance(f, forms.FileField)
    }


# --- the city ------------------------------------------------------------------------------------


@dataclass
class City:
    users: dict
    candidates: dict  # app label -> list of {param: value} for one- and two-id patterns


def _candidates(owner: User) -> dict[str, dict[str, list]]:
    """Per app: ids of its rows (one-id patterns) — a sample, and every row that points at
    the owner (their notifications, requests, ideas) — and (parent id, child id or number)
    pairs from every foreign key between two of its models. Each list takes one value of
    every model in turn, so the first few already hold a row of each kind (ids differ from
    one database to another: PostgreSQL's sequences go on across tests)."""
    rng = random.Random(20261207)
    result = {}
    for config in apps.get_app_configs():
        if not config.name.startswith("apps."):
            continue
        singles, pairs = [], []
        for model in config.get_models():
            pks = list(model.objects.order_by("pk").values_list("pk", flat=True)[:400])
            mine = []
            for f in model._meta.fields:
                if isinstance(f, ForeignKey) and f.related_model is User:
                    mine += model.objects.filter(**{f.name: owner}).order_by("pk").values_list("pk", flat=True)[:5]
            singles.append(mine + rng.sample(pks, min(len(pks), 25)))
            for f in model._meta.fields:
                if isinstance(f, ForeignKey) and f.related_model._meta.app_label == config.label:
                    rows = list(model.objects.order_by("pk").values_list(f.attname, "pk")[:400])
                    pairs.append(rng.sample(rows, min(len(rows), 25)))
                    if any(x.name == "number" for x in model._meta.fields):
                        rows = list(model.objects.order_by("pk").values_list(f.attname, "number")[:400])
                        pairs.append(rng.sample(rows, min(len(rows), 10)))
        result[config.label] = {
            "single": _in_turn(singles),
            "pair": [p for p in _in_turn(pairs) if p[0] is not None],
        }
    return result


def _in_turn(lists: list[list]) -> list:
    """The values of the lists taken one from each in turn, each once."""
    taken = []
    for row in itertools.zip_longest(*lists):
        for value in row:
            if value is not None and value not in taken:
                taken.append(value)
    return taken


@pytest.fixture(scope="module")
def city(django_db_setup, django_db_blocker, tmp_path_factory):
    from django.conf import settings as django_settings

    media = tmp_path_factory.mktemp("media")
    old_media = django_settings.MEDIA_ROOT
    django_settings.MEDIA_ROOT = media
    with django_db_blocker.unblock():
        try:
            call_command("seed_demo", stdout=io.StringIO())
            _add_files()
            users = {
                "owner": _owner(),
                "coe": User.objects.filter(groups__name=Role.COE).order_by("pk").first(),
                "manager": User.objects.filter(groups__name=Role.MANAGER).order_by("pk").first(),
                "admin": User.objects.filter(groups__name=Role.ADMIN).order_by("pk").first(),
                "staff": User.objects.exclude(groups__name__in=[Role.COE, Role.MANAGER, Role.ADMIN]).order_by("-pk")[0],
            }
            yield City(users=users, candidates=_candidates(users["owner"]))
        finally:
            call_command("flush", interactive=False, verbosity=0)
            django_settings.MEDIA_ROOT = old_media


def _owner() -> User:
    """The member of staff with the most support requests: the requester, author and
    recipient the owner-only pages need."""
    from django.db.models import Count

    return (
        User.objects.exclude(groups__name__in=[Role.COE, Role.ADMIN])
        .annotate(n=Count("support_requests"))
        .order_by("-n", "pk")
        .first()
    )


def _add_files() -> None:
    """The demo data has no uploads, notifications or announcements: one of each."""
    from apps.ideas.models import Attachment as IdeaAttachment
    from apps.ideas.models import Idea
    from apps.knowledge.models import Article, ArticleAttachment
    from apps.notifications.models import Announcement, Notification
    from apps.support.models import Attachment as SupportAttachment
    from apps.support.models import SupportRequest

    owner = _owner()
    Notification.objects.create(recipient=owner, kind="support_reply", params={}, url="/support/requests/")
    Announcement.objects.create(title="お知らせ", body="本文", author=owner)
    article = Article.objects.filter(status="published").first()
    ArticleAttachment.objects.create(
        article=article,
        file=SimpleUploadedFile("guide.txt", b"guide"),
        name="guide.txt",
        kind="txt",
        size=5,
        uploaded_by=owner,
    )
    # The owner's newest request, whatever its state: the demo's states depend on the day it
    # is seeded (requests close after their reopen window), and the file must be there always.
    request = SupportRequest.objects.filter(requester=owner).order_by("-created_at").first()
    SupportAttachment.objects.create(
        request=request,
        file=SimpleUploadedFile("memo.txt", b"hello"),
        name="memo.txt",
        kind="txt",
        size=5,
        uploaded_by=owner,
    )
    idea = Idea.objects.filter(status="approved").first()
    IdeaAttachment.objects.create(
        idea=idea,
        file=SimpleUploadedFile("plan.txt", b"plan"),
        name="plan.txt",
        kind="txt",
        size=4,
        uploaded_by=idea.author,
    )


# --- requests ------------------------------------------------------------------------------------


def _client(city: City, role: str) -> Client:
    client = Client(raise_request_exception=False)
    if role != "anonymous":
        client.force_login(city.users[role])
    return client


def _encode(data: dict) -> bytes:
    return urlencode(data, doseq=True, encoding="utf-8", errors="surrogatepass").encode("ascii")


def _writes(queries) -> list[str]:
    found = []
    for query in queries:
        sql = query["sql"].lstrip().upper()
        if sql.startswith(("INSERT", "UPDATE", "DELETE")) and not any(t.upper() in sql[:120] for t in MAY_WRITE):
            found.append(query["sql"][:200])
    return found


def _check(response, method: str, url: str, sent: dict, writes: list[str]) -> None:
    where = f"{method} {url} {sorted((k, v[:40] if isinstance(v, str) else v) for k, v in sent.items())}"
    exc_info = getattr(response, "exc_info", None)
    assert response.status_code < 500, f"{where}: {exc_info[1]!r}" if exc_info else where
    if response.status_code in (301, 302, 303, 307, 308):
        location = response["Location"]
        assert not location.startswith(("//", "/\\")), where
        assert not re.match(r"^[a-z][a-z0-9+.-]*:", location, re.I) or "testserver" in location, where
    if method == "POST" and 400 <= response.status_code < 500:
        assert writes == [], f"{where}: a refused write changed rows: {writes}"


def _send(client, method: str, url: str, data: dict, files: set[str]):
    with CaptureQueriesContext(connection) as queries:
        if method == "GET":
            response = client.get(url + ("?" + _encode(data).decode() if data else ""))
        elif files & data.keys():
            payload = {k: v for k, v in data.items() if k not in files}
            payload = {k: v.encode("utf-8", "surrogatepass").decode("utf-8", "replace") for k, v in payload.items()}
            for name in files & data.keys():
                payload[name] = SimpleUploadedFile("²\r\n.png", b"\x89PNG not really", content_type="image/png")
            response = client.post(url, payload)
        else:
            response = client.generic("POST", url, _encode(data), content_type="application/x-www-form-urlencoded")
    _check(response, method, url, data, _writes(queries.captured_queries) if method == "POST" else [])
    return response


def _html(response) -> str:
    if response.status_code != 200 or response.streaming or "html" not in response.get("Content-Type", ""):
        return ""
    return response.content.decode("utf-8", "replace")


def _param_values(route: Route, city: City) -> list[dict]:
    names = _param_names(route)
    if not names:
        return [{}]
    app = (route.prefix[0].namespace if route.prefix and route.prefix[0].namespace else "") or "core"
    pool = city.candidates.get(app, {"single": [], "pair": []})
    id_params = [n for n in names if type(route.converters.get(n)).__name__ == "IdConverter"]
    words = [*sorted(words_of(route.view)), "abc"]
    values = []
    if len(id_params) == 1 and len(names) == 1:
        values = [{names[0]: pk} for pk in pool["single"]]
    elif len(id_params) == 2 and len(names) == 2:
        values = [dict(zip(names, pair, strict=True)) for pair in pool["pair"]]
    elif len(id_params) == 1:
        other = next(n for n in names if n not in id_params)
        values = [{id_params[0]: pk, other: w} for pk in pool["single"][:12] for w in words]
    else:
        values = [dict.fromkeys(names, w) for w in words]
    odd = {n: ("999999999999999999" if n in id_params else "²") for n in names}
    return [*values, odd, {n: ("0" if n in id_params else "..") for n in names}]


@pytest.fixture
def fast_and_open(settings):
    # The walk sends thousands of posts as one person: rate limits would answer most of them
    # 429 before the form is read (the limits have their own tests).
    settings.RATELIMIT_ENABLE = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.parametrize("route", ROUTES, ids=[r.name for r in ROUTES])
def test_odd_input_never_breaks_a_page(city, route, fast_and_open):
    form_classes = forms_of(route.view)
    files = file_fields(form_classes)
    reached = []  # (role, url, field names) the view answered with its page or its form
    for role in ROLES:
        client = _client(city, role)
        for kwargs in _param_values(route, city):
            url = route.url(kwargs)
            response = _send(client, "GET", url, {}, files)
            if response.status_code in (200, 405) or (response.status_code == 400 and role != "anonymous"):
                html = _html(response)
                reached.append((role, url, field_names(form_classes, html)))
                break
    for role, url, names in reached:
        client = _client(city, role)
        for value in ODD:
            data = dict.fromkeys(names, value)
            _send(client, "GET", url, data, files)
            _send(client, "POST", url, data, files)
        for value in NEXT_FIELD_VALUES:
            _send(client, "POST", url, {"next": value}, files)
            _send(client, "GET", url, {"next": value}, files)

    if not reached:
        return

    @settings(
        max_examples=12,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def mixtures(data):
        role, url, names = data.draw(st.sampled_from(reached))
        values = st.sampled_from(ODD[:10] + ODD[11:] + PLAUSIBLE)
        payload = {name: data.draw(values) for name in names}
        method = data.draw(st.sampled_from(["GET", "POST"]))
        _send(_client(city, role), method, url, payload, files)

    mixtures()


def test_the_walk_reaches_every_pattern_of_the_portal(city, fast_and_open):
    """A pattern none of the roles could reach with any value would be walked in vain."""
    unreached = []
    for route in ROUTES:
        if route.pattern.callback.__module__.startswith(("allauth", "django")):
            continue
        reached = False
        for role in ROLES[1:]:
            client = _client(city, role)
            values = _param_values(route, city)
            for kwargs in values[:-2] if _param_names(route) else values:
                if client.get(route.url(kwargs)).status_code in (200, 405, 302):
                    reached = True
                    break
            if reached:
                break
        if not reached:
            unreached.append(route.name)
    assert unreached == [], "\n".join(unreached)

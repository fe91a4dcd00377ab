"""Rendered list items (cards, table rows) reused across requests and users.

A list page renders the same card or row for everyone who sees it, and Django's template
engine is most of such a page's cost. `fragments_render` keys each rendering by a hash of
everything the fragment shows — the template, the language and every value of its
context — so a cached fragment is never stale: any change of a value is another key, and
old keys simply expire. The context must therefore hold all the fragment depends on, as
plain values (str, numbers, bools, None, dates, and dicts/lists/tuples of them; no model
instances, no request), and the template may use nothing else: it is rendered without
context processors.

What differs per viewer but not per item (the CSRF token, the page's own URL) goes into
the fragment as a `slot()` and is filled in after the cache, so the cached HTML stays the
same for everyone.

`fragment_cached` is the same for a whole page body, whose context (model instances,
forms) is too costly to build just to hash it: the caller names, as plain values, what the
body depends on — the key — and builds the context only when the key is not cached.
"""

import hashlib
from collections.abc import Callable, Iterable, Mapping

from django.core.cache import cache
from django.db.models.expressions import RawSQL
from django.template.loader import get_template
from django.utils.functional import Promise
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

FRAGMENT_SECONDS = 3600


def slot(name: str) -> SafeString:
    """A marker for a per-request value. It contains "<", which autoescaped content never
    does, so no text a user typed can be mistaken for it."""
    return mark_safe(f"<fragment-slot {name}>")


_PLAIN = frozenset({str, int, bool, float, type(None)})


def _canonical(value):
    # The type is part of the key: "<b>" as SafeString and as str render differently.
    kind = type(value)
    if kind in _PLAIN:  # most values: no abstract-class checks (a key has hundreds of them)
        return (kind.__name__, value)
    if kind is dict:
        return ("map", tuple(sorted((str(k), _canonical(v)) for k, v in value.items())))
    if kind is list or kind is tuple:
        return ("seq", tuple(_canonical(v) for v in value))
    if isinstance(value, Mapping):
        return ("map", tuple(sorted((str(k), _canonical(v)) for k, v in value.items())))
    if isinstance(value, list | tuple):
        return ("seq", tuple(_canonical(v) for v in value))
    if isinstance(value, Promise):
        return ("str", str(value))
    return (type(value).__name__, value)


def _key(template_name: str, language: str, context: Mapping) -> str:
    digest = hashlib.blake2b(repr(_canonical(context)).encode(), digest_size=16).hexdigest()
    return f"fragment:{template_name}:{language}:{digest}"


def fragments_render(
    template_name: str, contexts: Iterable[Mapping], *, fill: Mapping[str, str] | None = None
) -> list[SafeString]:
    """The HTML of `template_name` for each context, in order, in the active language;
    `fill` gives the (unescaped) value of each slot."""
    contexts = list(contexts)
    if not contexts:
        return []
    language = get_language() or ""
    keys = [_key(template_name, language, context) for context in contexts]
    found = cache.get_many(keys)
    template = None
    rendered: dict[str, str] = {}
    result = []
    for key, context in zip(keys, contexts, strict=True):
        html = found.get(key) or rendered.get(key)
        if html is None:
            template = template or get_template(template_name)
            html = rendered[key] = template.render(dict(context))
        result.append(slots_fill(html, fill))
    if rendered:
        cache.set_many(rendered, FRAGMENT_SECONDS)
    return result


def slots_fill(html: str, fill: Mapping[str, str] | None) -> SafeString:
    """The HTML (rendered by this module's rules) with its slots filled in."""
    for name, value in (fill or {}).items():
        html = html.replace(slot(name), conditional_escape(value))
    return mark_safe(html)  # the template's own, autoescaped output


def fragment_cached(
    name: str,
    key: Mapping | None,
    render: Callable[[], str],
    *,
    fill: Mapping[str, str] | None = None,
    seconds: int = FRAGMENT_SECONDS,
) -> SafeString:
    """The HTML `render()` returns, cached under `name`, the active language and `key`: plain
    values (as for fragments_render) from which everything the HTML shows follows. On a hit
    nothing is rendered; `fill` gives the (unescaped) value of each slot, as above. With
    `key=None` the HTML is for this response only (a bound form: errors, what was typed)."""
    if key is None:
        return slots_fill(str(render()), fill)
    cache_key = _key(name, get_language() or "", key)
    html = cache.get(cache_key)
    if html is None:
        html = str(render())
        cache.set(cache_key, html, seconds)
    return slots_fill(html, fill)


def children_stamp(child, parent, *, link: str, extra: str = "") -> RawSQL:
    """An annotation for a query of `parent` rows: "count:newest id" of each row's `child`
    rows (joined by the column `link`), plus `extra` (SQL over the child rows) for what an
    update of a child row may change. For a page cache's key: rows only added or removed
    change the first part; the subquery runs on the child's index of `link`."""
    table, parent_table = child._meta.db_table, parent._meta.db_table
    extra = f" || ':' || {extra}" if extra else ""
    return RawSQL(
        f"SELECT count(*) || ':' || coalesce(max(id), 0){extra} FROM {table} WHERE {table}.{link} = {parent_table}.id",
        [],
    )

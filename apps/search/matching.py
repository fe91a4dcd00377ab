"""Which documents match, in which order: the SQL of search, per database.

Order: documents with every term in the title first, then the others; newest first
(sort_key descending) within each group. Totals are exact up to COUNT_CAP.

SQLite (FTS5): the FTS rowid is the sort_key, so `ORDER BY rowid DESC LIMIT n` walks the
index newest first and stops after n rows, for rare and common words alike. Three queries:
title matches (in the titles' own FTS table, so a word common in bodies costs nothing
there), the other matches, and a count that stops at COUNT_CAP + 1.

PostgreSQL (GIN on position-less tsvectors): reading a document's tsvector from the table
(TOAST) costs ~20 µs, so the lexemes must only ever be checked in the GIN index, never on
the row. The planner does not know that cost and picks sequential or sort_key scans that
read every tsvector; the plan shape is therefore chosen here, per query, with enable_*
settings sent in the same round trip (_pg_fetch):
1. all matches up to COUNT_CAP + 1 through the GIN index (bitmap scan; the title flag and
   the exact substring check for 3+ characters use the normalised text, kept in the row);
   with at most COUNT_CAP matches this is the whole answer, sorted in Python;
2. for a common word (more): title matches through the title's GIN index, or, when the
   rows of step 1 show the word is common in titles too, by walking sort_key newest first
   checking only the short norm_title; then the other matches by walking sort_key newest
   first with the substring check only (common words are dense: a page is found after a
   few dozen to a few hundred rows).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import connection

from apps.search import backends

COUNT_CAP = 1000
# Walk titles newest first when at least 1 in this many matches has the words in its title.
TITLE_WALK_SHARE = 50


@dataclass
class MatchPage:
    ids: list[int] = field(default_factory=list)
    title_ids: set[int] = field(default_factory=set)
    total: int = 0  # exact when not capped
    capped: bool = False  # more than COUNT_CAP matches


def _in(values: Sequence) -> str:
    return ", ".join(["%s"] * len(values))


def _fetch(sql: str, params: Sequence) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def find_page(terms: list[str], *, kinds: list[str], audiences: list[str], offset: int, limit: int) -> MatchPage:
    if backends.vendor() == "postgresql":
        return _pg_page(terms, kinds=kinds, audiences=audiences, offset=offset, limit=limit)
    return _sqlite_page(terms, kinds=kinds, audiences=audiences, offset=offset, limit=limit)


def find_recent(*, kinds: list[str], audiences: list[str], offset: int, limit: int) -> MatchPage:
    """All documents, newest first (the sort_key index), counted up to COUNT_CAP."""
    where = f"kind IN ({_in(kinds)}) AND audience IN ({_in(audiences)})"
    ids = [
        row[0]
        for row in _fetch(
            f"SELECT id FROM search_searchdocument WHERE {where} ORDER BY sort_key DESC LIMIT %s OFFSET %s",
            [*kinds, *audiences, limit, offset],
        )
    ]
    page = MatchPage(ids=ids)
    if offset == 0 and len(ids) < limit:
        page.total = len(ids)
    else:
        counted = _fetch(
            f"SELECT count(*) FROM (SELECT 1 FROM search_searchdocument WHERE {where} LIMIT %s) s",
            [*kinds, *audiences, COUNT_CAP + 1],
        )[0][0]
        page.total, page.capped = min(counted, COUNT_CAP), counted > COUNT_CAP
    return page


def find_ids(
    terms: list[str],
    *,
    kinds: list[str],
    audiences: list[str],
    limit: int,
    exclude_id: int | None = None,
    in_title: bool = False,
) -> list[int]:
    """Newest matching documents, title or body alike, or only in the title (for "similar
    content": few terms, combined so that they are rare; every match is read and sorted)."""
    if backends.vendor() == "postgresql":
        where, params = _pg_filter(kinds, audiences, exclude_id)
        exact, exact_params = _pg_exact(terms)
        if in_title:
            exact = "".join(" AND strpos(norm_title, %s) > 0" for _ in terms)
            exact_params = list(terms)
        rows = _pg_fetch(
            f"SELECT id FROM search_searchdocument WHERE {'title_vector' if in_title else 'vector'} @@ %s::tsquery "
            f"AND {where}{exact} "
            "ORDER BY sort_key DESC LIMIT %s",
            [backends.tsquery_literal(terms), *params, *exact_params, limit],
            bitmap=True,
        )
        return [row[0] for row in rows]
    return _sqlite_ids(
        backends.fts_expression(terms),
        kinds,
        audiences,
        limit=limit,
        exclude_id=exclude_id,
        table="search_fts_title" if in_title else "search_fts",
    )


def document_frequencies(grams: list[str], *, cap: int) -> dict[str, int]:
    """How many documents (whoever may see them) contain each term, counted up to cap; one query."""
    if not grams:
        return {}
    parts, params = [], []
    for gram in grams:
        if backends.vendor() == "postgresql":
            parts.append(
                "SELECT count(*) FROM (SELECT 1 FROM search_searchdocument WHERE vector @@ %s::tsquery LIMIT %s) s"
            )
            params += [backends.tsquery_literal([gram]), cap]
        else:
            parts.append("SELECT count(*) FROM (SELECT 1 FROM search_fts WHERE search_fts MATCH %s LIMIT %s)")
            params += [backends.fts_expression([gram]), cap]
    sql = "SELECT " + ", ".join(f"({part})" for part in parts)
    row = _pg_fetch(sql, params, bitmap=True)[0] if backends.vendor() == "postgresql" else _fetch(sql, params)[0]
    return dict(zip(grams, row, strict=True))


# --- SQLite ------------------------------------------------------------------------------


def _sqlite_ids(
    expression: str,
    kinds: list[str],
    audiences: list[str],
    *,
    limit: int,
    offset: int = 0,
    exclude_id: int | None = None,
    table: str = "search_fts",
) -> list[int]:
    sql = (
        f"SELECT d.id FROM {table} f JOIN search_searchdocument d ON d.sort_key = f.rowid "
        f"WHERE {table} MATCH %s AND d.kind IN ({_in(kinds)}) AND d.audience IN ({_in(audiences)})"
    )
    params: list = [expression, *kinds, *audiences]
    if exclude_id is not None:
        sql += " AND d.id <> %s"
        params.append(exclude_id)
    sql += " ORDER BY f.rowid DESC LIMIT %s OFFSET %s"
    return [row[0] for row in _fetch(sql, [*params, limit, offset])]


def _sqlite_page(terms: list[str], *, kinds: list[str], audiences: list[str], offset: int, limit: int) -> MatchPage:
    everything = backends.fts_expression(terms)
    in_title = backends.fts_expression(terms, column="title")
    wanted = offset + limit
    title_ids = _sqlite_ids(everything, kinds, audiences, limit=wanted, table="search_fts_title")
    ids = title_ids[offset:wanted]
    if len(title_ids) < wanted:
        ids += _sqlite_ids(
            f"({everything}) NOT ({in_title})",
            kinds,
            audiences,
            limit=wanted - max(offset, len(title_ids)),
            offset=max(0, offset - len(title_ids)),
        )
    page = MatchPage(ids=ids, title_ids=set(title_ids))
    if offset == 0 and len(ids) < limit:
        page.total = len(ids)  # everything is on this page: no count needed
    else:
        counted = _fetch(
            "SELECT count(*) FROM (SELECT 1 FROM search_fts f JOIN search_searchdocument d ON d.sort_key = f.rowid "
            f"WHERE search_fts MATCH %s AND d.kind IN ({_in(kinds)}) AND d.audience IN ({_in(audiences)}) LIMIT %s)",
            [everything, *kinds, *audiences, COUNT_CAP + 1],
        )[0][0]
        page.total, page.capped = min(counted, COUNT_CAP), counted > COUNT_CAP
    return page


# --- PostgreSQL --------------------------------------------------------------------------


def _pg_fetch(sql: str, params: Sequence, *, bitmap: bool) -> list[tuple]:
    """Run one query with PostgreSQL limited to GIN bitmap scans (bitmap=True) or to the
    sort_key index walk (False). The settings travel in the same round trip as the query
    (a multi-statement simple query, possible with client-side binding) and are reset in
    it too; if the query fails, its transaction's rollback undoes them."""
    names = ("enable_seqscan", "enable_indexscan") if bitmap else ("enable_seqscan", "enable_bitmapscan")
    before = "".join(f"SET {name} = off; " for name in names)
    after = "".join(f"; RESET {name}" for name in names)
    with connection.cursor() as cursor:
        cursor.execute(before + sql + after, params)
        for _statement in names:
            cursor.nextset()
        return cursor.fetchall()


def _pg_filter(kinds: list[str], audiences: list[str], exclude_id: int | None = None) -> tuple[str, list]:
    sql = f"kind IN ({_in(kinds)}) AND audience IN ({_in(audiences)})"
    params: list = [*kinds, *audiences]
    if exclude_id is not None:
        sql += " AND id <> %s"
        params.append(exclude_id)
    return sql, params


def _pg_exact(terms: list[str], *, every_term: bool = False) -> tuple[str, list]:
    """ " AND …" conditions that make the lexeme match exact: a substring check per term of
    3+ characters (or of every term, when no lexemes are checked). Title first: it is short."""
    sql, params = "", []
    for term in terms:
        if every_term or backends.needs_recheck(term):
            sql += " AND (strpos(norm_title, %s) > 0 OR strpos(norm_body, %s) > 0)"
            params += [term, term]
    return sql, params


def _pg_all_in_title(terms: list[str]) -> tuple[str, list]:
    return "(" + " AND ".join(["strpos(norm_title, %s) > 0"] * len(terms)) + ")", list(terms)


def _pg_page(terms: list[str], *, kinds: list[str], audiences: list[str], offset: int, limit: int) -> MatchPage:
    query = backends.tsquery_literal(terms)
    where, params = _pg_filter(kinds, audiences)
    exact, exact_params = _pg_exact(terms)
    in_title, in_title_params = _pg_all_in_title(terms)
    rows = _pg_fetch(
        f"SELECT id, sort_key, {in_title} FROM search_searchdocument "
        f"WHERE vector @@ %s::tsquery AND {where}{exact} LIMIT %s",
        [*in_title_params, query, *params, *exact_params, COUNT_CAP + 1],
        bitmap=True,
    )
    if len(rows) <= COUNT_CAP:
        rows.sort(key=lambda row: (not row[2], -row[1]))
        page_rows = rows[offset : offset + limit]
        return MatchPage(
            ids=[row[0] for row in page_rows], title_ids={row[0] for row in page_rows if row[2]}, total=len(rows)
        )

    # A common word: more than COUNT_CAP matches. The sample just read (in table order, so
    # unrelated to recency) tells how common it is in titles too.
    wanted = offset + limit
    if sum(1 for row in rows if row[2]) * TITLE_WALK_SHARE >= len(rows):
        # Common in titles as well: walking newest first finds a page of them within a few
        # hundred rows, each checked on the short norm_title only.
        title_rows = _pg_fetch(
            f"SELECT id FROM search_searchdocument WHERE {where} AND {in_title} ORDER BY sort_key DESC LIMIT %s",
            [*params, *in_title_params, wanted],
            bitmap=False,
        )
    else:
        # Rare in titles: the titles' own GIN index has the few there are.
        title_exact = "".join(" AND strpos(norm_title, %s) > 0" for t in terms if backends.needs_recheck(t))
        title_rows = _pg_fetch(
            f"SELECT id FROM search_searchdocument WHERE title_vector @@ %s::tsquery AND {where}{title_exact} "
            "ORDER BY sort_key DESC LIMIT %s",
            [query, *params, *[t for t in terms if backends.needs_recheck(t)], wanted],
            bitmap=True,
        )
    title_ids = [row[0] for row in title_rows]
    ids = title_ids[offset:wanted]
    if len(title_ids) < wanted:
        every, every_params = _pg_exact(terms, every_term=True)
        ids += [
            row[0]
            for row in _pg_fetch(
                f"SELECT id FROM search_searchdocument WHERE {where} AND NOT {in_title}{every} "
                "ORDER BY sort_key DESC LIMIT %s OFFSET %s",
                [
                    *params,
                    *in_title_params,
                    *every_params,
                    wanted - max(offset, len(title_ids)),
                    max(0, offset - len(title_ids)),
                ],
                bitmap=False,
            )
        ]
    return MatchPage(ids=ids, title_ids=set(title_ids), total=COUNT_CAP, capped=True)

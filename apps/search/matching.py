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
settings sent in the same round trip (_pg_fetch), using ANALYZE's own statistics of the
lexemes (pg_stats, read once per process every few minutes: pg_stats()):
1. a word that the statistics show in far more than COUNT_CAP documents (a 1–2 character
   word is one lexeme, and the most common lexemes are listed with their frequency) is
   "COUNT_CAP+" without counting: counting it through GIN costs a bitmap of every match
   (3 ms for a word in 17,000 documents), more than the whole rest of the page;
2. otherwise one statement counts the matches through GIN up to COUNT_CAP + 1 (the exact
   substring check for 3+ characters uses the normalised text, kept in the row) and, with
   at most COUNT_CAP, also returns the page sorted: that is the whole answer;
3. for more: the title tier and then the other matches, each newest first: through GIN and
   a sort when the statistics say few documents can match (a heap row per candidate), else
   by walking sort_key newest first with the substring check (a common word fills a page
   within a few hundred rows). A walk is bounded: a word common in old documents may be
   absent from the newest ones, and then GIN answers after all.
"""

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import connection

from apps.search import backends

COUNT_CAP = 1000


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


# --- PostgreSQL: planning with the planner's own statistics ------------------------------

# How long a process trusts the statistics it read (ANALYZE, run by autovacuum, renews them).
STATS_SECONDS = 600
# A tier is read through GIN and sorted when about this many documents or fewer may match:
# every candidate then costs one heap row (~1–2 µs), about what a walk pays per document passed.
GIN_TOP_N_MAX = 3000
# A newest-first walk reads at least this many documents before GIN may take over, and at
# most about as many as GIN would read (the estimated candidates): beyond that GIN is cheaper.
WALK_MIN_ROWS = 500
# Without statistics (never analysed): how far a walk may go.
WALK_DEFAULT_ROWS = 1500


@dataclass(frozen=True)
class PgStats:
    """What ANALYZE found: row count, and the fraction of documents holding each of the most
    common lexemes (every lexeme not listed is rarer than the floor), per indexed column,
    and the share of each content type and audience."""

    rows: float
    lexemes: dict[str, float]
    floor: float
    title_lexemes: dict[str, float]
    title_floor: float
    kinds: dict[str, float]
    audiences: dict[str, float]


_stats_cache: dict[str, tuple[float, PgStats | None]] = {}


def _pg_array(text: str | None) -> list[str]:
    # Lexemes are [a-z2-7]; kinds and audiences are slugs: no quoting to undo but plain quotes.
    if not text or text == "{}":
        return []
    return [item.strip('"') for item in text.strip("{}").split(",")]


def pg_stats() -> PgStats | None:
    """The search table's statistics from pg_stats, cached per process; None when the table
    has not been analysed yet (plans then stay on the safe GIN-first path)."""
    key = connection.alias + ":" + str(connection.settings_dict.get("NAME"))
    now = time.monotonic()
    cached = _stats_cache.get(key)
    if cached is not None and now - cached[0] < STATS_SECONDS:
        return cached[1]
    rows = _fetch(
        "SELECT c.reltuples, s.attname, s.most_common_elems::text, s.most_common_elem_freqs, "
        "s.most_common_vals::text, s.most_common_freqs FROM pg_class c "
        "LEFT JOIN pg_stats s ON s.schemaname = current_schema() AND s.tablename = c.relname "
        "AND s.attname IN ('vector', 'title_vector', 'kind', 'audience') "
        "WHERE c.oid = 'search_searchdocument'::regclass",
        [],
    )
    by_column = {row[1]: row for row in rows if row[1]}
    stats = None
    if rows and rows[0][0] > 0 and {"vector", "title_vector", "kind", "audience"} <= by_column.keys():

        def elements(column: str) -> tuple[dict[str, float], float]:
            _reltuples, _name, elems, freqs, _vals, _vfreqs = by_column[column]
            names = _pg_array(elems)
            if not names or not freqs:
                return {}, 1.0
            # tsvector statistics end with the lowest and highest frequency listed.
            return dict(zip(names, freqs[: len(names)], strict=True)), freqs[len(names)]

        def values(column: str) -> dict[str, float]:
            _reltuples, _name, _elems, _freqs, vals, vfreqs = by_column[column]
            return dict(zip(_pg_array(vals), vfreqs or [], strict=False))

        lexemes, floor = elements("vector")
        title_lexemes, title_floor = elements("title_vector")
        stats = PgStats(
            rows=float(rows[0][0]),
            lexemes=lexemes,
            floor=floor,
            title_lexemes=title_lexemes,
            title_floor=title_floor,
            kinds=values("kind"),
            audiences=values("audience"),
        )
    _stats_cache[key] = (now, stats)
    return stats


def _share(frequencies: dict[str, float], lexemes: list[str], floor: float) -> float:
    """Upper bound of the fraction of documents holding every lexeme."""
    return min(frequencies.get(lexeme, floor) for lexeme in lexemes)


def _surely_common(terms: list[str], stats: PgStats, kinds: list[str], audiences: list[str]) -> bool:
    """True when the statistics leave no doubt that more than COUNT_CAP documents the user may
    see match: every term is one lexeme (1–2 characters) listed among the most common, and
    even if the documents of other types and audiences all were matches, twice the cap remain
    (a lower bound that needs no independence between words, types and audiences)."""
    if not stats.kinds or not stats.audiences:
        return False
    shares = []
    for term in terms:
        if backends.needs_recheck(term):
            return False
        lexeme = backends.pg_term_lexemes(term)[0]
        if lexeme not in stats.lexemes:
            return False
        shares.append(stats.lexemes[lexeme])
    excluded = (1 - sum(stats.kinds.get(kind, 0) for kind in kinds)) + (
        1 - sum(stats.audiences.get(audience, 0) for audience in audiences)
    )
    lower = sum(shares) - (len(shares) - 1) - excluded
    return lower * stats.rows >= 2 * COUNT_CAP


def _pg_tier(
    *,
    gin_sql: str,
    gin_params: list,
    walk_sql: str,
    walk_params: list,
    need: int,
    skip: int,
    share: float | None,
    rows: float | None,
) -> list[int]:
    """The newest `need` matches of one ranking tier after skipping `skip`: through GIN and a
    sort when few documents can match; otherwise by walking the newest documents, which finds
    a page of a common word within a few hundred rows — unless the word is rare among the
    newest documents, so the walk stops after about as many rows as GIN would read and GIN
    answers."""
    if need <= 0:
        return []
    window = [need, skip]
    candidates = share * rows if share is not None and rows is not None else None
    if candidates is None or candidates > GIN_TOP_N_MAX:
        if candidates is None:
            bound = WALK_DEFAULT_ROWS
        else:
            bound = max(WALK_MIN_ROWS, int(4 * (need + skip) / max(share, 1e-6)), int(candidates))
        ids = [row[0] for row in _pg_fetch(walk_sql, [bound, *walk_params, *window], bitmap=False)]
        if len(ids) == need:
            return ids
    return [row[0] for row in _pg_fetch(gin_sql, [*gin_params, *window], bitmap=True)]


def _pg_page(terms: list[str], *, kinds: list[str], audiences: list[str], offset: int, limit: int) -> MatchPage:
    query = backends.tsquery_literal(terms)
    where, params = _pg_filter(kinds, audiences)
    exact, exact_params = _pg_exact(terms)
    in_title, in_title_params = _pg_all_in_title(terms)
    wanted = offset + limit
    stats = pg_stats()

    if stats is None or not _surely_common(terms, stats, kinds, audiences):
        # Count up to COUNT_CAP + 1 through GIN; with at most COUNT_CAP matches the same
        # statement also gives the page (title matches first, then newest first).
        count, ids, flags = _pg_fetch(
            f"WITH m AS MATERIALIZED (SELECT id, sort_key, {in_title} AS t FROM search_searchdocument "
            f"WHERE vector @@ %s::tsquery AND {where}{exact} LIMIT %s) "
            "SELECT (SELECT count(*) FROM m), "
            "array(SELECT id FROM m ORDER BY t DESC, sort_key DESC LIMIT %s OFFSET %s), "
            "array(SELECT t FROM m ORDER BY t DESC, sort_key DESC LIMIT %s OFFSET %s)",
            [*in_title_params, query, *params, *exact_params, COUNT_CAP + 1, limit, offset, limit, offset],
            bitmap=True,
        )[0]
        if count <= COUNT_CAP:
            return MatchPage(
                ids=list(ids), title_ids={pk for pk, flag in zip(ids, flags, strict=True) if flag}, total=count
            )

    # More than COUNT_CAP matches: the page comes from two ranked tiers, each newest first.
    lexemes = backends.pg_lexemes(terms)
    title_share = _share(stats.title_lexemes, lexemes, stats.title_floor) if stats else None
    share = _share(stats.lexemes, lexemes, stats.floor) if stats else None
    rows = stats.rows if stats else None
    title_exact = "".join(" AND strpos(norm_title, %s) > 0" for t in terms if backends.needs_recheck(t))
    title_exact_params = [t for t in terms if backends.needs_recheck(t)]
    title_ids = _pg_tier(
        gin_sql=f"SELECT id FROM search_searchdocument WHERE title_vector @@ %s::tsquery AND {where}{title_exact} "
        "ORDER BY sort_key DESC LIMIT %s OFFSET %s",
        gin_params=[query, *params, *title_exact_params],
        walk_sql="SELECT id FROM (SELECT id, sort_key, kind, audience, norm_title FROM search_searchdocument "
        f"ORDER BY sort_key DESC LIMIT %s) s WHERE {where} AND {in_title} ORDER BY sort_key DESC LIMIT %s OFFSET %s",
        walk_params=[*params, *in_title_params],
        need=wanted,
        skip=0,
        share=title_share,
        rows=rows,
    )
    ids = title_ids[offset:wanted]
    if len(title_ids) < wanted:
        every, every_params = _pg_exact(terms, every_term=True)
        ids += _pg_tier(
            gin_sql=f"SELECT id FROM search_searchdocument WHERE vector @@ %s::tsquery AND {where} "
            f"AND NOT {in_title}{exact} ORDER BY sort_key DESC LIMIT %s OFFSET %s",
            gin_params=[query, *params, *in_title_params, *exact_params],
            walk_sql="SELECT id FROM (SELECT id, sort_key, kind, audience, norm_title, norm_body "
            f"FROM search_searchdocument ORDER BY sort_key DESC LIMIT %s) s WHERE {where} AND NOT {in_title}{every} "
            "ORDER BY sort_key DESC LIMIT %s OFFSET %s",
            walk_params=[*params, *in_title_params, *every_params],
            need=wanted - max(offset, len(title_ids)),
            skip=max(0, offset - len(title_ids)),
            share=share,
            rows=rows,
        )
    return MatchPage(ids=ids, title_ids=set(title_ids), total=COUNT_CAP, capped=True)

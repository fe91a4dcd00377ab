"""The database-specific half of the index: writing tokens and matching terms.

Both databases answer the same question exactly: which documents contain every term as a
substring of their normalised title or body (LIKE '%term%' on apps.core.text.normalize),
served by an index for every term length.

- SQLite: contentless FTS5 tables `search_fts(title, body)` and `search_fts_title(title)`
  whose rowid is SearchDocument.sort_key. A term of n ≥ 2 characters is the phrase of its n - 1 bigram
  tokens (exact); one character is a prefix query answered by the `prefix='5'` index.
- PostgreSQL: `vector` tsvector with the set of bigram and unigram lexemes (no positions).
  A term of 1 or 2 characters is one lexeme (exact); a longer term is the AND of its
  bigrams (a GIN candidate set) rechecked with strpos() on the normalised text.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection, connections

from apps.core.text import bigram_stream, char_code, term_bigrams, unigram_set

# One text column is indexed up to this many normalised characters (an article of about
# 60 printed pages); the rest is still shown, only not findable. See docs/search.md.
MAX_INDEXED_CHARS = 100_000


def vendor() -> str:
    return connection.vendor


def index_text(norm: str) -> str:
    return norm[:MAX_INDEXED_CHARS]


def tsvector_literal(norm_title: str, norm_body: str) -> str:
    """A tsvector literal of every bigram and unigram lexeme in title and body. Lexemes are
    [a-z2-7] only, so they need no quoting; tsvector_in sorts them."""
    title, body = index_text(norm_title), index_text(norm_body)
    lexemes = set(bigram_stream(title)) | set(bigram_stream(body)) | unigram_set(title) | unigram_set(body)
    return " ".join(lexemes)


def title_tsvector_literal(norm_title: str) -> str:
    title = index_text(norm_title)
    return " ".join(set(bigram_stream(title)) | unigram_set(title))


def fts_row(norm_title: str, norm_body: str) -> tuple[str, str]:
    return " ".join(bigram_stream(index_text(norm_title))), " ".join(bigram_stream(index_text(norm_body)))


# --- writing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class IndexedRow:
    sort_key: int
    norm_title: str
    norm_body: str


def fts_insert(rows: Iterable[IndexedRow]) -> None:
    if vendor() != "sqlite":
        return
    params = [(row.sort_key, *fts_row(row.norm_title, row.norm_body)) for row in rows]
    if params:
        with connection.cursor() as cursor:
            cursor.executemany("INSERT INTO search_fts(rowid, title, body) VALUES (%s, %s, %s)", params)
            cursor.executemany(
                "INSERT INTO search_fts_title(rowid, title) VALUES (%s, %s)", [(key, title) for key, title, _ in params]
            )


def fts_delete(rows: Iterable[IndexedRow]) -> None:
    """Remove rows from the contentless FTS5 tables. FTS5 needs the very tokens that were
    inserted; they are rebuilt from the stored normalised text, which is what produced them."""
    if vendor() != "sqlite":
        return
    params = [("delete", row.sort_key, *fts_row(row.norm_title, row.norm_body)) for row in rows]
    if params:
        with connection.cursor() as cursor:
            cursor.executemany("INSERT INTO search_fts(search_fts, rowid, title, body) VALUES (%s, %s, %s, %s)", params)
            cursor.executemany(
                "INSERT INTO search_fts_title(search_fts_title, rowid, title) VALUES (%s, %s, %s)",
                [(command, key, title) for command, key, title, _ in params],
            )


def fts_clear(using: str = "default") -> None:
    if connections[using].vendor == "sqlite":
        with connections[using].cursor() as cursor:
            cursor.execute("INSERT INTO search_fts(search_fts) VALUES ('delete-all')")
            cursor.execute("INSERT INTO search_fts_title(search_fts_title) VALUES ('delete-all')")


# --- matching ----------------------------------------------------------------------------


def _fts_term(term: str) -> str:
    if len(term) == 1:
        return f"{char_code(term)}*"
    return '"' + " ".join(term_bigrams(term)) + '"'


def fts_expression(terms: Sequence[str], *, column: str | None = None) -> str:
    """FTS5 MATCH expression: every term (AND), optionally all within one column."""
    expression = " AND ".join(_fts_term(t) for t in terms)
    if column:
        return f"{column} : ({expression})"
    return expression


def pg_term_lexemes(term: str) -> list[str]:
    """The lexemes a term is looked up by in GIN (one for 1–2 characters)."""
    if len(term) == 1:
        return [char_code(term)]
    bigrams = term_bigrams(term)
    if len(bigrams) <= 2:
        return bigrams
    # Every other bigram and the last one cover every character; strpos() makes it exact.
    chosen = bigrams[::2]
    if bigrams[-1] not in chosen:
        chosen.append(bigrams[-1])
    return list(dict.fromkeys(chosen))


def pg_lexemes(terms: Sequence[str]) -> list[str]:
    """Every lexeme of the terms, once, in order: what the tsquery ANDs."""
    lexemes: list[str] = []
    for term in terms:
        for lexeme in pg_term_lexemes(term):
            if lexeme not in lexemes:
                lexemes.append(lexeme)
    return lexemes


def tsquery_literal(terms: Sequence[str]) -> str:
    return " & ".join(f"'{lexeme}'" for lexeme in pg_lexemes(terms))


def needs_recheck(term: str) -> bool:
    """On PostgreSQL a lexeme decides terms of 1–2 characters; longer ones are rechecked."""
    return len(term) > 2

"""Reading the search index: `search()` for the search page and every other caller,
`similar()` for "similar content" beside the idea and support request forms.

Ranking: documents with every term in the title first, then the others; newest first
within each group (the SQL, per database, is in apps/search/matching.py; docs/search.md).
"""

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models.functions import Substr
from django.utils.functional import Promise
from django.utils.safestring import SafeString

from apps.accounts.roles import Role
from apps.core.text import normalize, query_terms
from apps.search.highlight import SNIPPET_CHARS, lead_html, snippet_html, title_html
from apps.search.matching import COUNT_CAP, document_frequencies, find_ids, find_page, find_recent
from apps.search.models import SearchDocument
from apps.search.registry import Audience, searchable_all, searchable_get
from apps.search.resultcache import cached_page, cached_value

MAX_QUERY_CHARS = 200
MAX_TERMS = 10
# Matches are counted up to COUNT_CAP; past it the page says "1000+" (counting is the slow part).
MAX_OFFSET = COUNT_CAP


@dataclass
class SearchHit:
    kind: str
    kind_label: str | Promise
    object_id: int
    title: str
    title_html: SafeString
    url: str
    meta: list[str]
    snippet_html: SafeString
    updated_at: datetime
    in_title: bool


@dataclass
class SearchResults:
    query: str
    terms: list[str] = field(default_factory=list)
    hits: list[SearchHit] = field(default_factory=list)
    # Exact up to COUNT_CAP; `total_capped` means "more than COUNT_CAP".
    total: int = 0
    total_capped: bool = False
    offset: int = 0
    limit: int = 20
    # "empty" (no words), "too_long" (over MAX_QUERY_CHARS) or "" (searched).
    problem: str = ""

    @property
    def total_display(self) -> str:
        return f"{COUNT_CAP}+" if self.total_capped else str(self.total)

    @property
    def has_previous(self) -> bool:
        return self.offset > 0

    @property
    def has_next(self) -> bool:
        return self.offset + self.limit < min(self.total, MAX_OFFSET)


def audiences_for(user) -> list[str]:
    """Staff find documents for everybody; COE members also COE-only ones (an administrator
    is a member of staff here, like everywhere outside site management)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    if user.has_role(Role.COE):
        return [Audience.ALL, Audience.COE]
    return [Audience.ALL]


def kinds_for(types: Sequence[str] | None) -> list[str]:
    registered = [t.key for t in searchable_all()]
    if not types:
        return registered
    return [key for key in registered if key in types]


def _load_hits(ids: list[int], terms: list[str], *, title_ids: set[int]) -> list[SearchHit]:
    documents = SearchDocument.objects.filter(pk__in=ids)
    if terms:
        documents = documents.only("kind", "object_id", "title", "body", "url", "meta", "updated_at", "norm_body")
    else:
        # Without a query the snippet is the beginning of the body: never load a whole long one.
        documents = documents.only("kind", "object_id", "title", "url", "meta", "updated_at").annotate(
            body_head=Substr("body", 1, SNIPPET_CHARS + 1)
        )
    by_id = {d.pk: d for d in documents}
    hits = []
    for pk in ids:
        document = by_id.get(pk)
        if document is None:
            continue
        searchable = searchable_get(document.kind)
        hits.append(
            SearchHit(
                kind=document.kind,
                kind_label=searchable.label if searchable else document.kind,
                object_id=document.object_id,
                title=document.title,
                title_html=title_html(document.title, terms),
                url=document.url,
                meta=list(document.meta or []),
                snippet_html=snippet_html(document.body, document.norm_body, terms)
                if terms
                else lead_html(document.body_head),
                updated_at=document.updated_at,
                in_title=pk in title_ids,
            )
        )
    return hits


def search(
    query: str,
    *,
    types: Sequence[str] | None = None,
    user,
    limit: int = 20,
    offset: int = 0,
) -> SearchResults:
    """Documents the user may see that contain every word of the query (a "quoted phrase"
    is one word), title matches first, then newest first. A word of any length matches as a
    substring of the normalised text: 申請 finds 電子申請, ｺﾞﾐ finds ごみ."""
    limit = max(1, min(limit, 100))
    offset = max(0, min(offset, MAX_OFFSET))
    results = SearchResults(query=query or "", offset=offset, limit=limit)
    if len(query or "") > MAX_QUERY_CHARS:
        results.problem = "too_long"
        return results
    terms = query_terms(query, max_terms=MAX_TERMS)
    results.terms = terms
    if not terms:
        results.problem = "empty"
        return results
    kinds, audiences = kinds_for(types), audiences_for(user)
    if not kinds or not audiences:
        return results

    page = cached_page(
        "search",
        lambda: find_page(terms, kinds=kinds, audiences=audiences, offset=offset, limit=limit),
        terms=terms,
        kinds=kinds,
        audiences=audiences,
        offset=offset,
        limit=limit,
    )
    results.total, results.total_capped = page.total, page.capped
    results.hits = _load_hits(page.ids, terms, title_ids=page.title_ids)
    return results


def recent(*, types: Sequence[str] | None = None, user, limit: int = 20, offset: int = 0) -> SearchResults:
    """What the search page lists before anything is typed: the documents the user may see,
    newest first (the same page and the same rendering as search results)."""
    limit = max(1, min(limit, 100))
    offset = max(0, min(offset, MAX_OFFSET))
    results = SearchResults(query="", offset=offset, limit=limit)
    kinds, audiences = kinds_for(types), audiences_for(user)
    if not kinds or not audiences:
        return results
    page = cached_page(
        "recent",
        lambda: find_recent(kinds=kinds, audiences=audiences, offset=offset, limit=limit),
        kinds=kinds,
        audiences=audiences,
        offset=offset,
        limit=limit,
    )
    results.total, results.total_capped = page.total, page.capped
    results.hits = _load_hits(page.ids, [], title_ids=set())
    return results


# --- similar content ---------------------------------------------------------------------

# Content words of Japanese text: runs of kanji, of katakana, of Latin letters/digits
# (hiragana is mostly particles and endings, so it separates words here).
_WORDS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆]{2,}|[\u30a1-\u30faー]{2,}|[0-9a-z]{2,}")
SIMILAR_CANDIDATES = 16
SIMILAR_TERMS = 6
SIMILAR_PER_LOOKUP = 40
SIMILAR_DF_CAP = 500


def _content_words(text: str) -> list[str]:
    """Normalised content words of text, in order; a long kanji compound also gives its
    two-kanji parts (電子申請 → 電子申請, 電子, 申請), as Japanese compounds are built of them."""
    words: list[str] = []
    for match in _WORDS.finditer(unicodedata.normalize("NFKC", text or "").casefold()):
        run = match.group(0)
        parts = [run]
        if len(run) >= 4 and not run.isascii() and not ("\u30a1" <= run[0] <= "\u30fa" or run[0] == "ー"):
            parts += [run[i : i + 2] for i in range(0, len(run) - 1, 2)]
        for part in parts:
            word = normalize(part)
            if len(word) >= 2 and word not in words:
                words.append(word)
    return words[:SIMILAR_CANDIDATES]


def similar(
    text: str,
    *,
    types: Sequence[str] | None = None,
    user,
    limit: int = 5,
    exclude: tuple[str, int] | None = None,
) -> list[SearchHit]:
    """Documents that share the most distinctive words of text (a title or summary being
    typed). Its content words are weighted by rarity; candidates are the documents with the
    two rarest together (in the title, and anywhere), and those with any rare one; each scores the weights of the words
    it contains (at least two, titles counting more). Not logged as a search."""
    kinds, audiences = kinds_for(types), audiences_for(user)
    words = _content_words(text)
    if not kinds or not audiences or not words:
        return []
    ranked, chosen = cached_value(
        "similar",
        lambda: _similar_ranked(words, kinds=kinds, audiences=audiences, limit=limit, exclude=exclude),
        words=words,
        kinds=list(kinds),
        audiences=list(audiences),
        limit=limit,
        exclude=list(exclude) if exclude else None,
    )
    return _load_hits(ranked, chosen, title_ids=set()) if ranked else []


def _similar_ranked(
    words: list[str], *, kinds, audiences, limit: int, exclude: tuple[str, int] | None
) -> tuple[list[int], list[str]]:
    """(the ids of the `limit` best documents, the words they were chosen by)."""
    frequencies = document_frequencies(words, cap=SIMILAR_DF_CAP)
    chosen = sorted((w for w in words if frequencies[w] > 0), key=lambda w: frequencies[w])[:SIMILAR_TERMS]
    if not chosen:
        return [], []
    weights = {w: math.log(1 + 2 * SIMILAR_DF_CAP / frequencies[w]) for w in chosen}
    exclude_id = None
    if exclude is not None:
        exclude_id = (
            SearchDocument.objects.filter(kind=exclude[0], object_id=exclude[1]).values_list("pk", flat=True).first()
        )
    found: dict[int, int] = {}  # candidate -> best (lowest) recency rank in any lookup
    lookups = [chosen[:2]]
    # A rare word (in fewer than SIMILAR_DF_CAP documents) is worth listing on its own.
    lookups += [[w] for w in chosen if frequencies[w] < SIMILAR_DF_CAP]
    for terms, in_title in [(chosen[:2], True)] + [(terms, False) for terms in lookups]:
        ids = find_ids(
            terms,
            kinds=kinds,
            audiences=audiences,
            limit=SIMILAR_PER_LOOKUP,
            exclude_id=exclude_id,
            in_title=in_title,
        )
        for rank, pk in enumerate(ids):
            found[pk] = min(found.get(pk, rank), rank)
    texts = SearchDocument.objects.filter(pk__in=found).values_list("pk", "norm_title", "norm_body")
    scores: dict[int, float] = {}
    needed = min(2, len(chosen))  # one shared word is chance
    for pk, norm_title, norm_body in texts:
        shared = [w for w in chosen if w in norm_title or w in norm_body]
        if len(shared) >= needed:
            scores[pk] = sum(weights[w] * (1.5 if w in norm_title else 1.0) for w in shared)
    ranked = sorted(scores, key=lambda pk: (-scores[pk], found[pk]))
    return ranked[:limit], chosen

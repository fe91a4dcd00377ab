"""Snippets and titles with the query terms marked, on the original (not normalised) text.

Most text folds one character to one character (kanji, kana, ASCII, full-width forms), so
the terms are found with a regular expression in fold(text) and the offsets are the
original's. Text where folding changes lengths (half-width ｶﾞ, ㈱, combining marks) goes
through normalize_with_offsets(), a slower per-character mapping, on a snippet-sized window.
"""

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from apps.core.text import fold, normalize_with_offsets

SNIPPET_CHARS = 120
SNIPPET_LEAD = 40
_SPACE = re.compile(r"\s+")
# Characters that can merge with their neighbour under NFKC: sound marks and combining marks.
_MERGING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f\u3099-\u309c\uff9e\uff9f]")


def _pattern(terms: list[str]) -> re.Pattern:
    # A space inside a quoted phrase matches any run of whitespace, as normalisation collapses them.
    alternatives = [r"\s+".join(re.escape(part) for part in term.split(" ")) for term in terms]
    return re.compile("|".join(sorted(alternatives, key=len, reverse=True)))


def _one_to_one(text: str, folded: str) -> bool:
    return len(folded) == len(text) and not _MERGING.search(text)


def _ranges(text: str, terms: list[str]) -> list[tuple[int, int]]:
    """(start, end) of every occurrence of any normalised term in the original text."""
    folded = fold(text)
    ranges: list[tuple[int, int]] = []
    if _one_to_one(text, folded):
        for term in terms:
            pattern = _pattern([term])
            position = 0
            while (match := pattern.search(folded, position)) is not None:
                ranges.append(match.span())
                position = match.start() + 1
        return ranges
    norm, spans = normalize_with_offsets(text)
    for term in terms:
        start = norm.find(term)
        while start >= 0:
            ranges.append((spans[start][0], spans[start + len(term) - 1][1]))
            start = norm.find(term, start + 1)
    return ranges


def _marked(text: str, terms: list[str]) -> str:
    """HTML of text with every occurrence of any term wrapped in <mark>, everything escaped."""
    ranges = sorted(_ranges(text, terms))
    if not ranges:
        return escape(text)
    merged: list[list[int]] = []
    for start, end in ranges:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    parts: list[str] = []
    position = 0
    for start, end in merged:
        parts.append(escape(text[position:start]))
        parts.append(f"<mark>{escape(text[start:end])}</mark>")
        position = end
    parts.append(escape(text[position:]))
    return "".join(parts)


def title_html(title: str, terms: list[str]) -> SafeString:
    return mark_safe(_marked(title, terms))  # every piece escaped in _marked


def _norm_prefix_length(text: str, k: int) -> int:
    # The length normalize() gives text[:k], without stripping its end.
    return len(_SPACE.sub(" ", fold(text[:k])).lstrip())


def _first_match(body: str, norm_body: str, terms: list[str]) -> int | None:
    """Original index of the first occurrence of any term, or None."""
    found = [i for i in (norm_body.find(t) for t in terms) if i >= 0]
    if not found:
        return None
    # Fold only the prefix that holds the first match (folding is the costly part, ~0.1 µs a
    # character). Where folding is one to one, normalising only drops whitespace, so the match
    # lies at most len(body) - len(norm_body) characters later in the original than in norm_body.
    end = min(len(body), min(found) + len(body) - len(norm_body) + max(len(t) for t in terms) + 1)
    while end < len(body) and _MERGING.match(body[end]):
        end += 1  # a mark belongs to the character before it: never cut between them
    prefix = body[:end]
    folded = fold(prefix)
    if _one_to_one(prefix, folded):
        match = _pattern(terms).search(folded)
        if match:
            return match.start()
    target, low, high = min(found), 0, len(body)
    # Binary search over prefixes: a longer prefix never normalises shorter.
    while low < high:
        middle = (low + high) // 2
        if _norm_prefix_length(body, middle + 1) > target:
            high = middle
        else:
            low = middle + 1
    return low


def lead_html(text: str, *, width: int = SNIPPET_CHARS) -> SafeString:
    """The beginning of a text, for a list without a query."""
    text = _SPACE.sub(" ", text or "").strip()
    if len(text) > width:
        text = text[:width].rstrip() + "…"
    return mark_safe(escape(text))  # escaped just here


def snippet_html(body: str, norm_body: str, terms: list[str], *, width: int = SNIPPET_CHARS) -> SafeString:
    """About `width` characters of body around the first match, matches marked."""
    if not body:
        return mark_safe("")
    first = _first_match(body, norm_body, terms)
    start = max(0, first - SNIPPET_LEAD) if first is not None else 0
    # Never start on a combining or sound mark: it belongs to the character before it.
    while start > 0 and _MERGING.match(body[start]):
        start -= 1
    end = min(len(body), start + width)
    html = _marked(body[start:end], terms).strip()
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(body) else ""
    return mark_safe(prefix + html + suffix)  # escaped in _marked

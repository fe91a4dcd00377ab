"""Text normalisation and n-gram tokens for Japanese-first search.

`normalize()` is the one definition of "the same text" for indexing and for queries:
NFKC (full/half width, ｶﾞ → ガ, ① → 1), case folding, katakana → hiragana (ヴ → ゔ),
every run of whitespace as one space. The original text is kept for display; highlighting
maps normalised matches back to it with `normalize_with_offsets()` on a small window.

Tokens are character bigrams of the normalised text, each character written as a
fixed-width code of five letters/digits ("base32" of the code point). Search engines
never split or alter such a token (FTS5 unicode61, tsvector literals), a one-character
term is the prefix of every bigram starting with it, and a term of n ≥ 2 characters is
the phrase of its n - 1 bigrams, which is an exact substring match.
"""

import itertools
import re
import unicodedata

# Katakana → hiragana. ァ..ヶ (incl. ヴ ヵ ヶ) are 0x60 above their hiragana; ヽヾ likewise.
# ヷヸヹヺ have no precomposed hiragana: fold to hiragana + combining voiced mark.
_KANA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}
_KANA.update({0x30FD: 0x309D, 0x30FE: 0x309E})
_KANA.update({0x30F7: "わ\u3099", 0x30F8: "ゐ\u3099", 0x30F9: "ゑ\u3099", 0x30FA: "を\u3099"})
_SPACE = re.compile(r"\s+")

CODE_WIDTH = 5
_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
_code_cache: dict[str, str] = {}


def fold(text: str) -> str:
    """NFKC, case and kana folding of text, whitespace left as it is."""
    # casefold can leave decomposed sequences (ǰ → j + ̌), hence NFKC again afterwards.
    text = unicodedata.normalize("NFKC", text)
    return unicodedata.normalize("NFKC", text.casefold()).translate(_KANA)


def normalize(text: str) -> str:
    """Width, case and kana folded text with single spaces; what the index and queries compare."""
    if not text:
        return ""
    return _SPACE.sub(" ", fold(text)).strip()


def normalize_with_offsets(text: str) -> tuple[str, list[tuple[int, int]]]:
    """The normalised text and, for each of its characters, the (start, end) span of the
    original it came from. Slow (a loop in Python): use it on snippet-sized windows.

    A character is normalised together with the combining marks after it (so ｶﾞ, カ + ゙
    become one ガ, as NFKC on the whole string does); whitespace runs become one space.
    """
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        while j < n and _is_mark(text[j]):
            j += 1
        cluster = text[i:j]
        if cluster.isspace():
            if out and out[-1] != " ":
                out.append(" ")
                spans.append((i, j))
            elif spans:
                spans[-1] = (spans[-1][0], j)
        else:
            for char in fold(cluster):
                out.append(char)
                spans.append((i, j))
        i = j
    while out and out[-1] == " ":
        out.pop()
        spans.pop()
    return "".join(out), spans


def _is_mark(char: str) -> bool:
    # Half-width (ﾞﾟ) and full-width (゛゜) sound marks combine under NFKC, as do combining marks.
    return char in "\uff9e\uff9f\u3099\u309a" or unicodedata.category(char).startswith("M")


def char_code(char: str) -> str:
    """Five letters/digits naming one character; fixed width so prefixes never collide."""
    code = _code_cache.get(char)
    if code is None:
        value = ord(char)
        digits = []
        for _ in range(CODE_WIDTH):
            digits.append(_ALPHABET[value & 31])
            value >>= 5
        code = "".join(reversed(digits))
        if len(_code_cache) < 100_000:
            _code_cache[char] = code
    return code


def bigram_stream(norm: str) -> list[str]:
    """Positional tokens of a normalised text: the bigram starting at each character,
    and a final unigram so the last character is findable too."""
    if not norm:
        return []
    codes = [char_code(c) for c in norm]
    tokens = [a + b for a, b in itertools.pairwise(codes)]
    tokens.append(codes[-1])
    return tokens


def unigram_set(norm: str) -> set[str]:
    return {char_code(c) for c in set(norm)}


def term_bigrams(term: str) -> list[str]:
    """The bigram tokens whose phrase is the (normalised, ≥ 2 characters) term."""
    codes = [char_code(c) for c in term]
    return [a + b for a, b in itertools.pairwise(codes)]


_QUOTED = re.compile(r'"([^"]*)"|(\S+)')
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "「": '"', "」": '"', "『": '"', "』": '"'})


def query_terms(query: str, *, max_terms: int = 10) -> list[str]:
    """Normalised terms of a query: words split on spaces, "quoted phrases" kept whole,
    duplicates dropped, in the order typed."""
    text = normalize((query or "").translate(_QUOTES))
    terms: list[str] = []
    for match in _QUOTED.finditer(text):
        term = (match.group(1) if match.group(1) is not None else match.group(2)).strip().strip('"')
        if term and term not in terms:
            terms.append(term)
    return terms[:max_terms]

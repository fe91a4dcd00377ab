"""Small helpers for the idea challenge's rule tests: Japan-time instants, a refusal
checked by its code and HTTP status, and the digest computed by hand from the format the
results page documents."""

import hashlib
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from apps.core.exceptions import RuleError

JST = ZoneInfo("Asia/Tokyo")


def jst(*args: int) -> datetime:
    return datetime(*args, tzinfo=JST)


def refused(code: str, status: int, fn, **kwargs) -> RuleError:
    """The service refuses with this rule's code and the HTTP status the page answers with."""
    with pytest.raises(RuleError) as caught:
        fn(**kwargs)
    assert (caught.value.code, caught.value.status) == (code, status)
    return caught.value


def tally_digest(lines: list[str]) -> str:
    """The results page's instructions: one "idea number:likes" line per published idea,
    sorted by idea number, separated by a line feed, none at the end; SHA-256 of that."""
    return hashlib.sha256("\n".join(lines).encode("ascii")).hexdigest()

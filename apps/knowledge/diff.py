"""Side-by-side comparison of two texts, readable for Japanese.

Lines are matched with difflib; inside a changed pair of lines the characters are
compared too (Japanese has no spaces, so words cannot be the unit), and the changed
runs are wrapped in <del>/<ins>. Long unchanged stretches are folded to a few lines of
context. Every row also carries a text label, so the change is not told by colour alone.
"""

from dataclasses import dataclass
from difflib import SequenceMatcher

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

CONTEXT_LINES = 2
# Character-level matching of two very long lines is quadratic; beyond this, mark the whole line.
INTRALINE_MAX = 4000


@dataclass(frozen=True)
class DiffRow:
    kind: str  # "equal", "change", "delete", "insert", "skip"
    left_number: int | None = None
    left: SafeString | str = ""
    right_number: int | None = None
    right: SafeString | str = ""
    skipped: int = 0

    @property
    def label(self) -> str:
        return {
            "equal": _("Unchanged"),
            "change": _("Changed"),
            "delete": _("Removed"),
            "insert": _("Added"),
            "skip": "",
        }[self.kind]


def _marked(text: str, tag: str) -> str:
    label = _("removed:") if tag == "del" else _("added:")
    hidden = '<span class="visually-hidden">'
    return f"<{tag}>{hidden}[{label}</span>{escape(text)}{hidden}]</span></{tag}>"


def _intraline(old: str, new: str) -> tuple[SafeString, SafeString]:
    if len(old) + len(new) > INTRALINE_MAX:
        return mark_safe(_marked(old, "del") if old else ""), mark_safe(_marked(new, "ins") if new else "")
    left, right = [], []
    for op, i1, i2, j1, j2 in _merged_opcodes(old, new):
        if op == "equal":
            left.append(escape(old[i1:i2]))
            right.append(escape(new[j1:j2]))
            continue
        if i2 > i1:
            left.append(_marked(old[i1:i2], "del"))
        if j2 > j1:
            right.append(_marked(new[j1:j2], "ins"))
    return mark_safe("".join(left)), mark_safe("".join(right))


# Between two changes, an unchanged run shorter than this is shown as changed too: character
# matching finds stray common kana (の, ー) inside rewritten Japanese phrases, and marking
# them unchanged breaks the phrase into unreadable pieces.
MIN_EQUAL_RUN = 3


def _merged_opcodes(old: str, new: str) -> list[tuple[str, int, int, int, int]]:
    opcodes = SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    merged: list[list] = []
    for index, (op, i1, i2, j1, j2) in enumerate(opcodes):
        short_gap = op == "equal" and 0 < index < len(opcodes) - 1 and max(i2 - i1, j2 - j1) < MIN_EQUAL_RUN
        kind = "replace" if op != "equal" or short_gap else "equal"
        if merged and kind == "replace" and merged[-1][0] == "replace":
            merged[-1][2], merged[-1][4] = i2, j2
        else:
            merged.append([kind, i1, i2, j1, j2])
    return [tuple(m) for m in merged]


def side_by_side(old: str, new: str, *, context: int | None = CONTEXT_LINES) -> list[DiffRow]:
    """Rows for a two-column table; `context=None` keeps every unchanged line."""
    a = (old or "").replace("\r\n", "\n").split("\n")
    b = (new or "").replace("\r\n", "\n").split("\n")
    rows: list[DiffRow] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            rows.extend(
                DiffRow("equal", i + 1, a[i], j + 1, b[j]) for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
            )
        elif op == "delete":
            rows.extend(DiffRow("delete", i + 1, mark_safe(_marked(a[i], "del"))) for i in range(i1, i2))
        elif op == "insert":
            rows.extend(
                DiffRow("insert", right_number=j + 1, right=mark_safe(_marked(b[j], "ins"))) for j in range(j1, j2)
            )
        else:  # replace: pair lines up, the rest are plain removals or additions
            pairs = min(i2 - i1, j2 - j1)
            for k in range(pairs):
                left, right = _intraline(a[i1 + k], b[j1 + k])
                rows.append(DiffRow("change", i1 + k + 1, left, j1 + k + 1, right))
            rows.extend(DiffRow("delete", i + 1, mark_safe(_marked(a[i], "del"))) for i in range(i1 + pairs, i2))
            rows.extend(
                DiffRow("insert", right_number=j + 1, right=mark_safe(_marked(b[j], "ins")))
                for j in range(j1 + pairs, j2)
            )
    return rows if context is None else _fold(rows, context)


def _fold(rows: list[DiffRow], context: int) -> list[DiffRow]:
    changed = [i for i, row in enumerate(rows) if row.kind != "equal"]
    if not changed:
        return []
    keep = set()
    for i in changed:
        keep.update(range(max(0, i - context), min(len(rows), i + context + 1)))
    folded: list[DiffRow] = []
    skipped = 0
    for i, row in enumerate(rows):
        if i in keep:
            if skipped:
                folded.append(DiffRow("skip", skipped=skipped))
                skipped = 0
            folded.append(row)
        else:
            skipped += 1
    if skipped:
        folded.append(DiffRow("skip", skipped=skipped))
    return folded


def has_changes(rows: list[DiffRow]) -> bool:
    return any(row.kind not in ("equal", "skip") for row in rows)

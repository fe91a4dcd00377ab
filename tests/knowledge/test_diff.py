from apps.knowledge.diff import has_changes, side_by_side


def test_identical_texts_have_no_rows():
    assert side_by_side("同じ\n本文", "同じ\n本文") == []


def test_changed_line_highlights_the_changed_characters():
    rows = side_by_side("申請は窓口で受け付けます。", "申請は電子申請で受け付けます。")
    assert [r.kind for r in rows] == ["change"]
    row = rows[0]
    assert "<del>" in row.left and "窓口" in row.left
    assert "<ins>" in row.right and "電子申請" in row.right
    # The common text is not marked.
    assert row.left.startswith("申請は") and row.right.startswith("申請は")
    assert row.label == "変更" or row.label == "Changed"


def test_added_and_removed_lines_are_labelled_in_text():
    rows = side_by_side("一行目\n二行目\n三行目", "一行目\n三行目\n四行目")
    kinds = [r.kind for r in rows]
    assert "delete" in kinds and "insert" in kinds
    deleted = next(r for r in rows if r.kind == "delete")
    inserted = next(r for r in rows if r.kind == "insert")
    assert deleted.left_number == 2 and deleted.right_number is None and "二行目" in deleted.left
    assert inserted.right_number == 3 and "四行目" in inserted.right
    # Screen readers hear what happened, not only see a colour.
    assert "visually-hidden" in deleted.left and "visually-hidden" in inserted.right
    assert deleted.label and inserted.label


def test_text_is_escaped():
    rows = side_by_side("a", "<script>alert(1)</script>")
    html = "".join(str(r.right) + str(r.left) for r in rows)
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_long_unchanged_stretches_are_folded():
    old = "\n".join(f"行{i}" for i in range(100))
    new = old.replace("行50", "行五十")
    rows = side_by_side(old, new)
    kinds = [r.kind for r in rows]
    assert kinds == ["skip", "equal", "equal", "change", "equal", "equal", "skip"]
    assert rows[0].skipped == 48 and rows[-1].skipped == 47
    assert has_changes(rows)
    assert len(side_by_side(old, new, context=None)) == 100

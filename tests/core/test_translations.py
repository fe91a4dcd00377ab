"""Japanese is the default language and English is complete (PRODUCT.md): every message the
portal shows has a Japanese translation, none left fuzzy (a guess makemessages made), and the
compiled catalogue Django reads is the one in the repository's .po."""

from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "ja" / "LC_MESSAGES"


def catalogue():
    with open(LOCALE / "django.po", "rb") as po:
        return read_po(po)


def untranslated(message) -> bool:
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return not all(s.strip() for s in strings)


def key(value):
    """Plural messages come as lists from one reader and tuples from the other."""
    return tuple(value) if isinstance(value, list | tuple) else value


def test_every_message_has_a_japanese_translation():
    missing = [m.id for m in catalogue() if m.id and untranslated(m)]
    assert missing == []


def test_no_translation_is_left_fuzzy():
    fuzzy = [m.id for m in catalogue() if m.id and m.fuzzy]
    assert fuzzy == []


def test_placeholders_survive_translation():
    """A translation that drops or renames %(name)s fails at run time or shows the wrong value."""
    import re

    placeholder = re.compile(r"%\((\w+)\)[sd]")
    wrong = []
    for m in catalogue():
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        expected = set(placeholder.findall(ids[-1]))
        for s in strings:
            if set(placeholder.findall(s)) - expected:
                wrong.append(m.id)
    assert wrong == []


def test_the_compiled_catalogue_matches_the_source(tmp_path):
    """`make messages` compiles locale/ja; a stale .mo would show yesterday's words."""
    compiled = LOCALE / "django.mo"
    with open(compiled, "rb") as mo:
        shipped = {key(m.id): key(m.string) for m in read_mo(mo) if m.id}
    source = {key(m.id): key(m.string) for m in catalogue() if m.id and not m.fuzzy}
    assert shipped == source

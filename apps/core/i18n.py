from django.utils.translation import get_language


class BilingualNameMixin:
    """For models with `name_ja` and `name_en`: `name` follows the active language and
    falls back to Japanese, the default language, when there is no English name."""

    name_ja: str
    name_en: str

    @property
    def name(self) -> str:
        return bilingual_name(self.name_ja, self.name_en)


def bilingual_name(name_ja: str, name_en: str) -> str:
    """The name in the active language, Japanese when there is no English one."""
    if (get_language() or "ja").startswith("en") and name_en:
        return name_en
    return name_ja

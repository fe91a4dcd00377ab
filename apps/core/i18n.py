from django.utils.translation import get_language


class BilingualNameMixin:
    """For models with `name_ja` and `name_en`: `name` follows the active language and
    falls back to Japanese, the default language, when there is no English name."""

    name_ja: str
    name_en: str

    @property
    def name(self) -> str:
        if (get_language() or "ja").startswith("en") and self.name_en:
            return self.name_en
        return self.name_ja

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.forms import SingleLineTextMixin
from apps.search.registry import searchable_all
from apps.search.selectors import MAX_OFFSET

PAGE_SIZE = 20
MAX_PAGE = MAX_OFFSET // PAGE_SIZE


class SearchForm(SingleLineTextMixin, forms.Form):
    """The search page's GET parameters. Never invalid: a bad page or an unknown type is
    ignored, so a shared or stale link still shows results."""

    q = forms.CharField(label=_("Search words"), required=False, strip=True)
    type = forms.MultipleChoiceField(label=_("Content types"), required=False, widget=forms.CheckboxSelectMultiple)
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [(t.key, t.label) for t in searchable_all()]

    def cleaned(self) -> tuple[str, list[str], int]:
        """(query, types, page) from whatever was sent."""
        query = (self.data.get("q") or "").strip()
        choices = {key for key, _label in self.fields["type"].choices}
        types = [t for t in self.data.getlist("type") if t in choices] if hasattr(self.data, "getlist") else []
        try:
            page = int(self.data.get("page") or 1)
        except (TypeError, ValueError):
            page = 1
        return query, types, max(1, min(page, MAX_PAGE))

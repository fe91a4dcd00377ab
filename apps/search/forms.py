from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from apps.core.forms import SingleLineTextMixin
from apps.core.params import IdField
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
        """(query, types, page) from whatever was sent: words that are not text (a NUL) are
        no words, unknown types are left out."""
        self.is_valid()
        query = self.cleaned_data.get("q") or ""
        types = known_types(self.data, self.fields["type"].choices)
        try:
            page = int(self.data.get("page") or 1)
        except (TypeError, ValueError):
            page = 1
        return query, types, max(1, min(page, MAX_PAGE))


def known_types(data, choices) -> list[str]:
    known = {key for key, _label in choices}
    return [t for t in data.getlist("type") if t in known] if hasattr(data, "getlist") else []


class SimilarForm(SingleLineTextMixin, forms.Form):
    """ "Similar content" while a form is typed: the text as `q`, `type` for the content
    types, `exclude=kind:id` for the object being edited."""

    q = forms.CharField(required=False, strip=False)
    type = forms.MultipleChoiceField(required=False)
    exclude = forms.CharField(required=False, max_length=60)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [(t.key, t.label) for t in searchable_all()]

    def clean_exclude(self) -> tuple[str, int] | None:
        kind, _sep, object_id = self.cleaned_data["exclude"].partition(":")
        try:
            return (kind, IdField().clean(object_id)) if kind else None
        except ValidationError:
            return None

    def cleaned(self, max_chars: int) -> tuple[str, list[str], tuple[str, int] | None]:
        self.is_valid()
        text = (self.cleaned_data.get("q") or "")[:max_chars]
        return text, known_types(self.data, self.fields["type"].choices), self.cleaned_data.get("exclude")

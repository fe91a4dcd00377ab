"""Reading what a request carries. Views never index `request.GET`/`request.POST` themselves
(tests/core/test_views_read_through_forms.py fails if one does): every value goes through a
Django form, so odd input — "²" (which `str.isdigit()` accepts and `int()` refuses), "abc",
a 30-digit id, `next=foo` — is a validation error or a default, never a server error."""

from django import forms
from django.http import HttpRequest, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme

from apps.core.forms import MAX_ID


class IdConverter:
    """`<id:pk>` in URL patterns: at most 18 digits, so every id that matches fits the database
    (Django's `<int:>` matches any length and a 20-digit id overflows a query)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int | str) -> str:
        return str(value)


class IdField(forms.IntegerField):
    """An object id from a form or a query string."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class NextForm(forms.Form):
    """`next`: where to go after an action. Only a path on this site; anything else
    (`//evil.example`, `https://…`, a bare word that `redirect()` would take for a URL name)
    is dropped for the view's own default."""

    next = forms.CharField(required=False, max_length=2000)

    def __init__(self, data, *, request: HttpRequest) -> None:
        super().__init__(data)
        self.request = request

    def clean_next(self) -> str:
        value = self.cleaned_data["next"]
        if not value.startswith("/") or value.startswith("//") or "\\" in value:
            return ""
        allowed = url_has_allowed_host_and_scheme(
            value, allowed_hosts={self.request.get_host()}, require_https=self.request.is_secure()
        )
        return value if allowed else ""


def next_url(request: HttpRequest, default: str) -> str:
    """The request's `next` (from the form posted, else the query string) when it is safe,
    else `default` (a URL, already reversed)."""
    form = NextForm(request.POST if request.method == "POST" else request.GET, request=request)
    if form.is_valid() and form.cleaned_data["next"]:
        return form.cleaned_data["next"]
    return default


def redirect_next(request: HttpRequest, default: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(next_url(request, default))


class PageForm(forms.Form):
    page = forms.IntegerField(required=False, min_value=1, max_value=10**9)


def page_number(request: HttpRequest) -> int:
    """`?page=`: a positive number, else the first page (Django's paginator clamps the rest)."""
    form = PageForm(request.GET)
    return (form.cleaned_data["page"] or 1) if form.is_valid() else 1


def _one_field_form(name: str, field: forms.Field) -> type[forms.Form]:
    return type("ParamForm", (forms.Form,), {name: field})


def choice(data, name: str, allowed, default: str) -> str:
    """`data[name]` when it is one of `allowed` (a query string or a form post), else `default`."""
    form = _one_field_form(name, forms.ChoiceField(required=False, choices=[(v, v) for v in allowed]))(data)
    return (form.cleaned_data[name] or default) if form.is_valid() else default


def optional_id(data, name: str) -> int | None:
    """`data[name]` as an object id, or None when it is missing or not an id."""
    form = _one_field_form(name, IdField(required=False))(data)
    return form.cleaned_data[name] if form.is_valid() else None

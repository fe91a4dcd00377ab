from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from apps.search.forms import PAGE_SIZE, SearchForm, SimilarForm
from apps.search.selectors import MAX_QUERY_CHARS, recent, search, similar
from apps.search.services import search_query_log

SIMILAR_MAX_CHARS = 1000


@login_required
def search_page(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("search.search"):
        raise PermissionDenied
    form = SearchForm(request.GET)
    query, types, page = form.cleaned()
    searched = bool(query) or ("q" in request.GET and not types)
    results = None
    problem = ""
    if searched:
        results = search(query, types=types or None, user=request.user, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        if results.problem == "empty":
            problem = _("Enter one or more words to search for.")
        elif results.problem == "too_long":
            problem = _("The search is too long. Use at most %(max)d characters.") % {"max": MAX_QUERY_CHARS}
        elif page == 1:
            # Only the first page: paging through results is one search.
            search_query_log(
                query=query,
                kinds=types,
                result_count=results.total + (1 if results.total_capped else 0),
                department_id=request.user.department_id,
            )
    if results is None or problem:
        # Nothing (valid) to search for: the same list, newest first.
        listing = recent(types=types or None, user=request.user, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    else:
        listing = None
    context = {
        "form": form,
        "query": query,
        "selected_types": types,
        "results": listing or results,
        "listing": listing is not None,
        "problem": problem,
        "page": page,
        "breadcrumbs": [(_("Search"), "")],
    }
    template = "search/partials/results.html" if request.htmx and not request.htmx.boosted else "search/search.html"
    return render(request, template, context)


@login_required
def similar_partial(request: HttpRequest) -> HttpResponse:
    """ "Similar content" for a form being typed (htmx: hx-get with the text field as `q`,
    `type` for the content types, `exclude=kind:id` for the object being edited)."""
    if not request.user.has_perm("search.search"):
        raise PermissionDenied
    text, types, exclude = SimilarForm(request.GET).cleaned(SIMILAR_MAX_CHARS)
    hits = similar(text, types=types or None, user=request.user, limit=5, exclude=exclude) if text.strip() else []
    return render(request, "search/partials/similar.html", {"hits": hits})

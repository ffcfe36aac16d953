"""The search page: one box over everything the person may read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from reports.search.forms import SearchForm
from reports.search.querying import search


@login_required
@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET) if "q" in request.GET else SearchForm()
    results = None
    if form.is_bound and form.is_valid():
        results = search(
            request.user,
            form.cleaned_data["q"],
            form.filters(),
            limit=form.page()[0],
            offset=form.page()[1],
        )
    return render(request, "search/search.html", {"form": form, "results": results})

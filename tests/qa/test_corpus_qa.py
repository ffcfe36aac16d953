"""The real camp's history (PFCCLab/Camp, shared/corpus) imported in bulk:
its questions become Q&A entries, found by a two-character Chinese query."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from reports.models import QAEntry, SearchDocument
from tests.clients import signed_in
from tests.importer.test_corpus import CORPUS

pytestmark = pytest.mark.skipif(
    CORPUS is None, reason="the real-data corpus is not there; set CAMP_CORPUS_DIR"
)


@pytest.mark.django_db
def test_the_imported_camp_answers_a_two_character_query(admin_user):
    call_command("import_repo", str(CORPUS / "camp-weekly-reports.bundle"), stdout=io.StringIO())
    entries = QAEntry.objects.all()
    assert entries.count() >= 50
    assert entries.filter(answers__source="section").distinct().count() >= 40
    assert SearchDocument.objects.filter(kind=SearchDocument.Kind.QA).count() == entries.count()

    results = (
        signed_in(admin_user).get("/api/search/", {"q": "翻译", "kind": "qa"}).json()["results"]
    )
    assert results and all(r["kind"] == "qa" for r in results)
    assert all("<mark>翻译</mark>" in r["snippet"] for r in results)
    wanted = set(entries.filter(question__contains="翻译").values_list("pk", flat=True))
    assert wanted and wanted <= {r["id"] for r in results}

    page = signed_in(admin_user).get("/qa/", {"q": "继承"}).content.decode()
    assert "继承" in page and "data-qa=" in page

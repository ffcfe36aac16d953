"""One search over everything a person may read, on SQLite and PostgreSQL
alike: Chinese found without spaces (two characters and more, and one),
English words by prefix, every kind, every filter, and the access rules of
the pages for every role of the shared camp."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from camp.models import Cohort
from reports.models import Report, SearchDocument
from reports.reviewing.conversation import add_reply
from reports.reviews import add_review
from reports.search.indexing import rebuild
from reports.search.segmenting import query_terms, tokens
from reports.submissions import save_report
from tests.clients import signed_in
from tests.factories import complete_body

ALICE = complete_body("1. 完成了算子切分推导规则的开发\n2. Refactored the parser") + (
    "\n### 当前阻塞\n\n- 编译缓存失效\n\n### 问题疑惑与解答\n\n* 如何调试显存泄漏？\n\n    答：用 memory profiler\n"
)
CAROL = complete_body("1. 写了文档建设的教程\n2. Parsing tables")


@pytest.fixture
def written(camp):
    alice = save_report(student=camp.alice, period=camp.period(1), body=ALICE, submit=True).report
    carol = save_report(student=camp.carol, period=camp.period(1), body=CAROL, submit=True).report
    draft = save_report(
        student=camp.bob, period=camp.period(1), body=complete_body("草稿里的算子"), submit=False
    ).report
    outsider = save_report(
        student=camp.outsider,
        period=camp.other_cohort.periods.get(number=1),
        body=complete_body("别的营的算子"),
        submit=True,
    ).report
    add_review(alice, camp.mentor_a, "显存的问题看一下 profiler 的输出", "comment")
    add_reply(alice, camp.alice, "谢谢导师，显存问题已经定位")
    return {"alice": alice, "carol": carol, "draft": draft, "outsider": outsider}


def found(user, q: str, **params) -> set[tuple[str, int]]:
    response = signed_in(user).get("/api/search/", {"q": q, **params})
    assert response.status_code == 200, response.content
    return {(r["kind"], r["id"]) for r in response.json()["results"]}


def reports_found(user, q: str) -> set[int]:
    return {id_ for kind, id_ in found(user, q) if kind == "report"}


def test_two_chinese_characters_find_a_report_without_spaces(camp, written):
    assert reports_found(camp.ta, "算子") == {written["alice"].pk}
    assert reports_found(camp.ta, "切分推导") == {written["alice"].pk}
    assert reports_found(camp.ta, "推切") == set()


def test_one_chinese_character_and_english_prefixes(camp, written):
    assert reports_found(camp.ta, "教") == {written["carol"].pk}
    assert reports_found(camp.ta, "pars") == {written["alice"].pk, written["carol"].pk}
    assert reports_found(camp.ta, "PARSER") == {written["alice"].pk}
    assert reports_found(camp.ta, "算子 parser") == {written["alice"].pk}


def test_every_kind_is_found_and_snippets_are_marked(camp, written):
    results = signed_in(camp.mentor_a).get("/api/search/", {"q": "显存"}).json()["results"]
    kinds = {r["kind"] for r in results}
    assert kinds == {"report", "review", "reply", "qa"}
    for result in results:
        assert "<mark>显存</mark>" in result["snippet"], result
        assert set(result) >= {"kind", "id", "url", "snippet"}
    assert found(camp.mentor_a, "编译缓存") == {
        ("report", written["alice"].pk),
        ("blocker", written["alice"].blockers.get().pk),
    }


def test_snippets_escape_what_people_typed(camp):
    save_report(
        student=camp.alice,
        period=camp.period(2),
        body=complete_body("<script>alert(1)</script> 漏洞复现"),
        submit=True,
    )
    (result,) = signed_in(camp.ta).get("/api/search/", {"q": "漏洞"}).json()["results"]
    assert "<script>" not in result["snippet"] and "&lt;script&gt;" in result["snippet"]


# who                 sees alice's report   her review   her reply   the draft   outsider's
ACCESS = [
    ("alice", True, True, True, False, False),
    ("bob", True, False, False, True, False),  # a peer: the report, not its review
    ("mentor_a", True, True, True, False, False),
    ("mentor_b", True, False, False, False, False),  # shared cohort, not his student
    ("ta", True, True, True, False, False),
    ("other_ta", False, False, False, False, True),
    ("outsider", False, False, False, False, True),
    ("stranger", False, False, False, False, False),
    ("admin", True, True, True, True, True),
]


@pytest.mark.parametrize(("who", "report", "review", "reply", "draft", "outsider"), ACCESS)
def test_search_follows_the_access_rules_of_the_pages(
    camp, written, who, report, review, reply, draft, outsider
):
    user = getattr(camp, who)
    got = found(user, "算子") | found(user, "显存")
    alice = written["alice"]
    assert (("report", alice.pk) in got) is report
    assert (("review", alice.reviews.get().pk) in got) is review
    assert (("reply", alice.replies.get().pk) in got) is reply
    assert (("report", written["draft"].pk) in got) is draft
    assert (("report", written["outsider"].pk) in got) is outsider


def test_a_private_cohort_hides_peers_reports(camp, written):
    Cohort.objects.filter(pk=camp.cohort.pk).update(report_visibility=Cohort.Visibility.PRIVATE)
    assert reports_found(camp.bob, "算子") == {written["draft"].pk}  # his own draft only
    assert reports_found(camp.mentor_b, "算子") == set()
    assert reports_found(camp.mentor_a, "算子") == {written["alice"].pk}


def test_filters(camp, written):
    assert found(camp.admin, "算子", cohort="other") == {("report", written["outsider"].pk)}
    assert found(camp.admin, "算子", student=camp.carol.github_login or "nobody") == set()
    assert found(camp.admin, "显存", kind="review") == {
        ("review", written["alice"].reviews.get().pk)
    }
    assert found(camp.admin, "显存", kind=["review", "reply"]) == {
        ("review", written["alice"].reviews.get().pk),
        ("reply", written["alice"].replies.get().pk),
    }
    assert found(camp.ta, "算子", cohort="camp", period=2) == set()
    assert found(camp.ta, "算子", cohort="camp", period=1) == {("report", written["alice"].pk)}


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": ""},
        {"q": "   "},
        {"q": "!!!"},
        {"q": "x" * 201},
        {"q": "a", "period": 1},
        {"q": "a", "kind": "nope"},
    ],
)
def test_bad_queries_get_a_clear_error(camp, params):
    response = signed_in(camp.ta).get("/api/search/", params)
    assert response.status_code == 400
    assert response.json()


def test_the_index_follows_edits_and_deletions(camp, written):
    alice = written["alice"]
    save_report(
        student=camp.alice, period=camp.period(1), body=complete_body("改成了别的内容"), submit=True
    )
    assert reports_found(camp.ta, "切分推导") == set()
    assert reports_found(camp.ta, "别的内容") == {alice.pk}
    Report.objects.filter(pk=alice.pk).delete()
    assert not SearchDocument.objects.filter(report=alice.pk).exists()


def test_rebuild_writes_the_same_documents(camp, written):
    def snapshot():
        return sorted(SearchDocument.objects.values_list("kind", "object_id", "tokens"))

    before = snapshot()
    SearchDocument.objects.all().delete()
    rebuild()
    assert snapshot() == before
    assert reports_found(camp.ta, "算子") == {written["alice"].pk}


def test_the_search_page(camp, written):
    page = signed_in(camp.ta).get("/search/", {"q": "算子"}).content.decode()
    assert "<mark>算子</mark>" in page
    assert "别的营" not in page
    assert signed_in(camp.ta).get("/search/", {"q": ""}).status_code == 200


CJK = st.text(
    alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x4E20), min_size=2, max_size=12
)


@given(text=CJK, start=st.integers(0, 10), length=st.integers(2, 6))
@settings(max_examples=200, deadline=None)
def test_a_chinese_substring_is_a_phrase_of_the_texts_tokens(text, start, length):
    """Pure: the tokens of any substring of two or more characters appear in
    the text's tokens, in order and adjacent."""
    piece = text[start : start + length]
    if len(piece) < 2:
        return
    (term,) = query_terms(piece)
    whole = tokens(text)
    n = len(term.tokens)
    assert any(tuple(whole[i : i + n]) == term.tokens for i in range(len(whole) - n + 1))

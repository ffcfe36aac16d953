"""Copied and reused reports flagged, never blocked: two near-identical
reports are flagged to the mentors and TAs (both ways, in the page and the
API), two different ones are not; a student's report reused for another
period is flagged too; names and the template's headings do not count."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from reports.models import SimilarityFlag
from reports.similarity.shingling import comparable_text, jaccard, shingles
from reports.submissions import save_report
from tests.clients import signed_in

WORK = (
    "1. 完成了 PIR 下 take_along_axis 算子的切分推导规则，补充了单测并提交了 PR\n"
    "2. 调研了 put_along_axis 的实现，整理了与 Paddle 动态图的差异\n"
    "3. 修复了 CI 中因为 0 维张量导致的三个失败用例\n"
)
PLANS = "1. 完成 put_along_axis 的切分推导规则\n2. 学习 einsum 的实现\n"


def body(name: str, project: str, work: str = WORK, plans: str = PLANS) -> str:
    return (
        f"### 姓名\n\n{name}\n\n### 实习项目\n\n{project}\n\n### 本周工作\n\n{work}\n"
        f"### 下周工作\n\n{plans}\n### 问题疑惑与解答\n\n* 暂无\n"
    )


DIFFERENT = (
    "1. 编写了文档建设的新手教程，覆盖环境安装与第一个 PR 的流程\n"
    "2. 翻译了三篇英文 API 文档，统一了术语表\n"
    "3. 整理了社区常见问题，并回复了论坛里的十几个提问\n"
)


def test_two_near_identical_reports_are_flagged_both_ways(camp):
    alice = save_report(
        student=camp.alice, period=camp.period(2), body=body("Alice", "项目一"), submit=True
    ).report
    # bob copies it, changing his name and one word.
    bob = save_report(
        student=camp.bob,
        period=camp.period(2),
        body=body("Bob", "项目一", WORK.replace("三个", "两个")),
        submit=True,
    ).report
    (flag,) = SimilarityFlag.objects.filter(report=bob)
    assert flag.other == alice and 0.85 < flag.score < 1
    assert SimilarityFlag.objects.filter(report=alice, other=bob).exists()

    # Bob's mentors (mentor_a mentors both, mentor_b reads alice's report in the
    # shared cohort) and the TA see it, in the API and on the page.
    for user in (camp.mentor_a, camp.mentor_b, camp.ta):
        data = signed_in(user).get(f"/api/reports/{bob.pk}/").json()
        assert [s["report"] for s in data["similar_to"]] == [alice.pk]
        assert 0 <= data["similar_to"][0]["score"] <= 1
        page = signed_in(user).get(f"/reports/{bob.pk}/").content.decode()
        assert "data-similar" in page and f"/reports/{bob.pk}/similar/{alice.pk}/" in page
    # The students themselves see nothing.
    for user in (camp.bob, camp.alice):
        assert signed_in(user).get(f"/api/reports/{bob.pk}/").json()["similar_to"] == []
        assert "data-similar" not in signed_in(user).get(f"/reports/{bob.pk}/").content.decode()
    # Nor does a mentor who may review alice's report but not read bob's: in a
    # private cohort mentor_b sees only his own students' reports (bob and carol).
    carol = save_report(
        student=camp.carol, period=camp.period(2), body=body("Carol", "项目二"), submit=True
    ).report
    camp.cohort.report_visibility = "private"
    camp.cohort.save()
    flagged = {
        s["report"]
        for s in signed_in(camp.mentor_b).get(f"/api/reports/{carol.pk}/").json()["similar_to"]
    }
    assert flagged == {bob.pk}


def test_the_comparison_marks_the_shared_passages(camp):
    alice = save_report(
        student=camp.alice, period=camp.period(2), body=body("Alice", "项目一"), submit=True
    ).report
    bob = save_report(
        student=camp.bob, period=camp.period(2), body=body("Bob", "项目一"), submit=True
    ).report
    page = signed_in(camp.mentor_a).get(f"/reports/{bob.pk}/similar/{alice.pk}/")
    assert page.status_code == 200
    assert "<mark>" in page.content.decode() and "take_along_axis" in page.content.decode()
    assert signed_in(camp.bob).get(f"/reports/{bob.pk}/similar/{alice.pk}/").status_code == 403
    assert signed_in(camp.outsider).get(f"/reports/{bob.pk}/similar/{alice.pk}/").status_code == 404


def test_two_different_reports_are_not_flagged(camp):
    save_report(
        student=camp.alice, period=camp.period(2), body=body("Alice", "项目一"), submit=True
    )
    save_report(
        student=camp.carol,
        period=camp.period(2),
        body=body("Carol", "项目二", DIFFERENT),
        submit=True,
    )
    assert not SimilarityFlag.objects.exists()


def test_the_next_report_built_on_last_periods_plans_is_not_flagged(camp):
    save_report(
        student=camp.alice, period=camp.period(2), body=body("Alice", "项目一"), submit=True
    )
    save_report(
        student=camp.alice,
        period=camp.period(3),
        body=body("Alice", "项目一", PLANS, "1. 开始 einsum 的切分推导\n2. 整理文档\n"),
        submit=True,
    )
    assert not SimilarityFlag.objects.exists()


def test_a_report_reused_for_another_period_is_flagged(camp):
    first = save_report(
        student=camp.alice, period=camp.period(2), body=body("Alice", "项目一"), submit=True
    ).report
    again = save_report(
        student=camp.alice, period=camp.period(3), body=body("Alice", "项目一"), submit=True
    ).report
    assert SimilarityFlag.objects.get(report=again).other == first


def test_an_edit_away_from_the_copy_drops_the_flag_and_nothing_is_refused(camp):
    save_report(
        student=camp.alice, period=camp.period(2), body=body("Alice", "项目一"), submit=True
    )
    bob = signed_in(camp.bob)
    response = bob.post(
        "/reports/write/camp/2/", {"body": body("Bob", "项目一"), "action": "submit_anyway"}
    )
    assert response.status_code == 302  # submitted: a copy is flagged, never blocked
    assert SimilarityFlag.objects.count() == 2
    bob.post(
        "/reports/write/camp/2/",
        {"body": body("Bob", "项目一", DIFFERENT), "action": "submit_anyway"},
    )
    assert not SimilarityFlag.objects.exists()


def test_names_headings_and_template_lines_do_not_count():
    template = "### 姓名\n\n{name}\n\n### 本周工作\n\n* 请在此描述本周完成的工作\n"
    one = comparable_text(
        "### 姓名\n\nAlice\n\n### 本周工作\n\n* 请在此描述本周完成的工作\n", template, ["Alice"]
    )
    assert one == ""
    text = comparable_text("### 本周工作\n\nalice 修好了 Alice 的 bug\n", template, ["Alice"])
    assert text == "修好了的bug"


@given(st.text(min_size=10, max_size=200))
@settings(max_examples=100, deadline=None)
def test_jaccard_is_one_for_the_same_text_and_symmetric(text):
    a, b = shingles(text), shingles(text[::-1])
    assert jaccard(a, a) in (0.0, 1.0)
    assert jaccard(a, b) == jaccard(b, a)

"""The Q&A archive through the public face: questions and answers read from
reports (both shapes the camp writes), answers from reviews and replies, the
archive page across cohorts with search and filters, the TA's curation and the
export in the camp's 周报QA.md shape."""

from __future__ import annotations

import pytest

from reports.models import QAAnswer, QAEntry
from reports.qa.extraction import qa_pairs
from reports.reviewing.conversation import add_reply
from reports.reviews import add_review
from reports.submissions import save_report
from tests.clients import signed_in
from tests.factories import complete_body

TITLES = ["问题疑惑与解答"]
LISTED = complete_body("1. 写代码") + (
    "\n### 问题疑惑与解答\n\n* 显存为什么一直涨？\n\n    答：检查是否缓存了计算图\n\n* 单测如何跳过 GPU？\n"
)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "#### 问题疑惑与解答\n\n* 为什么编译失败？\n\n    答：缺少依赖\n\n* 怎么提 PR？\n",
            [("为什么编译失败？", "缺少依赖"), ("怎么提 PR？", "")],
        ),
        (
            "### 本周工作\n\n1. 做事\n3. **问题疑惑与解答**\n\n   - 问题：要继承吗？\n\n     答：要\n\n### 下周工作\n\n1. 继续\n",
            [("要继承吗？", "要")],
        ),
        (
            "### 问题疑惑与解答\n\n**问题1：** 能保存环境吗？\n\n答：能，关闭时保存\n\n**问题2：** 如何充值？\n\n答：最少十元\n",
            [("能保存环境吗？", "能，关闭时保存"), ("如何充值？", "最少十元")],
        ),
        ("### 问题疑惑与解答\n\n暂无\n", []),
        ("3. **问题疑惑与解答** 无\n", []),
        ("### 问题疑惑与解答\n\n* 一切顺利\n", []),
        ("### 问题疑惑与解答\n\n- 为何如此？答：一行里的答案\n", [("为何如此？", "一行里的答案")]),
    ],
)
def test_questions_and_answers_are_read_in_both_shapes(body, expected):
    assert [(p.question, p.answer) for p in qa_pairs(body, TITLES)] == expected


@pytest.fixture
def asked(camp):
    return save_report(student=camp.alice, period=camp.period(2), body=LISTED, submit=True).report


def test_entries_with_answers_from_the_section_a_review_and_a_reply(camp, asked):
    first, second = QAEntry.objects.order_by("position")
    assert (
        first.question == "显存为什么一直涨？"
        and first.published_answer().text == "检查是否缓存了计算图"
    )
    assert second.published_answer() is None
    assert first.project == camp.project_a and first.asked_by == camp.alice

    add_review(asked, camp.mentor_a, "用 pytest.mark.skipif 跳过 GPU 用例", "comment")
    add_reply(asked, camp.alice, "好的")  # the asker's own reply answers nothing
    add_reply(asked, camp.ta, "也可以看 CI 的配置")
    assert list(second.answers.values_list("source", flat=True).order_by("pk")) == [
        "review",
        "reply",
    ]
    assert not first.answers.exclude(source="section").exists()


def test_answers_from_the_conversation_are_shown_to_its_readers_until_accepted(camp, asked):
    add_review(asked, camp.mentor_a, "用 pytest.mark.skipif 跳过", "comment")
    entry = QAEntry.objects.get(question="单测如何跳过 GPU？")
    # bob reads alice's report (the cohort shares them), not her review.
    assert "skipif" not in signed_in(camp.bob).get(f"/qa/{entry.pk}/").content.decode()
    assert "skipif" in signed_in(camp.mentor_a).get(f"/qa/{entry.pk}/").content.decode()
    answer = entry.answers.get(source="review")
    assert signed_in(camp.mentor_a).post(f"/qa/answers/{answer.pk}/accept/").status_code == 403
    assert signed_in(camp.ta).post(f"/qa/answers/{answer.pk}/accept/").status_code == 302
    assert "skipif" in signed_in(camp.bob).get(f"/qa/{entry.pk}/").content.decode()


def test_the_archive_across_cohorts_searchable_and_filtered(camp, asked):
    save_report(
        student=camp.outsider,
        period=camp.other_cohort.periods.get(number=1),
        body=complete_body("1. x")
        + "\n### 问题疑惑与解答\n\n* 显存不够怎么办？\n\n    答：减小 batch\n",
        submit=True,
    )
    admin = signed_in(camp.admin)
    page = admin.get("/qa/").content.decode()
    assert "显存为什么一直涨？" in page and "显存不够怎么办？" in page
    assert "显存不够怎么办？" not in signed_in(camp.alice).get("/qa/").content.decode()
    searched = admin.get("/qa/", {"q": "显存"}).content.decode()
    assert "显存为什么一直涨？" in searched and "单测如何跳过" not in searched
    by_cohort = admin.get("/qa/", {"cohort": "other"}).content.decode()
    assert "显存不够怎么办？" in by_cohort and "显存为什么一直涨？" not in by_cohort
    assert "显存不够" not in admin.get("/qa/", {"project": camp.project_a.pk}).content.decode()


def test_a_ta_curates_edits_tags_hides_and_merges(camp, asked):
    first, second = QAEntry.objects.order_by("position")
    ta = signed_in(camp.ta)
    assert (
        signed_in(camp.mentor_a)
        .post(f"/qa/{first.pk}/edit/", {"question": "x", "tags": "", "hidden": ""})
        .status_code
        == 403
    )
    ta.post(f"/qa/{first.pk}/edit/", {"question": "显存一直上涨的原因", "tags": "显存, 调试"})
    first.refresh_from_db()
    assert (first.shown_question, first.tags) == ("显存一直上涨的原因", ["显存", "调试"])
    assert "显存一直上涨的原因" in ta.get("/qa/", {"tag": "调试"}).content.decode()
    assert "显存一直上涨的原因" not in ta.get("/qa/", {"tag": "别的"}).content.decode()

    # Editing the report again keeps the TA's wording.
    save_report(student=camp.alice, period=camp.period(2), body=LISTED + "\n", submit=True)
    first.refresh_from_db()
    assert first.shown_question == "显存一直上涨的原因"

    ta.post(f"/qa/{second.pk}/merge/", {"into": first.pk})
    second.refresh_from_db()
    assert second.merged_into == first
    assert f'data-qa="{second.pk}"' not in ta.get("/qa/").content.decode()

    ta.post(f"/qa/{first.pk}/edit/", {"question": first.shown_question, "tags": "", "hidden": "on"})
    assert f'data-qa="{first.pk}"' not in signed_in(camp.bob).get("/qa/").content.decode()
    assert f'data-qa="{first.pk}"' in ta.get("/qa/").content.decode()
    assert signed_in(camp.bob).get(f"/qa/{first.pk}/").status_code == 404


def test_the_export_in_the_camps_shape(camp, asked):
    ta = signed_in(camp.ta)
    response = ta.get("/qa/export/camp.md", {"period": 2})
    assert response.status_code == 200
    assert response.content.decode() == (
        "**问题1：** 显存为什么一直涨？\n\n答：检查是否缓存了计算图\n\n\n\n**问题2：** 单测如何跳过 GPU？\n"
    )
    assert "attachment" in response["Content-Disposition"]
    assert signed_in(camp.mentor_a).get("/qa/export/camp.md").status_code == 403
    assert ta.get("/qa/export/camp.md", {"period": "x"}).status_code == 400
    assert signed_in(camp.other_ta).get("/qa/export/camp.md").status_code == 403


def test_a_question_the_report_no_longer_asks_goes_unless_curated(camp, asked):
    first, second = QAEntry.objects.order_by("position")
    QAAnswer.objects.filter(entry=first).update(accepted=True)
    save_report(
        student=camp.alice, period=camp.period(2), body=complete_body("1. 只剩工作"), submit=True
    )
    assert list(QAEntry.objects.values_list("pk", flat=True)) == [first.pk]

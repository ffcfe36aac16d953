"""The write form's domain: template prefill and the checks before submit (pure parts)."""

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from camp.models import DEFAULT_REPORT_TEMPLATE, Cohort
from reports.parsing import find_section
from reports.writing import carry_over_plans, lint_report, prefilled_body, template_hints

FILLED = """### 姓名

Alice

### 实习项目

项目一：算子补全

### 本周工作

1. **工作内容**

    * 完成了 `paddle.add` 的单测

### 下周工作

1. **工作计划**

    * 继续补充文档

### 导师点评

请联系导师填写

### 问题疑惑与解答

* 暂无
"""


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def cohort(**kwargs) -> Cohort:
    # Unsaved: lint needs only the template and the required sections.
    return Cohort(slug="c", name="c", **kwargs)


def test_prefill_fills_name_and_project_from_profile(camp):
    body = prefilled_body(camp.cohort, camp.alice)
    assert "### 姓名\n\nAlice\n" in body
    assert "### 实习项目\n\n项目一：算子补全\n" in body
    for section in ("本周工作", "下周工作", "问题疑惑与解答"):
        assert f"### {section}" in body
    assert "{name}" not in body and "{project}" not in body


def test_prefill_keeps_braces_elsewhere_in_the_template(camp):
    camp.cohort.report_template = "### 姓名\n\n{name}\n\n```\nfmt = '{}'.format(x)\n```\n"
    assert "'{}'.format(x)" in prefilled_body(camp.cohort, camp.alice)


def test_filled_report_passes():
    lint = lint_report(FILLED, cohort())
    assert lint.ok and lint.errors == [] and lint.warnings == []


def test_untouched_template_blocks_with_one_message_per_empty_section():
    body = DEFAULT_REPORT_TEMPLATE.replace("{name}", "Alice").replace("{project}", "项目一")
    lint = lint_report(body, cohort())
    assert lint.errors == ["Section “本周工作” is empty.", "Section “下周工作” is empty."]
    assert "Template hint “请在此描述本周完成的工作” left in section “本周工作”." in lint.warnings
    assert "Template hint “请在此描述下周的工作计划” left in section “下周工作”." in lint.warnings


def test_missing_and_blank_sections_are_errors():
    body = FILLED.replace("### 实习项目\n\n项目一：算子补全\n", "").replace("Alice", "")
    assert lint_report(body, cohort()).errors == [
        "Section “姓名” is empty.",
        "Section “实习项目” is missing.",
    ]


def test_required_sections_come_from_the_cohort():
    body = FILLED.replace("* 继续补充文档", "")
    assert lint_report(body, cohort(required_sections=["本周工作"])).ok
    assert not lint_report(body, cohort()).ok


@pytest.mark.parametrize(
    "line, placeholder",
    [
        ("* 修复了 xxx 问题", "xxx"),
        ("* 2025.mm1.dd1 提交 PR", "mm1.dd1"),
        ("请联系导师填写", "请联系导师填写"),
    ],
)
def test_placeholders_warn_but_do_not_block(line, placeholder):
    body = FILLED.replace("* 继续补充文档", f"* 继续补充文档\n{line}")
    lint = lint_report(body, cohort())
    assert lint.ok
    assert lint.warnings == [f"Placeholder “{placeholder}” left in section “下周工作”."]


def test_placeholders_in_code_and_the_mentor_section_are_not_warned():
    body = FILLED.replace(
        "* 继续补充文档", "* 继续补充文档\n\n```\nxxx = 1\n```\n\n* 变量 `xxx` 改名"
    )
    assert lint_report(body, cohort()).warnings == []


def test_words_containing_xxx_are_not_placeholders():
    body = FILLED.replace("继续补充文档", "review xxxlarge-model and xxxx")
    assert lint_report(body, cohort()).warnings == [
        "Placeholder “xxxx” left in section “下周工作”."
    ]


def test_hints_are_the_template_lines_that_ask_for_something():
    assert template_hints(DEFAULT_REPORT_TEMPLATE) == [
        "请在此描述本周完成的工作",
        "请在此描述下周的工作计划",
    ]


@given(st.text(max_size=300))
def test_lint_never_crashes_and_blocks_whatever_lacks_the_sections(text):
    lint = lint_report(text, cohort(required_sections=["本周工作"]))
    if "本周工作" not in text:
        assert lint.errors == ["Section “本周工作” is missing."]


PLAN_LINES = st.lists(
    st.text(alphabet="补全单测文档修复算子abcxyz ", min_size=1, max_size=20).filter(
        lambda t: t.strip() and not t.strip().startswith("请")
    ),
    min_size=1,
    max_size=5,
)


@given(lines=PLAN_LINES)
def test_carry_over_puts_last_plans_under_this_period_and_keeps_the_rest(lines):
    plans = "\n".join(f"* {line.strip()}" for line in lines)
    previous = FILLED.replace("    * 继续补充文档", plans)
    carried = carry_over_plans(DEFAULT_REPORT_TEMPLATE, previous, template=DEFAULT_REPORT_TEMPLATE)
    assert find_section(carried, "本周工作").body == find_section(previous, "下周工作").body
    for title in ("姓名", "实习项目", "下周工作", "导师点评", "问题疑惑与解答"):
        assert find_section(carried, title) == find_section(DEFAULT_REPORT_TEMPLATE, title)


def test_no_carry_over_without_plans_or_with_the_templates_hints_only():
    template = DEFAULT_REPORT_TEMPLATE
    assert carry_over_plans(template, None, template=template) == template
    assert carry_over_plans(template, "just text, no sections", template=template) == template
    assert carry_over_plans(template, template, template=template) == template

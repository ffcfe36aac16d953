"""Rendering helpers for the progress overview.

The matrix of a big camp has 13,000 cells; rendering each through the template
engine costs more than building the whole overview, so a row is written here
in one pass, with every text escaped.
"""

from __future__ import annotations

import datetime
from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext, pgettext_lazy

from camp.models import User
from reports.overview.grid import StudentRow
from reports.status import State

register = template.Library()

# A short class per state, for the page's style sheet: a big camp's matrix has
# 13,000 cells and every byte of a cell counts thirteen thousand times.
STATE_CODES = {
    State.REVIEWED: "r",
    State.ON_TIME: "t",
    State.LATE: "l",
    State.NEEDS_CHANGES: "c",
    State.RESUBMITTED: "u",
    State.MISSING: "m",
    State.EXCUSED: "e",
    State.OPEN: "o",
    State.FUTURE: "f",
    State.DRAFT: "d",
}

# Each state has its own mark in the page's language, so the matrix reads
# without colour and on paper ("O" for open read as zero).
STATE_MARKS = {
    State.REVIEWED: pgettext_lazy("overview cell mark: reviewed", "R"),
    State.ON_TIME: pgettext_lazy("overview cell mark: submitted on time", "S"),
    State.LATE: pgettext_lazy("overview cell mark: submitted late", "L"),
    State.NEEDS_CHANGES: pgettext_lazy("overview cell mark: needs changes", "C"),
    State.RESUBMITTED: pgettext_lazy(
        "overview cell mark: resubmitted, waiting for a re-review", "U"
    ),
    State.MISSING: pgettext_lazy("overview cell mark: missing", "M"),
    State.EXCUSED: pgettext_lazy("overview cell mark: excused", "E"),
    State.OPEN: pgettext_lazy("overview cell mark: open, not yet due", "…"),
    State.FUTURE: pgettext_lazy("overview cell mark: not started", "·"),
    State.DRAFT: pgettext_lazy("overview cell mark: draft", "D"),
}

# An open pull request on GitHub, beside the cell's own mark.
PENDING_MARK = pgettext_lazy("overview cell mark: pending on GitHub", "P")


@register.simple_tag
def state_mark(state: str) -> str:
    return str(STATE_MARKS[State(state)])


@register.simple_tag
def state_code(state: str) -> str:
    return STATE_CODES[State(state)]


def _marks(context: template.Context) -> dict[State | str, str]:
    """Escaped marks, translated once per render rather than once per cell."""
    cache = context.render_context
    if "overview_marks" not in cache:
        marks: dict[State | str, str] = {
            state: escape(str(mark)) for state, mark in STATE_MARKS.items()
        }
        marks["quiet"] = escape(
            gettext("quiet: no GitHub activity and no report in the current period")
        )
        marks["quiet_mark"] = escape(gettext("quiet"))
        cache["overview_marks"] = marks
    return cache["overview_marks"]


@register.simple_tag(takes_context=True)
def overview_rows(context: template.Context, rows: list[StudentRow]) -> SafeString:
    """The rows of a group of students, one tag for all of them: a tag per row
    cost the template engine as much as writing the row."""
    marks = _marks(context)
    return mark_safe("\n".join(_row(marks, row) for row in rows))  # noqa: S308 (_row escapes)


def _row(marks: dict[State | str, str], row: StudentRow) -> str:
    """One student's row: login, name and mentors, then a cell per period.

    A cell is its state's class and mark only. What would repeat in every cell
    sits once on the row, in data-cells, one entry per period: the report's id
    (overview.js turns the mark into a link to it) and the days late after a
    slash, e.g. "812,,815/2,/3". overview.js builds each cell's title from its
    column and the legend."""
    mentors = ", ".join(f"@{escape(str(m))}" for m in row.mentors)
    parts = [
        f'<th scope="row"><span class="login">@{escape(row.login)}</span> '
        f'<span class="name">{escape(row.student.name)}</span>'
        + (
            f' <span class="quiet-marker" data-quiet title="{marks["quiet"]}">'
            f"{marks['quiet_mark']}</span>"
            if row.quiet
            else ""
        )
        + (
            f' <span class="blocker-marker" data-blockers="{row.open_blockers}" title="'
            + escape(
                ngettext(
                    "%(count)d open blocker, the oldest %(days)d days old",
                    "%(count)d open blockers, the oldest %(days)d days old",
                    row.open_blockers,
                )
                % {"count": row.open_blockers, "days": row.oldest_blocker_days}
            )
            + f'">⚑{row.open_blockers}</span>'
            if row.open_blockers
            else ""
        )
        + (f'<small class="mentors">{mentors}</small>' if mentors else "")
        + "</th>"
    ]
    entries = []
    pending_mark = None
    for cell in row.cells:
        entry = "" if cell.report_id is None else str(cell.report_id)
        if cell.days_late:
            entry += f"/{cell.days_late}"
        entries.append(entry)
        mark = marks[cell.state]
        if cell.merged:
            mark += f'<span class="cell-merged" data-merged="{cell.merged}">{cell.merged}</span>'
        if cell.report_id is None and cell.pending_url is not None:
            if pending_mark is None:
                pending_mark = escape(str(PENDING_MARK))
            mark += f'<a class="pending" href="{escape(cell.pending_url)}">{pending_mark}</a>'
            parts.append(f'<td class="s-{STATE_CODES[cell.state]} pending">{mark}')
        elif cell.state == State.FUTURE:
            # The most common cell of a young camp: the style sheet draws its dot.
            parts.append("<td>")
        else:
            # No quotes and no </td>: both optional in HTML, and 10 bytes a cell.
            parts.append(f"<td class=s-{STATE_CODES[cell.state]}>{mark}")
    # Every piece above is escaped or a number.
    return f'<tr data-cells="{",".join(entries)}">{"".join(parts)}</tr>'


@register.simple_tag
def days_late_format(days: int) -> str:
    """The translated "N days late" for a count like `days`, with {n} where the
    number goes: overview.js fills it in for each cell's title."""
    return ngettext("%(days)d day late", "%(days)d days late", days).replace("%(days)d", "{n}")


@register.filter
def mentions(users: list[User]) -> str:
    """'@mentor-a, @mentor-b' (escaped by the template, as any variable)."""
    return ", ".join(f"@{user}" for user in users)


@register.filter
def logins(rows: list[StudentRow]) -> SafeString:
    """'@alice @bob …' for a list of students that can run to hundreds in a big camp."""
    return mark_safe(  # noqa: S308 (escaped)
        " ".join(f'<span class="login">@{escape(row.login)}</span>' for row in rows)
    )


@register.filter
def duration_short(value: datetime.timedelta | None) -> str:
    """'18 h' under two days, '2.5 d' above."""
    if value is None:
        return "–"
    hours = value.total_seconds() / 3600
    if hours < 48:
        return gettext("%(hours)d h") % {"hours": round(hours)}
    return gettext("%(days).1f d") % {"days": hours / 24}

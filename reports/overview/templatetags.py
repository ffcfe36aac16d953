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
from django.utils.translation import gettext, ngettext

from reports.overview.grid import StudentRow
from reports.status import State

register = template.Library()

# Each state has its own mark, so the matrix reads without colour and on paper.
STATE_MARKS = {
    State.REVIEWED: "R",
    State.ON_TIME: "S",
    State.LATE: "L",
    State.NEEDS_CHANGES: "C",
    State.RESUBMITTED: "U",
    State.MISSING: "M",
    State.EXCUSED: "E",
    State.OPEN: "O",
    State.FUTURE: "·",
    State.DRAFT: "D",
}


# An open pull request on GitHub, beside the cell's own mark.
PENDING_MARK = "P"


@register.simple_tag
def state_mark(state: str) -> str:
    return STATE_MARKS[State(state)]


def _labels(context: template.Context) -> dict[State | str, str]:
    """Escaped state labels, translated once per render rather than once per row."""
    cache = context.render_context
    if "overview_labels" not in cache:
        cache["overview_labels"] = {state: escape(str(state.label)) for state in State}
        cache["overview_labels"]["pending"] = escape(gettext("pending on GitHub"))
    return cache["overview_labels"]


@register.simple_tag(takes_context=True)
def overview_row(context: template.Context, row: StudentRow) -> SafeString:
    """One student's row: login, name and mentors, then a cell per period."""
    labels = _labels(context)
    mentors = ", ".join(f"@{escape(str(m))}" for m in row.mentors)
    parts = [
        f'<th scope="row"><span class="login">@{escape(row.login)}</span> '
        f'<span class="name">{escape(row.student.name)}</span>'
        + (f'<small class="mentors">{mentors}</small>' if mentors else "")
        + "</th>"
    ]
    for cell in row.cells:
        title = f"#{cell.period.number} · {labels[cell.state]}"
        if cell.days_late:
            title += " · " + escape(
                ngettext("%(days)d day late", "%(days)d days late", cell.days_late)
                % {"days": cell.days_late}
            )
        mark = STATE_MARKS[cell.state]
        pending = ""
        if cell.report_id is not None:
            mark = f'<a href="{escape(cell.url)}">{mark}</a>'
        elif cell.pending_url is not None:
            title += " · " + labels["pending"]
            mark += f'<a class="pending" href="{escape(cell.pending_url)}">{PENDING_MARK}</a>'
            pending = " pending"
        parts.append(f'<td class="cell s-{cell.state.value}{pending}" title="{title}">{mark}</td>')
    return mark_safe("".join(parts))  # noqa: S308 (every piece above is escaped)


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

from django import template

from camp.models import Role
from camp.roles import cohorts_where
from reports.markdown import render_markdown

register = template.Library()


@register.filter
def is_student(user) -> bool:
    return cohorts_where(user, Role.STUDENT).exists()


@register.filter(name="markdown")
def markdown_filter(text: str) -> str:
    return render_markdown(text)


@register.filter(name="markdown_refs")
def markdown_with_references(text: str, repository: str) -> str:
    """Markdown with GitHub references linked, #123 in `repository`."""
    return render_markdown(text, repository=repository or "")

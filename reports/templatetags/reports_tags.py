from django import template

from camp.models import Role
from reports.access import cohorts_where
from reports.markdown import render_markdown

register = template.Library()


@register.filter
def is_student(user) -> bool:
    return cohorts_where(user, Role.STUDENT).exists()


@register.filter(name="markdown")
def markdown_filter(text: str) -> str:
    return render_markdown(text)

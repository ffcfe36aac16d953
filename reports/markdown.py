"""Markdown to safe HTML, in one place for the whole app (pages, preview, admin,
emails, API). Rendered with the extensions camp reports use, then sanitised
with nh3: whatever the author typed, no script or event handler survives."""

from __future__ import annotations

import markdown as python_markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

EXTENSIONS = [
    "tables",
    "sane_lists",
    "pymdownx.superfences",  # fenced code, also inside list items
    "pymdownx.tasklist",
    "pymdownx.tilde",
    "pymdownx.magiclink",
]
EXTENSION_CONFIGS = {
    "pymdownx.tasklist": {"custom_checkbox": False},
    "pymdownx.magiclink": {"repo_url_shortener": True},
}

ALLOWED_TAGS = (nh3.ALLOWED_TAGS | {"input", "tfoot"}) - {"area", "map"}
ALLOWED_ATTRIBUTES = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    "a": {"href", "hreflang", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "input": {"checked"},
    "li": {"class"},
    "ul": {"class"},
    "code": {"class"},
    "pre": {"class"},
    "div": {"class"},
    "span": {"class"},
    "th": {"align", "colspan", "rowspan", "style"},
    "td": {"align", "colspan", "rowspan", "style"},
}
# Task-list checkboxes are the only inputs that may survive: whatever an
# author typed, an input becomes a disabled checkbox.
SET_TAG_ATTRIBUTE_VALUES = {"input": {"type": "checkbox", "disabled": "disabled"}}
URL_SCHEMES = {"http", "https", "mailto"}
CLEAN_CONTENT_TAGS = {"script", "style", "iframe", "object", "embed", "noscript", "template"}


def render_markdown(text: str, *, repository: str = "") -> SafeString:
    """With `repository` (owner/name), GitHub references are linked as well:
    owner/repo#123, @login, and #123 in that repository (the report page passes
    the student's first tracked repository)."""
    configs = EXTENSION_CONFIGS
    if repository:
        user, _, repo = repository.partition("/")
        configs = {
            **EXTENSION_CONFIGS,
            "pymdownx.magiclink": {
                **EXTENSION_CONFIGS["pymdownx.magiclink"],
                "repo_url_shorthand": True,
                "provider": "github",
                "user": user,
                "repo": repo,
            },
        }
    html = python_markdown.markdown(
        text or "", extensions=EXTENSIONS, extension_configs=configs, output_format="html"
    )
    return mark_safe(sanitize_html(html))


def sanitize_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags=CLEAN_CONTENT_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_drop_unsafe_style,
        set_tag_attribute_values=SET_TAG_ATTRIBUTE_VALUES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener",
    )


def _drop_unsafe_style(tag: str, attribute: str, value: str) -> str | None:
    # Tables align columns with style="text-align: …"; nothing else may style.
    if attribute == "style":
        declaration = value.replace(" ", "").rstrip(";")
        allowed = {f"text-align:{side}" for side in ("left", "right", "center")}
        return value if declaration in allowed else None
    return value

"""Markdown and HTML from users, rendered to HTML that is safe to show (§15.6, §15.7)."""

from __future__ import annotations

from functools import cache

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table",
    "tbody", "td", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "td": {"align"},
    "th": {"align"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}


@cache
def _markdown() -> MarkdownIt:
    # HTML is allowed in the source (the contract accepts markdown or HTML); the sanitiser
    # below decides what survives.
    return MarkdownIt("commonmark", {"html": True, "linkify": False}).enable("table")


def sanitize(html: str) -> str:
    """Only an allow-list of tags and attributes; no scripts, no event handlers, no
    ``javascript:`` URLs; links get ``rel="noopener noreferrer nofollow"``."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


def render_markdown(text: str) -> str:
    """Markdown (HTML allowed) → sanitised HTML."""
    return sanitize(_markdown().render(text))

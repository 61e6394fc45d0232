"""Safety: card HTML runs inside every learner's Anki, so only an allowlist of markup may reach it.

`sanitize_html` enforces the allowlist on rendered fields with nh3 (a maintained HTML sanitiser);
`tag_problems` and `link_problem` explain to contributors, with a file:line, what the allowlist
would remove from their source.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

import nh3

# What our Markdown, Pygments and figures produce, plus a few harmless inline tags authors may write.
ALLOWED_TAGS = {
    "a", "b", "blockquote", "br", "code", "del", "div", "em", "h3", "h4", "h5", "h6", "hr", "i", "img",
    "kbd", "li", "mark", "ol", "p", "pre", "s", "span", "strong", "sub", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "code": {"class"},
    "div": {"class"},
    "img": {"alt", "src", "title"},
    "ol": {"start"},
    "pre": {"class"},
    "span": {"class"},
    "table": {"class"},
    "td": {"style"},
    "th": {"style"},
}
ALLOWED_STYLE_PROPERTIES = {"text-align"}  # table column alignment from Markdown
LINK_SCHEMES = {"http", "https", "mailto"}
# Packaged media names are flat ("fastbook-relu-1a2b.svg"): anything else would load from elsewhere.
MEDIA_NAME_RE = re.compile(r"^[\w.-]+$")


def sanitize_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=LINK_SCHEMES,
        attribute_filter=_filter_attribute,
        filter_style_properties=ALLOWED_STYLE_PROPERTIES,
        link_rel=None,
        strip_comments=True,
    )


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src" and not MEDIA_NAME_RE.match(value):
        return None
    return value


def tag_problems(name: str, attrs: tuple[tuple[str, str | None], ...]) -> list[str]:
    """Why a raw HTML tag written in a card would not survive sanitising (empty if it would)."""
    if name == "img":
        return ["raw <img> tag: use Markdown image syntax, e.g. ![description](../media/plot.png)"]
    if name not in ALLOWED_TAGS:
        return [f"HTML tag <{name}> is not allowed in cards (scripts, frames, embeds and styles could reach every learner)"]
    problems = []
    for attribute, value in attrs:
        if attribute.startswith("on"):
            problems.append(f"event-handler attribute {attribute}= on <{name}> is not allowed: cards carry no JavaScript")
        elif attribute not in ALLOWED_ATTRIBUTES.get(name, ()):
            problems.append(f"attribute {attribute}= on <{name}> is not allowed")
        elif attribute == "href" and (problem := link_problem(value or "")):
            problems.append(problem)
    return problems


def link_problem(url: str) -> str | None:
    scheme = urlparse(url.strip()).scheme.lower()
    if scheme and scheme not in LINK_SCHEMES:
        return f"link to {url!r} is not allowed: use an http(s) or mailto link"
    return None

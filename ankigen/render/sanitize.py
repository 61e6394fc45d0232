"""The one sanitiser: card HTML runs inside every learner's Anki, so only an allowlist of markup may reach it.

Every string that reaches a deck passes here: fields (`sanitize_html`, with nh3, a maintained HTML
sanitiser), deck descriptions and note-type templates (the same), deck names and tags
(`sanitize_deck_name`, `sanitize_tag`) and the note type's CSS (`css_problems`). `html_problems`
reads the same allowlist to explain to a contributor what sanitising would remove, so that `check`
reports it at its line instead of it vanishing silently.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
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
    "hr": {"id"},  # the note type's <hr id="answer">, where Anki scrolls to on the back
    "img": {"alt", "class", "src", "title"},  # class: only a figure's light or night version (FIGURE_CLASSES)
    "ol": {"start"},
    "pre": {"class"},
    "span": {"class"},
    "table": {"class"},
    "td": {"data-label", "style"},  # data-label: the column's header, shown above the cell on phones
    "th": {"style"},
}
# The two versions of a figure (the renderer's), shown by the card's CSS in light and in night mode.
LIGHT_FIGURE_CLASS = "light-figure"
NIGHT_FIGURE_CLASS = "night-figure"
FIGURE_CLASSES = {LIGHT_FIGURE_CLASS, NIGHT_FIGURE_CLASS}
ALLOWED_STYLE_PROPERTIES = {"text-align"}  # table column alignment from Markdown
LINK_SCHEMES = {"http", "https", "mailto"}
# Packaged media names are flat ("book-relu-1a2b.svg"): anything else would load from elsewhere.
MEDIA_NAME_RE = re.compile(r"^[\w.-]+$")
# In CSS: what could fetch a resource or run code, in any browser a learner's Anki may use.
_CSS_FORBIDDEN_RE = re.compile(r"@import|url\s*\(|expression\s*\(|javascript:|behavior\s*:|-moz-binding|</", re.IGNORECASE)
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
# What no field may hold: Anki's field separator and other controls make a package unimportable
# (tabs and line breaks are fine), and the line and paragraph separators move line numbers in some
# editors. The reader reports them at their line; the sanitiser removes any that got past it.
FIELD_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")
# Anki's own markup plays sounds and speech wherever a field holds it, code included.
ANKI_MARKUP_RE = re.compile(r"\[(?=(?:sound|anki):)", re.IGNORECASE)
# TeX commands that make MathJax (as Anki configures it) write links, styles, classes or ids, or
# load fonts and extensions. Outside math they are plain text, so they are defused everywhere.
TEX_FORBIDDEN_RE = re.compile(r"\\(?:href|style|class|cssId|unicode|require|bbox|data|html[A-Za-z]*)(?![A-Za-z])")


def sanitize_html(html: str) -> str:
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=LINK_SCHEMES,
        attribute_filter=_filter_attribute,
        filter_style_properties=ALLOWED_STYLE_PROPERTIES,
        link_rel=None,
        strip_comments=True,
    )
    if "\\" in clean:  # without its backslash a forbidden command is a word: MathJax shows it and runs nothing
        clean = TEX_FORBIDDEN_RE.sub(lambda command: command[0][1:], clean)
    if "[" in clean:  # an escaped bracket shows the same, and Anki sees no tag of its own
        clean = ANKI_MARKUP_RE.sub("&#91;", clean)
    return FIELD_CONTROL_RE.sub("", clean)


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src" and not MEDIA_NAME_RE.match(value):
        return None
    if tag == "img" and attribute == "class" and value not in FIGURE_CLASSES:
        return None
    return value


def sanitize_deck_name(text: str) -> str:
    """A name part of a deck: plain text on one line, and no '::', which would nest another deck."""
    return re.sub(r"\s+", " ", _CONTROL_RE.sub(" ", text)).replace("::", ":").strip()


def sanitize_tag(text: str) -> str:
    """A tag: no spaces (they separate tags) and no control characters."""
    return re.sub(r"\s+", "_", _CONTROL_RE.sub("", text))


def css_problems(css: str) -> list[tuple[int, str]]:
    """(line, message) for everything in the note type's CSS that could load a resource or run code."""
    return [
        (css.count("\n", 0, match.start()) + 1, f"{match[0]!r} is not allowed in the card CSS: it could load or run something in learners' Anki")
        for match in _CSS_FORBIDDEN_RE.finditer(css)
    ]


def html_problems(html: str, image_names: frozenset[str] | None = None) -> list[tuple[str, tuple[str, ...]]]:
    """(message, texts to find it by in the source, best first) for everything sanitize_html would remove.

    image_names, if given, are the media names Markdown images were given: any other <img> was written by hand."""
    finder = _ProblemFinder(image_names)
    finder.feed(html)
    finder.close()
    return finder.problems


class _ProblemFinder(HTMLParser):
    """Walks HTML as a browser tokenises it (entities decoded), applying the allowlist above."""

    def __init__(self, image_names: frozenset[str] | None) -> None:
        super().__init__(convert_charrefs=True)
        self.image_names = image_names
        self.problems: list[tuple[str, tuple[str, ...]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        where = f"<{tag}"  # raw HTML is found by its tag; what Markdown made, by the attribute's value
        if tag not in ALLOWED_TAGS:
            self._add(f"HTML tag <{tag}> is not allowed in cards (scripts, frames, embeds and styles could reach every learner)", where)
            return
        src = dict(attrs).get("src") or ""
        if tag == "img" and (not MEDIA_NAME_RE.match(src) or self.image_names is not None and src not in self.image_names):
            self._add("raw <img> tag: use Markdown image syntax, e.g. ![description](../media/plot.png)", where)
            return
        for attribute, value in attrs:
            value = value or ""
            if attribute.startswith("on"):
                self._add(f"event-handler attribute {attribute}= on <{tag}> is not allowed: cards carry no JavaScript", where, attribute)
            elif attribute not in ALLOWED_ATTRIBUTES.get(tag, ()):
                self._add(f"attribute {attribute}= on <{tag}> is not allowed", where, attribute)
            elif attribute == "href" and (problem := link_problem(value)):
                self._add(problem, where, value[:40], "](", "]:")
            elif attribute == "style" and (problem := _style_problem(value)):
                self._add(problem, where, "style")

    def handle_data(self, data: str) -> None:
        for command in TEX_FORBIDDEN_RE.finditer(data):
            self._add(f"TeX command {command[0]} is not allowed: in math it could link, style or load something in learners' Anki", command[0])

    def _add(self, message: str, *needles: str) -> None:
        self.problems.append((message, needles))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_comment(self, data: str) -> None:
        self._add("HTML comments are removed from cards: delete it, or write the text as text", "<!")

    def handle_decl(self, decl: str) -> None:
        self._add(f"<!{decl}> is removed from cards: delete it", "<!")

    def handle_pi(self, data: str) -> None:
        self._add(f"<?{data}> is removed from cards: delete it", "<?")

    def unknown_decl(self, data: str) -> None:
        self._add("<![…]> sections are removed from cards: delete it", "<![")


def _style_problem(style: str) -> str | None:
    names = [part.split(":", 1)[0].strip().lower() for part in style.split(";") if part.strip()]
    bad = [name for name in names if name not in ALLOWED_STYLE_PROPERTIES]
    if bad or _CSS_FORBIDDEN_RE.search(style):
        return f"style {style!r} is not allowed: only {', '.join(sorted(ALLOWED_STYLE_PROPERTIES))} may be set"
    return None


def link_problem(url: str) -> str | None:
    scheme = urlparse(url.strip()).scheme.lower()
    if scheme and scheme not in LINK_SCHEMES:
        return f"link to {url!r} is not allowed: use an http(s) or mailto link"
    return None

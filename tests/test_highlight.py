"""The combined-rule lexing loop must give exactly the tokens of Pygments' own loop."""

import functools
import re
import sysconfig
from pathlib import Path

import pytest
from pygments.lexer import RegexLexer
from pygments.lexers import get_all_lexers, get_lexer_by_name

from ankigen.render.fast_lexer import _first_character, combine_rules
from conftest import PROJECT_ROOT

FENCE_RE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```$", re.M | re.S)
STANDARD_LIBRARY = Path(sysconfig.get_paths()["stdlib"])


@functools.cache
def lexer_for(language: str):
    """The combined-rule lexer itself, whatever the installed versions (the build's gate is tested elsewhere)."""
    return combine_rules(get_lexer_by_name(language))


def pygments_tokens(language: str, text: str) -> list:
    return list(get_lexer_by_name(language).get_tokens(text))  # a fresh lexer runs Pygments' own loop


def test_the_decks_code_lexes_to_the_same_tokens():
    blocks = [m.groups() for path in sorted((PROJECT_ROOT / "source").glob("*.md")) for m in FENCE_RE.finditer(path.read_text())]
    assert len(blocks) > 300
    for language, code in blocks:
        language = language or "text"
        assert list(lexer_for(language).get_tokens(code)) == pygments_tokens(language, code), code


def test_standard_library_modules_lex_to_the_same_tokens():
    """Real Python of every kind: f-strings, decorators, bytes, unicode names, odd indentation."""
    modules = sorted(STANDARD_LIBRARY.glob("*.py"))[::4]
    assert len(modules) > 30
    for module in modules:
        text = module.read_text(encoding="utf-8", errors="replace")
        assert list(lexer_for("python").get_tokens(text)) == pygments_tokens("python", text), module.name


def test_every_regex_lexer_gives_the_same_tokens_on_mixed_text():
    """Other lexers use what Python's does not: back-references, per-instance rules, callbacks."""
    sample = "\n".join(
        [
            (STANDARD_LIBRARY / "textwrap.py").read_text()[:600],
            (PROJECT_ROOT / "CONTRIBUTING.md").read_text()[:300],
            (PROJECT_ROOT / "books" / "fastbook" / "card.css").read_text()[:200],
            'echo "$HOME" | grep -E \'^a+\' && x=$((1 + 2)); <b onclick="f()">&amp;</b> {"k": [1, 2.5e3]}',
        ]
    )
    checked = 0
    for _name, aliases, *_ in get_all_lexers():
        if not aliases:
            continue
        lexer_class = type(get_lexer_by_name(aliases[0]))
        if lexer_class.get_tokens_unprocessed is not RegexLexer.get_tokens_unprocessed:
            continue  # lexers with their own loop keep it
        assert list(lexer_for(aliases[0]).get_tokens(sample)) == pygments_tokens(aliases[0], sample), aliases[0]
        checked += 1
    assert checked > 300


@pytest.mark.parametrize(
    ("pattern", "flags", "begins", "never_begins"),
    [
        (r"\s+", 0, " \t\n", "a1"),
        (r"(?<=\.)\b(if|else)\b", 0, "ie", " xI"),
        (r"(?i)(rb|br)'", re.I, "rRbB", "'x"),
        (r"[^\W\d]\w*", 0, "a_é", "1 -"),
        (r"a*b?c", 0, "abc", "d"),
    ],
)
def test_first_characters_of_a_rule(pattern, flags, begins, never_begins):
    matcher = _first_character(re.compile(pattern, flags))
    assert all(matcher.match(c) for c in begins)
    assert not any(matcher.match(c) for c in never_begins)


@pytest.mark.parametrize("pattern", [r"a*", r"(?=x)", r"$", r"(?-i:a)"])
def test_a_rule_that_can_match_empty_or_is_not_understood_may_begin_anywhere(pattern):
    assert _first_character(re.compile(pattern, re.I)) is None

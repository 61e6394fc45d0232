"""Fast path: Pygments' tokens for a regex lexer, found several times faster (reference: Pygments' own loop).

Pygments' RegexLexer tries a state's rules one by one, a Python call each, until one matches: for
Python source that is about forty calls per token, and most of a cold build. The first rule that
matches wins, which is also what one regular expression made of the rules as alternatives, in
order, finds, in C. So each state gets such an expression, holding only the rules that can begin
with the character at hand, and a marker group after each rule tells which one matched. Tests
compare the tokens with Pygments' own loop on the deck's code, the standard library's sources and
every regex lexer Pygments has.

It reads two private internals, the regex parser (`re._parser`, to find which characters a rule can
begin with) and a lexer's compiled rules (`lexer._tokens`), so it runs only on the Python and
Pygments versions it was tested with (see `speedups`); elsewhere Pygments' own loop runs.
"""

from __future__ import annotations

import functools
import re
from re import _constants, _parser  # the regex parser: to find which characters a rule can begin with

from pygments.lexer import Lexer, RegexLexer
from pygments.token import Error, Whitespace, _TokenType

from .. import speedups

# Where the private internals above were tested to behave as this module expects.
TESTED = {"Pygments": ("2.21.0",)}
TESTED_PYTHON = ((3, 11),)
_SCOPED_FLAGS = {re.IGNORECASE: "i", re.MULTILINE: "m", re.DOTALL: "s"}
_LARGE_PATTERN = 2000  # characters of a rule's expression: past this, compiling it takes milliseconds


def accelerate(lexer: Lexer) -> Lexer:
    """The lexer, made to find its tokens by combined rules where that is tested (else as it is)."""
    return combine_rules(lexer) if speedups.usable(TESTED, TESTED_PYTHON) else lexer


def combine_rules(lexer: Lexer) -> Lexer:
    """The lexer finding its tokens by combined rules, if it is a plain RegexLexer (tests call this directly)."""
    if type(lexer).get_tokens_unprocessed is RegexLexer.get_tokens_unprocessed:
        states = _States(lexer._tokens)  # per instance: some lexers set their own rules
        lexer.get_tokens_unprocessed = functools.partial(_tokens_by_combined_rules, lexer, states)
    return lexer


class _States(dict):
    """State name -> _CombinedState, each made when the lexer first enters it."""

    def __init__(self, rules_by_state: dict[str, list[tuple]]):
        super().__init__()
        self.rules_by_state = rules_by_state

    def __missing__(self, name: str) -> _CombinedState:
        self[name] = state = _CombinedState(self.rules_by_state[name])
        return state


class _CombinedState:
    """A state's rules as one expression per first character of the text to match.

    Only the rules that can begin with that character are alternatives in its expression, so the
    engine tries a handful rather than dozens. Where a rule can't be embedded in another, the
    state keeps Pygments' one-by-one loop.
    """

    def __init__(self, rules: list[tuple]):
        self.rules = rules
        all_flags = [rule[0].__self__.flags for rule in rules]
        self.flags = max(all_flags, key=all_flags.count) if rules else 0
        self.parts = [_embeddable(rule[0].__self__, self.flags) for rule in rules]
        self.combinable = None not in self.parts
        self.starts = [_first_character(rule[0].__self__) for rule in rules]
        self.by_character: dict[str, tuple] = {}
        self.by_candidates: dict[tuple[int, ...], tuple] = {}

    def _combine(self, indexes) -> tuple:
        """(match function, rule at each marker group, last rule) for these rules as alternatives, in
        order; a last rule that is not None is tried on its own when the alternatives find nothing."""
        last_rule = None
        if indexes and len(self.parts[indexes[-1]]) > _LARGE_PATTERN:
            # Such a rule (Python names: a class of the Unicode letters) would be compiled again into
            # the expression of every character it can begin with, at several milliseconds each.
            # Tried after the others, as the last rule it gives the same result, compiled just once.
            last_rule, indexes = self.rules[indexes[-1]], indexes[:-1]
        parts, rule_at_group, groups = [], {}, 0
        for index in indexes:
            # An empty group after the rule marks it as the one that matched: being the last group
            # to close, its number is the match's lastindex. Nothing comes before the rule's own
            # first character, so the engine can still skip an alternative by it.
            groups += self.rules[index][0].__self__.groups + 1
            rule_at_group[groups] = self.rules[index]
            parts.append(f"{self.parts[index]}()")
        if not parts:
            return None, rule_at_group, last_rule
        return re.compile("|".join(parts), self.flags).match, rule_at_group, last_rule

    def _for_character(self, character: str) -> tuple:
        # At the end of the text ("") only rules that can match nothing are left.
        candidates = tuple(i for i, start in enumerate(self.starts) if start is None or start.match(character))
        if candidates not in self.by_candidates:  # many characters share their candidates
            self.by_candidates[candidates] = self._combine(candidates)
        self.by_character[character] = combined = self.by_candidates[candidates]
        return combined


# A back-reference by number would point at the wrong group once the groups before it are
# renumbered; a rule that might hold one (this errs on the safe side) keeps its state on the slow loop.
_BACKREFERENCE_RE = re.compile(r"\\[1-9]|\(\?P=|\(\?\(")


def _embeddable(pattern: re.Pattern, common_flags: int) -> str | None:
    """The pattern as an alternative inside a larger one compiled with common_flags."""
    source, flags = pattern.pattern, pattern.flags
    if not isinstance(source, str) or (flags | common_flags) & (re.VERBOSE | re.ASCII) or _BACKREFERENCE_RE.search(source):
        return None
    if pattern.groupindex:
        return None  # group names could clash between rules
    # A leading global flag group, as Pygments' rules write "(?i)...", is already in pattern.flags.
    if leading := re.match(r"\(\?[imsu]+\)", source):
        source = source[leading.end() :]
    on = "".join(letter for flag, letter in _SCOPED_FLAGS.items() if flags & flag and not common_flags & flag)
    off = "".join(letter for flag, letter in _SCOPED_FLAGS.items() if common_flags & flag and not flags & flag)
    return f"(?{on}{'-' + off if off else ''}:{source})" if on or off else f"(?:{source})"


_CATEGORIES = {
    _constants.CATEGORY_DIGIT: r"\d",
    _constants.CATEGORY_NOT_DIGIT: r"\D",
    _constants.CATEGORY_SPACE: r"\s",
    _constants.CATEGORY_NOT_SPACE: r"\S",
    _constants.CATEGORY_WORD: r"\w",
    _constants.CATEGORY_NOT_WORD: r"\W",
}


def _first_character(pattern: re.Pattern) -> re.Pattern | None:
    """An expression for the characters a match of pattern can begin with; None if it could begin with
    any character or with none (an empty match). Lookarounds and anchors are skipped, which only
    ever admits more characters, never fewer."""
    try:
        alternatives, can_be_empty = _first_of_sequence(_parser.parse(pattern.pattern, pattern.flags))
    except _Unknown:
        return None
    if can_be_empty:
        return None
    return re.compile("|".join(alternatives), pattern.flags & re.IGNORECASE)


class _Unknown(Exception):
    """A construct the first-character analysis does not take apart."""


def _first_of_sequence(items) -> tuple[list[str], bool]:
    """(one-character expressions a match of the items can begin with, whether it can be empty)"""
    alternatives: list[str] = []
    for op, argument in items:
        if op in (_constants.AT, _constants.ASSERT, _constants.ASSERT_NOT):
            continue  # zero-width
        if op is _constants.LITERAL:
            alternatives.append(re.escape(chr(argument)))
            return alternatives, False
        if op is _constants.NOT_LITERAL:
            alternatives.append(f"[^{re.escape(chr(argument))}]")
            return alternatives, False
        if op is _constants.ANY:
            alternatives.append("(?s:.)")
            return alternatives, False
        if op is _constants.IN:
            alternatives.append(_character_class(argument))
            return alternatives, False
        if op is _constants.BRANCH:
            can_be_empty = False
            for branch in argument[1]:
                found, empty = _first_of_sequence(branch)
                alternatives += found
                can_be_empty |= empty
        elif op is _constants.SUBPATTERN:
            _group, add_flags, del_flags, inner = argument
            if add_flags or del_flags:
                raise _Unknown
            found, can_be_empty = _first_of_sequence(inner)
            alternatives += found
        elif op in (_constants.MAX_REPEAT, _constants.MIN_REPEAT, _constants.POSSESSIVE_REPEAT):
            minimum, _maximum, inner = argument
            found, empty = _first_of_sequence(inner)
            alternatives += found
            can_be_empty = empty or minimum == 0
        elif op is _constants.ATOMIC_GROUP:
            found, can_be_empty = _first_of_sequence(argument)
            alternatives += found
        else:
            raise _Unknown
        if not can_be_empty:
            return alternatives, False
    return alternatives, True


def _character_class(items) -> str:
    parts = []
    for op, argument in items:
        if op is _constants.NEGATE:
            parts.append("^")
        elif op is _constants.LITERAL:
            parts.append(re.escape(chr(argument)))
        elif op is _constants.RANGE:
            parts.append(f"{re.escape(chr(argument[0]))}-{re.escape(chr(argument[1]))}")
        elif op is _constants.CATEGORY and argument in _CATEGORIES:
            parts.append(_CATEGORIES[argument])
        else:
            raise _Unknown
    return f"[{''.join(parts)}]"


def _tokens_by_combined_rules(lexer: RegexLexer, states: dict[str, _CombinedState], text: str, stack=("root",)):
    """RegexLexer.get_tokens_unprocessed, finding each state's matching rule in one go.

    One loop with no calls of its own per token: at hundreds of thousands of tokens per build, a
    function call each is a noticeable share of the time."""
    pos = 0
    statestack = list(stack)
    state = states[statestack[-1]]
    while True:
        found = None
        if state.combinable:
            character = text[pos : pos + 1]  # "" at the end of the text
            match, rule_at_group, last_rule = state.by_character.get(character) or state._for_character(character)
            if match is not None and (found := match(text, pos)) is not None:
                group = found.lastindex
                rexmatch, action, new_state = rule_at_group[group]
            elif last_rule is not None and (found := last_rule[0](text, pos)) is not None:
                group = 0
                rexmatch, action, new_state = last_rule
        else:
            group = 0
            for rexmatch, action, new_state in state.rules:
                if found := rexmatch(text, pos):
                    break
        if found is not None:
            if type(action) is _TokenType:
                yield pos, action, found.group()
            else:
                if group:
                    found = rexmatch(text, pos)  # a callback reads the rule's own group numbers
                if action is not None:
                    yield from action(lexer, found)
            pos = found.end()
            if new_state is not None:
                _change_state(statestack, new_state)
                state = states[statestack[-1]]
            continue
        # Nothing matched: Pygments resets to "root" at a line end, else marks one character an error.
        if pos >= len(text):
            break
        if text[pos] == "\n":
            statestack = ["root"]
            state = states["root"]
            yield pos, Whitespace, "\n"
        else:
            yield pos, Error, text[pos]
        pos += 1


def _change_state(statestack: list[str], new_state) -> None:
    """Applies a rule's state transition as RegexLexer does."""
    if isinstance(new_state, tuple):
        for name in new_state:
            if name == "#pop":
                if len(statestack) > 1:
                    statestack.pop()
            elif name == "#push":
                statestack.append(statestack[-1])
            else:
                statestack.append(name)
    elif isinstance(new_state, int):
        # pop, but keep at least one state on the stack
        if abs(new_state) >= len(statestack):
            del statestack[1:]
        else:
            del statestack[new_state:]
    elif new_state == "#push":
        statestack.append(statestack[-1])
    else:
        raise AssertionError(f"wrong state def: {new_state!r}")

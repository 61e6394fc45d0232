"""Every kind of bad input gives its own `file:line: message` and exit status 1."""

import pytest

from ankigen.cli import main
from conftest import chapter_text

GOOD_CARD = "## Good question? {#c05-q01}\n\nGood answer.\n"

LONG_ANSWER = " ".join(["word"] * 151)
CODE_AND_MATH = "```python\n" + "x = 1 " * 200 + "\n```\n\n$$" + " + ".join(["a"] * 200) + "$$\n\n" + " ".join(["word"] * 150)

BAD_SOURCES = {
    "answer over 150 words": (
        chapter_text(f"## What is a tensor? {{#c05-q02b}}\n\n{LONG_ANSWER}\n"),
        [
            "source/05_bad.md:9: the answer of c05-q02b has 151 words of prose (code and display math not counted): "
            "keep it to 150: trim it, or split it into two cards, e.g. c05-q02a and c05-q02b"
        ],
    ),
    "missing ID": (
        chapter_text("## What is a tensor?\n\nAn array.\n"),
        ["source/05_bad.md:7: card has no ID: end the heading with {#c05-q01}"],
    ),
    "malformed ID": (
        chapter_text("## What is a tensor? {#c5-q1}\n\nAn array.\n"),
        ["source/05_bad.md:7: malformed card ID 'c5-q1': use cNN-qNN, cNN-qNNa, cNN-rNN or cNN-xNN (see CONTRIBUTING.md)"],
    ),
    "ID of another chapter": (
        chapter_text("## What is a tensor? {#c04-q01}\n\nAn array.\n"),
        ["source/05_bad.md:7: card ID c04-q01 names chapter 4 but this file is chapter 5: use an ID such as c05-q01"],
    ),
    "item number beyond the questionnaire": (
        chapter_text("## What is a tensor? {#c05-q24}\n\nAn array.\n"),
        ["source/05_bad.md:7: card ID c05-q24: chapter 5 has only 23 questionnaire items"],
    ),
    "duplicate ID": (
        chapter_text(GOOD_CARD + "\n## Another question? {#c05-q01}\n\nAnother answer.\n"),
        ["source/05_bad.md:11: duplicate card ID c05-q01 (first used at source/05_bad.md:7): give this card a new ID"],
    ),
    "empty question": (
        chapter_text("## {#c05-q01}\n\nAn answer.\n"),
        ["source/05_bad.md:7: card has an empty question: write it after '## '"],
    ),
    "empty answer": (
        chapter_text("## A question? {#c05-q01}\n\n\n" + "## Next? {#c05-q02}\n\nYes.\n"),
        ["source/05_bad.md:7: c05-q01 has no answer: write it below the heading"],
    ),
    "unclosed code fence": (
        chapter_text("## A question? {#c05-q01}\n\n```python\nx = 1\n## Not a card {#c05-q02}\n"),
        [
            "source/05_bad.md:9: code fence opened here is never closed: add a closing ``` line",
            "source/05_bad.md:11: a card heading inside the code block opened at line 9: close that block with a ``` line above this heading",
        ],
    ),
    "unknown code language": (
        chapter_text("## A question? {#c05-q01}\n\n```pythn\nx = 1\n```\n"),
        ["source/05_bad.md:9: unknown code language 'pythn': use a Pygments lexer name such as python or text"],
    ),
    "missing image": (
        chapter_text("## A question? {#c05-q01}\n\nSee:\n\n![plot](../media/nope.png)\n"),
        ["source/05_bad.md:11: image ../media/nope.png (card c05-q01) does not exist: add the file or fix the path"],
    ),
    "image outside media": (
        chapter_text("## A question? {#c05-q01}\n\n![plot](../../secret.png)\n"),
        ["source/05_bad.md:9: image ../../secret.png (card c05-q01) lies outside media/: move it into media/ and link it as ../media/<name>"],
    ),
    "remote image": (
        chapter_text("## A question? {#c05-q01}\n\n![plot](https://example.com/a.png)\n"),
        ["source/05_bad.md:9: image https://example.com/a.png (card c05-q01) is not a local file: save it under media/ and link it as ../media/<name>"],
    ),
    "text before the first card": (
        chapter_text("Some notes.\n\n" + GOOD_CARD),
        ["source/05_bad.md:7: text before the first card: start each card with '## <question> {#<card ID>}'"],
    ),
    "chapter number not a number": (
        chapter_text(GOOD_CARD).replace("chapter: 5", "chapter: five"),
        ["source/05_bad.md:2: 'chapter' must be a whole number, not 'five'"],
    ),
    "chapter number does not match file name": (
        chapter_text(GOOD_CARD).replace("chapter: 5", "chapter: 6"),
        ["source/05_bad.md:2: chapter 6 does not match the file name's prefix 05: rename the file or fix the number"],
    ),
    "metadata key missing": (
        chapter_text(GOOD_CARD).replace("title: Image Classification\n", ""),
        ["source/05_bad.md:1: metadata is missing 'title: <chapter title>'"],
    ),
    "unknown metadata key": (
        chapter_text(GOOD_CARD).replace("title:", "titel:"),
        [
            "source/05_bad.md:1: metadata is missing 'title: <chapter title>'",
            "source/05_bad.md:3: unknown metadata line 'titel: Image Classification': expected "
            "'chapter: <chapter number>', 'title: <chapter title>', 'notebook: <notebook>' "
            "or 'exclude qNN: <why it cannot be a card>'",
        ],
    ),
    "no metadata block": (
        GOOD_CARD,
        [
            "source/05_bad.md:1: file must start with a metadata block: a '---' line, 'key: value' lines "
            "(chapter, title, notebook) and a closing '---'",
            "source/05_bad.md:1: metadata is missing 'chapter: <chapter number>'",
        ],
    ),
    "invalid UTF-8": (
        chapter_text(GOOD_CARD + "\nCaf\xe9\n").encode("latin-1"),
        ["source/05_bad.md:11: file is not valid UTF-8 (byte 0xe9): save it with UTF-8 encoding"],
    ),
    "indented code fence": (
        chapter_text("## A question? {#c05-q01}\n\n- item\n\n    ```python\n    x = 1\n    ```\n"),
        [
            "source/05_bad.md:11: code fence is indented: start the fence at the beginning of the line "
            "(fences inside list items are not supported)",
            "source/05_bad.md:13: code fence is indented: start the fence at the beginning of the line "
            "(fences inside list items are not supported)",
        ],
    ),
    "bad tags": (
        chapter_text("## A question? {#c05-q01 tags=two words}\n\nAnswer.\n"),
        ["source/05_bad.md:7: cannot read {#c05-q01 tags=two words}: write {#<card ID>} or {#<card ID> tags=a,b}"],
    ),
    # Characters and numbers from elsewhere than ASCII, and characters no Anki field may hold.
    "superscript chapter number": (
        chapter_text("## Q? {#c05-q01}\n\nA.\n").replace("chapter: 5", "chapter: \u00b2"),
        ["source/05_bad.md:2: 'chapter' must be a whole number, not '\u00b2'"],
    ),
    "Arabic-Indic digits in an ID": (
        chapter_text("## Q? {#c05-x\u0669\u0661}\n\nA.\n"),
        ["source/05_bad.md:7: malformed card ID 'c05-x\u0669\u0661': use cNN-qNN, cNN-qNNa, cNN-rNN or cNN-xNN (see CONTRIBUTING.md)"],
    ),
    "field separator": (
        chapter_text("## Q? {#c05-q01}\n\nA\x1fB.\n"),
        ["source/05_bad.md:9: control character U+001F in this line: delete it (cards hold text, tabs and line breaks only)"],
    ),
    "NUL in code": (
        chapter_text("## Q? {#c05-q01}\n\n```python\nx = '\x00'\n```\n"),
        ["source/05_bad.md:10: control character U+0000 in this line: delete it (cards hold text, tabs and line breaks only)"],
    ),
    "form feed keeps later line numbers": (
        chapter_text("## Q? {#c05-q01}\n\nA\x0c.\n\n## Q? {#c05-q01}\n\nB.\n"),
        [
            "source/05_bad.md:9: control character U+000C in this line: delete it (cards hold text, tabs and line breaks only)",
            "source/05_bad.md:11: duplicate card ID c05-q01 (first used at source/05_bad.md:7): give this card a new ID",
        ],
    ),
    "line separator keeps later line numbers": (
        chapter_text("## Q? {#c05-q01}\n\nA\u2028B.\n\n## Q? {#c05-q01}\n\nB.\n"),
        [
            "source/05_bad.md:9: control character U+2028 in this line: delete it (cards hold text, tabs and line breaks only)",
            "source/05_bad.md:11: duplicate card ID c05-q01 (first used at source/05_bad.md:7): give this card a new ID",
        ],
    ),
    "Anki sound tag": (
        chapter_text("## Q? {#c05-q01}\n\nListen: [sound:x.mp3]\n"),
        ["source/05_bad.md:9: '[sound:' is Anki's own markup (it plays sound or speech): write it as `[sound:` text some other way, e.g. with a space after '['"],
    ),
    "Anki text-to-speech tag": (
        chapter_text("## Q? {#c05-q01}\n\n[anki:tts lang=en_US]hello[/anki:tts]\n"),
        ["source/05_bad.md:9: '[anki:' is Anki's own markup (it plays sound or speech): write it as `[anki:` text some other way, e.g. with a space after '['"],
    ),
    "timeout in other digits": (
        chapter_text("## Q? {#c05-q01}\n\n```python run timeout=\u00b2\nprint(1)\n```\n"),
        ["source/05_bad.md:9: timeout must be a whole number of seconds from 1 to 3600, e.g. timeout=120"],
    ),
    "timeout too large": (
        chapter_text("## Q? {#c05-q01}\n\n```python run timeout=999999999999\nprint(1)\n```\n"),
        ["source/05_bad.md:9: timeout must be a whole number of seconds from 1 to 3600, e.g. timeout=120"],
    ),
    "HTML in the notebook": (
        chapter_text("## Q? {#c05-q01}\n\nA.\n").replace("notebook: 05_pet_breeds.ipynb", "notebook: <img src=x onerror=alert(1)>"),
        ["source/05_bad.md:4: 'notebook' names a file for the source link: use letters, digits, '.', '-', '_' and '/' only, not '<img src=x onerror=alert(1)>'"],
    ),
    "HTML in the title": (
        chapter_text("## Q? {#c05-q01}\n\nA.\n").replace("title: Image Classification", "title: <img src=x onerror=alert(1)>"),
        ["source/05_bad.md:3: 'title' must be plain text, without '<' or '>': it names the deck and stands in its description"],
    ),
    "a deck level in the title": (
        chapter_text("## Q? {#c05-q01}\n\nA.\n").replace("title: Image Classification", "title: A::B"),
        ["source/05_bad.md:3: title 'A::B' contains '::', which would make a deck inside a deck: use ':' or '-'"],
    ),
    # Silent loss: a card swallowed by an unclosed fence, or merged by a heading one level too deep.
    "unclosed plain fence before the next card": (
        chapter_text("## Q? {#c05-q01}\n\n```text\nplain\n\n## Next? {#c05-q02}\n\n```python\nx = 1\n```\n"),
        ["source/05_bad.md:12: a card heading inside the code block opened at line 9: close that block with a ``` line above this heading"],
    ),
    "unclosed run fence before the next card": (
        chapter_text("## Q? {#c05-q01}\n\n```python run\nprint(1)\n\n## Next? {#c05-q02}\n\nA.\n"),
        [
            "source/05_bad.md:9: code fence opened here is never closed: add a closing ``` line",
            "source/05_bad.md:12: a card heading inside the code block opened at line 9: close that block with a ``` line above this heading",
        ],
    ),
    "a card heading one level too deep": (
        chapter_text("## Q? {#c05-q01}\n\nA.\n\n### Next? {#c05-q02}\n\nB.\n"),
        ["source/05_bad.md:11: a card heading starts with exactly '## ': this one would merge into the card above"],
    ),
    "a heading with a long run of spaces": (
        chapter_text("## a" + " " * 1_900 + "b {#c05-x90}\n\nA.\n\n## no id" + " " * 1_900 + "\n\nB.\n"),
        ["source/05_bad.md:11: card has no ID: end the heading with {#c05-q01}"],
    ),
    "a line too long": (
        chapter_text("## Q? {#c05-q01}\n\n" + "[" * 80_000 + "\n"),
        [
            "source/05_bad.md:7: c05-q01 has 80,003 characters: split it into cards of at most 6,000",
            "source/05_bad.md:9: this line has 80,000 characters: break it into lines of at most 2,000",
        ],
    ),
    "a card too long": (
        chapter_text("## Q? {#c05-q01}\n\n" + ("![a](" * 300 + "\n") * 5),
        ["source/05_bad.md:7: c05-q01 has 7,507 characters: split it into cards of at most 6,000"],
    ),
}


def problem_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("source/")]


@pytest.mark.parametrize("case", sorted(BAD_SOURCES))
def test_check_reports_each_problem_as_file_line(case, make_project, capsys):
    text, expected = BAD_SOURCES[case]
    root = make_project({"source/05_bad.md": text})
    assert main(["check", "--root", str(root)]) == 1
    assert problem_lines(capsys.readouterr().err) == expected


@pytest.mark.parametrize("case", ["duplicate ID", "missing image", "unclosed code fence"])
def test_build_runs_the_same_checks_and_writes_nothing(case, make_project, capsys, fixed_time):
    text, expected = BAD_SOURCES[case]
    root = make_project({"source/05_bad.md": text})
    assert main(["build", "--root", str(root)]) == 1
    err = capsys.readouterr().err
    assert problem_lines(err) == expected
    assert "nothing was written" in err
    assert not (root / "dist").exists()


def test_check_lists_every_problem_of_every_file_at_once(make_project, capsys):
    root = make_project(
        {
            "source/05_bad.md": chapter_text("## No ID\n\nA.\n\n## Q? {#c05-q02}\n\n![x](../media/gone.png)\n"),
            "source/06_other.md": chapter_text(GOOD_CARD.replace("c05-q01", "c06-q02"), chapter=6)
            + "\n## Dup {#c06-q02}\n\nB.\n",
        }
    )
    assert main(["check", "--root", str(root)]) == 1
    err = capsys.readouterr().err
    assert problem_lines(err) == [
        "source/05_bad.md:7: card has no ID: end the heading with {#c05-q01}",
        "source/05_bad.md:13: image ../media/gone.png (card c05-q02) does not exist: add the file or fix the path",
        "source/06_other.md:11: duplicate card ID c06-q02 (first used at source/06_other.md:7): give this card a new ID",
    ]
    assert "3 problems found" in err


def test_duplicate_ids_across_files_are_found(make_project, capsys):
    root = make_project(
        {
            "source/05_a.md": chapter_text(GOOD_CARD),
            "source/05_b.md": chapter_text(GOOD_CARD),
        }
    )
    assert main(["check", "--root", str(root)]) == 1
    assert problem_lines(capsys.readouterr().err) == [
        "source/05_b.md:1: chapter 5 is already defined in source/05_a.md: one file per chapter",
        "source/05_b.md:7: duplicate card ID c05-q01 (first used at source/05_a.md:7): give this card a new ID",
    ]


def test_good_sources_pass(good_project, capsys):
    assert main(["check", "--root", str(good_project)]) == 0
    assert capsys.readouterr().out.strip().endswith("OK: 2 chapters, 8 cards, no problems.")
    assert not (good_project / "dist").exists()


def test_code_and_display_math_do_not_count_towards_the_answer_length(make_project, capsys):
    root = make_project({"source/05_ok.md": chapter_text(f"## What is a tensor? {{#c05-q02}}\n\n{CODE_AND_MATH}\n")})
    assert main(["check", "--root", str(root)]) == 0, capsys.readouterr().err

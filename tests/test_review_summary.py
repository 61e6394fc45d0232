"""The reviewers' summary of a pull request (`changes --since REF`): which cards it adds, changes and
retires, with the old and new text of each changed card, safe to paste into a GitHub job summary."""

import re
import subprocess

import ankigen.reports.review_summary
from ankigen.cli import main
from conftest import chapter_text

BASE = (
    "## First? {#c05-q01}\n\nOne.\n\n"
    "## Second? {#c05-q02}\n\nTwo.\n\n"
    "## Third? {#c05-q03}\n\nThree.\n\n"
    "## Seventh? {#c05-q07}\n\nSeven.\n"
)
EDITED = (
    "## First? {#c05-q01}\n\nOne, better.\n\n"
    "## Second, reworded? {#c05-q02}\n\nTwo.\n\n"
    "## Third? {#c05-q03}\n\nThree.\n\n"
    "## Seventh? {#c05-q07 tags=retired}\n\nSeven.\n\n"
    "## Eighth? {#c05-q08}\n\nEight.\n"
)


def git(root, *args):
    env = {"GIT_AUTHOR_DATE": "@1750000000 +0000", "GIT_COMMITTER_DATE": "@1750000000 +0000", "PATH": "/usr/bin:/bin"}
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=root, check=True, env=env, capture_output=True)


def commit(root, message):
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", message)
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, check=True, capture_output=True, text=True).stdout.strip()


def repository(make_project, base_body):
    """A git repository of a project whose first commit holds base_body; returns its root and that commit."""
    root = make_project({"source/05_x.md": chapter_text(base_body)})
    git(root, "init", "-q")
    return root, commit(root, "base")


def changes(root, since, capsys):
    code = main(["changes", "--since", since, "--root", str(root)])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    return out


def section(summary, title):
    """The text of one `### title` section of the summary."""
    return summary.split(f"\n### {title}\n")[1].split("\n### ")[0]


def fenced_blocks(markdown):
    """The contents of the fenced code blocks, closed as CommonMark closes them: by a line of at least as many backticks."""
    blocks, lines = [], iter(markdown.splitlines())
    for line in lines:
        opening = re.fullmatch(r"(`{3,})markdown", line)
        if opening:
            closing = re.compile(rf" {{0,3}}`{{{len(opening[1])},}} *")
            body = []
            for inner in lines:
                if closing.fullmatch(inner):
                    break
                body.append(inner)
            blocks.append("\n".join(body))
    return blocks


def outside_fences(markdown):
    for block in fenced_blocks(markdown):
        markdown = markdown.replace(block, "")
    return markdown


def test_the_summary_lists_cards_added_changed_and_retired_with_old_and_new_text(make_project, capsys):
    root, base = repository(make_project, BASE)
    (root / "source/05_x.md").write_text(chapter_text(EDITED))
    commit(root, "edit")
    summary = changes(root, base, capsys)
    # Only Markdown reaches stdout: CI appends it to the job summary as it is.
    assert summary.startswith("## Cards changed by this pull request: 1 added, 2 changed, 1 retired\n")
    assert section(summary, "Added").strip() == "- `c05-q08` Eighth?"
    assert section(summary, "Retired").strip() == "- `c05-q07` Seventh?"
    changed = section(summary, "Changed")
    assert "c05-q03" not in summary and "Removed" not in summary  # unchanged, and nothing deleted
    first, second = changed.split("\n- ")[1:]
    assert first.startswith("`c05-q01` First?\n")
    assert "Old answer:\n\n```markdown\nOne.\n```\n\nNew answer:\n\n```markdown\nOne, better.\n```" in first
    assert "question" not in first  # its question is the same
    assert second.startswith("`c05-q02` Second, reworded?\n")
    assert fenced_blocks(second) == ["Second?", "Second, reworded?"]
    assert "Old question:" in second and "The answer is unchanged." in second
    assert changed.count("<details>") == changed.count("</details>") == 2


def test_card_text_cannot_break_out_of_its_block_or_add_html(make_project, capsys):
    question = "Why does <script>alert(1)</script> `x` run?"
    old_answer = "Like this:\n\n```python\nprint(1)\n```"
    new_answer = "Like this, with four:\n\n````\n```\n</details><img src=x onerror=alert(1)>\n````"
    root, base = repository(make_project, f"## {question} {{#c05-q01}}\n\n{old_answer}\n")
    (root / "source/05_x.md").write_text(chapter_text(f"## {question} {{#c05-q01}}\n\n{new_answer}\n\n## Is <b>this</b> bold? {{#c05-q02}}\n\nNo.\n"))
    commit(root, "edit")
    summary = changes(root, base, capsys)
    assert fenced_blocks(summary) == [old_answer, new_answer]
    assert "\n`````markdown\n" in summary  # one backtick longer than the longest run in the answer
    rest = outside_fences(summary)
    assert "- `c05-q01` Why does &lt;script&gt;alert(1)&lt;/script&gt; `x` run?" in rest
    assert "- `c05-q02` Is &lt;b&gt;this&lt;/b&gt; bold?" in rest
    assert "<script" not in rest and "<img" not in rest and "<b>" not in rest
    assert rest.count("<details>") == rest.count("</details>") == 1


def test_no_change_says_so(make_project, capsys):
    root, base = repository(make_project, BASE)
    assert changes(root, base, capsys) == "## No card is added, changed or retired\n"


def test_a_card_deleted_from_the_sources_is_listed_as_removed(make_project, capsys):
    root, base = repository(make_project, BASE)
    (root / "source/05_x.md").write_text(chapter_text(BASE.replace("## Third? {#c05-q03}\n\nThree.\n\n", "")))
    summary = changes(root, base, capsys)
    assert summary.startswith("## Cards changed by this pull request: 0 added, 0 changed, 0 retired, 1 removed\n")
    assert section(summary, "Removed from the sources").strip() == "- `c05-q03` Third?"


def test_past_the_size_github_accepts_changed_cards_are_listed_without_their_text(make_project, capsys, monkeypatch):
    monkeypatch.setattr(ankigen.reports.review_summary, "TEXT_BUDGET", 100)  # the first card's text fits, not the second's
    root, base = repository(make_project, BASE)
    (root / "source/05_x.md").write_text(chapter_text(EDITED))
    summary = changes(root, base, capsys)
    assert fenced_blocks(summary) == ["One.", "One, better."]
    assert "- `c05-q02` Second, reworded?\n\nText left out: the summary would be too long. " in summary
    assert f"Run `python build.py changes --since {base}` to see it." in summary


def test_an_unknown_ref_is_a_one_line_error(make_project, capsys):
    root, _ = repository(make_project, BASE)
    assert main(["changes", "--since", "no-such-ref", "--root", str(root)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("error: cannot read source/ at 'no-such-ref'")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_a_retired_card_whose_answer_was_replaced_shows_both(make_project, capsys):
    root, base = repository(make_project, "## Kept? {#c05-q01}\n\nThe old answer.\n")
    (root / "source/05_x.md").write_text(chapter_text("## Kept? {#c05-q01 tags=retired}\n\nRetired: the book dropped this.\n"))
    commit(root, "retire")
    retired = section(changes(root, base, capsys), "Retired")
    assert retired.startswith("\n- `c05-q01` Kept?\n")
    assert fenced_blocks(retired)[:2] == ["The old answer.", "Retired: the book dropped this."]

"""Questionnaire coverage: covered, excluded with reasons, missing; and the exclusion rules."""

from ankigen.cli import main
from ankigen.errors import Report
from ankigen.pipeline import Project, progress
from ankigen.read import read_sources
from ankigen.reports.coverage import compute_coverage
from conftest import PROJECT_ROOT, chapter_text

CARDS = "".join(f"## Question {i}? {{#c05-{i}}}\n\nAnswer.\n\n" for i in ("q01", "q02a", "q02b", "r01", "x01"))
EXCLUDE = "exclude q03: it asks you to complete an online quiz\n"


def test_coverage_counts_split_items_once_and_lists_exclusions_and_missing(make_project):
    root = make_project({"source/05_x.md": chapter_text(CARDS, extra_metadata=EXCLUDE)})
    report = Report()
    project = Project.load(root)
    coverage = compute_coverage(read_sources(root / "source", project.profile, report), project.profile)
    assert report.ok
    fifth = coverage[4]
    questionnaire, further_research = fifth.kinds
    assert (fifth.number, fifth.title, questionnaire.items) == (5, "Image Classification", 23)
    assert questionnaire.covered == [1, 2]
    assert questionnaire.excluded == {3: "it asks you to complete an online quiz"}
    assert questionnaire.missing == list(range(4, 24))
    assert (further_research.covered, further_research.missing, further_research.items) == ([1], [2], 2)
    assert [c.number for c in coverage] == list(range(1, 20))
    assert coverage[0].title is None and coverage[0].kinds[0].missing == list(range(1, 34))


def test_progress_prints_a_table_and_writes_the_markdown_report(make_project, capsys, tmp_path):
    root = make_project({"source/05_x.md": chapter_text(CARDS, extra_metadata=EXCLUDE)})
    report_file = tmp_path / "PROGRESS.md"
    assert main(["progress", "--root", str(root), "--markdown", str(report_file)]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert ["5", "Image", "Classification", "2", "1", "20", "23", "1", "0", "1", "2"] in rows
    assert ["1", "(no", "source", "file", "yet)", "0", "0", "33", "33", "0", "0", "2", "2"] in rows
    assert ["total", "2", "1", "497", "500", "1", "0", "67", "68"] in rows
    assert "excluded c05-q03: it asks you to complete an online quiz".split() in rows
    assert ["missing", "in", "chapter", "5:", "q04,"] == rows[rows.index(["total", "2", "1", "497", "500", "1", "0", "67", "68"]) + 2][:5]
    markdown = report_file.read_text()
    assert "| 5 Image Classification | 2 / 1 / 20 of 23 | 1 / 0 / 1 of 2 |" in markdown
    assert "Missing questionnaire items: q04, q05, q06" in markdown
    assert "- q03: it asks you to complete an online quiz" in markdown


def test_exclusion_problems_are_reported_at_their_metadata_line(make_project, capsys):
    metadata = (
        "exclude q24: no such item\n"
        "exclude q04:\n"
        "exclude q05: first\n"
        "exclude q05: second\n"
        "exclude q01: has a card\n"
    )
    root = make_project({"source/05_x.md": chapter_text("## Q? {#c05-q01}\n\nA.\n", extra_metadata=metadata)})
    assert main(["check", "--root", str(root)]) == 1
    assert [line for line in capsys.readouterr().err.splitlines() if line.startswith("source/")] == [
        "source/05_x.md:5: cannot exclude q24: chapter 5 has items 01 to 23",
        "source/05_x.md:6: say why q04 is excluded: 'exclude q04: <reason>'",
        "source/05_x.md:8: q05 is excluded twice (first at source/05_x.md:7)",
        "source/05_x.md:9: q01 is excluded but card c05-q01 (source/05_x.md:12) covers it: remove the exclusion",
    ]


def test_the_project_covers_every_item_of_its_finished_chapters():
    coverage, report = progress(Project.load(PROJECT_ROOT))
    assert report.ok
    finished = list(range(1, 20))
    questionnaire = {row.number: row.kinds[0].missing for row in coverage if row.number in finished}
    assert questionnaire == {n: [] for n in finished}

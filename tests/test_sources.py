from ankigen.errors import Report
from ankigen.profile import load_profile
from ankigen.read import read_chapter, read_sources
from conftest import chapter_text


def test_reads_every_card_with_ids_tags_and_lines(good_project):
    report = Report()
    chapters = read_sources(good_project / "source", load_profile(good_project), report)
    assert report.problems == []
    assert [(c.number, c.title, c.metadata["notebook"]) for c in chapters] == [
        (1, "First Steps", "01_intro.ipynb"),
        (2, "Second Steps", "02_production.ipynb"),
    ]
    first = chapters[0]
    assert [card.id.text for card in first.cards] == ["c01-q01", "c01-q02", "c01-q03", "c01-r01"]
    assert [str(card.location) for card in first.cards] == [
        "source/01_first_steps.md:9",
        "source/01_first_steps.md:19",
        "source/01_first_steps.md:29",
        "source/01_first_steps.md:40",
    ]
    assert first.cards[1].tags == ["code", "python"]
    assert first.cards[0].question == "What does `snake_case_name` stay as, and is $a_1 * b_2$ math?"
    assert first.cards[0].answer.startswith("It stays **snake_case_name**")


def test_heading_inside_code_fence_is_code_not_a_card(good_project):
    chapter = read_chapter(good_project / "source/01_first_steps.md", load_profile(good_project), Report())
    card = chapter.cards[1]
    assert "## not a new card" in card.answer
    assert [(b.language, str(b.location)) for b in card.code_blocks] == [("python", "source/01_first_steps.md:23")]


def test_images_are_recorded_with_their_lines(good_project):
    chapter = read_chapter(good_project / "source/01_first_steps.md", load_profile(good_project), Report())
    assert [(i.src, str(i.location)) for i in chapter.cards[2].images] == [
        ("../media/dot.png", "source/01_first_steps.md:36"),
        ("../media/figures/relu.svg", "source/01_first_steps.md:38"),
    ]


def test_crlf_line_endings_and_bom_are_accepted(make_project):
    text = "\ufeff" + chapter_text("## Question? {#c05-q01}\n\nAnswer.\n").replace("\n", "\r\n")
    root = make_project({"source/05_x.md": text})
    report = Report()
    chapter = read_chapter(root / "source/05_x.md", load_profile(root), report)
    assert report.problems == []
    assert chapter.cards[0].answer == "Answer."


def test_parser_resynchronises_at_the_next_card(make_project):
    body = "## No id here\n\nAnswer.\n\n## Fine {#c05-q02}\n\nAnswer two.\n"
    root = make_project({"source/05_x.md": chapter_text(body)})
    report = Report()
    chapter = read_chapter(root / "source/05_x.md", load_profile(root), report)
    assert [str(p) for p in report.problems] == [
        "source/05_x.md:7: card has no ID: end the heading with {#c05-q01}"
    ]
    assert [card.id.text for card in chapter.cards] == ["c05-q02"]


def test_large_decks_use_extra_chapters_and_four_digit_ids(make_project):
    body = "## Extra one? {#c20-x0001}\n\nA.\n\n## Extra many? {#c20-x2500}\n\nB.\n\n## Not a book item? {#c20-q01}\n\nC.\n"
    root = make_project({"source/20_extra.md": chapter_text(body, chapter=20)})
    report = Report()
    chapter = read_chapter(root / "source/20_extra.md", load_profile(root), report)
    assert [card.id.text for card in chapter.cards] == ["c20-x0001", "c20-x2500"]
    assert [str(p) for p in report.problems] == [
        "source/20_extra.md:15: card ID c20-q01: chapter 20 has no questionnaire items: use c20-x01"
    ]

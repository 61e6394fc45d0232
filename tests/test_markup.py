import re

from ankigen.model import Execution
from ankigen.render.highlight import LineFormatter, highlight_css
from ankigen.render.markdown import Attachments, render_markdown
from ankigen.render.renderer import Renderer

render = Renderer().render


def test_inline_and_display_math_become_mathjax_delimiters_untouched():
    html = render("Here $a_1 * b_2 + \\alpha$ and\n\n$$\\sum_{i=1}^{n} x_i^2 \\le \\frac{a}{b}$$")
    assert r"\(a_1 * b_2 + \alpha\)" in html
    assert r"\[\sum_{i=1}^{n} x_i^2 \le \frac{a}{b}\]" in html
    assert "<em>" not in html


def test_multiline_display_math_with_list_like_lines_stays_math():
    html = render("$$\n- a_1\n* b_2\n$$")
    assert "\\[\n- a_1\n* b_2\n\\]" in html
    assert "<li>" not in html


def test_math_html_specials_are_escaped_for_the_field():
    assert r"\(a &lt; b\)" in render("$a < b$")


def test_dollar_amounts_code_spans_and_escaped_dollars_are_not_math():
    html = render("It costs $5 and $10. Code `$x_1$` stays. A literal \\$3.")
    assert "\\(" not in html
    assert "<code>$x_1$</code>" in html
    assert "A literal $3." in html


def test_snake_case_is_not_emphasis():
    assert render("use snake_case_names here") == "<p>use snake_case_names here</p>"


def test_code_is_highlighted_with_css_classes_not_inline_styles():
    html = render("```python\n## a comment, not a card\nprint(1)\n```")
    assert '<div class="highlight">' in html
    assert '<span class="c1">## a comment, not a card</span>' in html
    assert "style=" not in html
    assert "$" not in render("```python\nx = '$a$'\n```").replace("'$a$'", "")


def test_images_point_at_packaged_names():
    html = render("![alt](../media/dot.png)", Attachments(image_names={"../media/dot.png": "fastbook-dot-0123.png"}))
    assert '<img alt="alt" src="fastbook-dot-0123.png">' in html


def test_tables_render():
    html = render("| a | b |\n|---|---|\n| 1 | 2 |")
    assert "<table>" in html and "<td>2</td>" in html


def test_question_renders_without_paragraph():
    assert Renderer().render_inline("What is `x`?") == "What is <code>x</code>?"


def test_code_palettes_cover_light_and_both_night_mode_classes():
    css = highlight_css()
    assert ".highlight .k " in css
    assert ".nightMode .highlight .k, .night_mode .highlight .k {" in css


def test_executed_block_shows_its_output_below_the_code():
    code = "x = 2\nx * 21"
    html = render(f"Text.\n\n```python run\n{code}\n```\n\nAfter.", Attachments(outputs={code: Execution("42", False)}))
    assert '<div class="highlight">' in html and "run" not in html
    assert html.index("</code></pre></div>") < html.index('<pre class="output"><span class="line">42\n</span></pre>') < html.index("After.")


def test_expected_exception_is_shown_as_an_error_output():
    code = "1 / 0"
    html = render(f"```python run raises\n{code}\n```", Attachments(outputs={code: Execution("ZeroDivisionError: division by zero", True)}))
    assert '<pre class="output error"><span class="line">ZeroDivisionError: division by zero\n</span></pre>' in html


def test_output_is_escaped_and_dollars_in_it_are_not_math():
    code = "print('<b> $x$')"
    html = render(f"```python run\n{code}\n```", Attachments(outputs={code: Execution("<b> $x$\nline 2\n", False)}))
    assert '<pre class="output"><span class="line">&lt;b&gt; $x$\n</span><span class="line">line 2\n</span></pre>' in html


def test_html_figure_is_inlined_where_it_is_referenced():
    table = "<table><tr><td>0.22</td></tr></table>"
    html = render("Before.\n\n![table](../media/figures/t.html)\n\nAfter.", Attachments(inline_html={"../media/figures/t.html": table}))
    assert html == "<p>Before.</p>\n<table><tbody><tr><td>0.22</td></tr></tbody></table>\n<p>After.</p>"  # as sanitised


def test_highlighting_is_identical_to_python_markdowns_codehilite():
    """Our fence handling replaces fenced_code + codehilite for speed; it must produce the same HTML."""
    import markdown

    from conftest import PROJECT_ROOT

    reference = markdown.Markdown(
        extensions=["fenced_code", "codehilite"],
        extension_configs={"codehilite": {"css_class": "highlight", "guess_lang": False, "pygments_formatter": LineFormatter}},
    )
    fence_re = re.compile(r"^```(\w+)[^\n]*\n(.*?)^```$", re.M | re.S)
    blocks = [m.groups() for path in sorted((PROJECT_ROOT / "source").glob("*.md")) for m in fence_re.finditer(path.read_text())]
    blocks += [("python", "x = '<b>&'\n\n\nprint(x)  # tabs\tand trailing space "), ("text", "  indented\n"), ("sh", "echo $HOME")]
    assert len(blocks) > 100
    for language, code in blocks:
        ours = Renderer().render(f"```{language}\n{code.rstrip(chr(10))}\n```")
        theirs = reference.reset().convert(f"```{language}\n{code.rstrip(chr(10))}\n```")
        assert ours == theirs, (language, code)


def _fast_path_texts() -> list[tuple[str, Attachments]]:
    """Every card's text, and generated text mixing what the fast path takes with what it must not."""
    import random

    from ankigen.errors import Report
    from ankigen.profile import load_profile
    from ankigen.read import read_sources
    from conftest import PROJECT_ROOT

    chapters = read_sources(PROJECT_ROOT / "source", load_profile(PROJECT_ROOT), Report())
    outputs = {b.code: Execution("out <&> $x$", False) for c in chapters for card in c.cards for b in card.code_blocks if b.runs}
    texts = [(text, Attachments(outputs=outputs)) for c in chapters for card in c.cards for text in (card.question, card.answer)]
    rng = random.Random(0)
    simple = [
        "word", "Word.", "two words", "it's", '"quoted"', "(paren)", "a, b; c:", "e.g.", "1.5", "x-y", "50%", "?", "@",
        "/", "'", " ", "  ", "\n", "\n\n", "\n \n", "é", "→", "$5", "$x_1$", "$a < b$", "$$\\sum_i x$$",
        "\n```python\nx = '<b>'\n\tif y:\n \n```\n", "\n```python run\nprint(1)\n```\n", "\n~~~text\n$y$\n~~~\n",
    ]  # fmt: skip
    hard = ["\t", "1. ", "- ", "> ", "#", "    ", "$", "\\$", "`", "`$x$`", "\n```\nplain\n", "*", "_", "<b>", "&", "\r\n"]
    run_outputs = Attachments(outputs={"print(1)": Execution("1", False)})
    for _ in range(3000):
        pieces = simple if rng.random() < 0.5 else simple + hard
        texts.append(("".join(rng.choice(pieces) for _ in range(rng.randint(1, 25))), run_outputs))
    return texts


def test_the_fast_path_gives_exactly_python_markdowns_html():
    """Text made of plain paragraphs, math and code skips Python-Markdown for speed; once sanitised, as
    every field is, the result must be exactly what Python-Markdown makes of it."""
    from ankigen.render.fast_markdown import render_plain
    from ankigen.render.sanitize import sanitize_html

    simple = with_code = with_math = 0
    for text, attachments in _fast_path_texts():
        fast = render_plain(text, attachments)
        if fast is not None:
            simple += 1
            with_code += '<div class="highlight">' in fast
            with_math += "\\(" in fast or "\\[" in fast
            assert sanitize_html(fast) == sanitize_html(render_markdown(text, attachments)), repr(text)
    assert simple > 1000 and with_code > 100 and with_math > 100  # the comparison really exercised each part


def test_a_figure_with_a_night_version_shows_both_and_the_css_picks_one():
    attachments = Attachments(image_names={"../media/figures/relu.svg": "b-relu-1.svg"}, night_image_names={"../media/figures/relu.svg": "b-relu-night-2.svg"})
    html = render("See ![ReLU curve](../media/figures/relu.svg) here.", attachments)
    assert html == (
        '<p>See <img alt="ReLU curve" class="light-figure" src="b-relu-1.svg">'
        '<img alt="ReLU curve" class="night-figure" src="b-relu-night-2.svg"> here.</p>'
    )
    plain = render("![ReLU curve](../media/figures/relu.svg)", Attachments(image_names={"../media/figures/relu.svg": "b-relu-1.svg"}))
    assert plain == '<p><img alt="ReLU curve" src="b-relu-1.svg"></p>'  # no night version, no class


WIDE_TABLE = """\
|  | what it does | "downside" <i>here</i> |
|---|---|---:|
| **Crop** | scales so the shorter side fits | can cut away parts |
| Pad | fills the gap | wasted computation |
"""


def test_a_table_too_wide_for_a_phone_is_marked_and_its_cells_labelled():
    html = render(WIDE_TABLE)
    assert html.startswith('<table class="stacked">')
    assert '<td><strong>Crop</strong></td>' in html  # under an empty header: no label
    assert '<td data-label="what it does">scales so the shorter side fits</td>' in html
    # The header's text without its markup, escaped; the cell keeps its alignment.
    assert '<td style="text-align:right" data-label="&quot;downside&quot; here">can cut away parts</td>' in html
    assert html.count("data-label=") == 4 and "<th data-label" not in html


def test_a_table_that_fits_a_phone_is_left_alone():
    html = render("| a | b |\n|---|---|\n| 1 | 2 |")
    assert "<table>" in html and "data-label" not in html


def test_a_computed_table_keeps_its_class_and_a_hostile_header_stays_text():
    wide = "<td>" + "x" * 40 + "</td>"
    table = f'<table class="computed"><thead><tr><th>"&gt;&lt;script&gt;</th></tr></thead><tbody><tr>{wide}</tr></tbody></table>'
    html = render("![table](t.html)", Attachments(inline_html={"t.html": table}))
    assert html.startswith('<table class="computed stacked">')
    assert 'data-label="&quot;&gt;&lt;script&gt;"' in html and "<script" not in html


def test_hand_written_labels_and_classes_do_not_pass():
    html = render('<table><tr><th>a</th></tr><tr><td data-label="fake">' + "x" * 40 + "</td></tr></table>")
    assert 'data-label="fake"' not in html and 'data-label="a"' in html
    nested = render('<table><tr><th>h</th></tr><tr><td data-label="fake" colspan="2">' + "y" * 40 + "</td></tr></table>")
    assert "data-label" not in nested  # merged cells: not labelled, and the hand-written label is gone
    assert render("<p><img class=\"night-figure\" src=\"a.svg\"> <img class=\"evil\" src=\"b.svg\"></p>") == (
        '<p><img class="night-figure" src="a.svg"> <img src="b.svg"></p>'
    )

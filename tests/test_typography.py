"""Curly quotes and dashes as a reader sees them, never inside code or tags."""

import pytest

from generator.read.typography import smarten, smarten_text


@pytest.mark.parametrize("html, expected", [
    ('<p>He said "leave", it\'s 5 o\'clock</p>', "<p>He said “leave”, it’s 5 o’clock</p>"),
    ('<p>and "<em>this</em>" too</p>', "<p>and “<em>this</em>” too</p>"),
    ("<p>'Quoted' in the '90s</p>", "<p>‘Quoted’ in the ’90s</p>"),
    ('<p>("Bracketed")</p><p>"New paragraph</p>', "<p>(“Bracketed”)</p><p>“New paragraph</p>"),
    ("<p>a -- b --- c...</p>", "<p>a – b — c…</p>"),
])
def test_text_is_smartened(html, expected):
    assert smarten(html) == expected


def test_code_tags_attributes_and_comments_are_left_alone():
    html = ('<p><code>x = "a" -- \'b\'</code></p><pre><code>"raw"</code></pre>'
            '<p><a href="x" title="t">link</a> <!-- more --></p>')
    assert smarten(html) == html


@pytest.mark.parametrize("html, expected", [
    # After a tag, the text before it decides: also text inside <code>, which is itself left alone.
    ("<p><code>x</code>'s value and <kbd>Ctrl</kbd>\"</p>", "<p><code>x</code>’s value and <kbd>Ctrl</kbd>”</p>"),
    # A line break starts afresh, as a block does.
    ('<p>one "<br>"two</p>', "<p>one “<br>“two</p>"),
    # A comment is left alone and changes nothing around it.
    ('<p>"a" <!-- "c" --> "b"</p>', '<p>“a” <!-- "c" --> “b”</p>'),
    ('<pre><code>"a" -- b</code></pre><p>"c"</p>', '<pre><code>"a" -- b</code></pre><p>“c”</p>'),
    # A self-closed <code/> holds nothing; tag names in any case.
    ('<p><code/>"x" <CODE>"y"</CODE >"z"</p>', '<p><code/>“x” <CODE>"y"</CODE >“z”</p>'),
    ('<script>var a = "--";</script><p>"x"</p>', '<script>var a = "--";</script><p>“x”</p>'),
    ("<p>in the '90s</p><p>the '<em>90s</em></p>", "<p>in the ’90s</p><p>the ‘<em>90s</em></p>"),
    # Dashes next to other dashes, "!" or "<" are not an en dash; at a text's ends they are.
    ("<p>a-- b ---- c !-- d <!--x--> e--</p>", "<p>a– b —- c !-- d <!--x--> e–</p>"),
    ("no tags \"at all\" -- 'here'", "no tags “at all” – ‘here’"),
    ("<p>it's <a href=\"x.md\" title=\"it's\">link</a>'s</p>",
     "<p>it’s <a href=\"x.md\" title=\"it's\">link</a>’s</p>"),
])
def test_quotes_across_tags_code_and_comments(html, expected):
    assert smarten(html) == expected


def test_nothing_to_smarten_is_returned_as_it_was():
    html = '<p class="x">No quotes here, only attributes</p>\n<h2 id="a">Head</h2>'
    assert smarten(html) == html


@pytest.mark.parametrize("language, expected", [
    ("en", "<p>“l’eau et le ‘vin’”, it’s the ’90s</p>"),
    ("fr", "<p>«\u202fl’eau et le ‹\u202fvin\u202f›\u202f», it’s the ’90s</p>"),
    ("fr-CA", "<p>«\u202fl’eau et le ‹\u202fvin\u202f›\u202f», it’s the ’90s</p>"),
    ("de", "<p>„l’eau et le ‚vin‘“, it’s the ’90s</p>"),
    ("uk", "<p>«l’eau et le „vin“», it’s the ’90s</p>"),
    ("es", "<p>«l’eau et le “vin”», it’s the ’90s</p>"),
    ("ja", "<p>“l’eau et le ‘vin’”, it’s the ’90s</p>"),  # no table of its own: English
])
def test_quotes_are_the_languages_and_an_apostrophe_is_always_one(language, expected):
    assert smarten("<p>\"l'eau et le 'vin'\", it's the '90s</p>", language) == expected


def test_a_single_quote_closes_only_an_open_one_where_it_differs_from_the_apostrophe():
    # German: the players' ball is an apostrophe (no ‚ open); after ‚Ball' one closes.
    assert smarten("<p>the players' ball, 'Ball' und Peter's</p>", "de") \
        == "<p>the players’ ball, ‚Ball‘ und Peter’s</p>"
    # A new paragraph forgets an unclosed quotation.
    assert smarten("<p>'open</p><p>it' ends</p>", "de") == "<p>‚open</p><p>it’ ends</p>"


def test_plain_text_is_typeset_as_text_never_as_markup():
    assert smarten_text('Fish & "chips" <b>--</b> it\'s...') == "Fish & “chips” <b>–</b> it’s…"
    assert smarten_text("<!-- 'x' -->") == "<!-- ‘x’ -->"
    assert smarten_text("No quotes here") == "No quotes here"
    assert smarten_text('"Non"', "fr") == "«\u202fNon\u202f»"


def test_the_shortcut_for_text_without_triggers_changes_nothing():
    """smarten skips _smarten when the text between the tags has nothing to typeset: on random
    HTML-like texts (tags, comments, raw elements, lone "<" and ">", triggers split by tags),
    both give the same."""
    import random

    from generator.read.typography import _TOKEN, _smarten, quotes_for
    pieces = ["<p>", "</p>", "<em>", "</em>", '<a href="x\'y">', "</a>", "<code>", "</code>", "<pre>",
              "</pre>", "<!-- a > b -->", "<!--", "-->", "<br/>", "<", ">", "-", "--", ".", "..", "'", '"',
              "a", "word", " ", "\n", "1990", "s", '<img alt="a--b...">', "<b", "!", "&amp;"]
    rng = random.Random(7)
    for _ in range(20000):
        html = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        for language in ("en", "fr"):
            assert smarten(html, language) == _smarten(html, _TOKEN, quotes_for(language)), html

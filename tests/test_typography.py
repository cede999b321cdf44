"""Curly quotes and dashes as a reader sees them, never inside code or tags."""

import pytest

from generator.read.typography import smarten


@pytest.mark.parametrize("html, expected", [
    ('<p>He said "leave", it\'s 5 o\'clock</p>', "<p>He said &ldquo;leave&rdquo;, it&rsquo;s 5 o&rsquo;clock</p>"),
    ('<p>and "<em>this</em>" too</p>', "<p>and &ldquo;<em>this</em>&rdquo; too</p>"),
    ("<p>'Quoted' in the '90s</p>", "<p>&lsquo;Quoted&rsquo; in the &rsquo;90s</p>"),
    ('<p>("Bracketed")</p><p>"New paragraph</p>', "<p>(&ldquo;Bracketed&rdquo;)</p><p>&ldquo;New paragraph</p>"),
    ("<p>a -- b --- c...</p>", "<p>a &ndash; b &mdash; c&hellip;</p>"),
])
def test_text_is_smartened(html, expected):
    assert smarten(html) == expected


def test_code_tags_attributes_and_comments_are_left_alone():
    html = ('<p><code>x = "a" -- \'b\'</code></p><pre><code>"raw"</code></pre>'
            '<p><a href="x" title="t">link</a> <!-- more --></p>')
    assert smarten(html) == html


@pytest.mark.parametrize("html, expected", [
    # After a tag, the text before it decides: also text inside <code>, which is itself left alone.
    ("<p><code>x</code>'s value and <kbd>Ctrl</kbd>\"</p>", "<p><code>x</code>&rsquo;s value and <kbd>Ctrl</kbd>&rdquo;</p>"),
    # A line break starts afresh, as a block does.
    ('<p>one "<br>"two</p>', "<p>one &ldquo;<br>&ldquo;two</p>"),
    # A comment is left alone and changes nothing around it.
    ('<p>"a" <!-- "c" --> "b"</p>', '<p>&ldquo;a&rdquo; <!-- "c" --> &ldquo;b&rdquo;</p>'),
    ('<pre><code>"a" -- b</code></pre><p>"c"</p>', '<pre><code>"a" -- b</code></pre><p>&ldquo;c&rdquo;</p>'),
    # A self-closed <code/> holds nothing; tag names in any case.
    ('<p><code/>"x" <CODE>"y"</CODE >"z"</p>', '<p><code/>&ldquo;x&rdquo; <CODE>"y"</CODE >&ldquo;z&rdquo;</p>'),
    ('<script>var a = "--";</script><p>"x"</p>', '<script>var a = "--";</script><p>&ldquo;x&rdquo;</p>'),
    ("<p>in the '90s</p><p>the '<em>90s</em></p>", "<p>in the &rsquo;90s</p><p>the &lsquo;<em>90s</em></p>"),
    # Dashes next to other dashes, "!" or "<" are not an en dash; at a text's ends they are.
    ("<p>a-- b ---- c !-- d <!--x--> e--</p>", "<p>a&ndash; b &mdash;- c !-- d <!--x--> e&ndash;</p>"),
    ("no tags \"at all\" -- 'here'", "no tags &ldquo;at all&rdquo; &ndash; &lsquo;here&rsquo;"),
    ("<p>it's <a href=\"x.md\" title=\"it's\">link</a>'s</p>",
     "<p>it&rsquo;s <a href=\"x.md\" title=\"it's\">link</a>&rsquo;s</p>"),
])
def test_quotes_across_tags_code_and_comments(html, expected):
    assert smarten(html) == expected


def test_nothing_to_smarten_is_returned_as_it_was():
    html = '<p class="x">No quotes here, only attributes</p>\n<h2 id="a">Head</h2>'
    assert smarten(html) == html

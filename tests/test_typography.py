"""Curly quotes and dashes as a reader sees them, never inside code or tags."""

import pytest

from generator.typography import smarten


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

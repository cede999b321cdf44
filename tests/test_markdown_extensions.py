"""Python-Markdown's own extensions are made without its entry-point scan, with the same output."""

import subprocess
import sys
import textwrap

import markdown
import pytest

from generator.read.markdown_extensions import SHIPPED, made_extensions

DOCUMENT = textwrap.dedent("""\
    [TOC]

    # A heading {: #chosen .lead }

    Some *text* with a footnote[^1] and an abbreviation: HTML.

    *[HTML]: Hyper Text Markup Language

    Term
    :   Its definition

    | a | b |
    |---|---|
    | 1 | 2 |

    ```python
    print("fenced")
    ```

    <div markdown="1">**inside** html</div>

    3. three
    4. four

    !!! note "Admonition"
        Body.

    line one
    line two

    [^1]: The note.
    """)


@pytest.mark.parametrize("names, configs", [
    (["extra", "toc", "sane_lists"], {}),
    (["markdown.extensions.extra", "markdown.extensions.toc"], {"markdown.extensions.toc": {"permalink": True}}),
    (["extra", "toc", "admonition", "nl2br"],
     {"extra": {"footnotes": {"BACKLINK_TEXT": "back"}}, "toc": {"toc_depth": "1-2", "permalink": "#"}}),
])
def test_made_extensions_render_as_the_named_ones(names, configs):
    made, left = made_extensions(names, configs)
    assert all(not isinstance(ext, str) for ext in made)
    assert left == {}
    named = markdown.Markdown(extensions=names, extension_configs=configs).convert(DOCUMENT)
    assert markdown.Markdown(extensions=made, extension_configs=left).convert(DOCUMENT) == named
    assert 'id="chosen"' in named and "<table>" in named and 'class="footnote"' in named


def test_other_extensions_are_left_to_python_markdown_with_their_settings():
    made, left = made_extensions(["toc", "pymdownx.tilde"], {"pymdownx.tilde": {"smart_delete": False}})
    assert made[1] == "pymdownx.tilde" and left == {"pymdownx.tilde": {"smart_delete": False}}
    assert "toc" in SHIPPED


def test_building_does_not_scan_the_installed_packages(tmp_path):
    code = ("import sys; from generator.read.markup import MarkdownRenderer; "
            "MarkdownRenderer(('extra', 'toc', 'sane_lists'), {}).render('# Hi', None); "
            "print('importlib.metadata' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"

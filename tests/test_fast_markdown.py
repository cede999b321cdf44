"""fast_markdown.simple_html, the fast path for plain news copy, against Python-Markdown.

For every text, a renderer with the fast path gives what one without it gives (HTML and link
problems alike); the fast path is taken for the texts it is meant for (so that it pays), and
never for one it is not, nor under other Markdown settings. The random documents come from
tests/markdown_docs.py; a divergence is printed with the document, cut down to what still
differs, as repr: paste it into REGRESSIONS.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

import markdown_docs
from conftest import REPO, benchmark_texts
from generator.read.frontmatter import read_document
from generator.read.markup import Converted, ImageLink, LinkProblem, MarkdownRenderer

EXTENSIONS = ("extra", "toc", "sane_lists")
SEED = 20261130
COUNTS = {"well_formed": 1200, "one_off": 1500, "hostile": 500, "mutated": 800}
ACCEPTANCE = 0.90  # of the well-formed documents, at least this share takes the fast path (94.8% today)


def resolve(url: str) -> str | LinkProblem:
    """The site the test documents live in: two articles, a photo of a known size, nothing else."""
    path, _, fragment = url.partition("#")
    if path in ("x.md", "other.md"):
        return f"/2022/02/28/{path[:-3]}/" + (f"#{fragment}" if fragment else "")
    if path == "photo.jpg":
        return ImageLink("/media/photo.jpg", (640, 427))
    if path == "missing.md":
        return LinkProblem(url, "no such file under content/")
    return LinkProblem(url, "not a file of the site")


@cache
def renderers(smart_quotes: bool) -> tuple[MarkdownRenderer, MarkdownRenderer]:
    """(with the fast path, without it): one of each, reused for every text, as a build does."""
    return (MarkdownRenderer(EXTENSIONS, {}, smart_quotes=smart_quotes),
            MarkdownRenderer(EXTENSIONS, {}, smart_quotes=smart_quotes, fast=False))


@dataclass(frozen=True)
class Outcome:
    text: str
    fast: Converted | str  # or the exception raised, as a string
    plain: Converted | str
    took_fast_path: bool

    @property
    def same(self) -> bool:
        return self.fast == self.plain


def converted(renderer: MarkdownRenderer, text: str) -> Converted | str:
    try:
        return renderer.render(text, resolve)
    except Exception as exc:  # noqa: BLE001 - a crash on one path only is a divergence like any other
        renderer.took_fast_path = False
        return f"raised {exc!r}"


def render(text: str, smart_quotes: bool = False) -> Outcome:
    fast, plain = renderers(smart_quotes)
    with_fast = converted(fast, text)
    return Outcome(text, with_fast, converted(plain, text), fast.took_fast_path)


def differs(text: str) -> bool:
    return not render(text).same


def report(outcomes: list[Outcome], shown: int = 2) -> str:
    """The first divergences, each cut down to what still differs, with both renderings."""
    lines = [f"{len(outcomes)} text(s) render differently with the fast path:"]
    for outcome in outcomes[:shown]:
        small = markdown_docs.shrink(outcome.text, differs) if differs(outcome.text) else outcome.text
        cut = render(small)
        lines += [f"\ndocument: {outcome.text!r}", f"minimized: {small!r}",
                  f"  fast:  {cut.fast!r}", f"  plain: {cut.plain!r}"]
    lines += [f"also: {outcome.text!r}" for outcome in outcomes[shown:shown + 20]]
    return "\n".join(lines)


@cache
def random_documents() -> dict[str, list[str]]:
    makers = {"well_formed": markdown_docs.well_formed, "one_off": markdown_docs.one_off,
              "hostile": markdown_docs.hostile, "mutated": markdown_docs.mutated}
    made = {}
    for kind, count in COUNTS.items():
        rng = random.Random(f"{SEED}-{kind}")
        made[kind] = [makers[kind](rng) for _ in range(count)]
    made["special"] = list(markdown_docs.SPECIAL_DOCUMENTS)
    return made


@cache
def random_outcomes() -> dict[str, list[Outcome]]:
    return {kind: [render(text) for text in texts] for kind, texts in random_documents().items()}


# --------------------------------------------------------------------------- 1. random documents


@pytest.mark.parametrize("kind", ["well_formed", "one_off", "hostile", "mutated", "special"])
def test_random_documents_render_as_without_the_fast_path(kind):
    """Guards the fast path's one promise: Python-Markdown's HTML, or None, for any text at all."""
    failing = [outcome for outcome in random_outcomes()[kind] if not outcome.same]
    assert not failing, report(failing)


def test_random_documents_with_smart_quotes_render_as_without_the_fast_path():
    """The same with the typography on (every fifth document: the typography is the same
    function of the HTML on both paths, so a divergence would show without it already)."""
    texts = [text for texts in random_documents().values() for text in texts][::5]
    failing = [outcome for outcome in (render(text, smart_quotes=True) for text in texts) if not outcome.same]
    assert not failing, report(failing)


# Divergences the random documents (and a reading of fast_markdown.py) found, cut down.
REGRESSIONS: list[str] = [
    "```\n``` \n```",  # fenced_code's closing fence may have spaces after it
    "> s\n>",  # a quotation's last line ">" leaves a newline in its paragraph
    "Run `a\tb` now.",  # tabs are expanded before code spans are read
    "Run `a\rb` now.",  # CR is a newline to Python-Markdown
    "Run `a\x02b` now.",  # STX and ETX are removed first
    "Run ``a`` now.",  # a code span between double backticks
    "Run `` a ` b `` now.",
    "A `a`` b",  # backticks that do not pair
    "A [`code`](other.md) link.",  # a code span in a link's text
    "`a``b`",  # a code span's closing run is as long as its opening one
    "l``a`",
    "| x | y |\n|---|---|\n| a `b | c` d |",  # a "|" in a code span does not split a table's cell
    "01. a\n02. b",  # an ordered list's start is the number as written
    "007. a",
    "\u0661. a",  # and may be in any script's digits
    "\u0662. a",
    "| a | \u00a0b |\n|---|---|\n| c | d |",  # a cell is stripped of spaces, not of all whitespace
    "| a | b\u00a0 |\n|---|---|\n| c | d |",
    "| a | b |\n|---|---|\n| c | \x1c |",  # (str.strip's whitespace: \x1c, \x85, \u2028...)
    "A &#X41; b",  # an entity with a capital X
    "a &#4 b",  # a numeric reference without its ";": Python-Markdown adds it
    "**a**&#x4",
    # The renderer rewrites links only when one is relative: an image's alt text read as an attribute,
    "![x src='photo.jpg'](https://example.com/a.png)",
    "![x src = 'x.md'](/a.png) and [y](https://example.com/)",
    "![a\n> src='x.md'](/a.png)",
    # and links of every kind side by side.
    "[a](x.md) and [b](https://example.com/?a=1&b=2) and ![c](photo.jpg) and [d](/root/)",
    "[a](https://example.com/?a=1&amp;b=2) [b](#here) [c](?q) [d](mailto:a@b.c) [e](missing.md)",
]


@pytest.mark.parametrize("text", REGRESSIONS)
def test_regressions_render_as_without_the_fast_path(text):
    """Guards against the return of a divergence the random documents once found."""
    outcome = render(text)
    assert outcome.fast == outcome.plain, text


# --------------------------------------------------------------------------- 2. the fast path is taken


def test_well_formed_documents_take_the_fast_path():
    """Guards the point of it all: plain copy goes the fast way (a fast path that declines
    everything would pass every equality test above)."""
    outcomes = random_outcomes()["well_formed"]
    declined = [outcome.text for outcome in outcomes if not outcome.took_fast_path]
    share = 1 - len(declined) / len(outcomes)
    assert share >= ACCEPTANCE, (f"the fast path took {share:.1%} of the well-formed documents; declined, e.g.:\n"
                                 + "\n".join(repr(text) for text in declined[:8]))


ACCEPTED = {
    "paragraph": "The council approved its budget on Tuesday.",
    "paragraph of lines": "The council approved\nits budget\non Tuesday.",
    "paragraphs": "First paragraph.\n\nSecond paragraph.\n",
    "punctuation": "Well, it's \"done\" -- or 'nearly' done... isn't it? Yes; 2.99% (up) on 2022/23: £52.47!",
    "unicode": "Zoë — “quoted” … Київ 東京 café\u00a0bar ½ °C",
    "ampersand": "Q&A, R & D and AT&T",
    "em": "An *emphasised* word.",
    "strong": "A **strong** word and **two words**.",
    "em and strong": "*one* and **two** and *three four*",
    "relative link": "See [the other story](other.md).",
    "broken link": "See [a story](missing.md) that is gone.",
    "absolute link": "See [the site](https://x.example/a?b=1&c=2).",
    "anchor link": "Go to [the debate](#the-debate).",
    "relative image": "![Councillors vote](photo.jpg)",
    "absolute image": "An ![icon](https://cdn.x.example/p.png) in words.",
    "headings": "# One\n\n## Two\n\n### Three\n\n#### Four\n\n##### Five\n\n###### Six",
    "heading of unicode": "## Zoë — “quoted” …",
    "repeated headings": "## Background\n\nText.\n\n## Background\n\n## Background",
    "heading like a theme's": "## Top stories\n\nBack to [the top](#top).",
    "dash list": "- one\n- two\n- three",
    "star list": "* one\n* two",
    "plus list": "+ one\n+ two",
    "ordered list": "1. one\n2. two\n3. three",
    "list of inline": "- *one* and [two](x.md)\n- **three** ![four](photo.jpg)",
    "blockquote": "> Quoted words.",
    "blockquote of lines": "> Quoted\n> words.",
    "table": "| Service | 2022/23 |\n|---|---|\n| Libraries | £7.4m |\n| Parks | £5.8m |",
    "table with spaced separator": "| a | b |\n| --- | --- |\n| *c* | **d** |",
    "article": ("# Budget approved\n\nThe council *approved* its [budget](other.md).\n\n## What changes\n\n"
                "- Rent\n- Tax\n\nAnd:\n\n1. First\n2. Second\n\n> It's a **good** day.\n\n| a | b |\n|---|---|\n| c | d |\n"),
}


@pytest.mark.parametrize("name", ACCEPTED)
def test_each_accepted_construct_takes_the_fast_path(name):
    """Guards each construct the fast path is meant for: taken, and right."""
    outcome = render(ACCEPTED[name])
    assert outcome.same, report([outcome])
    assert outcome.took_fast_path, f"{name}: {ACCEPTED[name]!r} went the slow way"


REJECTED = {
    "raw html": "Some <b>bold</b> words.",
    "html block": "<div>\nraw\n</div>",
    "more marker": "Summary.\n\n<!-- more -->\n\nThe rest.",
    "comment": "Text <!-- note --> here.",
    "indented code": "Text.\n\n    code",
    "backslash": "Not \\*emphasis\\*.",
    "underscore emphasis": "An _emphasised_ word.",
    "underscore strong": "A __strong__ word.",
    "underscore in a word": "A snake_case name.",
    "footnote": "A claim.[^1]\n\n[^1]: The source.",
    "attr_list": "A paragraph.\n{: .lead}",
    "attr_list in a heading": "## Heading {#mine}",
    "abbreviation": "The HTML spec.\n\n*[HTML]: Hyper Text Markup Language",
    "definition list": "Term\n: Definition",
    "setext heading": "Heading\n=======",
    "setext subheading": "Heading\n-------",
    "rule": "Above.\n\n---\n\nBelow.",
    "star rule": "Above.\n\n***\n\nBelow.",
    "loose list": "- one\n\n- two",
    "loose ordered list": "1. one\n\n2. two",
    "nested list": "- one\n    - two",
    "item of two lines": "- one\n  more",
    "indented line": "  Indented paragraph.",
    "trailing spaces": "Line break  \nhere.",
    "trailing space": "Word \nnext.",
    "tab": "Word\tword.",
    "reference link": "A [link][ref].\n\n[ref]: other.md",
    "shortcut reference": "A [ref] here.\n\n[ref]: other.md",
    "link title": "A [link](other.md \"Title\").",
    "image title": "![A photo](photo.jpg \"The caption\")",
    "embed": "@[youtube](https://youtu.be/dQw4w9WgXcQ)",
    "entity": "Copyright &copy; 2022 &amp; more.",
    "numeric entity": "It&#39;s here.",
    "autolink": "See <https://x.example/>.",
    "brackets alone": "A [bracketed] aside.",
    "toc marker": "[TOC]\n\n# One",
}


@pytest.mark.parametrize("name", REJECTED)
def test_each_rejected_construct_takes_the_slow_path(name):
    """Guards the fast path's caution: what it does not know it leaves to Python-Markdown."""
    outcome = render(REJECTED[name])
    assert outcome.same, report([outcome])
    assert not outcome.took_fast_path, f"{name}: {REJECTED[name]!r} went the fast way"


NEAR_MISSES = {
    "heading with an ampersand": "## Q&A",
    "theme's heading ids": "# Top\n\n## Search\n\n## Search\n\nBack to [the top](#top) and [search](#search).",
    "theme's id, and its renaming taken": "# Top\n\n# Top 1\n\n## Top_1\n\n[a](#top) [b](#top_1)",
    "inline code": "Run `make` now.",
    "fenced code": "```\ncode & <b>\n```",
    "fenced code with a language": "Text.\n\n```python\nx = 1 < 2\n\n# not a heading\n```\n\nMore.",
    "fence closed with spaces": "```\na\n``` \nb\n```",
    "crlf": "One line\r\nnext line.",
    "emphasis across lines": "An *emphasis\nacross* lines.",
    "nested emphasis": "**a *b* c**",
    "triple stars": "***both***",
    "hashtag at a line's start": "#hashtag is a heading to Markdown",
    "year at a line's start": "Words\n2019. was a year",
    "signed numbers": "| Service | Change |\n|---|---|\n| Parks | +6.6% |\n| Libraries | −6.3% |",
    "header-only table": "| a | b |\n|---|---|",
    "one-column table": "| a |\n|---|\n| b |",
    "aligned table": "| a | b |\n|:---|---:|\n| c | d |",
    "ragged table": "| a | b |\n|---|---|\n| c |",
    "bullet list, then ordered list": "- a\n- b\n\n1. c",
    "two lists": "- a\n- b\n\n* c",
    "two quotations": "> a\n\n> b",
    "numbered from three": "3. three\n4. four",
    "quote in quote": "> a\n>\n> > b",
    "alt text with quotes": '![The "Beast"](photo.jpg)',
    "empty alt": "![](photo.jpg)",
    "empty link text": "[](other.md)",
    "link to a fragment of an article": "[a](other.md#the-debate)",
    "link with an underscore": "[a](https://x.example/a_b)",
}


@pytest.mark.parametrize("name", NEAR_MISSES)
def test_near_misses_render_as_without_the_fast_path(name):
    """Guards the edges, which the fast path may take or leave: taken, they must be right."""
    outcome = render(NEAR_MISSES[name])
    assert outcome.same, report([outcome])


# --------------------------------------------------------------------------- 3. real texts


def benchmark_articles(count: int = 200) -> list[str]:
    """The bodies of bench/corpus.py's synthetic articles, as the benchmark makes them."""
    return [read_document(Path(f"article-{n}.md"), text.encode("utf-8")).body
            for n, text in enumerate(benchmark_texts(count))]


def test_benchmark_articles_take_the_fast_path():
    """Guards the benchmark's gain: every article of the synthetic corpus goes the fast way, and right."""
    outcomes = [render(text) for text in benchmark_articles()]
    failing = [outcome for outcome in outcomes if not outcome.same]
    assert not failing, report(failing)
    declined = [outcome.text for outcome in outcomes if not outcome.took_fast_path]
    assert not declined, f"{len(declined)} of {len(outcomes)} went the slow way, e.g. {declined[0]!r}"


def markdown_body(path: Path) -> str:
    """A source file's Markdown without its front matter (YAML between ---, or Hugo's TOML between +++)."""
    raw = path.read_bytes()
    if raw.startswith(b"+++"):
        return raw.decode("utf-8").split("+++", 2)[2].lstrip("\n")
    document = read_document(path, raw)
    return getattr(document, "body", raw.decode("utf-8"))


def source_files() -> list[Path]:
    return sorted((REPO / "content").rglob("*.md")) + sorted((REPO / "tests" / "fixtures").rglob("*.md"))


@pytest.mark.parametrize("path", source_files(), ids=lambda path: str(path.relative_to(REPO)))
def test_site_and_fixture_texts_render_as_without_the_fast_path(path):
    """Guards the real texts: the repository's own articles and the importers' fixtures
    (footnotes, tables with alignment, shortcodes...), whichever path they take."""
    outcome = render(markdown_body(path))
    assert outcome.same, report([outcome])
    with_quotes = render(markdown_body(path), smart_quotes=True)
    assert with_quotes.same, report([with_quotes])


# --------------------------------------------------------------------------- 4. other settings


@pytest.mark.parametrize("extensions, configs", [
    (("extra", "toc"), {}),
    (("extra", "sane_lists"), {}),
    (("extra", "toc", "sane_lists", "smarty"), {}),
    (("toc", "extra", "sane_lists"), {}),
    ((), {}),
    (EXTENSIONS, {"toc": {"permalink": True}}),
    (EXTENSIONS, {"toc": {"slugify": lambda value, separator: value.upper()}}),
    (EXTENSIONS, {"extra": {"footnotes": {"BACKLINK_TEXT": "^"}}}),
], ids=["no sane_lists", "no toc", "smarty", "reordered", "none", "permalinks", "own slugify", "extra config"])
def test_other_settings_never_take_the_fast_path(extensions, configs):
    """Guards the fast path's scope: it knows the default extensions with their default settings only."""
    renderer = MarkdownRenderer(extensions, configs, smart_quotes=False)
    for text in [*ACCEPTED.values(), *random_documents()["well_formed"][:50]]:
        renderer.render(text, resolve)
        assert not renderer.took_fast_path, f"{extensions} {configs}: {text!r}"


def test_fast_false_never_takes_the_fast_path():
    """Guards the switch the tests above compare against."""
    renderer = renderers(False)[1]
    for text in ACCEPTED.values():
        renderer.render(text, resolve)
        assert not renderer.took_fast_path, text


def test_heading_ids_are_tocs():
    """fast_markdown.slugify (toc's, with its patterns compiled once) names a heading as toc does."""
    from markdown.extensions.toc import slugify as toc_slugify

    from generator.read.fast_markdown import slugify
    alphabet = "aZ09 -_.,!?'\"’—–é ü ß Ǆ ﬁ ² ½ \u00a0\u2003\u202fΩ日本-- x"
    rng = random.Random(11)
    texts = ["", " ", "-", "Council approves budget", "Café déjà vu", "ﬁnal ½ ²", "A -- B", "Ǆ"]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 20))) for _ in range(5000)]
    for text in texts:
        assert slugify(text) == toc_slugify(text, "-"), text

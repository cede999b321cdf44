"""Bad input, as a user meets it: `build` exits 1, says where and what (`path:line:col: error: ...`),
prints a summary last, shows no traceback, and leaves the previous output/ exactly as it was."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import MINIMAL_CONFIG, article, snapshot, write_file

GOOD_FILES = {
    "content/2022-02-27-first.md": article("First story", "2022-02-27", "The first story."),
    "content/2022-02-28-second.md": article("Second story", "2022-02-28", "The second story.",
                                            tags="[Ukraine, NATO]"),
}

ERROR_LINE = re.compile(r"^\S.*?: error: ")


def tree(folder: Path) -> list[str]:
    """Every entry below folder, files and folders: a leftover staging folder shows up here."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.fixture
def built(make_site, run):
    """build(extra_files) -> (site, output snapshot): a good site, built once."""

    def make(extra: dict[str, str | bytes] | None = None, config: str = MINIMAL_CONFIG):
        site = make_site({**GOOD_FILES, **(extra or {})}, config=config)
        result = run("build", "--site", ".", cwd=site)
        assert result.status == 0, result.err
        assert result.err == ""
        before = snapshot(site / "output")
        assert "index.html" in before
        return site, before

    return make


def error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if ERROR_LINE.match(line)]


def assert_failed(result, site: Path, before, errors: int = 1) -> list[str]:
    """Exit 1, no traceback, summary last, `errors` error lines, output/ untouched. Returns the error lines."""
    assert result.status == 1, result.err
    assert "Traceback" not in result.err
    assert "internal error" not in result.err
    assert result.out == ""  # no "built ..." line
    lines = result.err.strip().splitlines()
    word = "error" if errors == 1 else "errors"
    assert lines[-1].startswith(f"build failed with {errors} {word}"), lines[-1]
    found = error_lines(result.err)
    assert len(found) == errors, result.err
    assert snapshot(site / "output") == before
    assert ".broadsheet-staging" not in tree(site / "output")
    return found


def error_at(result, where: str, *words: str) -> str:
    """The error line at `where` (path:line, or path:line:col for an exact column), holding every word."""
    pattern = re.compile(rf"^{re.escape(where)}(?::\d+)?: error: (.+)$")
    for line in result.err.splitlines():
        match = pattern.match(line)
        if match:
            message = match.group(1).lower()
            missing = [w for w in words if w.lower() not in message]
            assert not missing, f"{missing} not in {line!r}"
            return line
    raise AssertionError(f"no error at {where}:\n{result.err}")


write = write_file


# 1. YAML syntax errors: the line in the .md file (front matter starts on line 2).

def test_unclosed_quote_is_reported_on_its_own_line(built, run):
    site, before = built()
    write(site, "content/2022-03-01-bad.md",
          '---\n'
          'title: "Unclosed headline\n'
          'date: 2022-03-01\n'
          'author: Desk\n'
          '---\n'
          'Body.\n')
    result = run("build", "--site", ".", cwd=site)
    assert_failed(result, site, before)
    error_at(result, "content/2022-03-01-bad.md:2:8", "invalid yaml", "quote", "never closed")


def test_unclosed_flow_list_is_reported_on_its_own_line(built, run):
    site, before = built()
    write(site, "content/2022-03-01-bad.md",
          "---\n"
          "title: Fine\n"
          "date: 2022-03-01\n"
          "tags: [a, b\n"
          "summary: Something.\n"
          "---\n"
          "Body.\n")
    result = run("build", "--site", ".", cwd=site)
    assert_failed(result, site, before)
    error_at(result, "content/2022-03-01-bad.md:4", "invalid yaml", "[", "]")


def test_unquoted_colon_in_value_points_at_the_line_and_says_quote_it(built, run):
    site, before = built()
    write(site, "content/2022-03-01-bad.md",
          "---\n"
          "date: 2022-03-01\n"
          "title: Breaking: council resigns\n"
          "---\n"
          "Body.\n")
    result = run("build", "--site", ".", cwd=site)
    assert_failed(result, site, before)
    error_at(result, "content/2022-03-01-bad.md:3", "invalid yaml", "must be quoted")


def test_apostrophe_inside_single_quotes_says_how_to_quote_it(built, run):
    site, before = built()
    write(site, "content/2022-03-01-bad.md",
          "---\n"
          "title: 'Council's budget passes'\n"
          "date: 2022-03-01\n"
          "---\n"
          "Body.\n")
    result = run("build", "--site", ".", cwd=site)
    assert_failed(result, site, before)
    error_at(result, "content/2022-03-01-bad.md:2", "invalid yaml", "quote", "it''s")


def test_quoted_draft_flag_is_an_error_not_a_publication(built, run):
    site, before = built()
    write(site, "content/2022-03-01-bad.md", article("Not yet", "2022-03-01", "Body.", draft='"true"'))
    result = run("build", "--site", ".", cwd=site)
    assert_failed(result, site, before)
    error_at(result, "content/2022-03-01-bad.md:4", "`draft`", "true or false")


def test_symlink_leading_outside_the_site_is_refused(built, run, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("not for publication")
    site, before = built()
    (site / "content" / "leak.txt").symlink_to(secret)
    result = run("build", "--site", ".", cwd=site)
    assert_failed(result, site, before)
    error_at(result, "content/leak.txt", "symbolic link", "outside the site folder")


# 2.-6. Front matter content.

def test_front_matter_never_closed(built, run):
    site, before = built()
    write(site, "content/2022-03-01-bad.md", "---\ntitle: Open\ndate: 2022-03-01\nBody text.\n")
    result = run("build", "--site", ".", cwd=site)
    assert_failed(result, site, before)
    error_at(result, "content/2022-03-01-bad.md:1", "front matter is never closed", "---")


def test_missing_title(built, run):
    site, before = built()
    write(site, "content/2022-03-01-bad.md", "---\ndate: 2022-03-01\n---\nBody.\n")
    result = run("build", "--site", ".", cwd=site)
    assert_failed(result, site, before)
    error_at(result, "content/2022-03-01-bad.md:1", "missing `title`", "title:")


def test_missing_date_without_a_date_in_the_file_name(built, run):
    site, before = built()
    write(site, "content/undated.md", "---\ntitle: No date\n---\nBody.\n")
    result = run("build", "--site", ".", cwd=site)
    assert_failed(result, site, before)
    error_at(result, "content/undated.md:1", "missing `date`", "date: 2022-02-28", "2022-02-28-slug.md")


def test_impossible_date(built, run):
    site, before = built()
    write(site, "content/impossible.md", article("Thirteenth month", "2024-13-45", "Body.", author="Desk"))
    result = run("build", "--site", ".", cwd=site)
    assert_failed(result, site, before)
    error_at(result, "content/impossible.md:3", "2024-13-45", "not a real date", "YYYY-MM-DD")


def test_a_link_to_an_article_with_errors_says_so_not_that_it_is_missing(built, run):
    site, before = built()
    write(site, "content/impossible.md", article("Thirteenth month", "2024-13-45", "Body.", author="Desk"))
    write(site, "content/linking.md", article("Linking", "2024-01-02", "See [the other](impossible.md).", author="Desk"))
    result = run("build", "--site", ".", cwd=site)
    assert_failed(result, site, before, errors=2)
    error_at(result, "content/impossible.md:3", "not a real date")
    error_at(result, "content/linking.md:6:17", "links to impossible.md, which has errors of its own")
    assert "does not exist" not in result.err


@pytest.mark.parametrize("tags", ["{a: 1}", "5"])
def test_tags_of_the_wrong_type(built, run, tags):
    site, before = built()
    write(site, "content/2022-03-01-bad.md", article("Tagged", "2022-03-01", "Body.", author="Desk", tags=tags))
    result = run("build", "--site", ".", cwd=site)
    assert_failed(result, site, before)
    error_at(result, "content/2022-03-01-bad.md:5", "`tags` must be a list", "[Ukraine, NATO]")


# 7.-8. Files that are not articles at all.

def test_non_utf8_file_points_at_the_bad_byte(built, run):
    site, before = built()
    write(site, "content/2022-03-01-latin.md",
          b"---\ntitle: Cafe\ndate: 2022-03-01\n---\nFirst line.\n\nCaf\xff au lait.\n")
    result = run("build", "--site", ".", cwd=site)
    assert_failed(result, site, before)
    error_at(result, "content/2022-03-01-latin.md:7:4", "not utf-8", "0xff", "save the file as utf-8")


@pytest.mark.parametrize("text", ["", "\n  \n"])
def test_empty_file(built, run, text):
    site, before = built()
    write(site, "content/2022-03-01-empty.md", text)
    result = run("build", "--site", ".", cwd=site)
    assert_failed(result, site, before)
    error_at(result, "content/2022-03-01-empty.md:1", "empty", "title", "date")


# 9. Two articles, one URL.

def test_two_articles_writing_the_same_url_name_both_files(built, run):
    site, before = built()
    write(site, "content/a/2022-02-28-x.md", article("One X", "2022-02-28"))
    write(site, "content/b/2022-02-28-x.md", article("Other X", "2022-02-28"))
    result = run("build", "--site", ".", cwd=site)
    assert_failed(result, site, before)
    line = error_at(result, "content/b/2022-02-28-x.md:1", "/2022/02/28/x/", "slug")
    assert "content/a/2022-02-28-x.md" in line


# 10. Broken relative links and images, at their line in the body.

def test_broken_relative_link(built, run):
    site, before = built()
    write(site, "content/news/2022-03-01-links.md",
          article("Links", "2022-03-01", "First paragraph.\n\nSecond, [see](missing.md) here."))
    # lines: 1 ---, 2 title, 3 date, 4 ---, 5 First paragraph., 6 blank, 7 the link
    result = run("build", "--site", ".", cwd=site)
    assert_failed(result, site, before)
    error_at(result, "content/news/2022-03-01-links.md:7:15", "news/missing.md", "does not exist")


def test_broken_link_in_a_heading_is_reported_once(built, run):
    # toc runs the link rewriter over each heading for its labels too: that must not add an error.
    site, before = built()
    write(site, "content/news/2022-03-01-links.md",
          article("Links", "2022-03-01", "First paragraph.\n\n## See [the plan](missing.md)\n\nMore."))
    result = run("build", "--site", ".", cwd=site)
    assert_failed(result, site, before)  # one error
    error_at(result, "content/news/2022-03-01-links.md:7:19", "news/missing.md", "does not exist")


def test_broken_image(built, run):
    site, before = built()
    write(site, "content/2022-03-01-pic.md",
          article("Pictures", "2022-03-01", "Intro.\n\nMore.\n\n![x](nope.png)\n", author="Desk"))
    # lines: 1 ---, 2 title, 3 date, 4 author, 5 ---, 6 Intro., 7, 8 More., 9, 10 the image
    result = run("build", "--site", ".", cwd=site)
    assert_failed(result, site, before)
    error_at(result, "content/2022-03-01-pic.md:10", "nope.png", "does not exist")


# 11.-12. config.yaml.

def test_mistyped_config_key_suggests_the_right_one(built, run):
    site, before = built()
    write(site, "config.yaml", "base_url: https://example.org/\ntitel: Test Gazette\n")
    result = run("build", "--site", ".", cwd=site)
    assert_failed(result, site, before, errors=2)
    error_at(result, "config.yaml:2", "unknown setting `titel`", "did you mean `title`")
    error_at(result, "config.yaml:1", "missing required setting `title`")


def test_mistyped_nested_looking_key_suggests_per_page(built, run):
    site, before = built()
    write(site, "config.yaml", MINIMAL_CONFIG.replace("per_page:", "per_pgae:"))
    result = run("build", "--site", ".", cwd=site)
    assert_failed(result, site, before)
    error_at(result, "config.yaml:5", "unknown setting `per_pgae`", "did you mean `per_page`")


def test_unknown_config_key_lists_the_known_ones(built, run):
    site, before = built()
    write(site, "config.yaml", MINIMAL_CONFIG + "colour_scheme: dark\n")
    result = run("build", "--site", ".", cwd=site)
    assert_failed(result, site, before)
    error_at(result, "config.yaml:6", "unknown setting `colour_scheme`", "known settings", "per_page")


def test_config_value_of_the_wrong_type(built, run):
    site, before = built()
    write(site, "config.yaml", MINIMAL_CONFIG.replace("per_page: 2", "per_page: many"))
    result = run("build", "--site", ".", cwd=site)
    assert_failed(result, site, before)
    error_at(result, "config.yaml:5", "`per_page`", "whole number", "'many'")


def test_missing_config_yaml(built, run):
    site, before = built()
    (site / "config.yaml").unlink()
    result = run("build", "--site", ".", cwd=site)
    assert_failed(result, site, before)
    error_at(result, "config.yaml", "no config.yaml", "title", "base_url", "--site")


# 13.-14. Themes.

THEME_FILES = {
    "themes/mytheme/theme.yaml": "parent: default\n",
    "themes/mytheme/templates/article.html": '{% extends "default:article.html" %}\n',
}


def test_jinja_syntax_error_in_a_site_theme(built, run):
    site, before = built(THEME_FILES, config=MINIMAL_CONFIG + "theme: mytheme\n")
    write(site, "themes/mytheme/templates/article.html",
          '{% extends "default:article.html" %}\n'
          "{# an override #}\n"
          "{% if %}yes{% endif %}\n")
    result = run("build", "--site", ".", cwd=site)
    assert_failed(result, site, before)
    error_at(result, "themes/mytheme/templates/article.html:3", "template syntax error", "article.html")


def test_unknown_theme_lists_the_available_ones(built, run):
    site, before = built(THEME_FILES)
    write(site, "config.yaml", "title: T\ntheme: nosuch\nbase_url: https://example.org/\n")
    result = run("build", "--site", ".", cwd=site)
    assert_failed(result, site, before)
    error_at(result, "config.yaml:2", "unknown theme 'nosuch'", "available:", "default", "mytheme")


def test_mistyped_theme_suggests_the_close_one(built, run):
    site, before = built()
    write(site, "config.yaml", MINIMAL_CONFIG + "theme: defualt\n")
    result = run("build", "--site", ".", cwd=site)
    assert_failed(result, site, before)
    error_at(result, "config.yaml:6", "unknown theme 'defualt'", "did you mean 'default'")


# 15. Output folders that would overwrite the sources, or someone else's files.

@pytest.mark.parametrize("output, words", [
    ("content", ("the output folder content", "content/")),
    (".", ("the output folder .", "content/")),
    ("content/out", ("the output folder content/out", "inside", "content/")),
    ("themes", ("the output folder themes", "themes/")),
    ("themes/mytheme/out", ("inside", "themes/")),
])
def test_output_folder_over_the_sources_is_refused(built, run, output, words):
    site, before = built(THEME_FILES, config=MINIMAL_CONFIG + "theme: mytheme\n")
    sources_before = {name: snapshot(site / name) for name in ("content", "themes")}
    top_before = tree(site)
    result = run("build", "--site", ".", "--output", output, cwd=site)
    assert_failed(result, site, before)
    line = error_lines(result.err)[0]
    assert line.startswith("broadsheet: error: "), line  # about the command line, not a file
    assert all(w.lower() in line.lower() for w in words), line
    assert "--output" in line
    assert {name: snapshot(site / name) for name in ("content", "themes")} == sources_before
    assert tree(site) == top_before  # not even an empty folder was made


def test_output_folder_with_foreign_files_is_refused_and_untouched(built, run):
    site, before = built()
    write(site, "public/notes.txt", "mine, not Broadsheet's\n")
    write(site, "public/old/index.html", "<p>hand-made</p>\n")
    theirs = snapshot(site / "public")
    result = run("build", "--site", ".", "--output", "public", cwd=site)
    assert_failed(result, site, before)
    line = error_lines(result.err)[0]
    assert "public" in line and "did not write" in line and "--output" in line
    assert snapshot(site / "public") == theirs
    assert tree(site / "public") == ["notes.txt", "old", "old/index.html"]


def test_default_output_folder_with_foreign_files_is_refused(make_site, run):
    site = make_site(GOOD_FILES)
    write(site, "output/index.html", "<p>the old site, made by hand</p>\n")
    theirs = snapshot(site / "output")
    result = run("build", "--site", ".", cwd=site)
    assert_failed(result, site, theirs)
    assert "did not write" in error_lines(result.err)[0]


# 16. Every error, not only the first.

def test_several_broken_articles_are_all_reported(built, run):
    site, before = built()
    write(site, "content/2022-03-01-one.md", "---\ndate: 2022-03-01\n---\nNo title.\n")
    write(site, "content/2022-03-02-two.md", article("Bad date", "2022-02-30"))
    result = run("build", "--site", ".", cwd=site)
    assert_failed(result, site, before, errors=2)
    error_at(result, "content/2022-03-01-one.md:1", "missing `title`")
    error_at(result, "content/2022-03-02-two.md:3", "2022-02-30", "not a real date")


def test_content_and_theme_errors_are_reported_together(built, run):
    site, before = built()
    write(site, "content/2022-03-01-one.md", "---\ndate: 2022-03-01\n---\nNo title.\n")
    write(site, "config.yaml", MINIMAL_CONFIG + "theme: nosuch\n")
    result = run("build", "--site", ".", cwd=site)
    assert_failed(result, site, before, errors=2)
    error_at(result, "content/2022-03-01-one.md:1", "missing `title`")
    error_at(result, "config.yaml:6", "unknown theme 'nosuch'")


# 17. The command line.

@pytest.mark.parametrize("args", [("build", "--nosuch"), ("frobnicate",), ("build", "--output")])
def test_bad_command_line_exits_2(built, run, args):
    site, before = built()
    result = run(*args, cwd=site)
    assert result.status == 2
    assert "usage:" in result.err
    assert "Traceback" not in result.err
    assert snapshot(site / "output") == before


def test_verbose_is_accepted(built, run):
    site, before = built()
    result = run("build", "--site", ".", "--verbose", cwd=site)
    assert result.status == 0, result.err
    assert result.out.startswith("built 2 articles")
    assert ": 0 files written, " in result.out, result.out
    site_files = {k: v for k, v in snapshot(site / "output").items() if not k.startswith(".")}
    assert site_files == {k: v for k, v in before.items() if not k.startswith(".")}  # nothing rewritten


def test_verbose_shows_site_errors_without_a_traceback(built, run):
    site, before = built()
    write(site, "content/2022-03-01-bad.md", "---\ndate: 2022-03-01\n---\nNo title.\n")
    result = run("build", "--site", ".", "--verbose", cwd=site)
    assert_failed(result, site, before)
    error_at(result, "content/2022-03-01-bad.md:1", "missing `title`")


def test_first_build_stopped_half_way_leaves_no_output_folder(make_site, run, monkeypatch):
    import generator.write.output

    site = make_site(GOOD_FILES)

    def interrupted(*args, **kwargs):
        (site / "output" / "half-written.html").write_text("<p>half</p>")
        raise KeyboardInterrupt

    with monkeypatch.context() as patched:
        patched.setattr(generator.write.output, "make_files", interrupted)
        assert run("build", "--site", ".", cwd=site).status == 130
    assert not (site / "output").exists()
    result = run("build", "--site", ".", cwd=site)  # and the next build is not refused
    assert result.status == 0, result.err


def test_a_url_that_cannot_be_split_is_an_error_at_its_line_in_front_matter_and_left_as_written_in_a_body(
        built, run):
    """"https://x]y/" (an unclosed [ in the host) makes Python's urlsplit raise: it once stopped the
    build with an internal error, from the body's links, an alias or the lead image."""
    site, before = built()
    write(site, "content/2022-03-01-bad.md",
          '---\n'
          'title: Bad addresses\n'
          'date: 2022-03-01\n'
          'image: "https://x]y/p.png"\n'
          'image_alt: A picture\n'
          'aliases: ["https://x]y/old/"]\n'
          '---\n'
          'A [link](https://x]y/) and ![a picture](https://x]y/p.png).\n')
    result = run("build", "--site", ".", cwd=site)
    assert_failed(result, site, before, errors=2)
    error_at(result, "content/2022-03-01-bad.md:4", "`image` must be a file name or URL")
    error_at(result, "content/2022-03-01-bad.md:6", "alias", "not a url path")

    write(site, "content/2022-03-01-bad.md",
          '---\ntitle: Bad addresses\ndate: 2022-03-01\n---\nA [link](https://x]y/) and ![a picture](https://x]y/p.png).\n')
    result = run("build", "--site", ".", cwd=site)
    assert result.status == 0, result.err
    page = (site / "output/2022/03/01/bad/index.html").read_text(encoding="utf-8")
    assert '<a href="https://x]y/">link</a>' in page and '<img alt="a picture" src="https://x]y/p.png">' in page

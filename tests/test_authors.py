"""authors.yaml: load_authors on its own (the build wiring is tested with the build)."""

from __future__ import annotations

import hashlib

import pytest

from conftest import REPO
from generator.read.authors import Author, Authors, authors_file, load_authors
from generator.errors import BuildFailed

SVG = "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 4 4' width='4' height='4'/>"

EVERY_FIELD = """\
grace:
  name: Grace Adeyemi
  role: Political editor
  bio: |
    Grace has covered the *council* since 2015.
  photo: ./authors/grace.svg
  email: grace@example.org
  url: https://grace.example/
  linkedin: https://www.linkedin.com/in/gadeyemi
  bluesky: gadeyemi.bsky.social
  mastodon: "@grace@Mastodon.Social"
  x: "@gadeyemi"
tom:
  name: Tom Ellery
"""


def problems(make_site, text: str | bytes, **files: str) -> list[tuple[int | None, str]]:
    """(line, message) of every error load_authors reports for this authors.yaml."""
    site = make_site({"authors.yaml": text, **files})
    with pytest.raises(BuildFailed) as failed:
        load_authors(site)
    assert all(e.path == authors_file(site) for e in failed.value.errors)
    return [(e.line, e.message) for e in failed.value.errors]


def one_author(make_site, entry: str, **files: str) -> Author:
    return next(iter(load_authors(make_site({"authors.yaml": entry, **files})).by_id.values()))


def test_every_field_is_read(make_site):
    site = make_site({"authors.yaml": EVERY_FIELD, "content/authors/grace.svg": SVG})
    authors = load_authors(site)
    assert list(authors.by_id) == ["grace", "tom"]
    assert authors.by_id["grace"] == Author(
        id="grace", name="Grace Adeyemi", role="Political editor",
        bio="Grace has covered the *council* since 2015.\n", photo="authors/grace.svg",
        email="grace@example.org", url="https://grace.example/",
        links=(("X", "https://x.com/gadeyemi"), ("Mastodon", "https://mastodon.social/@grace"),
               ("Bluesky", "https://bsky.app/profile/gadeyemi.bsky.social"),
               ("LinkedIn", "https://www.linkedin.com/in/gadeyemi")),
        line=1, photo_line=6)
    assert authors.by_id["tom"] == Author(id="tom", name="Tom Ellery", line=13)
    assert authors.digest == hashlib.sha256(authors_file(site).read_bytes()).hexdigest()


@pytest.mark.parametrize("key, given, url", [
    ("x", "gadeyemi", "https://x.com/gadeyemi"),
    ("x", "https://twitter.com/gadeyemi", "https://twitter.com/gadeyemi"),
    ("mastodon", "grace@mastodon.social", "https://mastodon.social/@grace"),
    ("mastodon", "https://mastodon.social/@grace", "https://mastodon.social/@grace"),
    ("bluesky", "'@Grace.bsky.social'", "https://bsky.app/profile/grace.bsky.social"),
    ("bluesky", "'@grace.example'", "https://bsky.app/profile/grace.example"),
    ("linkedin", "in/grace-adeyemi", "https://www.linkedin.com/in/grace-adeyemi"),
    ("linkedin", "grace-adeyemi", "https://www.linkedin.com/in/grace-adeyemi"),
])
def test_social_handles_become_profile_urls(make_site, key, given, url):
    author = one_author(make_site, f"grace:\n  name: Grace Adeyemi\n  {key}: {given}\n")
    assert author.links[0][1] == url


def test_no_file_means_no_authors(make_site):
    assert load_authors(make_site({})) == Authors({}, "")


def test_an_empty_file_means_no_authors(make_site):
    authors = load_authors(make_site({"authors.yaml": "# nobody yet\n"}))
    assert authors.by_id == {} and authors.digest == hashlib.sha256(b"# nobody yet\n").hexdigest()


def test_find_by_id_then_by_name_ignoring_case(make_site):
    authors = load_authors(make_site({"authors.yaml": EVERY_FIELD, "content/authors/grace.svg": SVG}))
    assert authors.find("grace").name == "Grace Adeyemi"
    assert authors.find("grace adeyemi").id == "grace"
    assert authors.find(" TOM  ELLERY ").id == "tom"
    assert authors.find("S7 News") is None
    assert authors.find("Grace") is None  # an id is matched as written


def test_the_sample_site_authors_are_valid():
    authors = load_authors(REPO)
    assert [a.name for a in authors.by_id.values()] == [
        "Grace Adeyemi", "Martin Hale", "Priya Natarajan", "Sian Roberts", "Tom Ellery"]
    assert all(a.role and a.bio and a.photo and a.email and len(a.links) >= 2 for a in authors.by_id.values())


def test_invalid_yaml_points_at_the_character(make_site):
    assert problems(make_site, "grace:\n  name: Grace Adeyemi\n  x: @gadeyemi\n") == [
        (3, "invalid YAML: found character '@' that cannot start any token; "
            'quote a value that starts with @ or `, as in x: "@name"')]


def test_invalid_yaml_has_line_and_column(make_site):
    site = make_site({"authors.yaml": "grace:\n  name: Grace Adeyemi\n  role: Editor: politics\n"})
    with pytest.raises(BuildFailed) as failed:
        load_authors(site)
    [error] = failed.value.errors
    assert (error.line, error.col) == (3, 15)
    assert error.message.startswith("invalid YAML: mapping values are not allowed")
    assert error.message.endswith("; a value containing ': ' must be quoted, or written as a block after `bio: |`")


def test_not_utf8(make_site):
    assert problems(make_site, b"grace:\n  name: Gr\xe2ce\n") == [
        (2, "not UTF-8 text (byte 0xe2); save authors.yaml as UTF-8")]


def test_top_level_must_be_a_mapping(make_site):
    assert problems(make_site, "- Grace Adeyemi\n- Tom Ellery\n") == [
        (1, "authors.yaml must be a mapping of author id to details, such as `grace:` then "
            "`  name: Grace Adeyemi` on the next line")]


def test_an_entry_must_be_a_mapping(make_site):
    assert problems(make_site, "tom:\n  name: Tom Ellery\ngrace: Grace Adeyemi\n") == [
        (3, "author `grace` must be a mapping of name, role, bio, photo, email, url, x, mastodon, bluesky, "
            "linkedin (at least `name`), not Grace Adeyemi")]


def test_unknown_keys_get_the_closest_one_or_the_list(make_site):
    assert problems(make_site, "grace:\n  name: Grace Adeyemi\n  rol: Editor\n  twitter: gadeyemi\n") == [
        (3, "unknown key `rol` for author `grace`; did you mean `role`?"),
        (4, "unknown key `twitter` for author `grace`; known keys: name, role, bio, photo, email, url, x, "
            "mastodon, bluesky, linkedin")]


def test_text_fields_must_be_text(make_site):
    assert problems(make_site, "grace:\n  name: 5\n  role: [a]\n  bio:\n  email: true\n") == [
        (2, "`name` of author `grace` must be the name shown in bylines, such as Grace Adeyemi, not 5"),
        (3, "`role` of author `grace` must be a job title such as Political editor, not a list"),
        (4, "`bio` of author `grace` must be a few sentences of Markdown, not nothing"),
        (5, "`email` of author `grace` must be an e-mail address such as grace@example.org, not true (true/false)")]


def test_name_is_required(make_site):
    assert problems(make_site, "grace:\n  role: Political editor\ntom:\n  name: '  '\n") == [
        (1, "author `grace` has no `name`; add the name shown in bylines, as in `name: Grace Adeyemi`"),
        (4, "`name` of author `tom` is empty; give the name shown in bylines, such as Grace Adeyemi")]


def test_ids_must_be_slugs(make_site):
    assert problems(make_site, "Grace:\n  name: Grace Adeyemi\ntom_e:\n  name: Tom Ellery\n'!!':\n  name: Sian Roberts\n") == [
        (1, "author id `Grace` must be lower-case letters, digits and hyphens, since it is used in URLs; use `grace`"),
        (3, "author id `tom_e` must be lower-case letters, digits and hyphens, since it is used in URLs; use `tom-e`"),
        (5, "author id `!!` must be lower-case letters, digits and hyphens, since it is used in URLs; "
            "use `sian-roberts`")]


def test_an_id_given_twice(make_site):
    assert problems(make_site, "grace:\n  name: Grace Adeyemi\ngrace:\n  name: Grace Hopper\n") == [
        (3, "author `grace` is given twice (lines 1 and 3); merge the two entries or give one another id")]


def test_two_authors_with_one_name(make_site):
    assert problems(make_site, "grace:\n  name: Grace Adeyemi\ntom:\n  name: Tom Ellery\ngrace-a:\n  name: grace ADEYEMI\n") == [
        (5, "authors `grace` (line 1) and `grace-a` (line 5) have the same name, grace ADEYEMI; "
            "a byline could not tell them apart, so make the names differ")]


def test_a_photo_that_is_not_there(make_site):
    found = problems(make_site, "grace:\n  name: Grace Adeyemi\n  photo: authors/grcae.svg\n"
                                "tom:\n  name: Tom Ellery\n  photo: content/authors/tom.svg\n",
                     **{"content/authors/grace.svg": SVG, "content/authors/tom.svg": SVG})
    assert found == [
        (3, "`photo` of author `grace` does not exist: looked for content/authors/grcae.svg; "
            "did you mean `authors/grace.svg`?"),
        (6, "`photo` of author `tom` does not exist: looked for content/content/authors/tom.svg; "
            "photo paths are relative to content/, so write `authors/tom.svg`")]


def test_a_photo_outside_content(make_site):
    found = problems(make_site, "grace:\n  name: Grace Adeyemi\n  photo: authors/../../config.yaml\n"
                                "tom:\n  name: Tom Ellery\n  photo: /etc/hostname\n")
    assert found == [
        (3, "`photo` of author `grace` must be a path inside content/, such as authors/grace.svg, "
            "not 'authors/../../config.yaml'"),
        (6, "`photo` of author `tom` must be a path inside content/, such as authors/tom.svg, not '/etc/hostname'")]


def test_email_url_and_social_values_are_checked(make_site):
    found = problems(make_site, "grace:\n  name: Grace Adeyemi\n  email: grace at example.org\n"
                                "  url: grace.example\n  x: http://x.com/gadeyemi\n  mastodon: grace\n"
                                "  bluesky: gadeyemi\n  linkedin: www.linkedin.com/in/gadeyemi\n")
    assert found == [
        (3, "`email` of author `grace` must be an e-mail address such as grace@example.org, "
            "not 'grace at example.org'"),
        (4, "`url` of author `grace` must be an absolute http(s) URL such as https://grace.example/, "
            "not 'grace.example'"),
        (5, "`x` of author `grace` must be @name, name or an https:// URL, not 'http://x.com/gadeyemi'"),
        (6, "`mastodon` of author `grace` must be @user@host (as in @grace@mastodon.social) or an https:// URL, "
            "not 'grace'"),
        (7, "`bluesky` of author `grace` must be a handle such as name.bsky.social or @name.example, "
            "or an https:// URL, not 'gadeyemi'"),
        (8, "`linkedin` of author `grace` must be in/slug, slug or an https:// URL, "
            "not 'www.linkedin.com/in/gadeyemi'")]


def test_every_problem_is_reported_at_once_in_file_order(make_site):
    found = problems(make_site, "tom:\n  name: Tom Ellery\n  rol: x\nGrace:\n  name: Tom Ellery\n  email: no\n")
    assert [line for line, _ in found] == [3, 4, 4, 6]  # a bad id, then the same name as `tom`

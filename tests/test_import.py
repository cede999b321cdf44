"""`broadsheet import` and `aliases`: an export goes in, a built site comes out, and the old URLs
still lead to the stories.

The WordPress export (tests/fixtures/import/wordpress.xml) is shaped like a real one (WXR 1.2,
as Tools → Export writes it): two authors, posts of every status (publish, draft, pending,
future, private, trash), a page under a parent, a menu item, attachments after the posts that
use them, a featured image, [caption], [embed], [youtube], [gallery], [audio], [video] and an
unknown shortcode, Gutenberg blocks, a table and code, comments (one of them spam), and titles
in Ukrainian and with an entity. Everything runs the command as a user would, then builds.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURE = Path(__file__).parent / "fixtures" / "import" / "wordpress.xml"


def run(*args: str, site: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "generator", *args, "--site", str(site)],
                          capture_output=True, text=True, cwd=site, timeout=120)


def make_site(tmp_path: Path, authors: str | None = None) -> Path:
    site = tmp_path / "site"
    (site / "content").mkdir(parents=True)
    (site / "config.yaml").write_text("title: Harlingford\nbase_url: https://news.example/\n"
                                      "timezone: Europe/London\n", encoding="utf-8")
    if authors is not None:
        (site / "authors.yaml").write_text(authors, encoding="utf-8")
    return site


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def page(site: Path, path: str) -> str:
    return (site / "output" / path).read_text(encoding="utf-8")


@pytest.fixture
def imported(tmp_path: Path) -> tuple[Path, subprocess.CompletedProcess, subprocess.CompletedProcess]:
    site = make_site(tmp_path)
    result = run("import", str(FIXTURE), site=site)
    built = run("build", site=site)
    return site, result, built


def test_the_summary_line_counts_what_was_imported(imported):
    site, result, built = imported
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("imported 7 articles and 1 page (3 drafts, 1 scheduled) from ")
    assert "1 skipped" in lines[0]  # the trash; the menu item and the attachments are not stories
    assert "2 authors added to authors.yaml" in lines[0]
    assert "2 comments not imported" in lines[0]  # the spam one is not counted
    assert "3 warnings" in lines[0]  # [contact-form-7], the private post, the files left on the old site
    assert "[contact-form-7] is not known" in result.stderr
    assert "is private on WordPress: imported as a draft" in result.stderr
    assert built.returncode == 0, built.stderr


def test_articles_are_published_at_their_dates_sections_tags_and_authors(imported):
    site, _, _ = imported
    story = page(site, "2022/02/28/council-approves-flood-defences/index.html")
    assert "Council approves £2m flood defences" in story
    # post_date_gmt with the offset WordPress wrote the local time in: the moment and the clock kept
    assert 'datetime="2022-02-28T14:30:00+01:00"' in story
    assert 'href="/sections/local/"' in story
    assert 'href="/tags/city-council/"' in story and 'href="/tags/flooding/"' in story
    assert 'href="/authors/grace/"' in story and "Grace Adeyemi" in story
    assert 'content="The council voted for new walls along the river."' in story  # the excerpt
    # the featured image, with its alt text from the attachment
    assert 'alt="Councillors vote in the chamber"' in story
    assert "https://old.harlingford.example/wp-content/uploads/2022/02/chamber.jpg" in story

    kyiv = page(site, "2022/03/01/київ-міст/index.html")
    assert "Київ: мер відкрив новий міст" in kyiv
    assert 'datetime="2022-03-01T10:15:00+02:00"' in kyiv
    assert 'href="/sections/world/"' in kyiv
    assert "/tags/україна/" in kyiv or "/tags/%D1%83%D0%BA%D1%80%D0%B0%D1%97%D0%BD%D0%B0/" in kyiv
    assert "Tomás Ó Briain" in kyiv and 'href="/authors/tomas-obriain/"' in kyiv

    assert "Café culture &amp; the high street" in page(site, "2022/03/02/cafe-culture/index.html")
    assert "Grace has covered Harlingford City Council since 2015." in page(site, "authors/grace/index.html")
    assert "reported on the city since 1998" in page(site, "about/index.html")


def test_drafts_private_pending_future_and_trash_are_not_published(imported):
    site, _, _ = imported
    built = "\n".join(files_of(site / "output"))
    for slug in ("budget-notes-draft", "bin-collections", "staff-party", "election-night-live", "deleted-story"):
        assert slug not in built
    draft = (site / "content/2022/2022-03-03-budget-notes-draft.md").read_text(encoding="utf-8")
    assert "draft: true" in draft
    # A draft has no UTC date in the export: its local time is read in the export's usual offset.
    assert "date: '2022-03-03T09:00:00+01:00'" in draft
    scheduled = (site / "content/2099/2099-05-07-election-night-live.md").read_text(encoding="utf-8")
    assert "draft" not in scheduled and "date: '2099-05-07T22:00:00+01:00'" in scheduled
    assert not list((site / "content").rglob("*deleted*"))


def test_old_urls_redirect_to_the_new_ones(imported):
    site, _, _ = imported
    redirect = page(site, "news/council-approves-flood-defences/index.html")
    new = "https://news.example/2022/02/28/council-approves-flood-defences/"
    assert f'<meta http-equiv="refresh" content="0; url={new}">' in redirect
    assert f'<link rel="canonical" href="{new}">' in redirect
    assert '<meta name="robots" content="noindex">' in redirect
    assert f'<a href="{new}">' in redirect
    assert redirect.startswith("<!DOCTYPE html>\n<html lang=\"en\">")
    assert "url=https://news.example/about/" in page(site, "company/about/index.html")
    assert "2022/03/01/%D0%BA%D0%B8%D1%97%D0%B2-%D0%BC%D1%96%D1%81%D1%82/" in page(site, "2022/03/київ-міст.html")
    lines = page(site, "_redirects").splitlines()
    assert "/news/council-approves-flood-defences/ /2022/02/28/council-approves-flood-defences/ 301" in lines
    assert "/company/about/ /about/ 301" in lines
    assert "/news/cafe-culture/ /2022/03/02/cafe-culture/ 301" in lines
    assert not any("staff-party" in line for line in lines)  # a draft's old URL waits with it


def test_shortcodes_and_blocks_become_broadsheet_markdown(imported):
    site, _, _ = imported
    story = (site / "content/2022/2022-02-28-council-approves-flood-defences.md").read_text(encoding="utf-8")
    assert ("\n\n![Councillors vote in the chamber](https://old.harlingford.example/wp-content/uploads/2022/02/"
            'chamber.jpg "The vote on Wednesday night")\n\n') in story
    assert "\n\n@[youtube](https://www.youtube.com/watch?v=M7lc1UVf-VE)\n\n" in story
    assert "| Walls | £1.5m |" in story
    assert "```python\ncost = walls + pumps\n\nprint(cost)\n```" in story
    assert "\n<!-- more -->\n" in story
    cafe = (site / "content/2022/2022-03-02-cafe-culture.md").read_text(encoding="utf-8")
    assert "![A café on the high street](https://old.harlingford.example/wp-content/uploads/2022/03/cafe.jpg)" in cafe
    # links to other posts of the export, by old URL or by ?p=ID, go to their new files
    assert "[the vote on the walls](2022-02-28-council-approves-flood-defences.md)" in cafe
    assert "[the new bridge](2022-03-01-київ-міст.md)" in cafe
    assert "@[audio](https://old.harlingford.example/wp-content/uploads/2022/03/owners.mp3)" in cafe
    assert "@[video](https://old.harlingford.example/wp-content/uploads/2022/03/street.mp4)" in cafe
    kyiv = (site / "content/2022/2022-03-01-київ-міст.md").read_text(encoding="utf-8")
    assert "@[youtube](https://youtu.be/M7lc1UVf-VE)\nThe opening ceremony" in kyiv
    assert "wp:" not in kyiv

    html = page(site, "2022/02/28/council-approves-flood-defences/index.html")
    assert "<figcaption>The vote on Wednesday night</figcaption>" in html
    assert "<table>" in html and '<code class="language-python">' in html
    assert "youtube" in html
    for left_over in ("[caption", "[/caption]", "[embed]", "[gallery", "[audio", "[video", "[youtube", "wp:"):
        for built in (html, page(site, "2022/03/02/cafe-culture/index.html"),
                      page(site, "2022/03/01/київ-міст/index.html")):
            assert left_over not in built
    assert "<audio controls" in page(site, "2022/03/02/cafe-culture/index.html")
    assert 'href="/2022/02/28/council-approves-flood-defences/"' in page(site, "2022/03/02/cafe-culture/index.html")


def test_a_second_import_imports_nothing_new(imported):
    site, _, _ = imported
    before = files_of(site / "content") | {"authors.yaml": (site / "authors.yaml").read_bytes()}
    again = run("import", str(FIXTURE), site=site)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("nothing new to import from ")
    assert "8 already imported" in again.stdout
    assert "authors added" not in again.stdout
    assert files_of(site / "content") | {"authors.yaml": (site / "authors.yaml").read_bytes()} == before


def test_a_post_imported_from_another_export_of_the_site_is_not_imported_twice(tmp_path):
    # The site's feed first, then its WordPress export: the café post is in both, under another
    # title, with the same old URL. Imported once, the site builds (no two pages at one address).
    site = make_site(tmp_path)
    first = run("import", str(FIXTURE.with_name("feed.atom")), site=site)
    assert first.returncode == 0, first.stderr
    then = run("import", str(FIXTURE), site=site)
    assert then.returncode == 0, then.stderr
    assert "1 already imported" in then.stdout
    assert sorted(p.name for p in (site / "content").rglob("*cafe-culture*.md")) == ["2022-03-02-cafe-culture.md"]
    built = run("build", site=site)
    assert built.returncode == 0, built.stderr


def test_dry_run_writes_nothing(tmp_path):
    site = make_site(tmp_path)
    before = files_of(site)
    result = run("import", str(FIXTURE), "--dry-run", site=site)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("would import 7 articles and 1 page (3 drafts, 1 scheduled)")
    assert "2 authors would be added to authors.yaml" in result.stdout
    assert result.stdout.strip().endswith("(dry run: nothing written)")
    assert files_of(site) == before


def test_authors_already_there_are_never_overwritten(tmp_path):
    mine = "grace:\n  name: Grace Adeyemi\n  role: Political editor   # ours, not WordPress's\n"
    site = make_site(tmp_path, mine)
    result = run("import", str(FIXTURE), site=site)
    assert result.returncode == 0, result.stderr
    assert "1 author added to authors.yaml" in result.stdout
    text = (site / "authors.yaml").read_text(encoding="utf-8")
    assert text.startswith(mine)
    assert text.count("Grace Adeyemi") == 1 and "Tomás Ó Briain" in text
    assert run("build", site=site).returncode == 0
    assert "Political editor" in page(site, "2022/02/28/council-approves-flood-defences/index.html")


def test_a_file_there_already_is_never_overwritten(tmp_path):
    site = make_site(tmp_path)
    mine = site / "content/2022/2022-02-28-council-approves-flood-defences.md"
    mine.parent.mkdir(parents=True)
    mine.write_text("---\ntitle: Our own story\ndate: 2022-02-28\n---\nOurs.\n", encoding="utf-8")
    assert run("import", str(FIXTURE), site=site).returncode == 0
    assert mine.read_text(encoding="utf-8").startswith("---\ntitle: Our own story")
    assert "Council approves" in (mine.parent / "2022-02-28-council-approves-flood-defences-2.md").read_text(
        encoding="utf-8")
    assert not [p for p in (site / "content").rglob(".*")]  # no temporary file left


def test_malformed_xml_is_reported_and_what_came_before_is_kept(tmp_path):
    site = make_site(tmp_path)
    text = FIXTURE.read_text(encoding="utf-8")
    cut = text.index("<title><![CDATA[Budget notes")
    broken = tmp_path / "broken.xml"
    broken.write_text(text[:cut] + "<title>Budget & notes</title>\n" + text[cut:], encoding="utf-8")
    result = run("import", str(broken), site=site)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert re.search(r"error: broken\.xml is not well-formed XML at line \d+, column \d+", result.stderr)
    assert "1 error" in result.stdout
    assert (site / "content/2022/2022-02-28-council-approves-flood-defences.md").exists()
    assert not list((site / "content").rglob("*budget*"))


def test_entity_expansion_is_refused(tmp_path):
    site = make_site(tmp_path)
    bomb = tmp_path / "bomb.xml"
    bomb.write_text('<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>\n'
                    '<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><title>&lol2;</title></channel></rss>\n',
                    encoding="utf-8")
    result = run("import", str(bomb), site=site)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "a safe reader refuses" in result.stderr
    assert files_of(site / "content") == {}


def test_an_unknown_file_is_refused_clearly(tmp_path):
    site = make_site(tmp_path)
    other = tmp_path / "notes.txt"
    other.write_text("just some text\n", encoding="utf-8")
    result = run("import", str(other), site=site)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "cannot tell what exported" in result.stderr and "--format" in result.stderr
    missing = run("import", str(tmp_path / "nope.xml"), site=site)
    assert missing.returncode == 1 and "does not exist" in missing.stderr


# --- aliases written by hand ---------------------------------------------------------------------

def write(site: Path, path: str, text: str) -> None:
    target = site / "content" / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def test_hugo_aliases_and_jekyll_redirect_from_both_redirect(tmp_path):
    site = make_site(tmp_path)
    write(site, "2022/2022-02-28-budget.md", "---\ntitle: Budget\ndate: 2022-02-28\n"
          "redirect_from:\n  - /old/budget.html\n  - /2022/budget\n---\nText.\n")
    write(site, "pages/about.md", "---\ntitle: About\naliases: /about-us/\n---\nUs.\n")
    result = run("build", site=site)
    assert result.returncode == 0, result.stderr
    assert "url=https://news.example/2022/02/28/budget/" in page(site, "old/budget.html")
    assert "url=https://news.example/2022/02/28/budget/" in page(site, "2022/budget/index.html")
    assert "url=https://news.example/about/" in page(site, "about-us/index.html")
    assert page(site, "_redirects") == ("/2022/budget/ /2022/02/28/budget/ 301\n/about-us/ /about/ 301\n"
                                        "/old/budget.html /2022/02/28/budget/ 301\n")


def test_an_alias_on_a_real_page_or_another_alias_is_an_error_naming_both(tmp_path):
    site = make_site(tmp_path)
    write(site, "2022/2022-02-28-budget.md", "---\ntitle: Budget\ndate: 2022-02-28\naliases: [/about/]\n---\nT.\n")
    write(site, "pages/about.md", "---\ntitle: About\n---\nUs.\n")
    result = run("build", site=site)
    assert result.returncode == 1
    assert "pages/about.md" in result.stderr and "2022-02-28-budget.md" in result.stderr
    assert "/about/index.html" in result.stderr

    write(site, "2022/2022-02-28-budget.md", "---\ntitle: Budget\ndate: 2022-02-28\naliases: [/old/]\n---\nT.\n")
    write(site, "2022/2022-03-01-flood.md", "---\ntitle: Flood\ndate: 2022-03-01\naliases: [/old/]\n---\nT.\n")
    result = run("build", site=site)
    assert result.returncode == 1
    assert "2022-02-28-budget.md" in result.stderr and "2022-03-01-flood.md" in result.stderr


def test_an_alias_no_file_can_answer_is_an_error_at_its_line(tmp_path):
    site = make_site(tmp_path)
    write(site, "2022/2022-02-28-budget.md", "---\ntitle: Budget\ndate: 2022-02-28\naliases: [/?p=12]\n---\nT.\n")
    result = run("build", site=site)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert re.search(r"2022-02-28-budget\.md:4: error: alias '/\?p=12' is not a URL path", result.stderr)


def test_a_removed_alias_takes_its_redirect_away_on_the_next_build(tmp_path):
    site = make_site(tmp_path)
    write(site, "2022/2022-02-28-budget.md", "---\ntitle: Budget\ndate: 2022-02-28\naliases: [/old/]\n---\nT.\n")
    assert run("build", site=site).returncode == 0
    assert (site / "output/old/index.html").exists()
    write(site, "2022/2022-02-28-budget.md", "---\ntitle: Budget\ndate: 2022-02-28\n---\nT, edited.\n")
    os.utime(site / "content/2022/2022-02-28-budget.md", (1, 1))  # not mistaken for the last build's bytes
    assert run("build", site=site).returncode == 0
    assert not (site / "output/old").exists() and not (site / "output/_redirects").exists()


# --- feeds -----------------------------------------------------------------------------------------

def test_rss_and_atom_feeds_import_with_content_over_summary(tmp_path):
    site = make_site(tmp_path)
    rss = run("import", str(FIXTURE.with_name("feed.rss")), site=site)
    assert rss.returncode == 0, rss.stderr
    assert rss.stdout.startswith("imported 2 articles and 0 pages from ")
    assert "the feed gives only its summary" in rss.stderr and "Київ" in rss.stderr
    atom = run("import", str(FIXTURE.with_name("feed.atom")), "--format", "feed", site=site)
    assert atom.returncode == 0, atom.stderr
    assert "authors added" not in atom.stdout  # Grace came with the RSS feed already
    assert run("build", site=site).returncode == 0

    story = page(site, "2022/02/28/council-approves-flood-defences/index.html")
    assert "The walls will run for 2km." in story  # content:encoded, not the description
    assert 'datetime="2022-02-28T14:30:00+01:00"' in story
    assert 'href="/tags/city-council/"' in story and 'href="/authors/grace-adeyemi/"' in story
    cafe = page(site, "2022/03/02/cafe-culture/index.html")
    assert "<table>" in cafe and 'datetime="2022-03-02T13:00:00+01:00"' in cafe
    assert "Мер відкрив міст." in page(site, "2022/03/01/kyiv-bridge/index.html")
    assert "/2022/03/kyiv-bridge.html /2022/03/01/kyiv-bridge/ 301" in page(site, "_redirects").splitlines()
    assert "url=https://news.example/2022/03/02/cafe-culture/" in page(site, "news/cafe-culture/index.html")


def test_a_feed_with_no_items_is_an_error(tmp_path):
    site = make_site(tmp_path)
    empty = tmp_path / "empty.rss"
    empty.write_text('<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>',
                     encoding="utf-8")
    result = run("import", str(empty), site=site)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "a feed with no items" in result.stderr


# --- Blogger ---------------------------------------------------------------------------------------

def test_blogger_export_imports_posts_drafts_labels_and_old_urls(tmp_path):
    site = make_site(tmp_path)
    result = run("import", str(FIXTURE.with_name("blogger.xml")), site=site)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("imported 2 articles and 0 pages (1 draft) from ")
    assert "1 comment not imported" in result.stdout
    # The export uses app: without declaring it: read anyway, and said.
    assert "namespace prefix app: without declaring it" in result.stderr
    assert run("build", site=site).returncode == 0
    # Blogger names a post it cannot spell in Latin letters blog-post.html: the title gives the slug.
    story = page(site, "2022/03/01/мер-відкрив-новий-міст/index.html")
    assert 'datetime="2022-03-01T10:15:00+02:00"' in story
    assert "Олена Коваль" in story
    assert "/tags/київ/" in story or "/tags/%D0%BA%D0%B8%D1%97%D0%B2/" in story
    assert "<p>Мер Києва відкрив новий міст через Дніпро.</p>" in story
    assert 'alt="Новий міст"' in story
    assert "/2022/03/blog-post.html /2022/03/01/" in page(site, "_redirects")
    assert "url=https://news.example/2022/03/01/" in page(site, "2022/03/blog-post.html")
    assert not list((site / "output").rglob("*чернетка*"))


def test_uploads_are_copied_and_linked_relatively(tmp_path):
    from PIL import Image

    site = make_site(tmp_path)
    uploads = tmp_path / "uploads"
    for name in ("2022/02/chamber.jpg", "2022/03/bridge.jpg"):
        (uploads / name).parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (40, 30), "steelblue").save(uploads / name, "JPEG")
    (uploads / "2022/03/owners.mp3").write_bytes(b"ID3" + bytes(64))
    result = run("import", str(FIXTURE), "--uploads", str(uploads), site=site)
    assert result.returncode == 0, result.stderr
    assert (site / "content/uploads/2022/02/chamber.jpg").read_bytes() == (uploads / "2022/02/chamber.jpg").read_bytes()
    story = (site / "content/2022/2022-02-28-council-approves-flood-defences.md").read_text(encoding="utf-8")
    assert "image: ../uploads/2022/02/chamber.jpg\n" in story
    assert '![Councillors vote in the chamber](../uploads/2022/02/chamber.jpg "The vote on Wednesday night")' in story
    cafe = (site / "content/2022/2022-03-02-cafe-culture.md").read_text(encoding="utf-8")
    assert "@[audio](../uploads/2022/03/owners.mp3)" in cafe
    # cafe.jpg and street.mp4 are not in the folder: left on the old site, with a warning naming them
    assert "https://old.harlingford.example/wp-content/uploads/2022/03/cafe.jpg" in cafe
    assert "not in --uploads, left on the old site" in result.stderr and "cafe.jpg" in result.stderr
    built = run("build", site=site)
    assert built.returncode == 0, built.stderr
    assert "/uploads/2022/02/chamber" in page(site, "2022/02/28/council-approves-flood-defences/index.html")


def test_without_uploads_one_warning_says_the_files_stay_on_the_old_site(imported):
    _, result, _ = imported
    assert "links still lead to files in the old site's wp-content/uploads/: give a copy of that folder " \
        "with --uploads DIR" in result.stderr


# --- Jekyll ----------------------------------------------------------------------------------------

def test_jekyll_posts_move_over_with_their_liquid_rewritten(tmp_path):
    site = make_site(tmp_path)
    result = run("import", str(FIXTURE.with_name("jekyll")), site=site)  # a folder with _config.yml
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("imported 3 articles and 0 pages (1 draft) from ")
    # what cannot be converted is named with its file and line
    assert re.search(r"2019-12-3-long-term-teams\.md: line 20: '\{\{ \"noah\" \| team_link \}\}'", result.stderr)
    assert "1 post has an `image` without alt text" in result.stderr
    teams = (site / "content/2019/2019-12-03-long-term-teams.md").read_text(encoding="utf-8")
    assert "[Sarah's post](../2016/2016-02-23-maintenance.md)" in teams
    assert "[the same post again](../2016/2016-02-23-maintenance.md)" in teams
    assert "[a broken one](../2016/2016-02-23-maintenance.md)" in teams
    assert "\n\n![The team at work](/assets/blog/teams/team.jpg)\n\n" in teams
    assert '![A planning board](/assets/blog/teams/board.jpg "The board in March")' in teams
    assert "@[youtube](https://www.youtube.com/watch?v=M7lc1UVf-VE)\nThe talk" in teams
    assert "Not for readers" not in teams
    maintenance = (site / "content/2016/2016-02-23-maintenance.md").read_text(encoding="utf-8")
    assert maintenance.startswith('---\ntitle: "Software maintenance is an anti-pattern"\n')  # as written
    assert 'image_alt: ""' in maintenance
    assert "[our guide](/guides/)" in maintenance
    assert "```python\ndef maintain():" in maintenance and "{% highlight" not in maintenance
    assert "{{ page.title }}" in maintenance and "{% raw %}" not in maintenance  # raw: kept, unwrapped
    assert "draft: true" in (site / "content/2020/next-steps.md").read_text(encoding="utf-8") \
        if (site / "content/2020").exists() else "draft: true" in (site / "content/posts/next-steps.md").read_text(
            encoding="utf-8")

    built = run("build", site=site)
    assert built.returncode == 0, built.stderr
    assert 'href="/2016/02/23/maintenance/"' in page(site, "2019/12/03/long-term-teams/index.html")
    assert not list((site / "output").rglob("*next-steps*"))
    assert run("import", str(FIXTURE.with_name("jekyll")), site=site).stdout.startswith("nothing new to import")


CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "18f-posts"


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the 18F corpus is not on this machine")
def test_the_18f_jekyll_blog_imports_and_builds_every_post(tmp_path):
    """509 real posts: 416 of them fail the build when copied as they are (630 errors); imported,
    all build."""
    site = make_site(tmp_path)
    result = run("import", str(CORPUS), "--format", "jekyll", site=site)
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert result.stdout.startswith("imported 509 articles and 0 pages from ")
    built = run("build", site=site)
    assert built.returncode == 0, built.stderr[-2000:]
    assert built.stdout.startswith("built 509 articles and 0 pages")


# --- Hugo ------------------------------------------------------------------------------------------

def test_hugo_content_moves_over_with_toml_front_matter_bundles_and_shortcodes(tmp_path):
    site = make_site(tmp_path)
    result = run("import", str(FIXTURE.with_name("hugo")), site=site)  # a folder with hugo.toml
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("imported 2 articles and 1 page from ")
    assert re.search(r"budget\.md: line 16: the shortcode 'tweet' is not known", result.stderr)
    budget = (site / "content/2022/2022-02-28-budget.md").read_text(encoding="utf-8")
    assert budget.startswith("---\ntitle: Council approves budget\n")  # TOML written as YAML
    assert "[the bridge](bridge-opens/2022-03-01-bridge-opens.md)" in budget
    assert "```python\ntotal = 31 + 24\n```" in budget
    assert "\n\n@[youtube](https://www.youtube.com/watch?v=M7lc1UVf-VE)\n\n" in budget
    bridge = site / "content/2022/bridge-opens/2022-03-01-bridge-opens.md"
    assert '![The bridge at dusk](bridge.png "Opened on Tuesday")' in bridge.read_text(encoding="utf-8")
    assert (bridge.parent / "bridge.png").is_file()  # the bundle's image, beside it
    assert "[the budget](../2022-02-28-budget.md)" in bridge.read_text(encoding="utf-8")

    built = run("build", site=site)
    assert built.returncode == 0, built.stderr
    story = page(site, "2022/02/28/budget/index.html")
    assert 'href="/sections/local/"' in story and 'href="/tags/city-council/"' in story
    assert 'href="/2022/03/01/bridge-opens/"' in story
    assert "<figcaption>Opened on Tuesday</figcaption>" in page(site, "2022/03/01/bridge-opens/index.html")
    assert "/news/budget.html /2022/02/28/budget/ 301" in page(site, "_redirects").splitlines()  # Hugo's aliases
    assert "About us." in page(site, "about/index.html")


# --- a feed at a URL ---------------------------------------------------------------------------------

@pytest.fixture
def served(tmp_path: Path):
    """A folder served over HTTP on 127.0.0.1 (no network needed): its base URL."""
    import functools
    import http.server
    import threading

    folder = tmp_path / "served"
    folder.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_feed_at_a_url_imports_like_a_file(tmp_path, served):
    folder, base = served
    (folder / "feed.rss").write_bytes(FIXTURE.with_name("feed.rss").read_bytes())
    site = make_site(tmp_path)
    result = run("import", f"{base}/feed.rss", site=site)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("imported 2 articles and 0 pages from ")
    assert "the feed gives only its summary" in result.stderr
    assert (site / "content/2022/2022-02-28-council-approves-flood-defences.md").is_file()
    assert run("build", site=site).returncode == 0
    assert run("import", f"{base}/feed.rss", site=site).stdout.startswith("nothing new to import")

    missing = run("import", f"{base}/gone.rss", site=site)
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    assert missing.stderr.strip() == f"broadsheet: error: cannot fetch {base}/gone.rss: the server answered 404 " \
                                     "File not found"
    (folder / "page.html").write_text("<!doctype html><title>Hi</title>", encoding="utf-8")
    page_result = run("import", f"{base}/page.html", site=site)
    assert page_result.returncode == 1 and "is not an RSS or Atom feed" in page_result.stderr


def test_an_unreachable_url_is_one_clear_line(tmp_path):
    site = make_site(tmp_path)
    result = run("import", "http://127.0.0.1:1/feed.xml", site=site)
    assert result.returncode == 1 and result.stdout == ""
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("broadsheet: error: cannot fetch http://127.0.0.1:1/feed.xml: ")


# --- large exports: streamed, with progress on a terminal ---------------------------------------------

def _big_feed(path: Path, items: int, padding: str) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:content="http://purl.org/'
                  'rss/1.0/modules/content/" xmlns:x="urn:example"><channel><title>T</title>\n')
        for i in range(items):
            out.write(f"<item><title>Story {i}</title><link>https://old.example/{i}.html</link><pubDate>Mon, 28 "
                      f"Feb 2022 14:30:00 +0100</pubDate><content:encoded><![CDATA[<p>Story {i}.</p>]]>"
                      f"</content:encoded><x:notes>{padding}</x:notes></item>\n")
        out.write("</channel></rss>\n")


def _big_wordpress(path: Path, items: int, padding: str) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:excerpt="http://wordpress.org/'
                  'export/1.2/excerpt/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://'
                  'purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/"><channel><title>T</title>'
                  "<wp:wxr_version>1.2</wp:wxr_version>\n")
        for i in range(items):
            out.write(f"<item><title>Story {i}</title><link>https://old.example/story-{i}/</link><dc:creator>ann"
                      f"</dc:creator><content:encoded><![CDATA[Story {i}.]]></content:encoded><wp:post_id>{i + 1}"
                      "</wp:post_id><wp:post_date>2022-02-28 14:30:00</wp:post_date><wp:post_date_gmt>2022-02-28 "
                      f"13:30:00</wp:post_date_gmt><wp:post_name>story-{i}</wp:post_name><wp:status>publish"
                      "</wp:status><wp:post_type>post</wp:post_type><wp:comment><wp:comment_id>1</wp:comment_id>"
                      f"<wp:comment_approved>1</wp:comment_approved><wp:comment_content>{padding}"
                      "</wp:comment_content></wp:comment></item>\n")
        out.write("</channel></rss>\n")


def _big_blogger(path: Path, items: int, padding: str) -> None:
    kind = "<category scheme='http://schemas.google.com/g/2005#kind' term='http://schemas.google.com/blogger/2008/kind#"
    with path.open("w", encoding="utf-8") as out:
        out.write("<?xml version='1.0' encoding='UTF-8'?>\n<feed xmlns='http://www.w3.org/2005/Atom'><id>tag:blogger"
                  ".com,1999:blog-1</id><title>T</title><generator>Blogger</generator>\n")
        for i in range(items):
            out.write(f"<entry><id>tag:blogger.com,1999:blog-1.post-{i}</id><published>2022-03-01T10:15:00.000+02:00"
                      f"</published>{kind}post'/><title type='text'>Story {i}</title><content type='html'>Story {i}."
                      "</content><link rel='alternate' type='text/html' href='https://x.blogspot.com/2022/03/story-"
                      f"{i}.html'/><author><name>Ann</name></author></entry>\n<entry><id>tag:blogger.com,1999:blog-1"
                      f".post-{i}.comment</id><published>2022-03-01T11:00:00.000+02:00</published>{kind}comment'/>"
                      f"<content type='html'>{padding}</content></entry>\n")
        out.write("</feed>\n")


# The peak is VmHWM, this program's high-water mark (in KiB): ru_maxrss would start from the
# pytest worker's own size, which Linux carries across exec, and hide any growth below it.
_MEASURE = """
import sys
from pathlib import Path
from generator.config import load_config
from generator.importers.command import run_import

def peak():
    with open("/proc/self/status") as own:
        return next(int(line.split()[1]) for line in own if line.startswith("VmHWM:"))

config = load_config(Path(sys.argv[1]))
run_import(Path(sys.argv[2]), config, None, True)  # every module the import uses, loaded
before = peak()
report = run_import(Path(sys.argv[3]), config, None, True)
after = peak()
print(report.articles, report.failed, (after - before) * 1024)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="the peak is read from Linux's /proc/self/status")
@pytest.mark.parametrize("make", [_big_feed, _big_wordpress, _big_blogger], ids=["feed", "wordpress", "blogger"])
def test_a_large_export_imports_in_bounded_memory(tmp_path, make):
    """1,500 items carrying 20 KB each (notes, comments): a 30 MB export. Read whole, it would take
    several times its size; streamed, the peak grows by well under a quarter of it."""
    site = make_site(tmp_path)
    small, big = tmp_path / "small.xml", tmp_path / "big.xml"
    make(small, 3, "x")
    make(big, 1500, "lorem ipsum " * 1700)
    result = subprocess.run([sys.executable, "-c", _MEASURE, str(site), str(small), str(big)], capture_output=True,
                            text=True, cwd=Path(__file__).resolve().parents[1], timeout=120)
    assert result.returncode == 0, result.stderr
    articles, failed, growth = map(int, result.stdout.split())
    assert (articles, failed) == (1500, 0)
    assert growth < big.stat().st_size / 4, f"peak memory grew by {growth / 2**20:.0f} MB for a " \
                                            f"{big.stat().st_size / 2**20:.0f} MB export"


class _Terminal:
    def __init__(self, tty: bool) -> None:
        self.tty, self.written = tty, ""

    def isatty(self) -> bool:
        return self.tty

    def write(self, text: str) -> int:
        self.written += text
        return len(text)

    def flush(self) -> None:
        pass


def test_progress_is_shown_on_a_terminal_and_nowhere_else(tmp_path, monkeypatch):
    from generator.config import load_config
    from generator.importers import command

    site = make_site(tmp_path)
    monkeypatch.setattr(command, "PROGRESS_EVERY", 0.0)  # every item, for a test of a few
    terminal, pipe = _Terminal(True), _Terminal(False)
    report = command.import_to(FIXTURE.with_name("feed.rss"), load_config(site), None, True, terminal)
    assert report.articles == 2
    assert terminal.written.startswith("\r\033[Kimporting… 1 item\r\033[Kimporting… 2 items")
    assert terminal.written.endswith("\r\033[K")  # the line taken away before the summary
    command.import_to(FIXTURE.with_name("feed.rss"), load_config(site), None, True, pipe)
    assert pipe.written == ""


def test_progress_is_rewritten_at_most_four_times_a_second():
    from generator.importers.command import Progress

    now = [0.0]
    terminal = _Terminal(True)
    progress = Progress(terminal, clock=lambda: now[0])
    for seen in range(1, 1001):  # a thousand items in two seconds
        now[0] = seen * 0.002
        progress(seen)
    assert 6 <= terminal.written.count("\r") <= 8
    assert "importing… 125 items" in terminal.written  # none shown before a quarter of a second


# --- Jekyll pages, Hugo sections and undated content -----------------------------------------------

def put(folder: Path, path: str, text: str) -> None:
    (folder / path).parent.mkdir(parents=True, exist_ok=True)
    (folder / path).write_text(text, encoding="utf-8")


def test_jekyll_pages_at_the_root_are_imported_keeping_their_addresses(tmp_path):
    import shutil

    source = tmp_path / "jekyll"
    shutil.copytree(FIXTURE.with_name("jekyll"), source)
    (source / "_config.yml").write_text("title: Old blog\nexclude: [notes/]\n", encoding="utf-8")
    put(source, "about.md", "---\ntitle: About us\nlayout: page\npermalink: /about-us/\n---\n"
                              "We report. [Write to us]({% link contact.html %}).\n")
    put(source, "contact.html", "---\nlayout: page\n---\n<p>Write to us.</p>\n")
    put(source, "team/index.md", "---\ntitle: Join the team\nredirect_from: /jobs/\n---\nWe hire.\n")
    put(source, "policies/ethics.md", "---\ntitle: Ethics\n---\nOur code.\n")
    put(source, "index.html", "---\nlayout: home\n---\n")
    put(source, "404.md", "---\ntitle: Not found\n---\nGone.\n")
    put(source, "blog/index.html", "---\ntitle: Blog\n---\n{% for post in paginator.posts %}{{ post.title }}"
                                     "{% endfor %}\n")
    put(source, "broken.md", "---\ntitle: Broken\nlayout: [page\n---\nx\n")
    for ignored in ("_layouts/default.html", "node_modules/pkg/guide.md", ".github/notes.md", "notes/draft.md",
                    "vendor/bundle/theme.md"):
        put(source, ignored, "---\ntitle: Not a page\n---\n")
    put(source, "README.md", "# The blog's code\n")  # no front matter: a file Jekyll copies, no page
    site = make_site(tmp_path)
    result = run("import", str(source), site=site)
    assert result.returncode == 1 and "Traceback" not in result.stderr  # broken.md
    assert result.stdout.startswith("imported 3 articles and 4 pages (1 draft) from ")
    assert "3 skipped, 1 error" in result.stdout
    assert re.search(r"broken\.md: line 3: its front matter is not valid YAML", result.stderr)
    assert "index.html: the home page: Broadsheet makes its own front page" in result.stderr
    assert "404.md: the page for an address not found" in result.stderr
    assert "blog/index.html: a list of posts made by Liquid" in result.stderr
    assert "contact.html: has no title: imported as 'Contact'" in result.stderr
    pages = site / "content/pages"
    assert sorted(p.name for p in pages.iterdir()) == ["about-us.md", "contact.md", "ethics.md", "team.md"]
    assert "[Write to us](contact.md)" in (pages / "about-us.md").read_text(encoding="utf-8")
    assert "aliases: [/contact.html]" in (pages / "contact.md").read_text(encoding="utf-8")
    assert "aliases: [/policies/ethics.html]" in (pages / "ethics.md").read_text(encoding="utf-8")
    assert (pages / "team.md").read_text(encoding="utf-8").startswith(
        "---\ntitle: Join the team\nredirect_from: /jobs/\n---\n")  # /team/ is /team/ still
    assert "draft: true" in (site / "content/posts/next-steps.md").read_text(encoding="utf-8")

    built = run("build", site=site)
    assert built.returncode == 0, built.stderr
    assert "We report." in page(site, "about-us/index.html") and 'href="/contact/"' in page(site, "about-us/index.html")
    redirects = page(site, "_redirects").splitlines()
    assert {"/contact.html /contact/ 301", "/policies/ethics.html /ethics/ 301", "/jobs/ /team/ 301"} <= set(redirects)


def test_hugo_sections_and_undated_content_become_pages(tmp_path):
    import shutil

    source = tmp_path / "hugo"
    shutil.copytree(FIXTURE.with_name("hugo"), source)
    put(source, "content/_index.md", "---\ntitle: Home\n---\nWelcome to the Post.\n")
    put(source, "content/posts/_index.md", "+++\ntitle = \"Posts\"\n+++\n")
    put(source, "content/news/local/_index.md", "---\ntitle: Local news\n---\nNews from the town hall.\n")
    put(source, "content/docs/setup.md", "---\ntitle: Setting up\nslug: setting-up\n---\nHow to.\n")
    put(source, "content/docs/faq.md", "---\ndescription: Questions\n---\nAsk us.\n")
    put(source, "content/news/bad.md", "+++\ntitle = \"Bad\"\ndate = \"tomorrow\"\n+++\nx\n")
    site = make_site(tmp_path)
    result = run("import", str(source), site=site)
    assert result.returncode == 1 and "Traceback" not in result.stderr  # bad.md
    assert result.stdout.startswith("imported 2 articles and 4 pages from ")
    assert "2 skipped, 1 error" in result.stdout
    assert re.search(r"news/bad\.md: line 3: its date 'tomorrow' is not a date", result.stderr)
    assert re.search(r"content/_index\.md: the home page's _index\.md", result.stderr)
    assert re.search(r"posts/_index\.md: a section's list page with no text of its own", result.stderr)
    assert "faq.md: has no title: imported as 'Faq'" in result.stderr
    pages = site / "content/pages"
    assert sorted(p.name for p in pages.iterdir()) == ["about.md", "faq.md", "local.md", "setting-up.md"]
    assert "aliases: [/news/local/]" in (pages / "local.md").read_text(encoding="utf-8")
    assert "aliases" not in (pages / "about.md").read_text(encoding="utf-8")  # /about/ still

    built = run("build", site=site)
    assert built.returncode == 0, built.stderr
    assert "News from the town hall." in page(site, "local/index.html")
    redirects = set(page(site, "_redirects").splitlines())
    assert {"/news/local/ /local/ 301", "/docs/setting-up/ /setting-up/ 301", "/docs/faq/ /faq/ 301"} <= redirects

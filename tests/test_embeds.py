"""Embeds as a reader sees them: `@[kind](URL)` directives in Markdown, each kind's markup, the
mistakes reported at their line, and in headless Chromium, that a page with a video asks
nothing of another host until the reader clicks."""

from __future__ import annotations

import functools
import http.server
import os
import re
import threading
import time

import pytest

from conftest import article, snapshot

YOUTUBE_ID = "M7lc1UVf-VE"


def build_one(make_site, run, body: str, files: dict | None = None):
    site = make_site({"content/2022-02-28-a-headline.md": article(body=body), **(files or {})})
    result = run("build", "--site", site)
    return site, result


def page(site) -> str:
    return (site / "output/2022/02/28/a-headline/index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("url", [
    f"https://www.youtube.com/watch?v={YOUTUBE_ID}",
    f"https://youtu.be/{YOUTUBE_ID}",
    f"https://www.youtube.com/shorts/{YOUTUBE_ID}",
    f"https://m.youtube.com/watch?v={YOUTUBE_ID}&feature=share",
])
def test_a_youtube_video_is_a_local_placeholder_linking_to_the_video(make_site, run, url):
    site, result = build_one(make_site, run, f"Before.\n\n@[youtube]({url})\nThe council's \"webcast\"\n")
    assert result.status == 0, result.err
    html = page(site)
    figure = re.search(r'<figure class="embed embed--player embed--youtube"[^>]*>.*?</figure>', html, re.S).group(0)
    assert f'data-embed-src="https://www.youtube-nocookie.com/embed/{YOUTUBE_ID}?autoplay=1"' in figure
    assert f'<a class="embed__play" href="https://www.youtube.com/watch?v={YOUTUBE_ID}">' in figure
    # The placeholder says what the video is (the author's words, typeset) and where it plays.
    assert "<span class=\"embed__title\">The council’s “webcast”</span>" in figure
    assert '<span class="embed__host">YouTube</span>' in figure
    # Nothing in the page comes from another host: no thumbnail, no iframe, no platform script.
    assert "<iframe" not in html and "ytimg" not in html and "<img" not in figure
    assert re.search(r'<script src="/theme/js/embeds\.js" defer></script>', html)


def test_the_generic_embed_reads_the_kind_from_the_url(make_site, run):
    body = ("@[embed](https://vimeo.com/76979871)\nA Vimeo film\n\n"
            "@[embed](https://twitter.com/harlingford/status/1496234567890123456)\nThe council's post\n\n"
            "@[embed](episode.mp3)\n")
    site, result = build_one(make_site, run, body, {"content/episode.mp3": b"ID3"})
    assert result.status == 0, result.err
    html = page(site)
    assert 'data-embed-src="https://player.vimeo.com/video/76979871?autoplay=1&amp;dnt=1"' in html
    assert '<a class="embed__play" href="https://vimeo.com/76979871">' in html
    assert '<figure class="embed embed--post embed--x">' in html
    assert '<figure class="embed embed--audio">' in html


def test_posts_are_quotes_with_a_link_never_the_platforms_script(make_site, run):
    body = ("@[x](https://x.com/harlingford/status/1496234567890123456)\n"
            "> Budget passed by 31 votes to 24.\n\n"
            "@[mastodon](https://mastodon.social/@harlingfordcouncil/107842135764316022)\n"
            "> Full Council has approved the **budget**.\n\n"
            "@[bluesky](https://bsky.app/profile/harlingford.bsky.social/post/3kq2abcdxyz2a)\n"
            "The vote is in.\n")
    site, result = build_one(make_site, run, body)
    assert result.status == 0, result.err
    html = page(site)
    for kind, link, author, words in [
        ("x", "https://x.com/harlingford/status/1496234567890123456", "@harlingford",
         "Budget passed by 31 votes to 24."),
        ("mastodon", "https://mastodon.social/@harlingfordcouncil/107842135764316022",
         "@harlingfordcouncil@mastodon.social", "Full Council has approved the <strong>budget</strong>."),
        ("bluesky", "https://bsky.app/profile/harlingford.bsky.social/post/3kq2abcdxyz2a",
         "@harlingford.bsky.social", "The vote is in."),
    ]:
        figure = re.search(rf'<figure class="embed embed--post embed--{kind}">.*?</figure>', html, re.S).group(0)
        assert f'<blockquote cite="{link}" class="embed__quote">\n<p>{words}</p>\n</blockquote>' in figure
        assert f'<a href="{link}">{author}</a>' in figure
    assert "platform.twitter.com" not in html and "widgets.js" not in html and "embed.js" not in html
    assert "embeds.js" not in html  # no video: no script at all


def test_audio_and_video_files_play_in_the_page_with_their_link_as_fallback(make_site, run):
    body = "@[audio](media/episode-12.mp3)\nEpisode 12: the budget\n\n@[video](media/clip.webm)\n"
    site, result = build_one(make_site, run, body, {"content/media/episode-12.mp3": b"ID3",
                                                    "content/media/clip.webm": b"\x1aE"})
    assert result.status == 0, result.err
    html = page(site)
    assert ('<figure class="embed embed--audio"><audio controls="" preload="none" src="/media/episode-12.mp3">'
            '<a href="/media/episode-12.mp3">episode-12.mp3</a></audio><figcaption>Episode 12: the budget</figcaption>'
            in html)
    assert ('<video controls="" preload="metadata" src="/media/clip.webm"><a href="/media/clip.webm">clip.webm</a>'
            '</video>' in html)
    assert (site / "output/media/episode-12.mp3").is_file()


def test_a_line_that_only_starts_like_a_directive_is_text(make_site, run):
    site, result = build_one(make_site, run, "@[someone] said hello.\n\nEmail @[desk] (soon).\n")
    assert result.status == 0, result.err
    assert "<p>@[someone] said hello.</p>" in page(site)


@pytest.mark.parametrize("line, message", [
    (f"@[yotube](https://www.youtube.com/watch?v={YOUTUBE_ID})",
     "unknown embed kind 'yotube' (did you mean 'youtube'?)"),
    ("@[embed](https://example.com/watch/1)", "example.com is not a host Broadsheet can embed"),
    ("@[youtube](https://vimeo.com/76979871)", "vimeo.com is not YouTube"),
    ("@[youtube](https://www.youtube.com/watch?v=abc)", "cannot read the video's ID"),
    ("@[youtube](www.youtube.com/watch?v=M7lc1UVf-VE)", "is not a web address"),
    ("@[vimeo](https://vimeo.com/channels/staffpicks)", "cannot read the video's number"),
    ("@[x](https://x.com/harlingford)", "cannot read the post"),
    ("@[mastodon](https://mastodon.social/@someone/1)", "give the post's words"),
    ("@[audio](song.txt)", "is not an audio file"),
    ("@[youtube](https://youtu.be/M7lc1UVf-VE) trailing words", "cannot read the embed"),
    ("@[audio](missing.mp3)", "missing.mp3, which does not exist"),
])
def test_a_mistyped_embed_is_an_error_at_its_line(make_site, run, line, message):
    site = make_site({"content/2022-02-28-a-headline.md": article(body="Fine.\n")})
    assert run("build", "--site", site).status == 0
    before = snapshot(site / "output")
    (site / "content/2022-02-28-a-headline.md").write_text(article(body=f"First paragraph.\n\n{line}\n"),
                                                          encoding="utf-8")
    result = run("build", "--site", site)
    assert result.status == 1
    assert "2022-02-28-a-headline.md:7" in result.err, result.err  # front matter: 4 lines, then 2
    assert message in result.err, result.err
    assert "Traceback" not in result.err
    assert snapshot(site / "output") == before


# --- in the browser -----------------------------------------------------------------------------

class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the name http.server gives it
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    from generator.cli import main

    site = tmp_path_factory.mktemp("embeds")
    (site / "content").mkdir()
    (site / "config.yaml").write_text("title: Test Gazette\nbase_url: https://example.org/\n", encoding="utf-8")
    (site / "content/2022-02-28-a-headline.md").write_text(article(body=(
        f"Watch it.\n\n@[youtube](https://www.youtube.com/watch?v={YOUTUBE_ID})\nThe budget meeting\n\n"
        "@[mastodon](https://mastodon.social/@harlingfordcouncil/107842135764316022)\n> Budget approved.\n")),
        encoding="utf-8")
    out = site / "out"
    assert main(["build", "--site", str(site), "--output", str(out)]) == 0
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(out)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    from test_serve import CHROMIUM, CHROMIUM_ARGS

    assert os.path.exists(CHROMIUM), f"{CHROMIUM} is missing: run `make test` (it installs Debian's chromium)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _guarded(context, served: str) -> list[str]:
    """Every request to another host is recorded and aborted: nothing leaves this machine."""
    others: list[str] = []

    def route(r):
        if r.request.url.startswith(served):
            r.continue_()
        else:
            others.append(r.request.url)
            r.abort()
    context.route("**/*", route)
    return others


def test_the_video_loads_from_youtube_nocookie_only_after_the_click(served, chromium):
    context = chromium.new_context()
    others = _guarded(context, served)
    tab = context.new_page()
    try:
        tab.goto(served + "/2022/02/28/a-headline/", wait_until="networkidle")
        tab.wait_for_timeout(500)
        assert others == [], f"requests to other hosts before any click: {others}"
        assert tab.locator("iframe").count() == 0
        button = tab.get_by_role("link", name=re.compile("The budget meeting"))
        assert button.count() == 1
        button.click()
        frame = tab.locator("figure.embed--youtube iframe")
        frame.wait_for(state="attached")
        assert frame.get_attribute("src") == f"https://www.youtube-nocookie.com/embed/{YOUTUBE_ID}?autoplay=1"
        assert "The budget meeting" in frame.get_attribute("title")
        deadline = time.monotonic() + 10
        while not others and time.monotonic() < deadline:
            tab.wait_for_timeout(100)
        assert others and all(url.startswith("https://www.youtube-nocookie.com/embed/") for url in others), others
        assert tab.url == served + "/2022/02/28/a-headline/"  # the page stayed; the player is in it
    finally:
        context.close()


def test_without_javascript_the_placeholder_is_a_plain_link_to_the_video(served, chromium):
    context = chromium.new_context(java_script_enabled=False)
    others = _guarded(context, served)
    tab = context.new_page()
    try:
        tab.goto(served + "/2022/02/28/a-headline/", wait_until="networkidle")
        assert others == []
        link = tab.get_by_role("link", name=re.compile("The budget meeting"))
        assert link.get_attribute("href") == f"https://www.youtube.com/watch?v={YOUTUBE_ID}"
        try:
            link.click(timeout=5000)
        except Exception:  # the navigation is aborted on purpose
            pass
        deadline = time.monotonic() + 10
        while not others and time.monotonic() < deadline:
            tab.wait_for_timeout(100)
        assert others and others[0].startswith(f"https://www.youtube.com/watch?v={YOUTUBE_ID}"), others
    finally:
        context.close()

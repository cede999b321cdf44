"""Embeds without raw HTML, and without a request to another host until the reader asks.

A paragraph that starts with a line `@[kind](URL)` is an embed; the paragraph's other lines
(with or without a leading `> `) are the text the author gives: the post's words, the video's
title, the recording's caption.

    @[youtube](https://www.youtube.com/watch?v=dQw4w9WgXcQ)
    The full council meeting of 22 February

kinds: youtube, vimeo (a placeholder and a link; the theme's js/embeds.js puts the player,
youtube-nocookie.com or player.vimeo.com, in its place on a click), x (or twitter),
mastodon, bluesky (the text as a quote, with a link to the post: never the platform's
script), audio, video (a file: <audio controls> / <video controls>, its link inside for a
browser without them), and embed (the kind read from the URL). An unknown kind or host, a
URL that is not one, or an ID that cannot be read is a problem at the directive's line.
"""

from __future__ import annotations

import difflib
import re
import xml.etree.ElementTree as etree
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import markdown
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension
from markdown.util import AtomicString


# Only a line that looks like a directive is one: "@[someone] said" stays a paragraph.
_START = re.compile(r"@\[[^\]\n]*\]\(")
_DIRECTIVE = re.compile(r"@\[([^\]\n]*)\]\(\s*<?([^\s()<>]*)>?\s*\)[ \t]*$")
_QUOTE_MARK = re.compile(r"^[ \t]{0,3}>[ \t]?", re.M)

KINDS = ("youtube", "vimeo", "x", "twitter", "mastodon", "bluesky", "audio", "video", "embed")
_AUDIO = (".mp3", ".m4a", ".aac", ".ogg", ".oga", ".opus", ".wav", ".flac")
_VIDEO = (".mp4", ".m4v", ".webm", ".ogv", ".mov")
_YOUTUBE_HOSTS = {"youtube.com", "m.youtube.com", "music.youtube.com", "youtu.be", "youtube-nocookie.com"}
_VIMEO_HOSTS = {"vimeo.com", "player.vimeo.com"}
_X_HOSTS = {"x.com", "twitter.com", "mobile.twitter.com", "mobile.x.com"}
_BLUESKY_HOSTS = {"bsky.app"}
_YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_SECONDS = re.compile(r"(\d+)s?")
_MASTODON_PATH = re.compile(r"/@([A-Za-z0-9_.-]+)(?:@[A-Za-z0-9.-]+)?/(\d+)/?")
_MASTODON_USERS_PATH = re.compile(r"/users/([A-Za-z0-9_.-]+)/statuses/(\d+)/?")
_X_PATH = re.compile(r"/([A-Za-z0-9_]{1,15})/status(?:es)?/(\d+)/?")
_BLUESKY_PATH = re.compile(r"/profile/([A-Za-z0-9.:_-]+)/post/([A-Za-z0-9]+)/?")

_HOW = {
    "youtube": "https://www.youtube.com/watch?v=ID or https://youtu.be/ID",
    "vimeo": "https://vimeo.com/NUMBER",
    "x": "https://x.com/USER/status/NUMBER",
    "mastodon": "https://SERVER/@USER/NUMBER",
    "bluesky": "https://bsky.app/profile/HANDLE/post/ID",
    "audio": "a file such as episode.mp3 (" + ", ".join(_AUDIO) + ")",
    "video": "a file such as clip.mp4 (" + ", ".join(_VIDEO) + ")",
}
_NAMES = {"youtube": "YouTube", "vimeo": "Vimeo", "x": "X", "mastodon": "Mastodon", "bluesky": "Bluesky"}


class EmbedError(Exception):
    pass


def _host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def _web_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in url:
        raise EmbedError(f"{url!r} is not a web address: write it in full, starting https://")


def _kind_of(url: str) -> str:
    """The kind an `@[embed](URL)` has, from its host or its file's extension."""
    path = urlsplit(url).path.lower()
    if path.endswith(_AUDIO):
        return "audio"
    if path.endswith(_VIDEO):
        return "video"
    _web_url(url)
    host = _host(url)
    for kind, hosts in (("youtube", _YOUTUBE_HOSTS), ("vimeo", _VIMEO_HOSTS), ("x", _X_HOSTS),
                        ("bluesky", _BLUESKY_HOSTS)):
        if host in hosts:
            return kind
    if _MASTODON_PATH.fullmatch(urlsplit(url).path) or _MASTODON_USERS_PATH.fullmatch(urlsplit(url).path):
        return "mastodon"
    raise EmbedError(f"{host} is not a host Broadsheet can embed: YouTube, Vimeo, X, Mastodon or Bluesky, "
                     "or an audio or video file")


def _youtube(url: str) -> tuple[str, str]:
    """(the page to link to, the player to load on a click)."""
    _web_url(url)
    host, parts = _host(url), urlsplit(url)
    if host not in _YOUTUBE_HOSTS:
        raise EmbedError(f"{host} is not YouTube: write {_HOW['youtube']}")
    query = parse_qs(parts.query)
    if host == "youtu.be":
        video = parts.path.strip("/")
    elif parts.path.rstrip("/") == "/watch":
        video = (query.get("v") or [""])[0]
    else:
        match = re.fullmatch(r"/(?:embed|shorts|live|v)/([^/]+)/?", parts.path)
        video = match.group(1) if match else ""
    if not _YOUTUBE_ID.fullmatch(video):
        raise EmbedError(f"cannot read the video's ID from {url} (eleven letters, digits, - or _): "
                         f"write {_HOW['youtube']}")
    start = _SECONDS.fullmatch((query.get("t") or query.get("start") or [""])[0])
    suffix = f"&start={start.group(1)}" if start else ""
    return (f"https://www.youtube.com/watch?v={video}" + (f"&t={start.group(1)}s" if start else ""),
            f"https://www.youtube-nocookie.com/embed/{video}?autoplay=1{suffix}")


def _vimeo(url: str) -> tuple[str, str]:
    _web_url(url)
    host, parts = _host(url), urlsplit(url)
    if host not in _VIMEO_HOSTS:
        raise EmbedError(f"{host} is not Vimeo: write {_HOW['vimeo']}")
    match = re.fullmatch(r"(?:/video)?/(\d+)(?:/([0-9a-f]+))?/?", parts.path)
    if not match:
        raise EmbedError(f"cannot read the video's number from {url}: write {_HOW['vimeo']}")
    number, secret = match.groups()
    secret = secret or (parse_qs(parts.query).get("h") or [None])[0]
    hashed = f"&h={secret}" if secret and re.fullmatch(r"[0-9a-f]+", secret) else ""
    return (f"https://vimeo.com/{number}" + (f"/{secret}" if hashed else ""),
            f"https://player.vimeo.com/video/{number}?autoplay=1&dnt=1{hashed}")


def _post(kind: str, url: str) -> tuple[str, str]:
    """(the post's link, who wrote it as the platform writes it)."""
    _web_url(url)
    host, path = _host(url), urlsplit(url).path
    if kind == "x":
        match = _X_PATH.fullmatch(path) if host in _X_HOSTS else None
        if host not in _X_HOSTS:
            raise EmbedError(f"{host} is not X (or Twitter): write {_HOW['x']}")
        if not match:
            raise EmbedError(f"cannot read the post from {url}: write {_HOW['x']}")
        return f"https://x.com/{match.group(1)}/status/{match.group(2)}", "@" + match.group(1)
    if kind == "bluesky":
        if host not in _BLUESKY_HOSTS:
            raise EmbedError(f"{host} is not Bluesky: write {_HOW['bluesky']}")
        match = _BLUESKY_PATH.fullmatch(path)
        if not match:
            raise EmbedError(f"cannot read the post from {url}: write {_HOW['bluesky']}")
        return url, "@" + match.group(1)
    if host in _X_HOSTS | _BLUESKY_HOSTS | _YOUTUBE_HOSTS | _VIMEO_HOSTS:
        raise EmbedError(f"{host} is not a Mastodon server: write {_HOW['mastodon']}")
    match = _MASTODON_PATH.fullmatch(path) or _MASTODON_USERS_PATH.fullmatch(path)
    if not match:
        raise EmbedError(f"cannot read the post from {url}: write {_HOW['mastodon']}")
    return url, f"@{match.group(1)}@{host}"


def _file(kind: str, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        _web_url(url)
    if not parts.path.lower().endswith(_AUDIO if kind == "audio" else _VIDEO):
        raise EmbedError(f"{url!r} is not {'an audio' if kind == 'audio' else 'a video'} file: "
                         f"write {_HOW[kind]}")


class _EmbedProcessor(BlockProcessor):
    def __init__(self, parser, wanted: Callable[[], bool], problems: Callable[[str, str], None]) -> None:
        super().__init__(parser)
        self.wanted = wanted
        self.problem = problems

    def test(self, parent: etree.Element, block: str) -> bool:
        return block.startswith("@[") and self.wanted() and _START.match(block) is not None

    def run(self, parent: etree.Element, blocks: list[str]) -> bool:
        block = blocks.pop(0)
        first, _, rest = block.partition("\n")
        text = _QUOTE_MARK.sub("", rest).strip()
        match = _DIRECTIVE.fullmatch(first.rstrip())
        written = first.strip()
        try:
            if not match:
                raise EmbedError("cannot read the embed: write `@[kind](URL)` alone on its line, "
                                 "the text that goes with it on the lines after it")
            kind, url = match.group(1).strip().lower(), match.group(2)
            if kind not in KINDS:
                close = difflib.get_close_matches(kind, KINDS, 1, 0.6)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise EmbedError(f"unknown embed kind {kind!r}{hint}: one of {', '.join(KINDS)}")
            if not url:
                raise EmbedError("the embed has no URL")
            if kind == "embed":
                kind = _kind_of(url)
            kind = "x" if kind == "twitter" else kind
            figure = etree.SubElement(parent, "figure")
            if kind in ("youtube", "vimeo"):
                self._video(figure, kind, url, text)
            elif kind in ("x", "mastodon", "bluesky"):
                self._post(figure, kind, url, text)
            else:
                _file(kind, url)
                figure.set("class", f"embed embed--{kind}")
                player = etree.SubElement(figure, kind, {"controls": "", "src": url, "preload":
                                          "metadata" if kind == "video" and not urlsplit(url).scheme else "none"})
                fallback = etree.SubElement(player, "a", {"href": url})
                fallback.text = AtomicString(urlsplit(url).path.rsplit("/", 1)[-1] or url)
                if text:
                    etree.SubElement(figure, "figcaption").text = text
        except EmbedError as error:
            self.problem(written, f"embed {written}: {error}")
            if len(parent) and parent[-1].tag == "figure" and not len(parent[-1]):
                parent.remove(parent[-1])
            # As written, links and all (the output is never written: the build fails).
            etree.SubElement(parent, "p").text = AtomicString(block)
        return True

    @staticmethod
    def _video(figure: etree.Element, kind: str, url: str, text: str) -> None:
        page, player = (_youtube if kind == "youtube" else _vimeo)(url)
        figure.set("class", f"embed embed--player embed--{kind}")
        figure.set("data-embed-src", player)
        link = etree.SubElement(figure, "a", {"class": "embed__play", "href": page})
        icon = etree.SubElement(link, "span", {"class": "embed__icon", "aria-hidden": "true"})
        icon.text, icon.tail = "\u25b6", " "
        title = etree.SubElement(link, "span", {"class": "embed__title"})
        title.text, title.tail = text or AtomicString(page.split("://", 1)[1]), " "
        host = etree.SubElement(link, "span", {"class": "embed__host"})
        host.text = _NAMES[kind]

    @staticmethod
    def _post(figure: etree.Element, kind: str, url: str, text: str) -> None:
        link, author = _post(kind, url)
        if not text:
            raise EmbedError(f"give the post's words on the lines right after the embed: the page quotes "
                             f"them (it never loads {_NAMES[kind]}'s script)")
        figure.set("class", f"embed embed--post embed--{kind}")
        quote = etree.SubElement(figure, "blockquote", {"class": "embed__quote", "cite": link})
        etree.SubElement(quote, "p").text = text
        caption = etree.SubElement(figure, "figcaption", {"class": "embed__source"})
        anchor = etree.SubElement(caption, "a", {"href": link})
        anchor.text = author
        anchor.tail = f" \u00b7 {_NAMES[kind]}"


class EmbedsExtension(Extension):
    def __init__(self, wanted: Callable[[], bool], problems: Callable[[str, str], None]) -> None:
        super().__init__()
        self.wanted, self.problems = wanted, problems

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - Python-Markdown's name
        # Before "paragraph" (10) and the lists and quotes: the directive is its own block.
        md.parser.blockprocessors.register(_EmbedProcessor(md.parser, self.wanted, self.problems),
                                           "broadsheet_embed", 75)

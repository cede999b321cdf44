"""HTML bodies to Broadsheet Markdown, with markdownify: figures, embeds and what Markdown cannot say.

markdownify (MIT, built on BeautifulSoup) keeps tables as pipe tables and code blocks as fenced
code with their language, and every tag's conversion can be changed. What it would lose or
mangle is taken out first and put back as Broadsheet's own Markdown once it has run: a figure
as `![alt](src "caption")` standing alone (Broadsheet makes it a <figure>), a video as an
`@[youtube](URL)` embed, an <iframe> it cannot read as HTML kept whole. Those wait in the HTML as
tokens, words of letters and digits only, which markdownify passes through untouched.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Tag
from markdownify import MarkdownConverter

_TOKEN = re.compile(r"BSIMPORT(\d+)X")
_BLOCK_START = re.compile(r"^\s*<(?:p|div|h[1-6]|ul|ol|li|table|thead|tbody|tr|td|th|blockquote|pre|figure|"
                          r"hr|dl|dd|dt|section|article|aside|header|footer|iframe|video|audio|form|address|"
                          r"details|!--)[\s>/]", re.I)
_VIDEO_HOSTS = {"youtube": ("youtube.com", "youtu.be", "youtube-nocookie.com"), "vimeo": ("vimeo.com",)}
_AUDIO = (".mp3", ".m4a", ".aac", ".ogg", ".oga", ".opus", ".wav", ".flac")
_IMAGES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".svg")
_VIDEO = (".mp4", ".m4v", ".webm", ".ogv", ".mov")
# Tags whose text is not the story's: dropped with what they hold.
_DROPPED = ("script", "style", "noscript", "template")


class Body:
    """One body being converted: the tokens set aside, and what the user should hear of."""

    def __init__(self, warn: Callable[[str], None]) -> None:
        self._kept: list[str] = []
        self.warn = warn

    def token(self, markdown: str) -> str:
        """A word standing for this Markdown until the conversion is over; alone in its paragraph."""
        self._kept.append(markdown.strip())
        return f"\n\n<p>BSIMPORT{len(self._kept) - 1}X</p>\n\n"

    def figure(self, src: str, alt: str, caption: str = "") -> str:
        """An image standing alone: with a caption, Broadsheet's figure."""
        alt = " ".join(unescape(alt).split()).replace("[", "(").replace("]", ")")
        caption = " ".join(unescape(caption).split())
        title = f' "{caption.replace(chr(34), "&quot;")}"' if caption else ""
        return self.token(f"![{alt}]({_url(src)}{title})")

    def embed(self, url: str, caption: str = "") -> str:
        """A video or recording as Broadsheet's embed when it is of a kind Broadsheet embeds, else a link."""
        url = unescape(url.strip())
        kind = embed_kind(url)
        words = " ".join(unescape(caption).split())
        if kind is None:
            self.warn(f"an embed of {url} is kept as a link: Broadsheet embeds YouTube, Vimeo, audio and video")
            return self.token(f"<{url}>" + (f"\n{words}" if words else ""))
        if kind in ("youtube", "vimeo") and url.startswith("http://"):
            url = "https://" + url[len("http://"):]
        return self.token(f"@[{kind}]({_url(url)})" + (f"\n{words}" if words else ""))

    def html(self, markup: str) -> str:
        """HTML Markdown cannot say, kept as it is (in a <div>, so Markdown leaves it alone)."""
        return self.token(f"<div>{markup}</div>")

    def finish(self, markdown: str) -> str:
        text = _TOKEN.sub(lambda m: "\n\n" + self._kept[int(m.group(1))] + "\n\n", markdown)
        # Two spaces before a line end are a <br>: keep those, drop any other trailing blank.
        text = re.sub(r"[ \t]+\n", lambda m: m.group(0) if m.group(0) == "  \n" else "\n", text)
        return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def embed_kind(url: str) -> str | None:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    for kind, hosts in _VIDEO_HOSTS.items():
        if any(host == h or host.endswith("." + h) for h in hosts):
            return kind
    path = parts.path.lower()
    if parts.scheme in ("http", "https") and path.endswith(_AUDIO):
        return "audio"
    if parts.scheme in ("http", "https") and path.endswith(_VIDEO):
        return "video"
    return None


def autop(html: str, body: Body) -> str:
    """WordPress's classic editor stores paragraphs as blank lines, its wpautop() makes them <p>
    when the page is shown; markdownify would run them together. <pre> is left as it is."""
    html = re.sub(r"<pre\b.*?</pre>", lambda m: _keep_pre(m.group(0), body), html, flags=re.S | re.I)
    chunks = re.split(r"\n\s*\n", html.replace("\r\n", "\n"))
    out = []
    for chunk in chunks:
        if not chunk.strip():
            continue
        if _BLOCK_START.match(chunk) or _TOKEN.fullmatch(chunk.strip()):
            out.append(chunk)
        else:
            out.append("<p>" + chunk.strip().replace("\n", "<br>\n") + "</p>")
    return "\n\n".join(out)


def _keep_pre(pre: str, body: Body) -> str:
    # Its own paragraph for now, a fenced block in the end (markdownify's, from the soup).
    soup = BeautifulSoup(pre, "html.parser")
    return body.token(_converter().convert_soup(soup))


def to_markdown(html: str, body: Body) -> str:
    """The body's HTML as Markdown; figures, embeds and iframes as Broadsheet has them."""
    soup = BeautifulSoup(html, "html.parser")
    dropped = 0
    for tag in soup.find_all(_DROPPED):
        dropped += tag.name == "script"
        tag.decompose()
    if dropped:
        body.warn(f"{dropped} <script> element{'s' if dropped > 1 else ''} left out (a page of the site runs "
                  "no other host's scripts)")
    for link in soup.find_all("a"):
        # An image linked to its own file (how Blogger and WordPress insert them): the image alone.
        image = link.find("img")
        if image is not None and len(link.find_all(True)) == 1 and not link.get_text(strip=True) \
                and str(link.get("href", "")).lower().split("?")[0].endswith(_IMAGES):
            link.replace_with(image)
    for figure in soup.find_all("figure"):
        if figure.parent is None:
            continue
        _figure(figure, body)
    for frame in soup.find_all("iframe"):
        src = str(frame.get("src", ""))
        if embed_kind(src) in ("youtube", "vimeo"):
            frame.replace_with(BeautifulSoup(body.embed(watch_url(src), str(frame.get("title", ""))), "html.parser"))
        else:
            body.warn(f"an <iframe> of {src or 'no address'} is kept as HTML")
            frame.replace_with(BeautifulSoup(body.html(str(frame)), "html.parser"))
    for media in soup.find_all(("audio", "video")):
        source = media.find("source")
        src = str(media.get("src") or (source.get("src", "") if source is not None else ""))
        if src and embed_kind(src) in ("audio", "video"):
            media.replace_with(BeautifulSoup(body.embed(src), "html.parser"))
    return body.finish(_converter().convert_soup(soup))


def _figure(figure: Tag, body: Body) -> None:
    caption_tag = figure.find("figcaption")
    caption = caption_tag.get_text(" ", strip=True) if caption_tag else ""
    wrapper = figure.find(class_="wp-block-embed__wrapper")
    if wrapper is not None or "wp-block-embed" in " ".join(figure.get("class") or []):
        url = (wrapper or figure).get_text(" ", strip=True).split(" ")[0] if (wrapper or figure).get_text(strip=True) \
            else ""
        if url:
            figure.replace_with(BeautifulSoup(body.embed(url, caption), "html.parser"))
        return
    images = figure.find_all("img")
    if not images:
        return
    if len(images) == 1:
        img = images[0]
        figure.replace_with(BeautifulSoup(body.figure(str(img.get("src", "")), str(img.get("alt", "")), caption),
                                          "html.parser"))
        return
    # A gallery: each image its own figure, with its own caption where it has one.
    made = []
    for img in images:
        item = img.find_parent("figure")
        own = item.find("figcaption") if item is not None and item is not figure else None
        made.append(body.figure(str(img.get("src", "")), str(img.get("alt", "")),
                                own.get_text(" ", strip=True) if own else ""))
    figure.replace_with(BeautifulSoup("".join(made), "html.parser"))


def watch_url(src: str) -> str:
    """An embedded player's address as the video's own page: Broadsheet reads both, but the page is
    what a reader without JavaScript is sent to."""
    match = re.search(r"youtube(?:-nocookie)?\.com/embed/([A-Za-z0-9_-]{11})", src)
    if match:
        return f"https://www.youtube.com/watch?v={match.group(1)}"
    match = re.search(r"player\.vimeo\.com/video/(\d+)", src)
    if match:
        return f"https://vimeo.com/{match.group(1)}"
    return src if not src.startswith("//") else "https:" + src


def _url(url: str) -> str:
    return url.strip().replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def _language(tag: Tag) -> str | None:
    """A code block's language from its class: language-python, lang-python, brush: python."""
    for element in (tag, tag.find("code")):
        if element is None:
            continue
        for name in element.get("class") or []:
            for prefix in ("language-", "lang-"):
                if name.startswith(prefix):
                    return name[len(prefix):]
        if element.get("data-lang"):
            return str(element["data-lang"])
    return None


def _converter() -> MarkdownConverter:
    return MarkdownConverter(heading_style="ATX", bullets="-", code_language_callback=_language, escape_misc=False)


def plain_text(html: str) -> str:
    """An excerpt or a caption as one line of text."""
    return " ".join(BeautifulSoup(html, "html.parser").get_text(" ").split())


"""WordPress's export (WXR: Tools → Export), read safely and streamed.

defusedxml's iterparse refuses entity expansion bombs and external entities, and lets each
<item> go once it is read: memory stays bounded whatever the export's size. The file is read
twice: first the attachments (a featured image or a gallery names them by id, and they may come
after the posts that use them) and the site's UTC offset, then the posts and pages.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from html import unescape
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from ..read.fields import alias_path
from ..urls import slugify
from . import html
from .model import Comments, Found, ImportedAuthor, Item, Notice, Skip, planned_file

# Types that are not stories: menus, revisions, reusable blocks, the theme's settings. Said nothing of.
_NOT_CONTENT = {"attachment", "nav_menu_item", "revision", "wp_block", "wp_navigation", "wp_template",
                "wp_template_part", "wp_global_styles", "custom_css", "customize_changeset", "oembed_cache",
                "user_request", "wp_font_face", "wp_font_family", "jp_pay_product", "feedback"}
_NO_DATE = ("", "0000-00-00 00:00:00")


def detect(head: bytes) -> bool:
    return b"wordpress.org/export/" in head


@dataclass(frozen=True)
class _Attachment:
    url: str
    alt: str
    caption: str


def read(path: Path, fallback_zone: tzinfo) -> Iterator[Found]:
    """Everything in the export, in its order. A malformed file ends in a Notice (skipped) saying
    where; what came before it is kept."""
    attachments: dict[str, _Attachment] = {}
    offsets: list[timedelta] = []
    stories: list[tuple[str, str, str, str, str, str]] = []  # each post's and page's, to find links to it
    try:
        for kind, element in _channel(path):
            if kind == "item" and _text(element, "wp:post_type") in ("post", "page") \
                    and _text(element, "wp:status") not in ("trash", "auto-draft", "inherit"):
                stories.append((_text(element, "wp:post_id"), _text(element, "link"), _text(element, "wp:post_type"),
                                _text(element, "wp:post_date"), _text(element, "wp:post_date_gmt"),
                                _slug(element)))
            if kind == "item" and _text(element, "wp:post_type") == "attachment":
                meta = _postmeta(element)
                attachments[_text(element, "wp:post_id")] = _Attachment(
                    _text(element, "wp:attachment_url") or _text(element, "guid"),
                    meta.get("_wp_attachment_image_alt", ""), html.plain_text(_text(element, "excerpt:encoded")))
            elif kind == "item" and _text(element, "wp:post_date_gmt") not in _NO_DATE:
                offset = _offset(_text(element, "wp:post_date"), _text(element, "wp:post_date_gmt"))
                if offset is not None:
                    offsets.append(offset)
    except _Unreadable:
        pass  # said in the second pass, after what could be read
    # A draft has no UTC date: its local one is read in the offset most posts were written in.
    zone = timezone(max(set(offsets), key=offsets.count)) if offsets else fallback_zone
    links = _Links.of(stories, zone)

    try:
        for kind, element in _channel(path):
            if kind == "author":
                author = _author(element)
                if author is not None:
                    yield author
            elif kind == "item":
                yield from _item(element, attachments, zone, not offsets, links)
    except _Unreadable as unreadable:
        yield Notice(str(unreadable), skipped=True)


class _Unreadable(Exception):
    pass


def _channel(path: Path) -> Iterator[tuple[str, Element]]:
    """("item" | "author", element) for each child of <channel> of those kinds, then forgotten."""
    depth = 0
    channel: Element | None = None
    try:
        for event, element in iterparse(str(path), events=("start", "end")):
            if event == "start":
                depth += 1
                if depth == 2:
                    channel = element
                continue
            depth -= 1
            if depth == 2 and channel is not None:
                name = _key(element.tag)
                if name in ("item", "wp:author"):
                    yield ("item" if name == "item" else "author"), element
                    channel.remove(element)  # let it go: the export is streamed
        if channel is None:
            raise _Unreadable("no <channel> in the file: it is not a WordPress export (WXR)")
    except ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise _Unreadable(f"{path.name} is not well-formed XML at line {line}, column {column} "
                          f"({str(exc).split(':')[0]}); the items before it were read, the rest could not be")
    except DefusedXmlException as exc:
        raise _Unreadable(f"{path.name} asks for what a safe reader refuses ({type(exc).__name__}: entity "
                          "declarations or external references); nothing after it was read") from None


def _key(tag: str) -> str:
    """"{http://wordpress.org/export/1.2/}status" -> "wp:status", whichever WXR version."""
    if not tag.startswith("{"):
        return tag
    uri, local = tag[1:].split("}", 1)
    if "wordpress.org/export" in uri:
        return ("excerpt:" if uri.rstrip("/").endswith("excerpt") else "wp:") + local
    if "purl.org/rss/1.0/modules/content" in uri:
        return "content:" + local
    if "purl.org/dc/elements" in uri:
        return "dc:" + local
    return local


def _text(element: Element, name: str) -> str:
    for child in element:
        if _key(child.tag) == name:
            return (child.text or "").strip() if name not in ("content:encoded", "excerpt:encoded") \
                else child.text or ""
    return ""


def _children(element: Element, name: str) -> list[Element]:
    return [child for child in element if _key(child.tag) == name]


def _postmeta(element: Element) -> dict[str, str]:
    return {_text(meta, "wp:meta_key"): _text(meta, "wp:meta_value") for meta in _children(element, "wp:postmeta")}


def _author(element: Element) -> ImportedAuthor | None:
    login = _text(element, "wp:author_login")
    name = unescape(_text(element, "wp:author_display_name")) or login
    if not login:
        return None
    return ImportedAuthor(login, " ".join(name.split()), _text(element, "wp:author_description"))


def _offset(local: str, gmt: str) -> timedelta | None:
    try:
        difference = datetime.fromisoformat(local) - datetime.fromisoformat(gmt)
    except ValueError:
        return None
    return timedelta(minutes=round(difference.total_seconds() / 900) * 15)  # zones differ by quarter hours


@dataclass(frozen=True)
class _Links:
    """Where each post of the export will be: a link to its old URL (or to ?p=ID) becomes a relative
    link to its new file, which the build checks and turns into its new URL."""

    by_path: dict[str, str]  # old URL's path -> file under content/
    by_id: dict[str, str]  # post id -> file under content/
    hosts: frozenset[str]  # the old site's

    @classmethod
    def of(cls, stories: list[tuple[str, str, str, str, str, str]], zone: tzinfo) -> "_Links":
        by_path, by_id, hosts = {}, {}, set()
        for post_id, link, post_type, local, gmt, slug in stories:
            date = _date(local, gmt, zone)
            if date is None and post_type == "post":
                continue
            target = planned_file("article" if post_type == "post" else "page", date, slug)
            by_id[post_id] = target
            if link:
                hosts.add(urlsplit(link).netloc.lower())
                old = alias_path(link)
                if old is not None:
                    by_path[old] = target
        return cls(by_path, by_id, frozenset(hosts))

    def rewrite(self, markdown: str, own: str) -> str:
        def one(match: re.Match[str]) -> str:
            url = match.group(1)
            parts = urlsplit(url)
            if parts.netloc.lower() not in self.hosts:
                return match.group(0)
            post = re.fullmatch(r"(?:p|page_id)=(\d+)", parts.query or "")
            target = self.by_id.get(post.group(1)) if post else self.by_path.get(alias_path(url) or "")
            if target is None:
                return match.group(0)
            relative = posixpath.relpath(target, posixpath.dirname(own))
            return f"]({relative}{'#' + parts.fragment if parts.fragment else ''})"

        return re.sub(r"\]\(\s*<?(https?://[^)\s>]+)>?\)", one, markdown)


def _slug(element: Element) -> str:
    title = " ".join(unescape(_text(element, "title")).split())
    return slugify(unquote(_text(element, "wp:post_name"))) or slugify(title) or f"post-{_text(element, 'wp:post_id')}"


def _item(element: Element, attachments: dict[str, _Attachment], zone: tzinfo, zone_guessed: bool,
          links: _Links) -> Iterator[Found]:
    post_type = _text(element, "wp:post_type") or "post"
    title = " ".join(unescape(_text(element, "title")).split())
    link = _text(element, "link")
    origin = f"{title or '(untitled)'!r} ({link or 'post ' + _text(element, 'wp:post_id')})"
    if post_type in _NOT_CONTENT:
        return
    if post_type not in ("post", "page"):
        yield Skip(origin, f"a {post_type}, not a post or page")
        return
    comments = sum(_text(c, "wp:comment_approved") == "1" for c in _children(element, "wp:comment"))
    if comments:
        yield Comments(comments)
    status = _text(element, "wp:status")
    if status in ("trash", "auto-draft", "inherit"):
        yield Skip(origin, "in the trash" if status == "trash" else f"status {status}")
        return
    notices: list[Notice] = []

    def warn(message: str) -> None:
        notices.append(Notice(message, origin))

    if not title:
        title = "Untitled"
        warn("has no title: imported as \u201cUntitled\u201d")
    gmt, local = _text(element, "wp:post_date_gmt"), _text(element, "wp:post_date")
    date = _date(local, gmt, zone)
    if date is None and post_type == "post":
        yield Notice(f"cannot read its date ({gmt or local or 'none'}); not imported", origin, skipped=True)
        return
    if gmt in _NO_DATE and post_type == "post" and zone_guessed:
        warn(f"has no UTC date and the export none to learn the offset from: {local} read in {zone}")

    draft, note = False, ""
    if status in ("draft", "pending"):
        draft, note = True, "draft"
    elif status == "private":
        draft, note = True, "draft"
        warn("is private on WordPress: imported as a draft")
    elif status == "future":
        note = "scheduled"
    elif status != "publish":
        draft, note = True, "draft"
        warn(f"has the status {status!r}: imported as a draft")
    if _text(element, "wp:post_password"):
        draft, note = True, "draft"
        warn("is password-protected on WordPress: imported as a draft, since a built page has no password")

    slug = _slug(element)
    category, tags = None, []
    for tag in _children(element, "category"):
        name = " ".join(unescape(tag.text or "").split())
        if not name:
            continue
        if tag.get("domain") == "category":
            if tag.get("nicename") == "uncategorized" or name.lower() == "uncategorized":
                continue  # WordPress's default, not a section anyone chose
            if category is None:
                category = name
            elif name not in tags:
                tags.append(name)  # a second category: kept, as a tag
        elif tag.get("domain") == "post_tag" and name not in tags:
            tags.append(name)

    meta = _postmeta(element)
    image = image_alt = image_caption = None
    thumbnail = meta.get("_thumbnail_id")
    if thumbnail:
        found = attachments.get(thumbnail)
        if found is None or not found.url:
            warn(f"its featured image (attachment {thumbnail}) is not in the export; left out")
        else:
            image, image_alt, image_caption = found.url, found.alt, found.caption or None
            if not found.alt:
                warn(f"its featured image {found.url} has no alt text on WordPress: add `image_alt` "
                     "saying what it shows (it is imported as decoration, image_alt: \"\")")

    body = html.Body(warn)
    text = _shortcodes(_blocks(_text(element, "content:encoded"), body), attachments, body)
    if "<!-- wp:" not in _text(element, "content:encoded"):
        text = html.autop(text, body)
    markdown = html.to_markdown(text, body).replace(_MORE, "<!-- more -->")
    markdown = links.rewrite(markdown, planned_file("article" if post_type == "post" else "page", date, slug))
    excerpt = html.plain_text(_text(element, "excerpt:encoded")) or None

    aliases = []
    old = alias_path(link) if link else None
    if old is not None and old != "/":
        reserved = _reserved(old)
        if reserved:
            warn(f"its old address {old} would be {reserved} on the new site: no redirect is made from it")
        else:
            aliases.append(old)
    yield from notices
    yield Item(
        kind="article" if post_type == "post" else "page", title=title, slug=slug, body=markdown,
        date=date, origin=origin, draft=draft, authors=tuple(filter(None, [_text(element, "dc:creator")])),
        category=category, tags=tuple(tags), summary=excerpt, image=image, image_alt=image_alt,
        image_caption=image_caption, aliases=tuple(aliases), weight=_int(_text(element, "wp:menu_order")),
        note=note)


def _date(local: str, gmt: str, zone: tzinfo) -> datetime | None:
    """The UTC date given the offset WordPress wrote the local one in: the moment and the clock
    the old site showed. Without a UTC date (a draft), the local one in the export's usual offset."""
    try:
        if gmt not in _NO_DATE:
            utc = datetime.fromisoformat(gmt).replace(tzinfo=timezone.utc)
            offset = _offset(local, gmt) if local not in _NO_DATE else None
            return utc.astimezone(timezone(offset)) if offset is not None else utc
        if local not in _NO_DATE:
            return datetime.fromisoformat(local).replace(tzinfo=zone)
    except ValueError:
        return None
    return None


def _int(text: str) -> int:
    return int(text) if text.lstrip("-").isdigit() else 0


# The first segments of the addresses Broadsheet makes itself: an old URL there cannot redirect.
_OURS = {"tags", "sections", "authors", "archive", "corrections", "page", "theme", "feed.xml", "atom.xml",
         "sitemap.xml", "news-sitemap.xml", "robots.txt", "404.html", "_redirects"}


def _reserved(path: str) -> str:
    first = path.strip("/").split("/", 1)[0]
    if first in _OURS:
        return f"one of Broadsheet's own pages (/{first}/...)"
    if re.fullmatch(r"/\d{4}/(?:\d{2}/(?:\d{2}/)?)?", path):
        return "a date archive page"
    return ""


# --- Gutenberg blocks and shortcodes -----------------------------------------------------------

_MORE = "BSIMPORTMOREX"
_BLOCK_COMMENT = re.compile(r"<!--\s*/?wp:[^>]*?-->")
_SHORTCODE = re.compile(r"\[(\[?)(caption|wp_caption|embed|youtube|vimeo|gallery|audio|video|playlist|code|"
                        r"sourcecode)\b([^\]]*)\](?:(.*?)\[/\2\])?(\]?)", re.S | re.I)
_ATTRIBUTE = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|(\S+))""")
_OTHER_SHORTCODE = re.compile(r"\[([a-z][a-z0-9_-]*)(?:\s+[^\]]*?=[^\]]*)?\](?:[^\[]*\[/\1\])?")


def _blocks(text: str, body: html.Body) -> str:
    """Gutenberg's block comments go (the HTML between them is the content); `more` stays a marker."""
    text = re.sub(r"<!--\s*more\b[^>]*-->", f"\n\n<p>{_MORE}</p>\n\n", text)
    text = re.sub(r"<!--\s*nextpage\s*-->", "", text)
    # A block of raw HTML or a shortcode block holds what it says: its comment is all that goes.
    return _BLOCK_COMMENT.sub("", text)


def _shortcodes(text: str, attachments: dict[str, _Attachment], body: html.Body) -> str:
    def one(match: re.Match[str]) -> str:
        if match.group(1) and match.group(5):  # [[caption]]: WordPress's escape for the text itself
            return match.group(0)[1:-1]
        name, attributes, inner = match.group(2).lower(), _attributes(match.group(3)), match.group(4) or ""
        if name in ("caption", "wp_caption"):
            return _caption(inner, attributes, body)
        if name in ("embed", "youtube", "vimeo"):
            bare = match.group(3).strip().lstrip("=").strip()  # [youtube https://...] or [youtube=https://...]
            url = inner.strip() or attributes.get("url", "") or attributes.get("src", "") \
                or (bare if re.match(r"(?:https?:)?//|[\w-]+$", bare) else "")
            if name == "youtube" and url and "/" not in url:
                url = f"https://www.youtube.com/watch?v={url}"
            if name == "vimeo" and url.isdigit():
                url = f"https://vimeo.com/{url}"
            if not url:
                body.warn(f"a [{name}] without an address was left out")
                return ""
            return body.embed(url)
        if name in ("audio", "video"):
            url = attributes.get("src") or next((v for k, v in attributes.items() if k in (
                "mp3", "m4a", "ogg", "wav", "mp4", "m4v", "webm", "ogv", "wmv", "flv")), "")
            if not url:
                body.warn(f"an [{name}] without a file was left out")
                return ""
            return body.embed(url, html.plain_text(inner))
        if name == "gallery":
            ids = [i.strip() for i in attributes.get("ids", "").split(",") if i.strip()]
            made = []
            for number in ids:
                found = attachments.get(number)
                if found is None:
                    body.warn(f"image {number} of a [gallery] is not in the export; left out")
                    continue
                if not found.alt:
                    body.warn(f"image {found.url} of a [gallery] has no alt text; add it to the Markdown")
                made.append(body.figure(found.url, found.alt, found.caption))
            if not ids:
                body.warn("a [gallery] of the post's attached images was left out: the export does not say "
                          "which they are; add them as images")
            return "".join(made)
        if name == "playlist":
            body.warn("a [playlist] was left out: add its recordings as @[audio](...) embeds")
            return ""
        # [code] and [sourcecode]: a syntax highlighter plugin's blocks, as a code block.
        language = attributes.get("language") or attributes.get("lang") or attributes.get("") or ""
        code = unescape(inner.strip("\n"))
        fence = "```" if "```" not in code else "~~~~"
        return body.token(f"{fence}{language.strip('=')}\n{code}\n{fence}")

    text = _SHORTCODE.sub(one, text)
    for other in sorted({m.group(1) for m in _OTHER_SHORTCODE.finditer(text)}):
        body.warn(f"the shortcode [{other}] is not known to the importer and is left as text; "
                  "replace it by hand")
    return text


def _attributes(text: str) -> dict[str, str]:
    found = {m.group(1).lower(): next(g for g in m.groups()[1:] if g is not None) for m in _ATTRIBUTE.finditer(text)}
    bare = _ATTRIBUTE.sub("", text).strip()
    if bare:
        found[""] = bare  # [youtube https://...] or [youtube=https://...]
    return found


def _caption(inner: str, attributes: dict[str, str], body: html.Body) -> str:
    """[caption]<a href><img ...></a> The words[/caption]: a figure."""
    image = re.search(r"<img\b[^>]*>", inner, re.I)
    if image is None:
        return inner
    caption = html.plain_text(re.sub(r"<a\b[^>]*>\s*<img\b[^>]*>\s*</a>|<img\b[^>]*>", "", inner, flags=re.I)) \
        or html.plain_text(attributes.get("caption", ""))
    tag = _attributes(image.group(0)[4:-1].rstrip("/"))
    return body.figure(tag.get("src", ""), tag.get("alt", ""), caption)

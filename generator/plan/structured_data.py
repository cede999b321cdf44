"""Structured data (schema.org as JSON-LD) for article pages, the front page and author pages.

Built as Python objects and serialized with json.dumps, never assembled as text in a template;
then escaped so that no value can end the <script> element it is printed in (`</script>`,
`<!--`) or break a line of JavaScript (U+2028, U+2029). Templates print the result as it is.

What each page's structured data reads must be in its fingerprint (render.py): an article's
fields and how its bylines, section and tags are shown are in its digest; the site's settings
(publisher, section_types, language, time zone) in the global key; an author's entry in the
author list's digest.
"""

from __future__ import annotations

import json
from datetime import datetime, tzinfo
from typing import Any
from urllib.parse import urlsplit

from ..model.site import Term
from ..read.content import Article
from ..read.markup import plain_text
from ..urls import slugify
from .views import ArticleTeaser, AuthorRef, Views

JSON = dict[str, Any]

CONTEXT = "https://schema.org"
DEFAULT_ARTICLE_TYPE = "NewsArticle"

# After json.dumps, which leaves these as they are: inside a JSON string each escape reads back
# as the same character, and outside one they never occur. (One str.replace each: str.translate
# with a table would take eight times as long, a second over 10,000 articles.)
_SCRIPT_SAFE = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                ("\u2029", "\\u2029"))


# What json.dumps(data, ensure_ascii=False, separators=(",", ":")) uses, made once: given options,
# json.dumps makes a new encoder on every call, once per page.
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def script_text(data: JSON) -> str:
    """data as JSON that can stand between <script type="application/ld+json"> and </script>
    whatever its values hold. Other characters stay as they are (curly quotes, accents)."""
    text = _ENCODE(data)
    for char, escape in _SCRIPT_SAFE:
        if char in text:
            text = text.replace(char, escape)
    return text


def iso_datetime(value: datetime, zone: tzinfo) -> str:
    """ISO 8601 with the site's UTC offset on that date (summer time included), to the second."""
    return value.astimezone(zone).isoformat(timespec="seconds")


def plain(text: str) -> str:
    """Text as Unicode characters: text given as HTML (Markup) loses its tags and entities."""
    if hasattr(text, "__html__"):
        return plain_text(str(text.__html__()))
    return str(text)


def _omit_empty(data: JSON) -> JSON:
    """Without the properties that have no value (no image, no section, no tags)."""
    # The same test as `value not in (None, "", [], ())` for the values given here (None, text,
    # lists, tuples, dicts, True), without comparing each value with four others.
    return {key: value for key, value in data.items()
            if value is not None and (value or not isinstance(value, (str, list, tuple)))}


class StructuredData:
    """Each page's JSON-LD. The publisher is worked out once, each author's profile once."""

    def __init__(self, views: Views):
        self._views = views
        self._config = config = views.site.config
        self._zone = config.tz
        self._section_types = {slugify(name): kind for name, kind in config.section_types}
        self._publisher = self._publisher_data()
        self._profiles: dict[str, str] = {}  # by author key
        # Each byline's Person entries, by the names as articles give them: a few dozen bylines
        # on thousands of articles. (Shared lists are fine: json only reads them.)
        self._bylines: dict[tuple[str, ...], list[JSON]] = {}

    def article_type(self, article: Article) -> str:
        """The article's own schema_type, else its section's (section_types), else NewsArticle."""
        if article.schema_type:
            return article.schema_type
        if article.category:
            return self._section_types.get(slugify(article.category), DEFAULT_ARTICLE_TYPE)
        return DEFAULT_ARTICLE_TYPE

    def article(self, article: Article) -> str:
        """NewsArticle (or the type asked for) for the article's page."""
        views, config = self._views, self._config
        shown = views.teaser(article)
        return script_text(_omit_empty({
            "@context": CONTEXT,
            "@type": self.article_type(article),
            "headline": plain(shown.title),
            "description": plain(shown.summary_text),
            "url": shown.abs_url,
            "mainEntityOfPage": shown.abs_url,
            "datePublished": iso_datetime(article.date, self._zone),
            "dateModified": iso_datetime(article.updated, self._zone) if article.updated else None,
            "author": self._byline(article, shown),
            "publisher": self._publisher,
            "image": self._images(article),
            "articleSection": shown.section.name if shown.section else None,
            "keywords": [tag.name for tag in shown.tags],
            "inLanguage": config.language,
            "isAccessibleForFree": True,
        }))

    def _images(self, article: Article) -> list[str] | None:
        """The lead image's 16:9, 4:3 and 1:1 crops (Google asks for the three), when it has share
        cards; else the image itself, as given."""
        views = self._views
        if article.share_cards is not None:
            return [views.absolute(crop.url) for crop in article.share_cards.structured]
        return [views.absolute(article.image)] if article.image else None

    def front_page(self) -> str:
        """The site (WebSite) and who publishes it, as one graph."""
        config = self._config
        website = _omit_empty({
            "@type": "WebSite",
            "@id": config.base_url + "#website",
            "name": config.title,
            "url": config.base_url,
            "inLanguage": config.language,
            "description": config.description,
            "publisher": {"@id": self._publisher["@id"]},
        })
        return script_text({"@context": CONTEXT, "@graph": [website, self._publisher]})

    def author_page(self, term: Term) -> str:
        """ProfilePage whose main entity is the author, with what authors.yaml says of them."""
        known = self._profiles.get(term.key)
        if known is None:
            known = self._profiles[term.key] = script_text({
                "@context": CONTEXT, "@type": "ProfilePage", "mainEntity": self._profile_person(term)})
        return known

    def _publisher_data(self) -> JSON:
        config, publisher = self._config, self._config.publisher
        logo = publisher.logo  # an absolute URL, or a file under content/ (config.py checks it is there)
        if logo and not urlsplit(logo).scheme:
            logo = self._views.urls.absolute(logo)
        return _omit_empty({
            "@type": publisher.type,
            "@id": config.base_url + "#publisher",
            "name": config.publisher_name,
            "url": config.base_url,
            "logo": {"@type": "ImageObject", "url": logo} if logo else None,
        })

    def _byline(self, article: Article, shown: ArticleTeaser) -> list[JSON]:
        people = self._bylines.get(article.authors)
        if people is None:
            people = self._bylines[article.authors] = [self._byline_person(ref) for ref in shown.authors]
        return people

    def _byline_person(self, ref: AuthorRef) -> JSON:
        return _omit_empty({"@type": "Person", "name": ref.name, "url": self._views.absolute(ref.url),
                            "jobTitle": ref.role})

    def _profile_person(self, term: Term) -> JSON:
        views = self._views
        author = views.author(term)
        return _omit_empty({
            "@type": "Person",
            "name": author.name,
            "url": views.absolute(author.url),
            "jobTitle": author.role,
            "description": plain_text(str(author.bio_html)),
            "image": views.absolute(author.photo_url) if author.photo_url else None,
            "sameAs": [url for url in dict.fromkeys((author.website, *(link.url for link in author.links))) if url],
        })

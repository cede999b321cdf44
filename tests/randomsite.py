"""A random news site and an editor's random edits to it, for tests/test_never_stale.py.

NewsSite.generate(rng, articles, newsroom) makes a model of every source file of a site:
config.yaml, authors.yaml, the articles under content/ (in a few folders), a few pages and the
authors' photos. write(root) writes the files whose text differs from what is on disk (and
removes the deleted ones), so that a file nobody edited keeps its times. edit_round(root)
makes one to three edits, writes them and says what it did.

The site stays valid whatever the edits: a build of it must succeed. What could make it
invalid is kept out by construction:

- Links between articles point only at *anchors*, a fixed set of articles that stay published
  and in the past: never made drafts, dated in the future or deleted. Anchors are never
  renamed, so a relative link's path stays right; they may move to another URL (a new date,
  a new section with a permalink that holds the category), which the linking pages must follow.
- Every article has a slug of its own (its number is in it), so no two share a URL.
- `updated` and corrections are dated after the article's day and before today; a date move
  re-dates them, or drops them from an article moved into the future.
- Past dates are at least three days before the real clock, future ones at least twenty days
  after it (a build's `now` is the real clock: no article may come out between the
  incremental and the cold build of a round). A tenth of the articles are *recent*: dated
  (with a time) between 1 and 46 hours before the clock, in the news sitemap's 48 hours,
  which none of them enters or leaves while the test runs; edits move articles into and out
  of those hours (a new date, a draft, a deletion) and retitle those in them.

newsroom=False leaves out what today's generator does not know yet: the `sections` setting
(an unknown setting is an error), authors.yaml and `corrections`.
"""

from __future__ import annotations

import json
import os
import random
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

SECTIONS = ["News", "Sport", "Opinion", "Business", "Culture", "Local"]
NEW_SECTIONS = ["Science", "Weather", "Travel", "Letters", "Investigations"]
CONFIG_SECTIONS = ["News", "Sport", "Opinion"]

# Each tag with the spellings editors use for it (they share one tag page: /tags/<slug>/).
TAGS = [
    ["NATO", "nato", "Nato"], ["City Council", "city council", "City council"], ["Flooding", "flooding"],
    ["Budget"], ["Transport", "transport"], ["Rail & Bus", "rail bus"], ["Schools"], ["Health"],
    ["NHS", "nhs"], ["Housing", "housing"], ["Elections", "elections", "ELECTIONS"], ["Ukraine"],
    ["Україна"], ["Football", "football"], ["Cricket"], ["Climate", "climate"], ["Police"],
    ["Courts", "courts"], ["Jobs"], ["Arts"], ["Music", "music"], ["Weather"],
    ["Café Culture", "Cafe Culture", "café culture"], ["Council's Plans"], ["Energy", "energy"],
]

# id -> profile, as in authors.yaml. Photos are paths under content/ (SVGs written there).
AUTHORS = {
    "grace": {"name": "Grace Adeyemi", "role": "Political editor", "bio": "Covers **the council**.",
              "x": "@gadeyemi", "photo": "img/authors/grace.svg"},
    "tom": {"name": "Tom Ellery", "role": "Transport correspondent"},
    "priya": {"name": "Priya Shah", "role": "Health reporter", "bio": "Writes about the *NHS* and care homes.",
              "email": "priya@example.org", "mastodon": "@priya@mastodon.social"},
    "sam": {"name": "Sam Okafor", "role": "Sports editor", "url": "https://example.org/sam",
            "bluesky": "samokafor.bsky.social", "photo": "img/authors/sam.svg"},
    "li": {"name": "Li Wei", "role": "Business reporter", "linkedin": "https://www.linkedin.com/in/liwei"},
}
# Authors an edit may add; Jo Bloggs and Staff Reporter are also written as plain names before.
MORE_AUTHORS = {
    "jo": {"name": "Jo Bloggs", "role": "Courts reporter"},
    "staff": {"name": "Staff Reporter"},
    "ana": {"name": "Ana Ruiz", "role": "Culture critic", "bio": "Reviews theatre, music and *food*.",
            "photo": "img/authors/ana.svg"},
    "dev": {"name": "Dev Patel", "role": "Data journalist", "x": "@devdata"},
}
UNKNOWN_NAMES = ["Jo Bloggs", "Staff Reporter", "Agency Wire", "Freelance Contributor", "Mira Novak"]
ROLES = ["Chief reporter", "Deputy editor", "Education correspondent", "Night editor", "Senior writer"]
BIOS = ["Has covered the city since 2009.", "Writes about **money** and power.", "Formerly at the *Courier*.",
        "Tips: write to the newsdesk.", "Covers courts, crime and the police."]
RENAMES = {"Grace Adeyemi": "Grace Adeyemi-Stone", "Tom Ellery": "Thomas Ellery", "Priya Shah": "Priya S. Shah",
           "Sam Okafor": "Samuel Okafor", "Li Wei": "Wei Li"}

FOLDERS = ["news", "sport", "opinion", "2021", "archive/2019"]
PAGES = {  # slug -> (title, weight); slugs that no section, tag or article could take
    "about": ("About us", 1), "contact": ("Contact the newsdesk", 2), "ethics": ("Our editorial code", None),
}

SUBJECTS = ["Council", "Mayor", "Rail operator", "Hospital trust", "City's schools", "Police", "Residents",
            "United", "Chancellor", "Flood agency", "Bus company", "Local traders", "Museum", "Theatre"]
VERBS = ["approves", "rejects", "delays", "backs", "warns over", "cuts", "unveils", "defends", "scraps",
         "doubles", "reviews", "questions"]
OBJECTS = ["£2m flood defences", "new bus lanes", "school closures", "stadium plan", "budget: what it means",
           "'radical' housing scheme", "rail timetable -- again", "night-time levy", "£0.5m repair bill",
           "cycle lanes", "parking charges", "summer festival", "library hours", "the \"green\" deal"]
WORDS = ("the council said on Tuesday that its plan for the river would cost more than expected and "
         "residents who live near the station told us they had not been asked about it while officers "
         "argued that the money was already in the budget a spokesperson for the trust said figures would "
         "be published next month and campaigners called the decision a setback for the town").split()
CORRECTIONS = ["We misstated the figure. It was **£0.5m**.", "An earlier version gave the wrong date of the vote.",
               "We misspelt the name of the *ward councillor*.", "The photo caption named the wrong bridge.",
               "This article said the scheme was approved; it was deferred."]


# --- dates ----------------------------------------------------------------------------------------

@dataclass
class When:
    """A date as written: its wall time, the offset written with it (None: the site's time zone)
    and how it is written."""

    local: datetime  # naive
    offset: timedelta | None
    style: str  # "date", "minutes", "seconds" (no offset); "iso", "space", "hours", "zulu"

    def instant(self, tz: ZoneInfo) -> datetime:
        if self.offset is None:
            return self.local.replace(tzinfo=tz)
        return self.local.replace(tzinfo=timezone(self.offset))

    def text(self) -> str:
        d = self.local
        if self.style == "date":
            return d.strftime("%Y-%m-%d")
        if self.style == "minutes":
            return d.strftime("%Y-%m-%d %H:%M")
        if self.style == "seconds":
            return d.strftime("%Y-%m-%d %H:%M:%S")
        assert self.offset is not None
        minutes = int(self.offset.total_seconds()) // 60
        sign = "-" if minutes < 0 else "+"
        hh, mm = divmod(abs(minutes), 60)
        if self.style == "zulu":
            return d.strftime("%Y-%m-%dT%H:%M:%SZ")
        if self.style == "iso":
            return d.strftime("%Y-%m-%dT%H:%M:%S") + f"{sign}{hh:02d}:{mm:02d}"
        if self.style == "space":
            return d.strftime("%Y-%m-%d %H:%M:%S") + f" {sign}{hh:02d}{mm:02d}"
        assert self.style == "hours" and mm == 0
        return d.strftime("%Y-%m-%d %H:%M:%S") + f" {sign}{hh}"


OFFSETS = [timedelta(hours=h) for h in (-5, -3, 0, 1, 2, 9)] + [timedelta(hours=5, minutes=30)]


def written_as(rng: random.Random, instant: datetime, tz: ZoneInfo, with_time: bool = True) -> When:
    """The instant written one of the ways an editor writes a date."""
    styles = ["minutes", "seconds", "iso", "space", "hours", "zulu"] + (["date"] if not with_time else [])
    style = rng.choice(styles)
    if style in ("date", "minutes", "seconds"):
        local = instant.astimezone(tz).replace(tzinfo=None)
        if style == "date":
            local = datetime.combine(local.date(), time())
        elif style == "minutes":
            local = local.replace(second=0)
        return When(local, None, style)
    offset = timedelta(0) if style == "zulu" else rng.choice(
        [o for o in OFFSETS if style != "hours" or o.total_seconds() % 3600 == 0])
    return When(instant.astimezone(timezone(offset)).replace(tzinfo=None), offset, style)


# --- the model ------------------------------------------------------------------------------------

@dataclass
class Article:
    number: int
    folder: str
    filename: str
    title: str
    date: When
    slug_field: str | None = None  # `slug:` in the front matter, when the file name does not give it
    updated: date | None = None
    authors: list[str] = field(default_factory=list)
    author_style: str = "author"  # "author" (one name or a comma-separated text), "authors" (a list)
    tags: list[str] = field(default_factory=list)
    tag_style: str = "list"  # "list" or "comma"
    category: str | None = None
    category_key: str = "category"  # or "categories" (a list; the first one counts)
    summary: str | None = None
    draft: bool = False
    draft_key: str = "draft"  # or "published" (published: false)
    corrections: list[tuple[date, str]] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)  # links to anchors as @@link:N@@
    more: bool = False  # a <!-- more --> line after the first paragraph
    image: bool = False
    image_caption: str | None = None  # with image: under it, with "Photo: <credit>"
    image_credit: str | None = None
    image_focus: str | None = None  # with image: where its share cards are centred, as written
    anchor: bool = False  # a link target: always published and in the past
    aliases: list[str] = field(default_factory=list)  # old URLs: a redirect page at each

    @property
    def path(self) -> str:
        return f"content/{self.folder}/{self.filename}"


@dataclass
class Page:
    slug: str
    title: str
    weight: int | None
    paragraphs: list[str]


class NewsSite:
    def __init__(self, rng: random.Random, newsroom: bool, now: datetime):
        self.rng = rng
        self.newsroom = newsroom
        self.now = now
        self.timezone = rng.choice(["UTC", "UTC", "Europe/London"])
        self.tz = ZoneInfo(self.timezone)
        self.per_page = 3
        self.permalink = rng.choice([None, None, "/{category}/{year}/{month}/{slug}/"])
        self.articles: dict[int, Article] = {}
        self.pages: dict[str, Page] = {}
        self.authors: dict[str, dict[str, str]] = {k: dict(v) for k, v in AUTHORS.items()} if newsroom else {}
        self.next_number = 1
        self.anchors: list[int] = []
        self.photo_version = 0  # the raster photo some articles show: repaint_photo changes its bytes

    # --- generation -------------------------------------------------------------------------------

    @classmethod
    def generate(cls, rng: random.Random, articles: int = 100, newsroom: bool = True,
                 now: datetime | None = None) -> "NewsSite":
        site = cls(rng, newsroom, now or datetime.now(timezone.utc))
        for _ in range(articles):
            site.new_article()
        # Anchors: published articles in the past, to link to.
        candidates = [a for a in site.articles.values() if not a.draft and not site.is_future(a)]
        for a in rng.sample(candidates, min(12, len(candidates))):
            a.anchor = True
            site.anchors.append(a.number)
        for a in site.articles.values():
            if rng.random() < 0.3:
                site.add_link(a)
        for slug, (title, weight) in PAGES.items():
            paragraphs = [site.sentence(12)]
            if slug == "about":
                paragraphs.append(f"Read [our first report](@@link:{rng.choice(site.anchors)}@@) and "
                                  "[how to reach us](contact.md).")
            site.pages[slug] = Page(slug, title, weight, paragraphs)
        return site

    def sentence(self, words: int) -> str:
        start = self.rng.randrange(len(WORDS))
        picked = [WORDS[(start + i) % len(WORDS)] for i in range(words)]
        text = " ".join(picked)
        decoration = self.rng.random()
        if decoration < 0.15:
            i = self.rng.randrange(len(picked))
            picked[i] = f"**{picked[i]}**"
            text = " ".join(picked)
        elif decoration < 0.25:
            text += ' -- or so "they" said...'
        elif decoration < 0.3:
            text += " ([the report](https://example.com/report.pdf))"
        elif decoration < 0.35:
            text += ". It's the council's *second* try"
        return text[0].upper() + text[1:] + "."

    def paragraph(self) -> str:
        kind = self.rng.random()
        if kind < 0.08:
            return "\n".join(f"- {self.sentence(self.rng.randint(3, 7))}" for _ in range(self.rng.randint(2, 4)))
        if kind < 0.14:
            return f"## {self.sentence(4)[:-1]}"
        if kind < 0.2:
            return f"> {self.sentence(10)}"
        return " ".join(self.sentence(self.rng.randint(6, 16)) for _ in range(self.rng.randint(1, 4)))

    def title(self) -> str:
        return f"{self.rng.choice(SUBJECTS)} {self.rng.choice(VERBS)} {self.rng.choice(OBJECTS)}"

    def past_instant(self) -> datetime:
        """Between 2019 and three days ago."""
        start = datetime(2019, 1, 1, tzinfo=timezone.utc)
        end = min(self.now - timedelta(days=3), datetime(2025, 12, 31, tzinfo=timezone.utc))
        seconds = self.rng.randrange(int((end - start).total_seconds()))
        return start + timedelta(seconds=seconds)

    def recent_instant(self) -> datetime:
        """Between 46 hours and 1 hour ago: in the news sitemap's 48 hours, well within them."""
        return self.now - timedelta(seconds=self.rng.randrange(3600, 46 * 3600))

    def is_recent(self, instant: datetime) -> bool:
        return self.now - timedelta(hours=46, minutes=1) <= instant <= self.now - timedelta(hours=1)

    def future_instant(self) -> datetime:
        return self.now + timedelta(days=self.rng.randint(20, 700), seconds=self.rng.randrange(86400))

    def is_future(self, a: Article) -> bool:
        return a.date.instant(self.tz) > self.now

    def published(self, a: Article) -> bool:
        return not a.draft and not self.is_future(a)

    def today(self) -> date:
        return self.now.astimezone(self.tz).date()

    def random_authors(self) -> list[str]:
        def one() -> str:
            roll = self.rng.random()
            known = list(self.authors) or list(AUTHORS)
            if roll < 0.35:
                return self.rng.choice(known)  # by id
            if roll < 0.75:
                return (self.authors.get(self.rng.choice(known)) or AUTHORS[self.rng.choice(list(AUTHORS))])["name"]
            return self.rng.choice(UNKNOWN_NAMES)
        roll = self.rng.random()
        count = 0 if roll < 0.12 else 1 if roll < 0.75 else 2 if roll < 0.95 else 3
        names: list[str] = []
        for _ in range(count):
            name = one()
            if name not in names:
                names.append(name)
        return names

    def random_tags(self) -> list[str]:
        picked = self.rng.sample(TAGS, self.rng.randint(0, 5))
        tags = [self.rng.choice(spellings) for spellings in picked]
        if tags and self.rng.random() < 0.03:  # the same tag twice, spelt two ways
            spellings = next((s for s in picked if len(s) > 1), None)
            if spellings:
                tags.append(next(s for s in spellings if s not in tags))
        return tags

    def new_article(self) -> Article:
        rng = self.rng
        n = self.next_number
        self.next_number += 1
        roll = rng.random()
        future, recent = roll < 0.05, 0.05 <= roll < 0.15
        instant = self.future_instant() if future else self.recent_instant() if recent else self.past_instant()
        # A recent date keeps its time: a bare date (midnight) could fall near the 48 hours' edge.
        when = written_as(rng, instant, self.tz, with_time=rng.random() < 0.6 or recent)
        slug = f"{rng.choice(WORDS)}-{rng.choice(WORDS)}-{n}"
        folder = rng.choice(FOLDERS)
        roll = rng.random()
        if roll < 0.5:
            filename, slug_field = f"{when.local:%Y-%m-%d}-{slug}.md", None
        elif roll < 0.85:
            filename, slug_field = f"{slug}.md", None
        else:
            filename, slug_field = f"story-{n}.md", slug
        a = Article(n, folder, filename, self.title(), when, slug_field=slug_field)
        a.authors = self.random_authors()
        a.author_style = "authors" if len(a.authors) > 1 and rng.random() < 0.7 else "author"
        a.tags = self.random_tags()
        a.tag_style = rng.choice(["list", "list", "comma"])
        a.category = rng.choice(SECTIONS) if rng.random() < 0.8 else None
        a.category_key = "categories" if rng.random() < 0.15 else "category"
        a.summary = self.sentence(rng.randint(8, 20)) if rng.random() < 0.3 else None
        a.draft = rng.random() < 0.1
        a.draft_key = "published" if rng.random() < 0.2 else "draft"
        a.paragraphs = [" ".join(self.sentence(rng.randint(6, 14)) for _ in range(2))]
        a.paragraphs += [self.paragraph() for _ in range(rng.randint(1, 5))]
        a.more = a.summary is None and rng.random() < 0.15 and len(a.paragraphs) > 1
        a.image = rng.random() < 0.05
        if not future and rng.random() < 0.15:
            a.updated = self.day_after(a, a.date.local.date())
        if self.newsroom and not future and rng.random() < 0.12:
            for _ in range(rng.randint(1, 2)):
                self.correct(a)
        self.articles[n] = a
        return a

    def day_after(self, a: Article, after: date) -> date | None:
        """A day after both `after` and the article's own day, before today; None if there is none."""
        first = max(after, a.date.local.date(), a.date.instant(self.tz).astimezone(self.tz).date()) + timedelta(days=1)
        last = self.today() - timedelta(days=1)
        if first > last:
            return None
        return first + timedelta(days=self.rng.randint(0, min(400, (last - first).days)))

    def correct(self, a: Article) -> date | None:
        """A correction dated after the article's day, its `updated` and its other corrections."""
        after = max([a.updated or date.min] + [d for d, _ in a.corrections])
        when = self.day_after(a, after)
        if when is not None:
            a.corrections.append((when, self.rng.choice(CORRECTIONS)))
        return when

    def add_link(self, a: Article) -> None:
        targets = [n for n in self.anchors if n != a.number]
        if not targets:
            return
        target = self.rng.choice(targets)
        label = " ".join(self.rng.sample(WORDS, 3))
        link = f"[{label}](@@link:{target}@@)"
        i = self.rng.randrange(len(a.paragraphs))
        if a.paragraphs[i].startswith(("#", "-")):
            a.paragraphs.append(f"See also {link}.")
        else:
            a.paragraphs[i] += f" See {link}."

    # --- the files --------------------------------------------------------------------------------

    def files(self) -> dict[str, str | bytes]:
        files: dict[str, str | bytes] = {"config.yaml": self.config_text()}
        if self.newsroom:
            files["authors.yaml"] = self.authors_text()
        for a in self.articles.values():
            files[a.path] = self.article_text(a)
        for p in self.pages.values():
            files[f"content/pages/{p.slug}.md"] = self.page_text(p)
        for who in list(AUTHORS) + list(MORE_AUTHORS):
            files[f"content/img/authors/{who}.svg"] = svg(who)
        files["content/img/chart.svg"] = svg("chart")
        files["content/img/photo.jpg"] = photo(self.photo_version)
        return files

    def config_text(self) -> str:
        lines = ["title: Test Gazette", "base_url: https://example.org/", f"timezone: {self.timezone}",
                 "author: Test Desk", f"per_page: {self.per_page}", "feed:", "  items: 5"]
        if self.permalink:
            lines.append(f'permalink: "{self.permalink}"')
        if self.newsroom:
            lines.append(f"sections: [{', '.join(CONFIG_SECTIONS)}]")
            # Search on, in shards of 20 articles: an edit re-indexes its article's shard only.
            lines.extend(["search:", "  shard_size: 20"])
        return "\n".join(lines) + "\n"

    def authors_text(self) -> str:
        out = []
        for who, profile in self.authors.items():
            out.append(f"{who}:")
            out += [f"  {k}: {yaml_text(v)}" for k, v in profile.items()]
        return "\n".join(out) + "\n"

    def link_target(self, a_folder: str, text: str) -> str:
        def path_to(match: re.Match) -> str:
            target = self.articles[int(match.group(1))]
            return os.path.relpath(target.path, f"content/{a_folder}").replace(os.sep, "/")
        return re.sub(r"@@link:(\d+)@@", path_to, text)

    def article_text(self, a: Article) -> str:
        lines = [f"title: {yaml_text(a.title)}", f"date: {a.date.text()}"]
        if a.updated:
            lines.append(f"updated: {a.updated:%Y-%m-%d}")
        if a.authors:
            if a.author_style == "authors":
                lines.append(f"authors: [{', '.join(yaml_text(n) for n in a.authors)}]")
            else:
                lines.append(f"author: {yaml_text(', '.join(a.authors))}")
        if a.tags:
            if a.tag_style == "list":
                lines.append(f"tags: [{', '.join(yaml_text(t) for t in a.tags)}]")
            else:
                lines.append(f"tags: {yaml_text(', '.join(a.tags))}")
        if a.category:
            lines.append(f"categories: [{a.category}]" if a.category_key == "categories"
                         else f"category: {a.category}")
        if a.summary:
            lines.append(f"summary: {yaml_text(a.summary)}")
        if a.slug_field:
            lines.append(f"slug: {a.slug_field}")
        if a.image:
            # Every other article (by its title, not the random draw: the edits stay as they were)
            # shows the raster photo, which has responsive variants, and shows it in its body too.
            picture = "content/img/photo.jpg" if shows_photo(a) else "content/img/chart.svg"
            chart = os.path.relpath(picture, f"content/{a.folder}").replace(os.sep, "/")
            lines += [f"image: {chart}", "image_alt: A chart of the figures"]
            if a.image_caption:
                lines.append(f"image_caption: {yaml_text(a.image_caption)}")
            if a.image_credit:
                lines.append(f"image_credit: {yaml_text(a.image_credit)}")
            if a.image_focus:
                lines.append(f"image_focus: {a.image_focus}")
        if a.draft:
            lines.append("published: false" if a.draft_key == "published" else "draft: true")
        if a.aliases:  # Hugo's key for odd numbers, Jekyll's for even: both are read
            lines.append(f"{'aliases' if a.number % 2 else 'redirect_from'}: [{', '.join(a.aliases)}]")
        if a.corrections and self.newsroom:
            lines.append("corrections:")
            for when, text in a.corrections:
                lines += [f"  - date: {when:%Y-%m-%d}", f"    text: {json.dumps(text, ensure_ascii=False)}"]
        body = [self.link_target(a.folder, p) for p in a.paragraphs]
        if a.more:
            body.insert(1, "<!-- more -->")
        if a.image and shows_photo(a):
            photo_path = os.path.relpath("content/img/photo.jpg", f"content/{a.folder}").replace(os.sep, "/")
            body.append(f'![The scene]({photo_path} "At the scene")')
        return "---\n" + "\n".join(lines) + "\n---\n" + "\n\n".join(body) + "\n"

    def page_text(self, p: Page) -> str:
        lines = [f"title: {yaml_text(p.title)}"] + ([f"weight: {p.weight}"] if p.weight is not None else [])
        body = [self.link_target("pages", text) for text in p.paragraphs]
        return "---\n" + "\n".join(lines) + "\n---\n" + "\n\n".join(body) + "\n"

    def write(self, root: Path) -> None:
        """Write what differs from the files on disk; remove the files of deleted articles."""
        wanted = self.files()
        for name, text in wanted.items():
            data = text.encode("utf-8") if isinstance(text, str) else text
            path = root / name
            if path.is_file() and path.read_bytes() == data:
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        for path in sorted((root / "content").rglob("*.md")):
            if path.relative_to(root).as_posix() not in wanted:
                path.unlink()

    # --- edits ------------------------------------------------------------------------------------

    def edit_round(self, root: Path) -> list[str]:
        """One to three edits, written to root; what each did, in words."""
        done = []
        for _ in range(self.rng.randint(1, 3)):
            while True:
                name, weight = None, self.rng.random() * TOTAL_WEIGHT
                for name, w in EDITS:
                    weight -= w
                    if weight < 0:
                        break
                if name in ("edit_authors_yaml", "add_correction") and not self.newsroom:
                    continue
                said = getattr(self, name)(root)
                if said:
                    done.append(said)
                    break
            self.write(root)  # each edit written as it is made: a touch then sees the file
        return done

    def pick(self, check=lambda a: True) -> Article | None:
        found = [a for a in self.articles.values() if check(a)]
        return self.rng.choice(found) if found else None

    def retitle(self, root: Path) -> str | None:
        a = self.pick()
        old, a.title = a.title, self.title()
        if a.title == old:
            a.title += " (updated)"
        return f"retitle {a.path}: {old!r} -> {a.title!r}"

    def retag(self, root: Path) -> str | None:
        a = self.pick()
        old = list(a.tags)
        how = self.rng.choice(["add", "remove", "respell"] if a.tags else ["add"])
        if how == "add" and len(a.tags) >= 6:
            how = "remove"
        if how == "add":
            present = {t.lower() for t in a.tags}
            spellings = self.rng.choice([s for s in TAGS if s[0].lower() not in present])
            a.tags.insert(self.rng.randint(0, len(a.tags)), self.rng.choice(spellings))
        elif how == "remove":
            a.tags.pop(self.rng.randrange(len(a.tags)))
        else:
            i = self.rng.randrange(len(a.tags))
            group = next((s for s in TAGS if a.tags[i] in s), [a.tags[i]])
            others = [s for s in group if s != a.tags[i]]
            if not others:
                return None
            a.tags[i] = self.rng.choice(others)
        if self.rng.random() < 0.2:
            a.tag_style = "comma" if a.tag_style == "list" else "list"
        return f"retag {a.path}: {old} -> {a.tags} ({how})"

    def move_date(self, root: Path) -> str | None:
        a = self.pick()
        rng, old = self.rng, a.date.text()
        how = rng.choice(["day", "month", "year", "time", "offset", "style", "future" if not a.anchor else "day",
                          "recent"])
        instant = a.date.instant(self.tz)
        if how == "recent":  # into the news sitemap's 48 hours, or to another time in them
            a.date = written_as(rng, self.recent_instant(), self.tz, with_time=True)
        elif how == "time":
            local = a.date.local
            new_local = local.replace(hour=rng.randrange(24), minute=rng.randrange(60),
                                      second=rng.randrange(60) if a.date.style not in ("minutes",) else 0)
            style = a.date.style if a.date.style != "date" else rng.choice(["minutes", "seconds"])
            if style == "minutes":
                new_local = new_local.replace(second=0)
            a.date = When(new_local, a.date.offset, style)
        elif how == "offset":
            if a.date.style == "date":
                a.date = When(a.date.local, a.date.offset, "seconds")  # the same instant, written with a time
            others = [o for o in OFFSETS if o != a.date.offset]
            offset = rng.choice(others)
            style = rng.choice(["iso", "space"] + (["hours"] if offset.total_seconds() % 3600 == 0 else []))
            a.date = When(instant.astimezone(timezone(offset)).replace(tzinfo=None), offset, style)
        elif how == "style":
            a.date = written_as(rng, instant, self.tz, with_time=a.date.style != "date")
        elif how == "future":
            a.date = written_as(rng, self.future_instant(), self.tz, with_time=rng.random() < 0.6)
        else:
            if how == "day":
                new = instant + timedelta(days=rng.choice([-1, 1]) * rng.randint(1, 20))
            elif how == "month":
                new = instant + timedelta(days=rng.choice([-1, 1]) * 30 * rng.randint(1, 6))
            else:
                new = instant + timedelta(days=rng.choice([-1, 1]) * 365 * rng.randint(1, 3))
            if self.is_future(a):
                new = self.past_instant()  # a scheduled article brought back to the past
            latest = self.now - timedelta(days=3)
            if new > latest:
                new = latest - timedelta(days=rng.randint(0, 30))
            keep_time = a.date.style != "date"
            a.date = written_as(rng, new, self.tz, with_time=keep_time) if rng.random() < 0.3 else \
                self.rewritten(a.date, new)
        # No date may come closer than three days to the clock (nothing comes out between builds),
        # but a recent one, well within the news sitemap's 48 hours (a new time of day may take
        # it out of them, or into the future).
        moved = a.date.instant(self.tz)
        if self.now - timedelta(days=3) < moved < self.now + timedelta(days=1) and not self.is_recent(moved):
            a.date = self.rewritten(a.date, self.now - timedelta(days=4))
        if a.anchor and self.is_future(a):
            a.date = self.rewritten(a.date, self.now - timedelta(days=10))
        self.redate_after(a)
        return f"move the date of {a.path} ({how}): {old} -> {a.date.text()}"

    def rewritten(self, when: When, instant: datetime) -> When:
        """instant written in the same style and offset as when."""
        if when.offset is None:
            local = instant.astimezone(self.tz).replace(tzinfo=None)
        else:
            local = instant.astimezone(timezone(when.offset)).replace(tzinfo=None)
        if when.style == "date":
            local = datetime.combine(local.date(), time())
        elif when.style == "minutes":
            local = local.replace(second=0)
        return When(local, when.offset, when.style)

    def redate_after(self, a: Article) -> None:
        """`updated` and corrections stay after the article's day: re-dated, or dropped."""
        if self.is_future(a):
            a.updated, a.corrections = None, []
            return
        day = max(a.date.local.date(), a.date.instant(self.tz).astimezone(self.tz).date())
        if a.updated and a.updated <= day:
            a.updated = self.day_after(a, day)
        fixed = []
        last = day
        for when, text in a.corrections:
            if when <= last:
                when = self.day_after(a, last)
                if when is None:
                    continue
            fixed.append((when, text))
            last = when
        a.corrections = fixed

    def change_section(self, root: Path) -> str | None:
        a = self.pick()
        old = a.category
        roll = self.rng.random()
        if roll < 0.2 and a.category:
            a.category = None
        elif roll < 0.35:
            a.category = self.rng.choice(NEW_SECTIONS)
        elif roll < 0.45 and a.category:
            a.category = a.category.lower() if a.category != a.category.lower() else a.category.title()
        else:
            a.category = self.rng.choice([s for s in SECTIONS if s != a.category])
        if self.rng.random() < 0.15:
            a.category_key = "categories" if a.category_key == "category" else "category"
        return f"change the section of {a.path}: {old!r} -> {a.category!r}"

    def change_authors(self, root: Path) -> str | None:
        a = self.pick()
        old = list(a.authors)
        roll = self.rng.random()
        if roll < 0.2:
            a.authors = [self.rng.choice(UNKNOWN_NAMES)]
        elif roll < 0.4 and a.authors:
            a.authors = a.authors[:-1] if len(a.authors) > 1 else []
        else:
            a.authors = self.random_authors() or ["tom"]
        if a.authors == old:
            a.authors = [n for n in ["Mira Novak", "grace"] if n not in old][:1]
        a.author_style = self.rng.choice(["author", "authors"])
        return f"change the authors of {a.path}: {old} -> {a.authors}"

    def make_draft(self, root: Path) -> str | None:
        a = self.pick(lambda a: not a.draft and not a.anchor)
        if a is None:
            return None
        a.draft = True
        a.draft_key = self.rng.choice(["draft", "draft", "published"])
        return f"make {a.path} a draft ({a.draft_key})"

    def publish_draft(self, root: Path) -> str | None:
        a = self.pick(lambda a: a.draft)
        if a is None:
            return None
        a.draft = False
        return f"publish the draft {a.path}" + (" (still scheduled)" if self.is_future(a) else "")

    def delete_article(self, root: Path) -> str | None:
        a = self.pick(lambda a: not a.anchor)
        if a is None:
            return None
        del self.articles[a.number]
        return f"delete {a.path}"

    def add_article(self, root: Path) -> str | None:
        a = self.new_article()
        if self.rng.random() < 0.3:
            self.add_link(a)
        state = "draft" if a.draft else "scheduled" if self.is_future(a) else "published"
        return f"add {a.path} ({state}, {a.date.text()}, tags {a.tags})"

    def edit_body(self, root: Path) -> str | None:
        a = self.pick()
        roll = self.rng.random()
        if roll < 0.2:
            a.paragraphs.append(self.paragraph())
            how = "add a paragraph"
        elif roll < 0.3 and len(a.paragraphs) > 2:
            i = self.rng.randrange(1, len(a.paragraphs))
            if "@@link:" in a.paragraphs[i]:
                return None
            del a.paragraphs[i]
            how = f"remove paragraph {i + 1}"
        elif roll < 0.4:
            self.add_link(a)
            how = "add a link"
        else:
            i = self.rng.randrange(1, len(a.paragraphs)) if len(a.paragraphs) > 1 else 0
            a.paragraphs[i] += " " + self.sentence(self.rng.randint(4, 10))
            how = f"edit paragraph {i + 1}"
        return f"edit the body of {a.path}: {how}"

    def edit_summary(self, root: Path) -> str | None:
        a = self.pick()
        roll = self.rng.random()
        if a.summary and roll < 0.3:
            a.summary = None
            how = "remove `summary`"
        elif a.summary or roll < 0.4:
            a.summary = self.sentence(self.rng.randint(6, 18))
            how = "new `summary`"
        elif roll < 0.55 and len(a.paragraphs) > 1:
            a.more = not a.more
            how = "<!-- more --> " + ("added" if a.more else "removed")
        else:
            a.paragraphs[0] = " ".join(self.sentence(self.rng.randint(6, 14)) for _ in range(2)) + \
                "".join(re.findall(r" See \[[^]]*\]\(@@link:\d+@@\)\.", a.paragraphs[0]))
            how = "new first paragraph"
        return f"edit the summary of {a.path}: {how}"

    def repaint_photo(self, root: Path) -> str | None:
        """New bytes for the raster photo (every other time a new size too): every variant gets a
        new name, and every page that shows it must point at the new ones."""
        self.photo_version += 1
        return f"content/img/photo.jpg repainted (version {self.photo_version})"

    def recaption(self, root: Path) -> str | None:
        """The lead image's caption or credit: only the article's own page shows them."""
        a = self.pick(lambda a: a.image)
        if a is None:
            return None
        if self.rng.random() < 0.5:
            a.image_caption = None if a.image_caption and self.rng.random() < 0.3 else self.sentence(
                self.rng.randint(4, 10))
            return f"{'new' if a.image_caption else 'remove'} `image_caption` of {a.path}"
        a.image_credit = None if a.image_credit and self.rng.random() < 0.3 else self.rng.choice(
            ["Grace Adeyemi", "Harlingford Post", "Tom Ellery/Broadsheet"])
        return f"{'new' if a.image_credit else 'remove'} `image_credit` of {a.path}"

    def refocus(self, root: Path) -> str | None:
        """The lead image's focus moved, written as text or as a list, or removed: the raster
        photo's share cards get new names, and its page (meta and JSON-LD) must follow."""
        a = self.pick(lambda a: a.image)
        if a is None:
            return None
        if a.image_focus and self.rng.random() < 0.3:
            a.image_focus = None
            return f"remove `image_focus` of {a.path}"
        x, y = self.rng.choice([0, 0.1, 0.25, 0.5, 0.8, 1]), self.rng.choice([0, 0.3, 0.5, 0.9])
        a.image_focus = f"[{x}, {y}]" if self.rng.random() < 0.5 else f"{x}, {y}"
        return f"`image_focus: {a.image_focus}` for {a.path}"

    def realias(self, root: Path) -> str | None:
        """An old URL added, removed or given to another article: its redirect page and `_redirects`
        follow. Named after the article's number, so that no two articles ever share one."""
        a = self.pick()
        if a.aliases and self.rng.random() < 0.4:
            gone = a.aliases.pop()
            other = self.pick(lambda b: b is not a)
            if other is not None and self.rng.random() < 0.5:
                other.aliases.append(gone.replace("/old/", f"/old/{other.number}-", 1))
                return f"move alias {gone} of {a.path} to {other.path}"
            return f"remove alias {gone} of {a.path}"
        new = f"/old/{a.number}-{len(a.aliases)}/" if self.rng.random() < 0.7 else f"/old/{a.number}-{len(a.aliases)}.html"
        a.aliases.append(new)
        return f"add alias {new} to {a.path}"

    def add_correction(self, root: Path) -> str | None:
        a = self.pick(lambda a: not self.is_future(a))
        if a is None:
            return None
        if a.corrections and self.rng.random() < 0.3:  # the wording of one, its date kept
            i = self.rng.randrange(len(a.corrections))
            when, text = a.corrections[i]
            a.corrections[i] = (when, text.replace(".", ", as first reported.", 1) if "first" not in text
                                else self.rng.choice([c for c in CORRECTIONS if c != text]))
            return f"reword the correction dated {when} of {a.path}"
        when = self.correct(a)
        return f"add a correction dated {when} to {a.path}" if when else None

    def edit_authors_yaml(self, root: Path) -> str | None:
        rng = self.rng
        how = rng.choice(["role", "bio", "add", "rename", "remove", "photo"])
        if how in ("role", "bio", "rename", "remove", "photo") and not self.authors:
            how = "add"
        if how == "add":
            absent = [k for k in {**AUTHORS, **MORE_AUTHORS} if k not in self.authors]
            if not absent:
                return None
            who = rng.choice(absent)
            self.authors[who] = dict({**AUTHORS, **MORE_AUTHORS}[who])
            return f"authors.yaml: add {who} ({self.authors[who]['name']})"
        who = rng.choice(list(self.authors))
        profile = self.authors[who]
        if how == "role":
            old, profile["role"] = profile.get("role"), rng.choice(ROLES)
            return f"authors.yaml: {who}'s role {old!r} -> {profile['role']!r}"
        if how == "bio":
            old, profile["bio"] = profile.get("bio"), rng.choice(BIOS)
            return f"authors.yaml: {who}'s bio {old!r} -> {profile['bio']!r}"
        if how == "photo":
            if "photo" in profile:
                del profile["photo"]
                return f"authors.yaml: {who}'s photo removed"
            profile["photo"] = f"img/authors/{who}.svg"
            return f"authors.yaml: {who}'s photo added"
        if how == "rename":
            old = profile["name"]
            profile["name"] = RENAMES.get(old) or next((k for k, v in RENAMES.items() if v == old), old + " Jr")
            return f"authors.yaml: {who} renamed {old!r} -> {profile['name']!r}"
        del self.authors[who]
        return f"authors.yaml: remove {who} ({profile['name']})"

    def move_file(self, root: Path) -> str | None:
        """A file moved to another folder, or renamed: the same article from another source.
        Never an anchor's (the links to it name its file)."""
        a = self.pick(lambda a: not a.anchor)
        if a is None:
            return None
        old = a.path
        if self.rng.random() < 0.5:
            a.folder = self.rng.choice([f for f in FOLDERS if f != a.folder])
        else:
            slug = a.slug_field or re.sub(r"^\d{4}-\d{2}-\d{2}-", "", a.filename[:-3])
            a.filename, a.slug_field = f"moved-{a.number}-{self.next_number}.md", slug
            self.next_number += 1  # no later file takes the name
        return f"move {old} to {a.path}"

    def reslug(self, root: Path) -> str | None:
        """A new `slug:`, so a new URL; an anchor's too (the links to it follow)."""
        a = self.pick()
        old, a.slug_field = a.slug_field, f"{self.rng.choice(WORDS)}-{a.number}-v{self.next_number}"
        self.next_number += 1
        return f"new slug for {a.path}: {old!r} -> {a.slug_field!r}"

    def change_per_page(self, root: Path) -> str | None:
        old = self.per_page
        self.per_page = self.rng.choice([p for p in (2, 3, 4, 5, 10) if p != old])
        return f"config.yaml: per_page {old} -> {self.per_page}"

    def edit_page(self, root: Path) -> str | None:
        p = self.rng.choice(list(self.pages.values()))
        if self.rng.random() < 0.5:
            old, p.title = p.title, p.title + " and more" if len(p.title) < 40 else p.title.split(" and")[0]
            return f"retitle page {p.slug}: {old!r} -> {p.title!r}"
        p.paragraphs.append(self.sentence(8))
        return f"edit the body of page {p.slug}"

    def touch(self, root: Path) -> str | None:
        """A file's times move, its bytes stay: os.utime, or the same bytes written again."""
        names = list(self.files())
        name = self.rng.choice([n for n in names if n.endswith(".md")] * 3 + names)
        path = root / name
        if not path.exists():
            return None
        if self.rng.random() < 0.5:
            os.utime(path)
            return f"touch {name} (utime)"
        path.write_bytes(path.read_bytes())
        return f"touch {name} (same bytes written again)"


# name of the NewsSite method, weight
EDITS = [
    ("retitle", 8), ("retag", 8), ("move_date", 8), ("change_section", 6), ("change_authors", 6),
    ("make_draft", 4), ("publish_draft", 4), ("delete_article", 4), ("add_article", 5), ("edit_body", 8),
    ("edit_summary", 6), ("add_correction", 4), ("edit_authors_yaml", 6), ("change_per_page", 2),
    ("touch", 5), ("edit_page", 2), ("move_file", 2), ("reslug", 2), ("recaption", 3),
    ("repaint_photo", 2), ("realias", 3), ("refocus", 3),
]
TOTAL_WEIGHT = sum(w for _, w in EDITS)


def yaml_text(text: str) -> str:
    """A YAML scalar for text: plain when that reads back as the same text, else double-quoted."""
    if re.fullmatch(r"[^\W\d_][\w £.'()&-]*", text) \
            and not re.fullmatch(r"true|false|yes|no|null|on|off|y|n", text, re.I):
        return text
    return json.dumps(text, ensure_ascii=False)


def shows_photo(a: Article) -> bool:
    return sum(a.title.encode()) % 2 == 0


def photo(version: int) -> bytes:
    """A JPEG photo made with Pillow: 700 or 640 pixels wide, so it has variants of 480 pixels
    and of its own width; its colour changes with each version."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (700, 460) if version % 2 == 0 else (640, 480), (40 + 30 * version % 200, 90, 160))
    ImageDraw.Draw(image).rectangle((100, 100, 300, 260), fill=(230, 200, 40))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def svg(label: str) -> bytes:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40" role="img" aria-label="{label}">'
            f'<rect width="40" height="40" fill="#cdd"/></svg>\n').encode()

"""A theme in the reader's language: the pages, feeds and errors as a reader and an editor of a
French, German, Spanish, Ukrainian or Arabic site see them (`language`, `strings`)."""

from __future__ import annotations

import re
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from conftest import MINIMAL_CONFIG, REPO, article, site_files, snapshot
from test_content import build, feed, output_file, page

THEME = REPO / "themes" / "default"
LANGUAGES = ("en", "fr", "de", "es", "uk", "ar")
WORDS = "word " * 230  # a minute of reading


def config(language: str, more: str = "") -> str:
    return MINIMAL_CONFIG + f"language: {language}\n" + more


def newsroom(make_site, language: str, more: str = "", files: dict | None = None) -> Path:
    """Three articles (two pages of the front page at per_page 2): one updated and corrected,
    with tags, a section and two authors; one with the date and time of a scheduled banner."""
    return make_site({
        "content/2022/2022-02-28-budget.md": article(
            "Budget passes", "2022-02-28 14:30", WORDS * 2, authors="[Anna Lee, Bohdan Kit]",
            tags="[Budget, Council]", category="Politics", updated="2022-03-01 09:00",
            corrections='[{date: "2022-03-01 08:00", text: "An earlier version gave the wrong total."}]'),
        "content/2022/2022-02-20-flood.md": article("Flood warning", "2022-02-20", WORDS, tags="[Budget]"),
        "content/2022/2022-03-05-strike.md": article("Strike called", "2022-03-05", WORDS * 5,
                                                     author="Anna Lee"),
        **(files or {}),
    }, config=config(language, more))


def text_of(site: Path, url: str) -> str:
    return page(site, url).clean_text


def html_of(site: Path, url: str) -> str:
    return output_file(site, url).read_text(encoding="utf-8")


# --------------------------------------------------------------------------- the pages


def test_a_french_site_reads_in_french(make_site, run):
    site = newsroom(make_site, "fr")
    build(run, site)
    doc = page(site, "/2022/02/28/budget/")
    assert doc.find("html").attrs["lang"] == "fr" and "dir" not in doc.find("html").attrs
    assert doc.find("p", "story__byline").clean_text == "Par Anna Lee et Bohdan Kit"
    dates = doc.find("p", "story__dates").clean_text
    assert "Publié le 28 février 2022" in dates
    assert "Mis à jour le 1 mars 2022" in dates
    assert "2 min de lecture" in dates
    assert doc.find("time").attrs["datetime"] == "2022-02-28T14:30:00+00:00"
    assert doc.find("h2", "corrections-box__heading").clean_text == "Rectificatif"
    # French puts a no-break space before a colon (clean_text makes every space one).
    assert 'Rectificatif du <time datetime="2022-03-01T08:00:00+00:00">1 mars 2022</time>\u00a0:' in \
        html_of(site, "/2022/02/28/budget/")
    assert doc.find("h2", "story__footer-heading").clean_text == "Mots-clés"
    assert doc.find("a", "skip-link").clean_text == "Aller au contenu principal"
    nav = doc.find("nav", "site-nav")
    assert nav.attrs["aria-label"] == "Principale" and "Accueil" in nav.clean_text
    story_nav = doc.find("nav", "story-nav").clean_text
    assert "Plus récent" in story_nav and "Plus ancien" in story_nav
    assert "Haut de page" in doc.find("footer", "site-footer").clean_text

    front = page(site, "/")
    pagination = front.find("nav", "pagination")
    assert pagination.find("p", "pagination__status").clean_text == "Page 1 sur 2"
    assert "Plus ancien" in pagination.clean_text
    assert "Page 2 sur 2" in text_of(site, "/page/2/") and "Plus récent" in text_of(site, "/page/2/")
    assert "Page 2 — Test Gazette" in html_of(site, "/page/2/")

    # The archives' names, the list pages and the 404, corrections and author pages.
    month = page(site, "/2022/02/")
    assert month.find("h1").clean_text.startswith("Février 2022")
    assert "28 février 2022" in [a.clean_text for a in month.find_all("span", "archive-grid__name")]
    assert "2 articles" in month.find("p", "section-header__note").clean_text
    assert "Mars 2022" in text_of(site, "/2022/") and "Mois" in text_of(site, "/2022/")
    assert "Archives" in text_of(site, "/archive/")
    assert page(site, "/tags/budget/").find("h1").text == "Mot-clé\u00a0: Budget"
    assert "Rubriques" in text_of(site, "/sections/politics/")
    assert "Les derniers articles de Anna Lee" in text_of(site, "/authors/anna-lee/")
    assert "Page introuvable" in html_of(site, "/404.html")
    assert page(site, "/404.html").find("h1").clean_text == "Désolés, cette page est introuvable"
    corrections = page(site, "/corrections/")
    assert corrections.find("h1").clean_text == "Rectificatifs"
    assert "Article publié le 28 février 2022" in corrections.clean_text


@pytest.mark.parametrize(("language", "byline", "published", "updated", "reading", "page_status"), [
    ("en", "By Anna Lee and Bohdan Kit", "Published 28 February 2022", "Updated 1 March 2022", "2 min read",
     "Page 1 of 2"),
    ("de", "Von Anna Lee und Bohdan Kit", "Veröffentlicht am 28. Februar 2022", "Aktualisiert am 1. März 2022",
     "2 Min. Lesezeit", "Seite 1 von 2"),
    ("es", "Por Anna Lee y Bohdan Kit", "Publicado el 28 de febrero de 2022", "Actualizado el 1 de marzo de 2022",
     "2 min de lectura", "Página 1 de 2"),
    ("uk", "Автори: Anna Lee і Bohdan Kit", "Опубліковано 28 лютого 2022 р.", "Оновлено 1 березня 2022 р.",
     "2 хвилини читання", "Сторінка 1 з 2"),
    ("ar", "بقلم Anna Lee وBohdan Kit", "نُشر في 28 فبراير 2022", "حُدّث في 1 مارس 2022", "دقيقتان للقراءة",
     "الصفحة 1 من 2"),
    ("en-US", "By Anna Lee and Bohdan Kit", "Published February 28, 2022", "Updated March 1, 2022", "2 min read",
     "Page 1 of 2"),
])
def test_each_shipped_language_writes_its_own_dates_and_words(make_site, run, language, byline, published, updated,
                                                               reading, page_status):
    site = newsroom(make_site, language)
    build(run, site)
    doc = page(site, "/2022/02/28/budget/")
    assert doc.find("html").attrs["lang"] == language
    assert doc.find("p", "story__byline").clean_text == byline
    dates = doc.find("p", "story__dates").clean_text
    assert published in dates and updated in dates and reading in dates
    assert page(site, "/").find("p", "pagination__status").clean_text == page_status


@pytest.mark.parametrize(("minutes", "shown"), [
    (1, "1 хвилина читання"), (2, "2 хвилини читання"), (5, "5 хвилин читання"), (11, "11 хвилин читання"),
    (21, "21 хвилина читання"), (22, "22 хвилини читання"), (25, "25 хвилин читання"),
])
def test_ukrainian_reading_time_takes_the_plural_form_of_its_number(make_site, run, minutes, shown):
    site = make_site({"content/long.md": article("Long read", "2022-02-28", WORDS * minutes, author="Anna Lee")},
                     config=config("uk"))
    build(run, site)
    assert page(site, "/2022/02/28/long/").find("span", "meta__reading").clean_text == shown
    assert page(site, "/").find("span", "meta__reading").clean_text == shown  # the card on the front page


def test_ukrainian_counts_and_archive_names(make_site, run):
    site = newsroom(make_site, "uk")
    build(run, site)
    month = page(site, "/2022/02/")
    assert month.find("h1").clean_text.startswith("Лютий 2022 р.")
    assert "2 статті" in month.find("p", "section-header__note").clean_text
    assert "1 стаття" in text_of(site, "/2022/03/")
    assert "Автор: Anna Lee" in page(site, "/2022/03/05/strike/").find("p", "story__byline").clean_text


def test_an_arabic_site_reads_right_to_left(make_site, run):
    site = newsroom(make_site, "ar")
    build(run, site)
    doc = page(site, "/2022/02/28/budget/")
    html = doc.find("html")
    assert html.attrs["lang"] == "ar" and html.attrs["dir"] == "rtl"
    story_nav = doc.find("nav", "story-nav")
    # Newer is to the right in a right-to-left page, so its arrow points right.
    assert story_nav.find("li", "story-nav__newer").clean_text.startswith("→ الأحدث")
    assert story_nav.find("li", "story-nav__older").clean_text.startswith("الأقدم ←")
    assert doc.find("a", "skip-link").clean_text == "الانتقال إلى المحتوى الرئيسي"
    assert "مقالان" in page(site, "/2022/02/").find("p", "section-header__note").clean_text  # two: the dual
    css = (THEME / "static" / "css" / "site.css").read_text(encoding="utf-8")
    # The layout mirrors itself: no physical left or right but in symmetric pairs and the nav's scroll shadows.
    assert not re.search(r"(?<![-\w])(margin|padding|border)-(left|right)\s*:(?!\s*(auto|0)\b)", css)
    assert not re.search(r"text-align:\s*(left|right)|(?<![-\w])(left|right)\s*:", css)


def test_a_language_without_a_catalog_has_english_words_and_its_own_dates(make_site, run):
    site = newsroom(make_site, "it")
    build(run, site)
    dates = page(site, "/2022/02/28/budget/").find("p", "story__dates").clean_text
    assert "Published 28 febbraio 2022" in dates and "Updated 1 marzo 2022" in dates


def test_a_region_takes_its_language_s_catalog_and_its_own_dates(make_site, run):
    site = newsroom(make_site, "fr_CA")  # as Python and Babel write it; pages want fr-CA
    build(run, site)
    doc = page(site, "/2022/02/28/budget/")
    assert doc.find("html").attrs["lang"] == "fr-CA"
    assert doc.find("p", "story__byline").clean_text.startswith("Par ")
    assert "Publié le 28 février 2022" in doc.find("p", "story__dates").clean_text


def test_dates_stay_in_the_site_s_time_zone(make_site, run):
    # 23:30 in Kyiv is 21:30 in UTC: the page says the 28th, at the site's offset.
    site = make_site({"content/late.md": article("Late story", "2022-02-28 23:30")},
                     config=config("fr").replace("timezone: UTC", "timezone: Europe/Kyiv"))
    build(run, site)
    time = page(site, "/2022/02/28/late/").find("span", "story__published").find("time")
    assert time.attrs["datetime"] == "2022-02-28T23:30:00+02:00"
    assert time.clean_text == "28 février 2022"


def test_new_writes_the_date_in_the_site_s_time_zone(make_site, run):
    from generator.config import load_config
    from generator.newpost import new_article

    site = make_site({}, config=config("fr").replace("timezone: UTC", "timezone: Europe/Kyiv"))
    # 23:30 UTC on the 28th is 01:30 on 1 March in Kyiv.
    path = new_article(load_config(site), "Conseil municipal", [], datetime(2022, 2, 28, 23, 30, tzinfo=timezone.utc))
    assert path.name == "2022-03-01-conseil-municipal.md"
    assert "\ndate: 2022-03-01 01:30\n" in path.read_text(encoding="utf-8")
    build(run, site)
    time = page(site, "/2022/03/01/conseil-municipal/").find("span", "story__published").find("time")
    assert (time.attrs["datetime"], time.clean_text) == ("2022-03-01T01:30:00+02:00", "1 mars 2022")


# --------------------------------------------------------------------------- feeds


def test_feed_titles_are_in_the_site_s_language(make_site, run):
    site = newsroom(make_site, "fr")
    build(run, site)
    assert feed(site, "sections/politics/feed.xml").feed.title == "Test Gazette\u00a0: Politics"
    assert feed(site, "tags/budget/atom.xml").feed.title == "Test Gazette\u00a0: Budget"
    assert feed(site).feed.title == "Test Gazette"
    links = [link for link in page(site, "/tags/budget/").find_all("link", rel="alternate")]
    assert "Test Gazette\u00a0: Budget (RSS)" in [link.attrs["title"] for link in links]
    assert '<language>fr</language>' in (site / "output" / "feed.xml").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- the site's own strings


def test_a_site_overrides_single_strings(make_site, run):
    more = ('strings:\n'
            '  "%(num)s min read": "%(num)s minutes"\n'
            '  "Updated %(date)s": "Last changed %(date)s"\n'
            '  Home: "Front & centre"\n')
    site = newsroom(make_site, "en", more)
    build(run, site)
    doc = page(site, "/2022/02/28/budget/")
    dates = doc.find("p", "story__dates").clean_text
    assert "2 minutes" in dates and "Last changed 1 March 2022" in dates and "Published 28 February 2022" in dates
    assert ">Front &amp; centre</a>" in html_of(site, "/")  # a text, escaped as one
    assert "By Anna Lee" in doc.find("p", "story__byline").clean_text  # the others are the theme's


def test_a_plural_override_gives_a_text_for_each_plural_form(make_site, run):
    more = ('strings:\n'
            '  "%(num)s min read":\n'
            '    one: "%(num)s хвилинка"\n'
            '    few: "%(num)s хвилинки"\n'
            '    many: "%(num)s хвилинок"\n')
    site = newsroom(make_site, "uk", more)
    build(run, site)
    reading = {url: page(site, url).find("span", "meta__reading").clean_text
               for url in ("/2022/02/20/flood/", "/2022/02/28/budget/", "/2022/03/05/strike/")}
    assert reading == {"/2022/02/20/flood/": "1 хвилинка", "/2022/02/28/budget/": "2 хвилинки",
                       "/2022/03/05/strike/": "5 хвилинок"}


def _line_of(site: Path, text: str) -> int:
    return next(n for n, line in enumerate((site / "config.yaml").read_text().splitlines(), 1) if text in line)


@pytest.mark.parametrize(("strings", "message"), [
    ('  "min read": minutes\n', "the theme has no text 'min read'; did you mean '%(num)s min read'?"),
    ('  "Updated %(date)s": "Updated %(when)s"\n', "unknown placeholder %(when)s; this text can use %(date)s"),
    ('  "Home": "100% news"\n', "write %% for a percent sign"),
    ('  "Home": {one: Home, other: Homes}\n', "has no plural forms"),
    ('  "%(num)s min read": {one: "a minute", lots: "minutes"}\n', "plural forms (one, other)"),
])
def test_a_wrong_string_override_is_an_error_at_its_line(make_site, run, strings, message):
    site = newsroom(make_site, "en", "strings:\n" + strings)
    result = run("build", "--site", site)
    assert result.status == 1
    line = _line_of(site, strings.split(":")[0].strip())
    assert f"config.yaml:{line}: error: " in result.err and message in result.err, result.err
    assert "Traceback" not in result.err


@pytest.mark.parametrize(("language", "suggestion"), [
    ("englsh", "en"), ("English", "en"), ("ukr", "uk"), ("fre", "fr"), ("en-UK", "en-GB"), ("xx", None),
])
def test_an_unknown_language_is_an_error_at_its_line_with_the_closest_one(make_site, run, language, suggestion):
    site = newsroom(make_site, language)
    result = run("build", "--site", site)
    assert result.status == 1
    line = _line_of(site, "language:")
    assert f"config.yaml:{line}: error: unknown language '{language}'" in result.err, result.err
    if suggestion:
        assert f"did you mean `{suggestion}`?" in result.err
    else:
        assert "a language code (BCP 47) such as en, fr" in result.err
    assert "Traceback" not in result.err
    assert not (site / "output").exists()


# --------------------------------------------------------------------------- incremental builds


def cold_copy(site: Path, tmp_path: Path, run) -> dict[str, bytes]:
    """The output of a cold build of the same site in another folder."""
    other = tmp_path / "cold"
    shutil.rmtree(other, ignore_errors=True)
    shutil.copytree(site, other, ignore=shutil.ignore_patterns("output", ".cache"))
    build(run, other, "--no-cache")
    return site_files(other / "output")


def output_of(site: Path) -> dict[str, bytes]:
    return site_files(site / "output")


@pytest.mark.parametrize(("before", "after"), [
    ("language: en\n", "language: fr\n"),
    ("language: fr\n", 'language: fr\nstrings:\n  "Tags": "Sujets"\n'),
    ('language: fr\nstrings:\n  "Tags": "Sujets"\n', 'language: fr\nstrings:\n  "Tags": "Thèmes"\n'),
])
def test_a_change_of_language_or_strings_renders_every_page_again(make_site, run, tmp_path, before, after):
    site = newsroom(make_site, "en")
    (site / "config.yaml").write_text(MINIMAL_CONFIG + before, encoding="utf-8")
    build(run, site)
    (site / "config.yaml").write_text(MINIMAL_CONFIG + after, encoding="utf-8")
    build(run, site)
    assert output_of(site) == cold_copy(site, tmp_path, run)


CHILD_CATALOG = '''msgid ""
msgstr ""
"Language: fr\\n"
"Content-Type: text/plain; charset=utf-8\\n"
"Plural-Forms: nplurals=2; plural=(n > 1);\\n"

msgid "Home"
msgstr "{home}"

msgid "%(num)s min read"
msgid_plural "%(num)s min read"
msgstr[0] "{minute}"
msgstr[1] "{minutes}"
'''


def test_a_theme_s_catalog_is_part_of_the_theme(make_site, run, tmp_path):
    """A child theme's catalog overrides its parent's texts, and editing it renders every page again,
    also when nothing else changed (the build that finds nothing to do must notice it)."""
    catalog = "themes/mine/locale/fr/LC_MESSAGES/messages.po"
    site = newsroom(make_site, "fr", "theme: mine\n", {
        "themes/mine/theme.yaml": "parent: default\n",
        "themes/mine/templates/.keep": "",
        catalog: CHILD_CATALOG.format(home="À la une", minute="%(num)s minute", minutes="%(num)s minutes"),
    })
    build(run, site)
    doc = page(site, "/2022/02/28/budget/")
    assert "À la une" in doc.find("nav", "site-nav").clean_text
    assert doc.find("span", "meta__reading").clean_text == "2 minutes"
    assert doc.find("a", "skip-link").clean_text == "Aller au contenu principal"  # the parent's catalog
    (site / catalog).write_text(CHILD_CATALOG.format(home="Une", minute="%(num)s mn", minutes="%(num)s mn"),
                                encoding="utf-8")
    build(run, site)
    assert "Une" in page(site, "/tags/budget/").find("nav", "site-nav").clean_text
    assert page(site, "/2022/02/28/budget/").find("span", "meta__reading").clean_text == "2 mn"
    assert output_of(site) == cold_copy(site, tmp_path, run)
    content = snapshot(site / "output")
    assert build(run, site).out and snapshot(site / "output") == content  # nothing changed: nothing done


def test_a_broken_catalog_is_an_error_at_its_line(make_site, run):
    catalog = "themes/mine/locale/fr/LC_MESSAGES/messages.po"
    broken = CHILD_CATALOG.format(home="Une", minute="m", minutes="m").replace('msgstr "Une"', 'msgstr "Une"\nUne')
    site = newsroom(make_site, "fr", "theme: mine\n", {"themes/mine/theme.yaml": "parent: default\n",
                                                       "themes/mine/templates/.keep": "", catalog: broken})
    result = run("build", "--site", site)
    assert result.status == 1
    assert re.search(r"themes/mine/locale/fr/LC_MESSAGES/messages\.po:9: error: invalid catalog: .*'Une'", result.err), \
        result.err


# --------------------------------------------------------------------------- the catalogs themselves


def test_the_catalogs_hold_every_text_of_the_theme_translated():
    """messages.pot has every text the templates and the code mark, and each shipped language
    translates each of them, with the same placeholders and every plural form."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    method_map = [("generator/**.py", "python"), ("themes/default/templates/**.html", "jinja2")]
    options = {"themes/default/templates/**.html": {"trimmed": "true"}}
    marked = {(m[2][0] if isinstance(m[2], tuple) else m[2])
              for m in extract_from_dir(str(REPO), method_map, options_map=options) if m[0].startswith(("generator", "themes"))}
    with (THEME / "locale" / "messages.pot").open("rb") as handle:
        template = {(m.id[0] if isinstance(m.id, tuple) else m.id) for m in list(read_po(handle))[1:]}
    assert marked == template, "run `make messages` and translate the new texts"
    for language in LANGUAGES:
        with (THEME / "locale" / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
            catalog = read_po(handle, locale=language)
        messages = {(m.id[0] if isinstance(m.id, tuple) else m.id): m for m in list(catalog)[1:]}
        assert set(messages) == template, language
        if language == "en":
            continue
        for key, message in messages.items():
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            assert len(strings) == (catalog.num_plurals if message.pluralizable else 1), (language, key)
            wanted = set(re.findall(r"%\(\w+\)s", key))
            for text in strings:
                assert text, (language, key)
                found = set(re.findall(r"%\(\w+\)s", text))
                assert found <= wanted | {"%(num)s"} and (found or not wanted or message.pluralizable), \
                    (language, key, text)
                text % {name[2:-2]: 1 for name in wanted | {"%(num)s"}}  # no stray %


@pytest.mark.parametrize("tag", ["en", "en-US", "fr", "de", "es", "uk", "ar", "he", "pt-BR", "ja", "hu", "pl"])
def test_the_fast_date_formatting_gives_babels_bytes(tag):
    """Dates are formatted from the language's pattern without Babel's per-call cost: the same text."""
    import gettext
    from datetime import date, timedelta

    from generator.i18n import Localization

    localization = Localization(tag, gettext.NullTranslations(), {}, tag)
    for offset in range(0, 12000, 11):  # 1999 to 2031, every month and weekday
        day = date(1999, 1, 1) + timedelta(days=offset)
        for length in ("long", "medium"):
            assert localization._format_date(day, length) == localization.format_date_with_babel(day, length)


@pytest.mark.parametrize("tag", ["en", "fr", "de", "es", "uk", "ar", "he", "pt-BR", "ja", "hu", "pl", "ru", "fi"])
def test_the_fast_month_names_give_babels_bytes(tag):
    """An archive's month headings ("February 2022", "Лютий 2022 р.") are Babel's, capitalised."""
    import gettext

    from generator.i18n import Localization

    localization = Localization(tag, gettext.NullTranslations(), {}, tag)
    for year in (1999, 2022):
        for month in range(1, 13):
            babel = localization.month_name_with_babel(year, month)
            assert localization.month_name(year, month) == babel[:1].upper() + babel[1:]

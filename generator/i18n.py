"""The reader's language: the `language` setting checked, the theme's gettext catalogs loaded
(with the site's own `strings` over them), and dates, numbers' plural forms and lists of names
written the way that language writes them, from Babel's copy of the CLDR data.

Babel is imported only where it is used: a build with nothing to do checks the `language`
setting (config.py) and stops, and importing Babel and reading its locale data would be a
sixth of that build's time. So check_language looks for Babel's data file of the language
itself, and only a tag it does not find brings Babel in, to suggest the closest one.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import importlib.util
import io
import os
import re
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .errors import BuildFailed, SiteError

# A language tag as config.yaml may give it: en, en-GB, pt_BR, zh-Hant-TW, es-419.
_TAG = re.compile(r"([A-Za-z]{2,3})(?:[-_]([A-Za-z]{4}))?(?:[-_]([A-Za-z]{2}|\d{3}))?")
# Bare `en` writes dates as Broadsheet always has, and as British and international English
# news does: 28 February 2022, 14:30 (CLDR's `en` is American English: February 28, 2022, 2:30 PM).
_DATA_LOCALE = {"en": "en_GB"}
CATALOG = "messages.po"  # themes/NAME/locale/<language>/LC_MESSAGES/messages.po
RTL = "rtl"


def N_(message: str) -> str:
    """Marks an English text for the theme's catalogs (`pybabel extract -k N_`) where it is
    written, to be translated where it is shown."""
    return message


# --------------------------------------------------------------------------- the setting


def check_language(value: str) -> tuple[str, str | None]:
    """The tag as pages give it (BCP 47: `pt-BR`, `zh-Hant-TW`) and None, or the value and what is
    wrong with it, with the closest valid tag suggested."""
    match = _TAG.fullmatch(value.strip())
    if match:
        language, script, region = match.groups()
        language = language.lower()
        script = script.title() if script else None
        region = region.upper() if region else None
        tag = "-".join(part for part in (language, script, region) if part)
        if _known(language, script, region):
            return tag, None
    suggestion = _suggestion(value)
    return value, f"unknown language {value!r}" + (
        f"; did you mean `{suggestion}`?" if suggestion else
        ": `language` takes a language code (BCP 47) such as en, fr, de, uk, ar or pt-BR")


@functools.cache
def _data_dir() -> str | None:
    """Babel's locale-data folder, found without importing Babel."""
    spec = importlib.util.find_spec("babel")
    if spec is None or not spec.submodule_search_locations:
        return None
    return os.path.join(list(spec.submodule_search_locations)[0], "locale-data")


def _has_data(identifier: str) -> bool:
    folder = _data_dir()
    if folder is not None and os.path.isdir(folder):
        return os.path.isfile(os.path.join(folder, identifier + ".dat"))
    from babel import localedata
    return localedata.exists(identifier)


def _known(language: str, script: str | None, region: str | None) -> bool:
    """CLDR knows the language (and the script with it); a region it has no locale for (fr-US)
    is still a region it knows."""
    if language in ("root", "und") or not _has_data(language):
        return False
    if script and not _has_data(f"{language}_{script}"):
        return False
    if region and not (_has_data(f"{language}_{region}") or (script and _has_data(f"{language}_{script}_{region}"))):
        from babel import Locale
        return region in Locale.parse("en").territories and region not in ("ZZ", "QO")  # "unknown", "outlying"
    return True


def _suggestion(value: str) -> str:
    """The valid tag closest to a value: `en` for `englsh`, `eng` or `English`, `en-GB` for `en-UK`;
    "" when nothing is close."""
    from babel import Locale, localedata
    from babel.core import get_global

    # ISO 639-2 and old codes (ukr, fre, iw) and regions (UK) that CLDR knows by another name.
    match = _TAG.fullmatch(value.strip())
    if match:
        language, script, region = match.groups()
        languages = get_global("language_aliases")
        regions = get_global("territory_aliases")
        language = languages.get(language.lower(), language.lower())
        region = (regions.get(region.upper(), [region.upper()])[0]) if region else None
        script = script.title() if script else None
        if "_" not in language and _known(language, script, region):
            return "-".join(p for p in (language, script, region) if p)
    english = Locale.parse("en")
    choices: dict[str, str] = {}  # what the value may be a misspelling of -> the tag
    for identifier in localedata.locale_identifiers():
        if identifier in ("root",) or identifier.count("_") > 1:
            continue
        tag = identifier.replace("_", "-")
        choices[tag.lower()] = tag
        if "_" not in identifier:
            name = english.languages.get(identifier)
            if name:
                choices.setdefault(name.lower(), tag)
    wanted = value.strip().lower().replace("_", "-")
    match = _TAG.fullmatch(wanted)
    if match and match.group(1) in choices and wanted not in choices:
        # A known language with a region or script that is not: en-UK -> en-GB or en.
        same_language = [tag for key, tag in choices.items() if key.startswith(match.group(1) + "-")]
        close = difflib.get_close_matches(wanted, [t.lower() for t in same_language], n=1, cutoff=0.6)
        return choices[close[0]] if close else choices[match.group(1)]
    close = difflib.get_close_matches(wanted, list(choices), n=1, cutoff=0.6)
    return choices[close[0]] if close else ""


@functools.cache
def cldr_locale(tag: str) -> Any:
    """Babel's Locale with the CLDR data of a tag check_language accepted (the most specific
    locale CLDR has for it: fr-US is French)."""
    from babel import Locale

    if tag in _DATA_LOCALE:
        return Locale.parse(_DATA_LOCALE[tag])
    for identifier in _candidates(tag)[::-1]:
        if _has_data(identifier):
            return Locale.parse(identifier)
    return Locale.parse(tag.split("-")[0])


def _candidates(tag: str) -> list[str]:
    """Catalog folders for a tag, the most general first: pt-BR -> pt, pt_BR; zh-Hant-TW -> zh,
    zh_Hant, zh_TW, zh_Hant_TW."""
    parts = tag.split("-")
    language = parts[0]
    script = next((p for p in parts[1:] if len(p) == 4), None)
    region = next((p for p in parts[1:] if len(p) != 4), None)
    found = [language]
    if script:
        found.append(f"{language}_{script}")
    if region:
        found.append(f"{language}_{region}")
    if script and region:
        found.append(f"{language}_{script}_{region}")
    return found


# --------------------------------------------------------------------------- the catalogs


_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


class Localization:
    """Everything the theme writes in the site's language: the translated strings (the theme's
    catalogs, then the site's `strings`), dates, plural forms and lists of names.

    gettext and ngettext give plain text (for titles and feeds made in Python); the templates'
    functions (template_functions) give HTML: a translation as it is, as Jinja takes it, and
    the site's own strings escaped."""

    def __init__(self, tag: str, translations: Any, overrides: dict[str, Any], key: str):
        self.tag = tag
        self.translations = translations
        self.overrides = overrides
        self.key = key  # of all of the above: what a page in this language depends on
        self._dates: dict[tuple, str] = {}
        self._separators: dict[tuple, str] = {}

    @functools.cached_property
    def locale(self) -> Any:
        """Babel's Locale: CLDR's data for the language (loaded when first needed: a tenth of a
        second's work for Babel the first time)."""
        return cldr_locale(self.tag)

    @functools.cached_property
    def direction(self) -> str:
        """"rtl" for a language written right to left (Arabic, Hebrew, Persian, Urdu), else "ltr"."""
        return RTL if self.locale.character_order == "right-to-left" else "ltr"

    @classmethod
    def english(cls) -> "Localization":
        """The theme's own English texts, with no catalog (one for the process)."""
        return _english()

    # Strings.

    def gettext(self, message: str) -> str:
        override = self.overrides.get(message)
        if override is not None:
            return override if isinstance(override, str) else override.get("other", message)
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        override = self.overrides.get(singular)
        if override is not None:
            if isinstance(override, str):
                return override
            return override.get(self.locale.plural_form(n)) or override.get("other") or next(iter(override.values()))
        return self.translations.ngettext(singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        override = self.overrides.get(message)
        if override is not None:
            return self.gettext(message)
        return self.translations.pgettext(context, message)

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        if singular in self.overrides:
            return self.ngettext(singular, plural, n)
        return self.translations.npgettext(context, singular, plural, n)

    def template_functions(self) -> dict[str, Callable[..., Any]]:
        """`_`, `gettext`, `ngettext`, `pgettext` and `npgettext` for the templates: what Jinja's
        new-style gettext gives in a template that escapes ("%(name)s" filled in, the values
        escaped, the translation taken as HTML and the site's own strings as text), for a
        fraction of its cost (it calls through the template's context twice, and a page has
        dozens of texts). A text with no values, or whole numbers only, is made once."""
        from markupsafe import Markup, escape

        overrides = self.overrides
        html: dict[str, str] = {}  # message -> its translation as HTML
        made: dict[Any, Markup] = {}

        def as_html(message: str, text: str) -> str:
            return str(escape(text)) if message in overrides else text

        def fill(text: str, values: dict[str, Any]) -> Markup:
            # As Markup's % does: every value escaped (a number cannot need it), then "%%" -> "%".
            return Markup(text % {k: v if type(v) in (int, float) else escape(v) for k, v in values.items()})

        def gettext(message: str, **values: Any) -> Markup:
            if not values:
                known = made.get(message)
                if known is None:
                    known = made[message] = fill(as_html(message, self.gettext(message)), {})
                return known
            text = html.get(message)
            if text is None:
                text = html[message] = as_html(message, self.gettext(message))
            return fill(text, values)

        def ngettext(singular: str, plural: str, num: int, **values: Any) -> Markup:
            values.setdefault("num", num)
            key = None
            if all(type(value) is int for value in values.values()):
                key = (singular, plural, *values.items())
                known = made.get(key)
                if known is not None:
                    return known
            text = fill(as_html(singular, self.ngettext(singular, plural, num)), values)
            if key is not None:
                made[key] = text
            return text

        def pgettext(context: str, message: str, **values: Any) -> Markup:
            values.setdefault("context", context)
            return fill(as_html(message, self.pgettext(context, message)), values)

        def npgettext(context: str, singular: str, plural: str, num: int, **values: Any) -> Markup:
            values.setdefault("context", context)
            values.setdefault("num", num)
            return fill(as_html(singular, self.npgettext(context, singular, plural, num)), values)

        return {"_": gettext, "gettext": gettext, "ngettext": ngettext, "pgettext": pgettext,
                "npgettext": npgettext}

    def constant(self, message: str) -> Any:
        """What {{ _("message") }} gives, as the template would make it on every page (see
        theme.TranslatedConstants), or None when it cannot be made once for all (the text asks
        for values it is not given)."""
        from markupsafe import Markup, escape

        text = self.gettext(message)
        try:
            return (escape(text) if message in self.overrides else Markup(text)) % {}
        except (KeyError, ValueError, TypeError):
            return None

    # Dates: each one formatted once (Babel takes about ten microseconds a date).

    def date_long(self, value: datetime | date) -> str:
        """28 February 2022, 28 février 2022, 28. Februar 2022: in the value's own time zone (an
        article's date is in the site's, or in the offset its front matter gives)."""
        return self._date("long", value)

    def date_short(self, value: datetime | date) -> str:
        return self._date("medium", value)

    def _date(self, length: str, value: datetime | date) -> str:
        """The day of value in CLDR's format of that length, each day formatted once."""
        key = (length, value.year, value.month, value.day)
        known = self._dates.get(key)
        if known is None:
            known = self._dates[key] = self._format_date(date(value.year, value.month, value.day), length)
        return known

    def _format_date(self, value: date, length: str) -> str:
        """Babel's format_date(value, length), without its cost where the language's pattern has only
        days, months and years (every shipped language's does): an archive of 10,000 articles names
        3,000 days, and Babel takes twenty microseconds a date. test_i18n checks both agree."""
        pattern = self.locale.date_formats[length].pattern
        return self._fill(pattern, value) or self.format_date_with_babel(value, length)

    def format_date_with_babel(self, value: date, length: str) -> str:
        from babel.dates import format_date
        return format_date(value, length, locale=self.locale)

    def _fill(self, pattern: str, value: date) -> str | None:
        """value in the CLDR pattern, if the pattern asks only for days, months and years."""
        fast = self._fast_pattern(pattern)
        if fast is None:
            return None
        text, fields = fast
        return text % {name: make(value) for name, make in fields.items()}

    @functools.cache
    def _fast_pattern(self, pattern: str) -> tuple[str, dict[str, Callable[[date], object]]] | None:
        """The pattern as a %-format, and for each field it names how to make it from a date; None if
        it asks for any other field. The month names become plain dicts here: Babel's locale data
        resolves aliases on every lookup, which cost more than the rest of a date."""
        from babel.dates import parse_pattern

        months = {(context, width): dict(self.locale.months[context][width])
                  for context in ("format", "stand-alone") for width in ("abbreviated", "wide")}
        known: dict[str, Callable[[date], object]] = {
            "d": lambda d: d.day, "dd": lambda d: f"{d.day:02d}",
            "M": lambda d: d.month, "MM": lambda d: f"{d.month:02d}", "L": lambda d: d.month,
            "LL": lambda d: f"{d.month:02d}", "y": lambda d: d.year,
            "MMM": lambda d: months["format", "abbreviated"][d.month],
            "MMMM": lambda d: months["format", "wide"][d.month],
            "LLL": lambda d: months["stand-alone", "abbreviated"][d.month],
            "LLLL": lambda d: months["stand-alone", "wide"][d.month],
        }
        text = parse_pattern(pattern).format
        names = set(re.findall(r"%\((\w+)\)s", text))
        if not names <= known.keys():
            return None
        return text, {name: known[name] for name in names}

    def time_short(self, value: datetime) -> str:
        key = ("time", value.hour, value.minute)
        known = self._dates.get(key)
        if known is None:
            from babel.dates import format_time
            from datetime import time
            known = self._dates[key] = format_time(time(value.hour, value.minute), "short", locale=self.locale)
        return known

    def month_name(self, year: int, month: int) -> str:
        """February 2022, Février 2022, Лютий 2022 р.: a month on its own, as a heading names it."""
        key = ("month", year, month)
        known = self._dates.get(key)
        if known is None:
            text = self._fill(self._month_pattern, date(year, month, 1)) or self.month_name_with_babel(year, month)
            known = self._dates[key] = text[:1].upper() + text[1:]
        return known

    def month_name_with_babel(self, year: int, month: int) -> str:
        from babel.dates import format_skeleton
        return format_skeleton("yMMMM", date(year, month, 1), locale=self.locale)

    @functools.cached_property
    def _month_pattern(self) -> str:
        """CLDR's pattern for a month and its year (the skeleton yMMMM), matched once: matching a
        skeleton costs Babel a third of a millisecond, and an archive names every month."""
        from babel.dates import match_skeleton

        skeletons = self.locale.datetime_skeletons
        return skeletons[match_skeleton("yMMMM", skeletons)].pattern

    # Lists of names.

    def join(self, names: Sequence[str]) -> str:
        """A, B and C; A, B et C; A وB وC."""
        if len(names) <= 1:
            return "".join(names)
        return "".join(name + (self.separator(len(names), i) if i < len(names) - 1 else "")
                       for i, name in enumerate(names))

    def separator(self, count: int, index: int, roles: bool = False, has_role: bool = False) -> str:
        """What follows the index-th of count names in a list: ", " or " and " (the language's own,
        from CLDR). With roles (each name followed by ", role"), a comma closes the role before
        the conjunction of two names ("A, Political editor, and B"), and semicolons part three or
        more ("A, editor; B, reporter; and C")."""
        key = (count, index, bool(roles), bool(has_role))
        known = self._separators.get(key)
        if known is None:
            plain = self._plain_separators(count)[index]
            if roles and count == 2:
                # Translators: between an author's name and role in a byline ("A, Political editor").
                known = self._closing(self.gettext(", "), plain) if has_role else plain
            elif roles:
                # Translators: between the authors of a byline that gives their roles ("A, editor; B, reporter").
                semicolon = self.gettext("; ")
                known = self._closing(semicolon, plain) if index == count - 2 else semicolon
            else:
                known = plain
            self._separators[key] = known
        return known

    @staticmethod
    def _closing(mark: str, conjunction: str) -> str:
        """The mark before a conjunction (", and", " ; et"), or the mark alone where the language
        parts the names with punctuation only."""
        if conjunction.strip(" ,،;؛") and conjunction.startswith(" "):
            return mark.rstrip() + conjunction
        return mark

    @functools.cache
    def _plain_separators(self, count: int) -> tuple[str, ...]:
        from babel.lists import format_list

        marks = [f"\x00{i}\x00" for i in range(count)]
        text = format_list(marks, locale=self.locale)
        parts = re.split(r"\x00\d+\x00", text)
        return tuple(parts[1:-1])


@functools.cache
def _english() -> Localization:
    import gettext

    return Localization("en", gettext.NullTranslations(), {}, "en")


def load_localization(tag: str, theme_folders: Sequence[Path], overrides: dict[str, Any],
                      config_path: Path) -> Localization:
    """The theme's catalogs for the language (theme_folders: the theme first, then its parents),
    and the site's `strings` checked against the texts the theme has."""
    from gettext import NullTranslations

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import PoFileError, read_po
    from babel.support import Translations

    errors: list[SiteError] = []
    digest = hashlib.sha256(repr((tag, str(cldr_locale(tag)), sorted(overrides.items(), key=str))).encode())
    # Most specific first: the theme's own catalog for the region (fr_CA), then for the language
    # (fr), then its parent's; each falls back to the next for a text it does not have, and
    # chooses the plural form by its own Plural-Forms.
    chain: list[Any] = []
    for folder in theme_folders:
        for candidate in reversed(_candidates(tag)):
            path = folder / "locale" / candidate / "LC_MESSAGES" / CATALOG
            try:
                data = path.read_bytes()
            except OSError:
                continue
            digest.update(str(path).encode() + b"\0" + data)
            try:
                catalog = read_po(io.BytesIO(data), locale=candidate, abort_invalid=True)
            except (PoFileError, ValueError) as exc:
                lineno = getattr(exc, "lineno", None)  # Babel counts from 0
                problem = re.sub(r" on \d+$", "", str(exc))
                line = getattr(exc, "line", "")
                errors.append(SiteError(f"invalid catalog: {problem}" + (f": {line.strip()!r}" if line else ""),
                                        path, lineno + 1 if isinstance(lineno, int) else None))
                continue
            for message in list(catalog)[1:]:
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                if not all(strings):  # untranslated: the English text shows
                    catalog.delete(message.id, message.context)
            mo = io.BytesIO()
            write_mo(mo, catalog)
            mo.seek(0)
            chain.append(Translations(mo))
    chain.append(NullTranslations())  # the English texts themselves
    for more, less in zip(chain, chain[1:]):
        more.add_fallback(less)
    if overrides:
        errors.extend(_check_overrides(tag, overrides, theme_folders, config_path))
    if errors:
        raise BuildFailed(errors)
    return Localization(tag, chain[0], overrides, digest.hexdigest())


def theme_messages(theme_folders: Sequence[Path]) -> dict[str, bool]:
    """Every text the theme has, by its English msgid, and whether it has plural forms: those of
    its messages.pot and of every catalog."""
    from babel.messages.pofile import read_po

    found: dict[str, bool] = {}
    for folder in theme_folders:
        locale_dir = folder / "locale"
        if not locale_dir.is_dir():
            continue
        for path in sorted(locale_dir.rglob("*.po*")):
            if path.suffix not in (".po", ".pot"):
                continue
            try:
                with path.open("rb") as handle:
                    catalog = read_po(handle)
            except Exception:  # noqa: BLE001 - a broken catalog is reported when it is loaded
                continue
            for message in list(catalog)[1:]:
                key = message.id[0] if isinstance(message.id, tuple) else message.id
                found[key] = found.get(key, False) or message.pluralizable
    return found


def _check_overrides(tag: str, overrides: dict[str, Any], theme_folders: Sequence[Path],
                     config_path: Path) -> list[SiteError]:
    from . import yamlutil

    known = theme_messages(theme_folders)
    try:
        lines = yamlutil.nested_key_lines(config_path.read_text(encoding="utf-8-sig"), "strings")
        top = yamlutil.top_level_key_lines(config_path.read_text(encoding="utf-8-sig")).get("strings", 1)
    except (OSError, yamlutil.YAMLError):
        lines, top = {}, 1
    # The language's plural categories (CLDR): Ukrainian's whole numbers are one, few or many
    # (its `other` is for fractions), English's one or other.
    used = cldr_locale(tag).plural_form.tags
    categories = sorted(used | {"other"}, key=("zero", "one", "two", "few", "many", "other").index)
    errors = []
    for key, value in overrides.items():
        def err(message: str) -> None:
            errors.append(SiteError(message, config_path, lines.get(key, top)))

        if key not in known:
            close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.5)
            hint = f"; did you mean {close[0]!r}?" if close else \
                "; the texts are the msgid lines of the theme's locale/messages.pot"
            err(f"`strings`: the theme has no text {key!r}{hint}")
            continue
        allowed = set(_PLACEHOLDER.findall(key))
        if isinstance(value, dict):
            if not known[key]:
                err(f"`strings.{key}` has no plural forms: give one text, not a mapping")
                continue
            unknown = [str(k) for k in value if k not in categories]
            missing = [k for k in categories if k not in value and k != "other"]
            if unknown or ("other" not in value and missing) or not all(isinstance(v, str) for v in value.values()):
                err(f"`strings.{key}` must map this language's plural forms ({', '.join(categories)}) to texts; "
                    + (f"not {', '.join(unknown)}" if unknown else f"`other` stands for those not given"))
                continue
            texts = list(value.values())
        elif isinstance(value, str):
            texts = [value]
        else:
            err(f"`strings.{key}` must be a text" + (" or a mapping of plural forms" if known[key] else ""))
            continue
        for text in texts:
            extra = sorted(set(_PLACEHOLDER.findall(text)) - allowed - ({"num"} if known[key] else set()))
            if extra:
                err(f"`strings.{key}`: unknown placeholder %({extra[0]})s; this text can use "
                    + (", ".join(f"%({name})s" for name in sorted(allowed | ({"num"} if known[key] else set())))
                       or "none"))
                break
            try:
                text % {name: 1 for name in allowed | {"num"}}
            except (ValueError, TypeError, KeyError):
                err(f"`strings.{key}`: {text!r} is not a valid text: write %% for a percent sign")
                break
    return errors

"""Dates as pages show them (the theme's filters, the archives' names), in the site's language.

The names and patterns come from CLDR, through Babel (i18n.py): 28 February 2022, 28 février
2022, 28. Februar 2022. The theme's filters are bound to the site's language (plan/theme.py);
these functions take the language as an argument, English by default.
"""

from __future__ import annotations

import functools
from datetime import datetime

from .i18n import Localization


@functools.cache
def _in(language: str) -> Localization:
    import gettext

    return Localization(language, gettext.NullTranslations(), {}, language)


def date_long(value: datetime, language: str = "en") -> str:
    """28 February 2022 in English (`en`), in the date's own time zone."""
    return _in(language).date_long(value)


def date_short(value: datetime, language: str = "en") -> str:
    """28 Feb 2022 in English."""
    return _in(language).date_short(value)


def time_short(value: datetime, language: str = "en") -> str:
    """14:30 in English."""
    return _in(language).time_short(value)


def month_name(year: int, month: int, language: str = "en") -> str:
    """February 2022: a month's archive page."""
    return _in(language).month_name(year, month)


def isoformat(value: datetime) -> str:
    return value.isoformat()

"""Dates as pages show them (the theme's filters, the archives' names)."""

from __future__ import annotations

from datetime import datetime

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")


def date_long(value: datetime) -> str:
    """28 February 2022 (no leading zero, English month names whatever the locale)."""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def date_short(value: datetime) -> str:
    return f"{value.day} {MONTHS[value.month - 1][:3]} {value.year}"


def time_short(value: datetime) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"


def isoformat(value: datetime) -> str:
    return value.isoformat()


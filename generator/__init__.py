"""Broadsheet: a static site generator for news blogs."""

__version__ = "0.1.0"

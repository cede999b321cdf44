"""One YAML loader for config and front matter.

It is PyYAML's safe loader (the C one where available) with the timestamp
resolver removed: dates stay strings so that `content.py` can read them all the
same way, and an impossible date such as 2024-13-45 becomes our own error with
a line number instead of a ValueError from deep inside PyYAML.
"""

from __future__ import annotations

from typing import Any

import yaml

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Loader(_Base):  # type: ignore[misc,valid-type]
    pass


Loader.yaml_implicit_resolvers = {
    first: [(tag, regex) for tag, regex in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _Base.yaml_implicit_resolvers.items()
}

YAMLError = yaml.YAMLError
MarkedYAMLError = yaml.MarkedYAMLError


def load(text: str) -> Any:
    return yaml.load(text, Loader=Loader)  # noqa: S506 - Loader is a safe loader


def top_level_key_lines(text: str) -> dict[str, int]:
    """1-based line of each top-level key of a YAML mapping (for messages)."""
    node = yaml.compose(text, Loader=Loader)
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {
        str(key.value): key.start_mark.line + 1
        for key, _ in node.value
        if isinstance(key, yaml.ScalarNode)
    }


def nested_key_lines(text: str, parent: str) -> dict[str, int]:
    """1-based line of each key of the mapping under a top-level key."""
    node = yaml.compose(text, Loader=Loader)
    if not isinstance(node, yaml.MappingNode):
        return {}
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.value == parent and isinstance(value, yaml.MappingNode):
            return {str(k.value): k.start_mark.line + 1 for k, _ in value.value if isinstance(k, yaml.ScalarNode)}
    return {}

"""What a build made lately and may be asked for again soon: a card, a teaser, a feed item.

A site's pages are planned (and so written) in the order of the newest article each shows (see
render.py), so an article's card is asked for again within a few hundred pages of being made,
not across the whole site: a cache of the last few thousand holds nearly every repeat, and its
memory does not grow with the archive (each worker used to keep every card of a
100,000-article site, about 250 MB)."""

from __future__ import annotations

from typing import Generic, TypeVar

from ..write.parallel import memory_limit

K = TypeVar("K")
V = TypeVar("V")

_ABSENT = object()

# What a worker keeps of each article it shows (its teaser, its cards): every one at a site of up
# to some 16,000 articles, the last 16,000 or more at a larger one.
PER_ARTICLE = 16384
# The same within a memory limit (`build --memory-limit`, config.yaml `memory_limit`): at 100,000
# articles the caches of the default theme's cards and the teasers, 16,000 to 32,000 entries each,
# held some 200 MB of a build asked to keep within 1 GiB. The last 2,048 still hold most repeats
# (an article's card is asked for again within a few hundred pages); the rest are made again.
PER_ARTICLE_WITHIN_LIMIT = 2048


def per_article() -> int:
    """The size of a cache of what is made per article: smaller when the build was asked to keep
    within a memory limit (the output is the same: a cache only saves making a thing again)."""
    return PER_ARTICLE if memory_limit() is None else PER_ARTICLE_WITHIN_LIMIT


class Recent(Generic[K, V]):
    """A mapping that keeps at least the last `size` entries put or found, and at most twice as
    many. Two dicts: entries are put in the young one; when it holds `size`, it becomes the old
    one and the old one is dropped whole; an entry found in the old one moves back into the
    young. Each step is O(1): dropping the oldest key of a single dict instead
    (`del d[next(iter(d))]`) scans the deleted slots at its front, thousands per step."""

    __slots__ = ("size", "_young", "_old")

    def __init__(self, size: int):
        if size < 1:
            raise ValueError("a Recent cache keeps at least one entry")
        self.size = size
        self._young: dict[K, V] = {}
        self._old: dict[K, V] = {}

    def get(self, key: K) -> V | None:
        value = self._young.get(key, _ABSENT)
        if value is _ABSENT:
            value = self._old.pop(key, _ABSENT)
            if value is _ABSENT:
                return None
            self.put(key, value)
        return value  # type: ignore[return-value] - not _ABSENT here

    def put(self, key: K, value: V) -> None:
        if len(self._young) >= self.size:
            self._old = self._young
            self._young = {}
        self._young[key] = value

    def clear(self) -> None:
        self._young = {}
        self._old = {}

    def __len__(self) -> int:
        return len(self._young) + len(self._old)

"""Related stories: for each article, the others that share most of its tags. Pure: indices in, indices out.

Ranked by the number of tags shared, most first; then by the weight of the tags shared, where a tag
on n articles weighs 1/n, so that a rare tag counts for more than a common one; then newest first
(the smaller index). An article is never related to itself; one without tags has none.

Fast because it never scores every article that shares a tag with the one asked about. Those
sharing two tags are the intersection of the two tags' members, one AND of two big integers (bit
masks) or of two small sets, in C, and are few; those sharing one are read off the tag's members,
rarest tag first and newest first, until the list is full.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Sequence
from itertools import chain, combinations
from operator import itemgetter

# Tags on at least 1/MASKED of the articles also get a bit mask. A mask takes an eighth of a byte per
# article on the site, so masks take at most MASKED / 8 bytes per use of a tag in all; a smaller tag
# is intersected as a set, and costs as much as it has members.
MASKED = 256
# An article with more masked tags than this uses the sets alone: ranking those sharing three tags
# or more walks the subsets of its tags, 2**n of them.
MOST_MASKED = 6


class Related:
    """Related articles by shared tags, for a list of articles newest first."""

    __slots__ = ("_indices", "_tags", "_members", "_sets", "_masks", "_weights", "_sizes")

    def __init__(self, tag_keys: Sequence[tuple[str, ...]]):
        # Tags become small integers, in order of first use; articles keep only their own set of them.
        ids: dict[str, int] = {}
        members: list[list[int]] = []  # by tag: the articles carrying it, in order, so newest first
        # Each article's tags as a tuple in the order a frozenset of them would give: a frozenset
        # is 200-700 bytes, a tuple of five 80, and at a million articles that is half a GiB.
        tags: list[tuple[int, ...]] = []
        for i, keys in enumerate(tag_keys):
            own: list[int] = []
            for key in dict.fromkeys(keys):  # a tag given twice counts once
                tag = ids.get(key)
                if tag is None:
                    tag = ids[key] = len(members)
                    members.append([])
                members[tag].append(i)
                own.append(tag)
            tags.append(tuple(frozenset(own)))
        sizes = tuple(map(len, members))
        # Weights are compared exactly, as whole numbers: a tag on n articles weighs L // n, where L
        # is the least common multiple of every n. As floats, 1/2 + 1/12 comes out above 1/3 + 1/4,
        # though both are 7/12. L stays small, as a site has few distinct tag sizes: 224 bits for
        # the benchmark's 10,000 articles.
        scale = math.lcm(*sizes) if sizes else 1
        least = len(tags) / MASKED
        self._indices = range(len(tags))
        self._tags = tuple(tags)
        self._members = tuple(map(tuple, members))
        self._sets = tuple(map(frozenset, members))
        self._masks = tuple(_mask(m, len(tags)) if len(m) >= least else None for m in members)
        self._weights = tuple(scale // n for n in sizes)
        self._sizes = sizes

    def of(self, i: int, limit: int = 4) -> tuple[int, ...]:
        """The indices of article i's related articles, best first."""
        i = self._indices[i]
        own = self._tags[i]
        if not own or limit <= 0:
            return ()
        masks = self._masks
        masked = [t for t in own if masks[t] is not None]
        if len(masked) > MOST_MASKED:
            masked = []
        # Those sharing two tags or more rank first. Sharing a small tag, they are few: score them.
        # Sharing masked tags only, the masks rank them.
        several: set[int] = set()
        if len(masked) < len(own):
            several = self._sharing_two(own, masked)
            several.discard(i)
        skip = several | {i}
        found = self._by_masks(i, masked, limit, skip) if len(masked) > 1 else []
        if several:
            tags, weights = self._tags, self._weights
            own_set = frozenset(own)
            keys = []
            for j in chain(several, found):
                shared = own_set.intersection(tags[j])
                keys.append((-len(shared), -sum([weights[t] for t in shared]), j))
            keys.sort()
            found = [key[2] for key in keys[:limit]]
        # Fewer than `limit` share two tags or more, so all of those are found: the rest share one.
        if len(found) < limit:
            skip.update(found)
            found += self._sharing_one(own, limit - len(found), skip)
        return tuple(found)

    def _sharing_two(self, own: tuple[int, ...], masked: list[int]) -> set[int]:
        """The articles sharing with `own` two tags not both in `masked` (the article itself too)."""
        sets = self._sets
        several: set[int] = set()
        for a, b in combinations(own, 2):
            if a not in masked or b not in masked:
                several |= sets[a] & sets[b]  # in C, over the smaller set: the small tag's members
        return several

    def _by_masks(self, i: int, own: list[int], limit: int, skip: set[int]) -> list[int]:
        """The best `limit` (all, if fewer) of the articles sharing two or more of the masked tags
        `own` with i, ranked as if i had no other tags, leaving out those in `skip`.

        Those sharing exactly the tags of a subset of `own` are the AND of those tags' masks less the
        articles sharing more: rank the subsets by size and weight, take the newest of each.
        """
        found: list[int] = []
        masks, weights = self._masks, self._weights
        last = len(self._tags) - 1
        drop = 1 << (last - i)
        bits = [masks[t] ^ drop for t in own]  # i carries all its tags; clear it from every mask
        count = len(bits)
        # Pairs first: most articles that share more than one tag share two. `twos` gathers those
        # sharing two of the tags before the b-th, so that with the b-th they share three or more.
        pairs: list[tuple[int, int]] = []  # (weight, mask)
        twos = threes = 0
        for b in range(1, count):
            mask = bits[b]
            if twos:
                threes |= twos & mask
            for a in range(b):
                shared = bits[a] & mask
                if shared:
                    pairs.append((weights[own[a]] + weights[own[b]], shared))
                    if b < count - 1:
                        twos |= shared
        levels: list[list[tuple[int, int]]] = []  # best first: the subsets of each size, with weights
        if threes:  # less often: count how many of the tags each article shares, the way one adds in binary
            at_least = [0] * (count + 2)
            for n, mask in enumerate(bits):
                for c in range(n, 0, -1):
                    if at_least[c]:
                        at_least[c + 1] |= at_least[c] & mask
                at_least[1] |= mask
            for c in range(count, 2, -1):
                more = at_least[c + 1]
                if at_least[c] == more:
                    continue  # none shares exactly c
                groups = []
                for subset in combinations(range(count), c):
                    shared = bits[subset[0]]
                    for k in subset[1:]:
                        shared &= bits[k]
                    if more and shared:
                        shared ^= shared & more  # not `& ~more`: a negative operand is copied twice
                    if shared:
                        groups.append((sum([weights[own[k]] for k in subset]), shared))
                levels.append(groups)
            pairs = [(weight, shared ^ (shared & threes)) for weight, shared in pairs]
        levels.append(pairs)
        for groups in levels:
            groups.sort(key=itemgetter(0), reverse=True)
            # Subsets of equal weight rank their articles together, newest first: OR them.
            g = 0
            while g < len(groups):
                weight, shared = groups[g]
                g += 1
                while g < len(groups) and groups[g][0] == weight:
                    shared |= groups[g][1]
                    g += 1
                while shared:  # newest first: the highest bit
                    top = shared.bit_length() - 1
                    shared ^= 1 << top
                    j = last - top
                    if j not in skip:
                        found.append(j)
                        if len(found) == limit:
                            return found
        return found

    def _sharing_one(self, own: tuple[int, ...], need: int, skip: set[int]) -> list[int]:
        """The best `need` of the articles sharing a tag in `own`, not counting those in `skip`, which
        must hold every article sharing two or more: the rarer the tag the better, then the newer."""
        found: list[int] = []
        members, sizes = self._members, self._sizes
        order = sorted(own, key=sizes.__getitem__)
        k = 0
        while k < len(order):
            # Tags of equal size weigh the same: their members rank together, by index.
            size = sizes[order[k]]
            end = k + 1
            while end < len(order) and sizes[order[end]] == size:
                end += 1
            if end == k + 1:
                candidates = members[order[k]]
            else:
                depth = need + len(skip)  # enough of each to find `need` not skipped
                candidates = sorted(set().union(*[members[t][:depth] for t in order[k:end]]))
            for j in candidates:
                if j not in skip:
                    found.append(j)
                    if len(found) == need:
                        return found
            k = end
        return found

    def showing(self, i: int, limit: int = 4) -> tuple[int, ...]:
        """The indices j != i whose related articles (of(j, limit)) include i, in order."""
        i = self._indices[i]
        own = self._tags[i]
        if not own or limit <= 0:
            return ()
        tags, members, masks, sizes = self._tags, self._members, self._masks, self._sizes
        # Any article sharing two tags or more with i may show it: check each.
        masked = [t for t in own if masks[t] is not None]
        several = self._sharing_two(own, masked)
        union = 0
        for t in masked:
            several.update(_articles_in(union & masks[t], len(tags) - 1))
            union |= masks[t]
        several.discard(i)
        candidates = set(several)
        # One sharing a single tag t ranks above i every other member of t newer than i: those share
        # t too, so they share as much as i does or more, and are newer. So when `limit` or more of
        # them are, it does not show i; nor when another of its tags is rarer than t and on over
        # `limit` other articles, or as rare and on `limit` newer than i.
        for t in own:
            newer = bisect_left(members[t], i)
            if newer > limit:
                continue
            size = sizes[t]
            for j in members[t][:newer] if newer == limit else members[t]:
                if j == i or j in several:
                    continue
                for u in tags[j]:
                    if u != t and sizes[u] <= size and (
                        sizes[u] > limit if sizes[u] < size else bisect_left(members[u], i) - (j < i) >= limit
                    ):
                        break
                else:
                    candidates.add(j)
        return tuple(sorted([j for j in candidates if i in self.of(j, limit)]))


def _articles_in(mask: int, last: int) -> list[int]:
    """The articles in a mask, newest first."""
    found = []
    while mask:
        top = mask.bit_length() - 1
        mask ^= 1 << top
        found.append(last - top)
    return found


def _mask(indices: Sequence[int], count: int) -> int:
    """The articles at these indices (ascending) of `count` as a bit mask. Article j is bit count - 1 - j,
    so that the newest is the highest bit, found at once by int.bit_length(). Built as bytes: OR-ing
    in one bit at a time would copy the whole number each time."""
    last = count - 1
    data = bytearray(((last - indices[0]) >> 3) + 1)
    for j in indices:
        bit = last - j
        data[bit >> 3] |= 1 << (bit & 7)
    return int.from_bytes(data, "little")


def synthetic(count: int = 10_000, tags: int = 200, seed: int = 42) -> list[tuple[str, ...]]:
    """Tag keys for a benchmark: 2-5 tags each of `tags`, about 175 articles a tag at 10,000."""
    import random

    rng = random.Random(seed)
    pool = [f"topic-{n:03d}" for n in range(tags)]
    return [tuple(rng.sample(pool, rng.randint(2, 5))) for _ in range(count)]


def benchmark(count: int = 10_000) -> None:
    """Time of() for every article of a synthetic site, and showing() for a few."""
    import time

    keys = synthetic(count)
    start = time.perf_counter()
    related = Related(keys)
    built = time.perf_counter()
    for i in range(count):
        related.of(i)
    done = time.perf_counter()
    print(f"{count:,} articles: Related() {built - start:.3f} s, of() for all {done - built:.3f} s")
    for i in (0, 1, 2, count // 2):
        start = time.perf_counter()
        shown = related.showing(i)
        print(f"showing({i}): {len(shown)} pages, {(time.perf_counter() - start) * 1e3:.2f} ms")


if __name__ == "__main__":  # python -m generator.model.related [count]
    import sys

    benchmark(*map(int, sys.argv[1:2]))

"""Related stories: the rules on examples a reader can check, and the fast ranking against the plain one."""

import random
from collections import Counter
from fractions import Fraction

import pytest

from generator.model import related
from generator.model.related import Related


def brute_rankings(tag_keys):
    """The rules as written: for each article, score every other one and sort by the whole key.

    Returns each article's full ranking: its related articles for a limit are the first `limit`.
    """
    tags = [frozenset(keys) for keys in tag_keys]
    size = Counter(tag for own in tags for tag in own)
    weights = {}  # by the set of tags shared: their weight, a Fraction
    scored = []
    for i, own in enumerate(tags):
        keys = []
        for j, theirs in enumerate(tags):
            shared = own & theirs
            if j != i and shared:
                if shared not in weights:
                    weights[shared] = sum(Fraction(1, size[t]) for t in shared)
                keys.append((len(shared), shared, j))
        scored.append(keys)
    # Sorting by the Fractions themselves is slow: sort by their order among all the weights instead.
    rank = {weight: n for n, weight in enumerate(sorted(set(weights.values())))}
    rank = {shared: rank[weight] for shared, weight in weights.items()}
    return [tuple(j for _, _, j in sorted((-count, -rank[shared], j) for count, shared, j in keys))
            for keys in scored]


def brute_showing(rankings, i, limit):
    return tuple(j for j, ranking in enumerate(rankings) if j != i and i in ranking[:limit])


def random_keys(rng, count, pool, most):
    """Tags drawn unevenly from a pool (some common, some rare), now and then one twice or none at all."""
    names = [f"t{n}" for n in range(pool)]
    weights = [1 / (n + 1) for n in range(pool)]
    return [tuple(rng.choices(names, weights, k=rng.randint(0, most))) for _ in range(count)]


# count, pool, most tags an article has: small pools tie often, large ones leave tags with one article.
SHAPES = [(1, 1, 2), (2, 1, 1), (5, 2, 2), (12, 3, 3), (40, 4, 4), (60, 30, 3), (120, 6, 5),
          (200, 50, 5), (300, 12, 4), (300, 150, 6)]


@pytest.mark.parametrize("seed", range(2))
@pytest.mark.parametrize("count, pool, most", SHAPES)
def test_of_is_the_brute_force_ranking(count, pool, most, seed, monkeypatch):
    rng = random.Random(f"{seed}-{count}-{pool}-{most}")
    keys = random_keys(rng, count, pool, most)
    rankings = brute_rankings(keys)
    # Both ways of intersecting tags: every tag a bit mask, then none; then the real thresholds;
    # then masked and small tags mixed, and articles with over two masked tags using sets alone.
    for masked, most_masked, limits in (
        (1 << 30, 6, (1, 4, 7)), (1, 6, (4,)), (related.MASKED, related.MOST_MASKED, (1, 4, 7)),
        (16, 6, (1, 4)), (8, 2, (4,)),
    ):
        monkeypatch.setattr(related, "MASKED", masked)
        monkeypatch.setattr(related, "MOST_MASKED", most_masked)
        fast = Related(keys)
        for limit in limits:
            for i in range(count):
                assert fast.of(i, limit) == rankings[i][:limit], (i, limit, masked)


@pytest.mark.parametrize("count, pool, most", SHAPES[:8])
def test_showing_is_the_brute_force_inverse(count, pool, most, monkeypatch):
    rng = random.Random(f"showing-{count}-{pool}-{most}")
    keys = random_keys(rng, count, pool, most)
    rankings = brute_rankings(keys)
    for masked in (1 << 30, 1, 16):
        monkeypatch.setattr(related, "MASKED", masked)
        fast = Related(keys)
        for limit in (4, 2):
            for i in range(0, count, max(1, count // 40)):
                assert fast.showing(i, limit) == brute_showing(rankings, i, limit), (i, limit, masked)


def test_a_big_site_agrees_with_the_brute_force():
    # The benchmark's shape at a size that still runs quickly: tags of some 30 articles each.
    keys = related.synthetic(count=1000, tags=120)
    fast = Related(keys)
    rankings = brute_rankings(keys)
    for i in range(1000):
        assert fast.of(i) == rankings[i][:4]
    for i in (0, 1, 2, 500, 999):
        assert fast.showing(i) == brute_showing(rankings, i, 4)


def test_an_article_is_never_its_own_related():
    keys = [("rail",), ("rail",), ("rail", "rail")]  # a tag given twice counts once
    index = Related(keys)
    assert index.of(0) == (1, 2)
    assert index.of(2) == (0, 1)
    assert index.showing(0) == (1, 2)
    assert index.of(-1) == (0, 1)  # negative indices count from the end, as in a list
    with pytest.raises(IndexError):
        index.of(3)


def test_more_shared_tags_beat_fewer_even_rare_ones():
    keys = [
        ("rail", "strike", "flooding"),  # 0
        ("flooding",),  # 1: shares one tag, a rare one (on 2 articles: weight 1/2)
        ("rail", "strike"),  # 2: shares two common ones (on 4 articles each: 1/4 + 1/4)
        ("rail",), ("strike",), ("rail",), ("strike",),
    ]
    assert Related(keys).of(0) == (2, 1, 3, 4)


def test_a_rare_shared_tag_beats_a_common_one():
    keys = [
        ("flooding", "election"),  # 0
        ("election",),  # 1: election is common: on 0, 1, 2, 3, 5
        ("election",),
        ("election",),
        ("flooding",),  # 4: flooding is on 0 and 4 only
        ("election",),
    ]
    assert Related(keys).of(0) == (4, 1, 2, 3)
    assert Related(keys).of(0, limit=2) == (4, 1)


def test_exact_weights_tie_and_the_newest_wins():
    # Shared pairs weighing 1/3 + 1/4 and 1/2 + 1/12: both 7/12, though as floats the second is
    # larger. So the newer article, 1, comes first.
    keys = [("a", "b", "c", "d"), ("c", "d"), ("a", "b"), ("c",), ("d",), ("d",)] + [("b",)] * 10
    assert Related(keys).of(0) == (1, 2, 3, 4)
    # A full tie: the same tags, so the newest first.
    keys = [("x", "y"), ("x", "y"), ("x", "y"), ("x", "y")]
    assert Related(keys).of(3) == (0, 1, 2)
    assert Related(keys).of(0, limit=2) == (1, 2)


def test_no_tags_no_related():
    keys = [(), ("a",), ("a",), ()]
    index = Related(keys)
    assert index.of(0) == () and index.of(3) == ()
    assert index.showing(0) == ()
    assert index.of(1) == (2,) and index.of(1, limit=0) == ()
    Related([])  # an empty site builds


def test_showing_lists_the_pages_that_show_an_article():
    keys = [("a", "b"), ("a", "b"), ("a",), ("a",), ("a",), ("a",), ("a",), ("b",)]
    index = Related(keys)
    assert index.of(7) == (0, 1)
    assert index.of(2) == (0, 1, 3, 4)
    assert index.showing(0) == (1, 2, 3, 4, 5, 6, 7)  # the newest: on every list
    assert index.showing(4) == (2, 3)  # lists of "a" hold 0 and 1, then the two newest others
    assert index.showing(6) == ()  # the oldest "a": every list that could hold it is full of newer ones

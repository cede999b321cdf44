"""generator/read/fast_yaml.py against PyYAML: whatever the fast reader returns, yamlutil.load returns too.

1. Differential: seeded random front matters (well-formed, with one flaw, mutated) — the fast
   reader either declines (None) or gives the very value, types included, that PyYAML gives; and
   it declines whenever PyYAML fails.
2. Coverage: the benchmark corpus's front matters and the sample site's all take the fast path,
   and so does a good share of the well-formed random ones.
"""

from __future__ import annotations

import math
import random
import re
from pathlib import Path
from typing import Any

import pytest

from generator import yamlutil
from generator.read import fast_yaml
from generator.read.frontmatter import read_document

from conftest import REPO, benchmark_texts
_FENCE = re.compile(r"^---[ \t]*$", re.M)


# --------------------------------------------------------------------------- comparing


def same(a: Any, b: Any) -> bool:
    """Equal with the same types all the way down (1 == True == 1.0 in Python; not here), NaN included."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return len(a) == len(b) and all(
            same(ka, kb) and same(va, vb) for (ka, va), (kb, vb) in zip(a.items(), b.items()))
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    return a == b


def pyyaml(text: str) -> tuple[bool, Any]:
    """(True, value) or (False, None) when PyYAML fails (a YAMLError, or a ValueError from a constructor)."""
    try:
        return True, yamlutil.load(text)
    except Exception:  # noqa: BLE001 - any failure: the fast reader must have declined
        return False, None


def disagreement(text: str) -> str | None:
    """Why the fast reader is wrong on text, or None when it is right (or declined)."""
    fast = fast_yaml.parse(text)
    if fast is None:
        return None
    ok, expected = pyyaml(text)
    if not ok:
        return f"PyYAML fails but the fast reader gives {fast!r}"
    if not same(fast, expected):
        return f"fast {fast!r} != PyYAML {expected!r}"
    return None


def check_all(texts: list[str]) -> None:
    wrong = [(text, why) for text in texts if (why := disagreement(text))]
    assert not wrong, f"{len(wrong)} of {len(texts)} wrong, e.g.\n" + "\n".join(
        f"{text!r}\n  -> {why}" for text, why in wrong[:5])


# --------------------------------------------------------------------------- random front matters

WORDS = ["Hello", "world", "council", "budget", "Rail", "strike", "café", "Україна", "東京", "😀", "naïve",
         "it's", 'say "hi"', "C#", "a#b", "x:y", "http://example.org/a#b", "50%", "a&b", "1/2", "—", "…"]
# Plain scalars that YAML 1.1 reads as something else, or that are not plain scalars at all.
ODD = ["yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF", "y", "n", "Y", "N",
       "true", "True", "TRUE", "false", "False", "FALSE", "tRUE", "null", "Null", "NULL", "nULL", "~",
       "0", "00", "012", "019", "0o7", "0x1F", "0x_1f", "0xG", "0b101", "0b_", "0b2", "1_000", "_1", "1__",
       "+1", "-1", "+0", "-0", "1e3", "1.0e+3", "1.0e3", "1.5", ".5", "1.", "-.5", "1_0.5", ".inf", "-.Inf",
       "+.INF", ".nan", ".NaN", ".NAN", "1:20", "1:20:30", "1:60", "-1:20", "190:20:30.15", "0:30", "1:2:",
       "2022-02-28", "2022-02-28 09:30", "2020-08-04T20:40:59+00:00", "2024-13-45", "09:30",
       "-", "--", "---", "...", "-x", "- x", "=", "<<", "!", "&", "*", "&a x", "*a", "!tag x", "!!str 3", "|",
       ">", "|-", "%x", "@x", "`x`", "?", "?x", "? x", ":x", ": x", "x:", "a: b", "a:b", "a :b", "#", "x #y",
       "x#y", "[a]", "{a: b}", "a, b", "a]", "a}", ",a", "'", '"', "''", "a'b", 'a"b', "\\", "a\\nb", "\\t",
       "a  b", "Ⅻ", "١٢٣", "１２", "0x١", "ǅ"]
KEYS = ["title", "date", "tags", "draft", "weight", "summary", "author", "a_b", "a-b", "_x", "x9", "yes", "no",
        "on", "null", "Null", "true", "y", "n", "Off", "TRUE", "a" * 130, "a b", "-x", "1", "1.5", "~", "x.y",
        "é", "\"q\"", "'q'", "[a]", "? x", "<<", "=", "x "]


def atom(rng: random.Random) -> str:
    return rng.choice(ODD) if rng.random() < 0.45 else rng.choice(WORDS)


def phrase(rng: random.Random) -> str:
    return " ".join(atom(rng) for _ in range(rng.choice((1, 1, 1, 2, 3))))


def comment(rng: random.Random) -> str:
    return rng.choice((" # note", "  #note", "#glued", " #", " # a: b", ' # "q"', " # 'q', [a]", ' #"x", "y"]')
                      ) if rng.random() < 0.2 else ""


def spaces(rng: random.Random) -> str:
    return rng.choice(("", "", "", "", " ", "  "))


def double_quoted(rng: random.Random) -> str:
    inner = phrase(rng).replace('"', rng.choice(("'", "", '\\"', '"')))
    return f'"{spaces(rng)}{inner}{spaces(rng)}"'


def single_quoted(rng: random.Random) -> str:
    inner = phrase(rng).replace("'", rng.choice(("''", "''", "'", "")))
    return f"'{spaces(rng)}{inner}{spaces(rng)}'"


def scalar(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.4:
        return phrase(rng)
    if kind < 0.7:
        return double_quoted(rng)
    return single_quoted(rng)


def flow_sequence(rng: random.Random) -> str:
    items = [scalar(rng) for _ in range(rng.randint(0, 4))]
    separator = rng.choice((", ", ",", " , ", ",  "))
    inside = separator.join(items) + (rng.choice((",", ", ")) if items and rng.random() < 0.05 else "")
    return f"[{spaces(rng)}{inside}{spaces(rng)}]"


def value(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.08:
        return ""
    if kind < 0.25:
        return flow_sequence(rng)
    return scalar(rng)


def key(rng: random.Random) -> str:
    return rng.choice(KEYS) if rng.random() < 0.2 else rng.choice(KEYS[:7])


def block_sequence(rng: random.Random) -> list[str]:
    indent = " " * rng.choice((0, 0, 2, 2, 4))
    lines = []
    for _ in range(rng.randint(1, 4)):
        if rng.random() < 0.2:
            column = indent + "  "
            first, *more = [f"{key(rng)}:{' ' + value(rng) if rng.random() < 0.9 else ''}{comment(rng)}"
                            for _ in range(rng.randint(1, 3))]
            lines += [f"{indent}- {first}"] + [column + line for line in more]
        else:
            lines.append(f"{indent}-{' ' + value(rng) if rng.random() < 0.95 else ''}{comment(rng)}")
    return lines


def front_matter(rng: random.Random) -> str:
    """A well-formed-looking front matter of the common shapes (a few of them not well-formed after all)."""
    lines: list[str] = []
    for _ in range(rng.randint(1, 8)):
        kind = rng.random()
        if kind < 0.05:
            lines.append(rng.choice(("", "# a comment", "  # indented comment", "   ")))
        elif kind < 0.15:
            lines.append(f"{key(rng)}:{comment(rng)}")
            lines += block_sequence(rng)
        else:
            text = value(rng)
            lines.append(f"{key(rng)}:{' ' + spaces(rng) + text if text else ''}{spaces(rng)}{comment(rng)}")
    return "\n".join(lines) + rng.choice(("\n", "\n", ""))


HOSTILE = ["\t", "\r", "\x85", "\u2028", "\ufeff", "\x00", "\x7f", "\ud800", ":", ": ", " #", "#", "'", '"', "-",
           "- ", "[", "]", "{", "}", ",", "&", "*", "!", "|", ">", "?", "%", "@", "`", "\\", "\n", "\n  ", "\n- ",
           "  ", " ", "é", "\n...\n", "\n---\n", "x: y\n", "\n\n"]


def mutated(rng: random.Random, text: str) -> str:
    """The text with one random flaw: a character or piece inserted, deleted, a line indented, doubled..."""
    at = rng.randrange(len(text) + 1)
    kind = rng.random()
    if kind < 0.55:
        return text[:at] + rng.choice(HOSTILE) + text[at:]
    if kind < 0.75:
        return text[:at] + text[at + 1:]
    lines = text.split("\n")
    index = rng.randrange(len(lines))
    if kind < 0.9:
        lines[index] = " " * rng.randint(1, 4) + lines[index]
    else:
        lines.insert(index, lines[index])
    return "\n".join(lines)


def well_formed(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [front_matter(rng) for _ in range(count)]


def test_random_front_matters():
    check_all(well_formed(3000, seed=1))


def test_random_front_matters_with_one_flaw():
    rng = random.Random(2)
    check_all([mutated(rng, text) for text in well_formed(3000, seed=3)])


def test_random_scalars_one_per_line():
    """Every odd scalar in every position: a value, a quoted value, a list item, a flow item, a key."""
    texts = []
    for text in ODD + WORDS:
        texts += [f"k: {text}\n", f"k: {text} \n", f"k: '{text}'\n", f'k: "{text}"\n', f"k:\n- {text}\n",
                  f"k:\n  - {text}\n", f"k: [{text}]\n", f"k: [a, {text}, b]\n", f"{text}: v\n",
                  f"k:\n  - {text}: v\n", f"k:\n  - a: b\n    {text}: v\n"]
    check_all(texts)


# --------------------------------------------------------------------------- how often the fast path is taken


def meta_text(text: str) -> str:
    """The YAML between an article's --- lines, as read_document takes it."""
    document = read_document(Path("article.md"), text.encode("utf-8"))
    assert not hasattr(document, "message"), document
    return document.meta_text


def benchmark_front_matters(count: int = 300) -> list[str]:
    """bench/corpus.py's synthetic articles, as the benchmark makes them (some with a lead image)."""
    return [meta_text(text) for text in benchmark_texts(count, lead_image_every=5)]


def news_front_matters(count: int = 300) -> list[str]:
    """Front matters shaped like the 10,000-article benchmark site's: quoted strings, a quoted tag list, a slug."""
    rng = random.Random(7)
    words = ["storm", "council", "Neighbourhood", "Farm", "music", "Residents", "Región", "São", "it's", "a"]
    texts = []
    for n in range(count):
        title = " ".join(rng.choice(words) for _ in range(rng.randint(3, 9))).title()
        tags = ", ".join(f'"{rng.choice(words).lower()}-{rng.choice(("europe", "policy"))}"' for _ in range(5))
        texts.append(
            f'title: "{title}"\ndate: 2020-08-{n % 28 + 1:02d}T20:40:59+00:00\nauthor: "Priya Silva"\n'
            f'tags: [{tags}]\ncategory: "Sports"\nsummary: "{title.capitalize()} record."\n'
            f'slug: "{title.lower().replace(" ", "-")}-{n:05d}"\n')
    return texts


def sample_site_front_matters() -> list[str]:
    return [meta_text(path.read_text(encoding="utf-8")) for path in sorted((REPO / "content").rglob("*.md"))]


@pytest.mark.parametrize("source", [benchmark_front_matters, news_front_matters, sample_site_front_matters])
def test_every_usual_front_matter_takes_the_fast_path(source):
    """Guards the gain: these all go the fast way (and right), else the fast path silently stopped working."""
    texts = source()
    assert texts
    check_all(texts)
    declined = [text for text in texts if fast_yaml.parse(text) is None]
    assert not declined, f"{len(declined)} of {len(texts)} declined, e.g. {declined[0]!r}"


def test_most_well_formed_random_front_matters_take_the_fast_path():
    texts = well_formed(1000, seed=4)
    taken = sum(fast_yaml.parse(text) is not None for text in texts)
    assert taken >= 0.3 * len(texts), f"only {taken} of {len(texts)} took the fast path"


def test_fixtures_match():
    """The test fixtures' front matters, broken ones included: declined or right."""
    texts = []
    for path in sorted((REPO / "tests" / "fixtures").rglob("*.md")):
        text = path.read_text(encoding="utf-8", errors="replace").replace("\r\n", "\n")
        closing = _FENCE.search(text, 4) if text.startswith("---\n") else None
        if closing:
            texts.append(text[4:closing.start()])
    check_all(texts)


def test_load_front_matter_falls_back_to_pyyaml():
    assert fast_yaml.load_front_matter("title: Hello\n") == {"title": "Hello"}
    assert fast_yaml.load_front_matter("title: >\n  Hello\n  world\n") == {"title": "Hello world\n"}
    with pytest.raises(yamlutil.MarkedYAMLError):
        fast_yaml.load_front_matter('title: "unclosed\n')

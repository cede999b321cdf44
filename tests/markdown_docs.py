"""Random Markdown documents for tests/test_fast_markdown.py, and a shrinker for the ones that fail.

well_formed(rng) is made only of what generator/read/fast_markdown.py claims to handle (plain
paragraphs, *em*, **strong**, links and images without titles, ATX headings, tight one-line
lists, blockquotes of paragraphs, pipe tables): its fast path should take nearly all of them.
hostile(rng) mixes those with near-misses and characters that mean something to Markdown; each
choice is drawn with probability `spice`, so some documents are almost well-formed and others
are a thicket. one_off(rng) is a well-formed document with one such thing in it (the surest way
to the fast path's edges), mutated(rng) one with a few characters deleted, doubled, swapped or put
in. shrink(text, fails) cuts a failing document down to what still fails.
"""

from __future__ import annotations

import random
from collections.abc import Callable

# --------------------------------------------------------------------------- the accepted constructs

WORDS = (
    "council budget vote minister report police court school river flood rail strike election "
    "leader plan tax funding season match club league festival museum weather coast bridge road "
    "housing rent climate energy the a of and to in is that for on with as was by at from said "
    "told added Tuesday Harlingford Cllr BBC 31 votes 2.99 £52.47 2022/23 50% 11pm "
    "Zoë café naïve Київ 東京 — – … “quoted” ‘single’ it's don't o'clock late-night "
    "\"quotes\" 'apostrophes' -- ... & Q&A R&D x:y e.g. $5 +6.6% −6.3% well, so; yes! no? "
    "(aside) 3/4 °C ½ emoji🙂 non-breaking\u00a0space"
).split(" ")
HEADINGS = ("Background", "What happens next", "Київ", "Zoë — “quoted” …", "The debate", "Top 1", "Top stories",
            "2019 in review", "It's \"done\"", "—", "Why it matters", "Reaction", "Reaction")
# Headings whose toc ids the theme has (markup.THEME_IDS, renamed top_1...), or that hold a "&".
ODD_HEADINGS = ("Top", "Search", "Main content", "More stories", "Search results", "Not found title",
                "Related title", "Q&A", "R & D", "top", "TOP", "Search-results", "Main  content")
URLS = ("other.md", "x.md", "missing.md", "#anchor", "#top", "#search", "#background",
        "https://x.example/a?b=1&c=2", "https://x.example/", "/section/page/", "other.md#the-debate",
        "mailto:desk@x.example", "../x.md")
IMAGES = ("photo.jpg", "https://cdn.x.example/p.png", "/media/photo.jpg", "missing.png",
          "https://x.example/a.jpg?w=1&h=2")


def words(rng: random.Random, low: int = 1, high: int = 6) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high)))


def first_word(rng: random.Random) -> str:
    """A word a line can start with and stay a paragraph line (no digit, quote or dash)."""
    return rng.choice(("The", "A", "Council", "Zoë", "Київ", "Residents", "Police", "It's", "Rail"))


def inline(rng: random.Random) -> str:
    """An accepted inline piece: words, *em*, **strong**, a link or an image."""
    roll = rng.random()
    if roll < 0.55:
        return words(rng)
    if roll < 0.68:
        return f"*{words(rng, 1, 3)}*"
    if roll < 0.80:
        return f"**{words(rng, 1, 3)}**"
    if roll < 0.93:
        return f"[{words(rng, 1, 3)}]({rng.choice(URLS)})"
    return f"![{words(rng, 1, 3)}]({rng.choice(IMAGES)})"


def line(rng: random.Random, pieces: int = 4) -> str:
    return " ".join([first_word(rng)] + [inline(rng) for _ in range(rng.randint(1, pieces))])


def paragraph(rng: random.Random) -> str:
    return "\n".join(line(rng) for _ in range(rng.randint(1, 3)))


def heading(rng: random.Random) -> str:
    text = rng.choice(HEADINGS) if rng.random() < 0.6 else " ".join([first_word(rng), words(rng, 0, 4)]).strip()
    return "#" * rng.randint(1, 6) + " " + text


def bullet_list(rng: random.Random) -> str:
    marker = rng.choice("-*+")
    return "\n".join(f"{marker} {line(rng, 2)}" for _ in range(rng.randint(1, 5)))


def ordered_list(rng: random.Random) -> str:
    return "\n".join(f"{n}. {line(rng, 2)}" for n in range(1, rng.randint(2, 6)))


def blockquote(rng: random.Random) -> str:
    quoted = [paragraph(rng) for _ in range(1 if rng.random() < 0.8 else 2)]
    return "\n>\n".join("\n".join("> " + text for text in block.split("\n")) for block in quoted)


CELL_STARTS = ("Libraries", "Parks", "Adult social care", "Zoë", "Київ", "£7.4m", "£98.4m", "31", "2022/23", "4.0%", "It's", "\"Yes\"", "‘No’", "(est.)", "—", "n/a", "Q&A", "½")


def cell(rng: random.Random) -> str:
    roll = rng.random()
    start = rng.choice(CELL_STARTS) if rng.random() < 0.97 else rng.choice(("+6.6%", "−6.3%"))  # a change
    text = start + (" " + words(rng, 1, 2) if rng.random() < 0.3 else "")
    return f"*{text}*" if roll < 0.15 else f"**{text}**" if roll < 0.3 else text


def table(rng: random.Random) -> str:
    columns = rng.randint(2, 4)
    separator = rng.choice(("---", " --- ", "----"))
    body = rng.randint(1, 4) if rng.random() < 0.95 else 0  # a table of a header alone is rare
    rows = [" | ".join(cell(rng) for _ in range(columns)) for _ in range(1 + body)]
    lines = [f"| {rows[0]} |", "|" + "|".join([separator] * columns) + "|"] + [f"| {row} |" for row in rows[1:]]
    return "\n".join(lines)


BLOCKS: tuple[Callable[[random.Random], str], ...] = (
    paragraph, paragraph, paragraph, heading, bullet_list, ordered_list, blockquote, table)


def well_formed(rng: random.Random) -> str:
    """A document of accepted blocks. (Two lists in a row are one loose list to Markdown, and
    two quotations one quotation of two paragraphs: a paragraph comes between them.)"""
    blocks, last = [], None
    for _ in range(rng.randint(1, 7)):
        make = rng.choice(BLOCKS)
        family = {bullet_list: "list", ordered_list: "list", blockquote: "quote"}.get(make, make)
        if family == last and family in ("list", "quote"):
            make = family = paragraph
        blocks.append(make(rng))
        last = family
    return "\n\n".join(blocks) + rng.choice(("\n", "\n", ""))


# --------------------------------------------------------------------------- near-misses

HOSTILE_INLINE = (
    "<", ">", "a < b", "a > b", "<b>bold</b>", "<span>x</span>", "&amp;", "&copy;", "&#39;", "&#x41;", "AT&T;",
    "&nbsp", "_", "snake_case", "_em_", "__strong__", "`code`", "`", "``a`b``", "\\", "\\*", "\\_", "a\\b",
    "[brackets]", "[x][ref]", "[x]", "[x][]", "]", "[", "\"quotes\"", "'apostrophes'", "--", "---", "...",
    "#hashtag", "|", "a | b", "{: .x}", "{#id}", "*", "**", "* a", "a *", "2*3*4", "***x***", "**a *b* c**",
    "*a **b** c*", "**a**b", "*a*b*", "*[em link](x.md)*", "[a *b*](x.md)", "[**b**](other.md)",
    "[^1]", "[^x]", "@[youtube](https://youtu.be/dQw4w9WgXcQ)", "@[", "<!-- more -->", "<!-- c -->",
    "[t](x.md \"title\")", "![a](photo.jpg \"A title\")", "![a](photo.jpg 'title')", "<http://x.example>",
    "<me@x.example>", "~~strike~~", "[TOC]", "![](photo.jpg)", "[](x.md)", "[a](<x.md>)", "[a](x .md)",
    "[a]( x.md )", "[a](x.md)b", "[a](#Top)", "[a](#top)", "[a]()", "[a](x.md(1))", "![a]()", "!", "![a]",
    "[a](missing.md)", "[a](photo.jpg)", "![a](other.md)", "[a](https://x.example/a?b=1&c=2)", "a&b",
    "&&", "& ;", "&#;", "Zoë — “quoted” …", "  ", "\t", "x\ty", ":", "::", "~", "^", "@", "$$", "%%",
    "https://x.example/a_b_c", "www.x.example", "a@b.example", "*em\nnext*", "**open", "close**",
    "[open", "(paren", "paren)", "`a`", "``a``", "`` a ` b ``", "` a `", "`a``", "``", "` `", "`*x*`", "`[l](x.md)`",
    "`<b>`", "`&amp;`", "`a & \"b\"`", "`a_b`", "`#top`", "`|`", "[`a`](x.md)", "*a [b](x.md) c*", "**[b](x.md)**", "*![a](photo.jpg)*", "[*a* b](x.md)", "[a*](x.md)",
    "*[a*](x.md)", "[`a` *b*](x.md)", "*a `b` c*", "`a`*b*", "*`a`", "**a `*` b**", "[**a**](x.md)**b**", "[a](x.md)*",
    "*[a](x.md)", "***[a](x.md)***", "*a*[b](x.md)*c*", "[*a*](x.md \"t\")", "[a **b**](#top)", "a `b | c` d", "`a``b`", "`a` `b`", "```a```", "`a`\n`b`", "*`a`*", "**`a`**", "`a\tb`",
    "`a\rb`", "`a\x02b`", "`a\x00b`", "`a\u00a0`", "`\u00a0`", "`a\\`", "&#X41;", "&#x4a;", "&AMP;", "&#١;",
    "&é;", "&#4", "&#x4b", "&#", "&#65 ", "a\u00a0", "\u2003", "\x1c", "\x85", "\u2028", "\u200b", "\x00", "\ufeff", "\x02", "\x03", "klzzwxh:0001",
    "\x02klzzwxh:0001\x03", "&lt;", "&gt;", "&quot;", "<br>", "<br/>", "<img src=\"photo.jpg\">",
    "<a href=\"other.md\">raw</a>", "*[HTML]", "HTML", "[[Wiki]]", "'", "\"", "’", "a-", "-a",
)

HOSTILE_LINES = (
    "#hashtag at line start", "#", "#######  seven", "# heading #", "## heading ##", "### heading ###   ",
    "#  two spaces", "#\ttab heading", "# ", "2019. was a year", "1) item", "3. three", "1.item",
    ": defined", "Term\n: definition", "{: .x}", "{: #id }", "    indented code", "  two spaces in",
    " one space in", "\tTab in", "trailing two  ", "trailing one ", "trailing tab\t", "> quoted",
    ">no space", ">", "- item", "-item", "* item", "+ item", "- [ ] task", "***", "---", "___", "- - -",
    "====", "----", "```", "```python\ncode\n```", "~~~\ncode\n~~~", "<div>", "<div>\nraw\n</div>",
    "<!-- more -->", "<p>raw</p>", "*[HTML]: Hyper Text", "[ref]: /url", "[ref]: other.md \"T\"", "[^1]: note",
    "| a | b |", "|---|---|", "a | b", "| --- |", "[TOC]", "@[youtube](https://youtu.be/dQw4w9WgXcQ)",
    "@[embed](x)", "Setext\n===", "Setext\n---", "\\# not heading", "\\- not list", "\u00a0nbsp start",
    "1. one\n    - nested", "- a\n    - b", "- a\n\n- b", "1. a\n\n2. b", "- a\nlazy", "- a\n  continued",
    "> a\nlazy quote", "> - list in quote", "> # heading in quote", "> > nested", "> ```\n> code",
    "01. leading zero", "007. bond", "١. arabic one", "٢. arabic two", "1\u00a0. x", "\u00a0- x", "> a\n>",
    "> a\n>\n", "> a\n> ", ">\n> a", "\u2003indent", "| a | \u00a0b |", "| a\u00a0 | b |",
    "* * *", "#5 is a number", "#1", "!#", "| not | a table", "0. zero", "10. ten", "1.5 litres",
)


def hostile_line(rng: random.Random) -> str:
    """A line of words with some hostile pieces among them, or a hostile line of its own."""
    if rng.random() < 0.3:
        return rng.choice(HOSTILE_LINES)
    pieces = [rng.choice(HOSTILE_INLINE) if rng.random() < 0.3 else inline(rng) for _ in range(rng.randint(1, 5))]
    glue = rng.choice((" ", " ", " ", "", "  "))
    return glue.join(pieces)


def hostile_block(rng: random.Random, spice: float) -> str:
    roll = rng.random()
    if roll < 0.25:
        return "\n".join(hostile_line(rng) for _ in range(rng.randint(1, 3)))
    if roll < 0.35:
        return hostile_heading(rng)
    if roll < 0.5:
        return hostile_list(rng, spice)
    if roll < 0.6:
        return hostile_quote(rng, spice)
    if roll < 0.72:
        return hostile_table(rng, spice)
    if roll < 0.8:
        return fenced_code(rng, spice)
    block = rng.choice(BLOCKS)(rng)
    return spoil(rng, block) if rng.random() < spice else block


def hostile_heading(rng: random.Random) -> str:
    level = "#" * rng.randint(1, 7)
    text = rng.choice(HEADINGS + ODD_HEADINGS * 2 + HOSTILE_INLINE[:40])
    closing = rng.choice(("", "", " #", " ##", "#", " " + level, " # "))
    space = rng.choice((" ", " ", "", "  ", "\t"))
    return f"{level}{space}{text}{closing}"


def hostile_list(rng: random.Random, spice: float) -> str:
    ordered = rng.random() < 0.5
    start = rng.choice((1, 1, 0, 2, 3, 10, 2019, "01", "007", "١", "٢", "00"))
    items = []
    for n in range(rng.randint(1, 5)):
        number = start + n if isinstance(start, int) and rng.random() > spice else rng.choice((1, start))
        marker = f"{number}." if ordered else (
            rng.choice("-*+") if rng.random() < spice else "-")
        text = line(rng, 2) if rng.random() > spice else hostile_line(rng)
        if rng.random() < spice / 2:
            text += "\n" + rng.choice(("  ", "    ", "", "\t")) + line(rng, 1)  # an item of two lines
        if rng.random() < spice / 2:
            text += "\n" + rng.choice(("    - nested", "  - half", "\t1. tabbed", "    1. nested"))
        items.append(f"{marker}{rng.choice((' ', ' ', '  ', '', chr(9)))}{text}")
    gaps = ["\n" + ("\n" if rng.random() < spice / 2 else "") for _ in items]  # blank lines: a loose list
    return "".join(item + gap for item, gap in zip(items, gaps)).rstrip("\n")


def hostile_quote(rng: random.Random, spice: float) -> str:
    lines = []
    for _ in range(rng.randint(1, 4)):
        mark = rng.choice(("> ", "> ", ">", ">  ", " > ", "")) if rng.random() < spice else "> "
        lines.append(mark + (hostile_line(rng) if rng.random() < spice else line(rng)))
        if rng.random() < spice / 2:
            lines.append(rng.choice((">", "", "> ", ">>")))
    return "\n".join(lines)


def hostile_table(rng: random.Random, spice: float) -> str:
    columns = rng.randint(1, 4)

    def row(count: int) -> str:
        cells = [cell(rng) if rng.random() > spice else rng.choice(HOSTILE_INLINE) for _ in range(count)]
        text = " | ".join(cells)
        return rng.choice((f"| {text} |", f"| {text} |", f"{text}", f"| {text}", f"{text} |", f"|{text}|"))

    separators = ("---", ":---", "---:", ":---:", "-", " --- ", "--", ":-:")
    separator = "|".join(rng.choice(separators) if rng.random() < spice else "---" for _ in range(columns))
    ragged = lambda: max(1, columns + (rng.randint(-1, 1) if rng.random() < spice else 0))  # noqa: E731
    return "\n".join([row(columns), rng.choice((f"|{separator}|", f"|{separator}|", separator)),
                      *(row(ragged()) for _ in range(rng.randint(0, 4)))])


CODE_LINES = ("a < b && c > d", 'x = "y"', "# comment", "", "    indented", "  ", "trailing  ", "```", "``` ",
              "````", "~~~", "\ttab", "*not em* _x_ [l](x.md)", "<!-- more -->", "&amp; &copy;", "Zoë — “q” …",
              "- item", "> quote", "| a | b |", "|---|---|", "[TOC]", "@[youtube](https://youtu.be/dQw4w9WgXcQ)",
              "\\ back", "'single' \"double\"", "\x02klzzwxh:0001\x03", "{: .x}", "```python")


def fenced_code(rng: random.Random, spice: float) -> str:
    """A fenced code block (fenced_code finds it before any block is read), plain or odd."""
    odd = rng.random() < spice
    fence = rng.choice(("```", "~~~", "````", "``")) if odd else "```"
    lang = rng.choice(("", "", "python", "js", "c++", ".py", "{.x}", " py", "py ", "py3", "hl_lines=\"1\""))
    code = [rng.choice(CODE_LINES) if odd or rng.random() < 0.5 else words(rng) for _ in range(rng.randint(0, 4))]
    closing = rng.choice((fence, "``` ", "````", "~~~", "```x", " ```")) if odd else fence
    around = rng.choice(("", "", "Text\n", "> ", "- ")) if odd else ""
    after = rng.choice(("", "", "\nText", "\n```")) if odd else ""
    return "\n".join([around + fence + lang, *code, closing]) + after


def aligned_table(rng: random.Random) -> str:
    """A well-formed table whose rule aligns its columns (:---, ---:, :---:)."""
    lines = table(rng).split("\n")
    columns = lines[1].count("|") - 1
    rule = [rng.choice(("---", ":---", "---:", ":---:", ":-", "-:", " :---: ", "--")) for _ in range(columns)]
    lines[1] = "|" + "|".join(rule) + "|"
    return "\n".join(lines)


def spoil(rng: random.Random, block: str) -> str:
    """A well-formed block with one small thing wrong with it."""
    lines = block.split("\n")
    where = rng.randrange(len(lines))
    edit = rng.randrange(6)
    if edit == 0:
        lines[where] = rng.choice((" ", "  ", "    ", "\t")) + lines[where]
    elif edit == 1:
        lines[where] += rng.choice((" ", "  ", "\t", "   "))
    elif edit == 2:
        lines.insert(where + 1, rng.choice(HOSTILE_LINES))
    elif edit == 3:
        lines.insert(where, "")
    elif edit == 4:
        at = rng.randint(0, len(lines[where]))
        lines[where] = lines[where][:at] + rng.choice(HOSTILE_INLINE) + lines[where][at:]
    else:
        lines[where] = hostile_line(rng)
    return "\n".join(lines)


def hostile(rng: random.Random) -> str:
    spice = rng.choice((0.05, 0.15, 0.3, 0.6))
    blocks = [hostile_block(rng, spice) for _ in range(rng.randint(1, 6))]
    gaps = [rng.choice(("\n\n", "\n\n", "\n\n", "\n", "\n\n\n", "\n\n\n\n", "\n \n", "\n\t\n")) for _ in blocks]
    text = "".join(block + gap for block, gap in zip(blocks, gaps))
    text = text[:-len(gaps[-1])] + rng.choice(("", "\n", "\n\n", "\n\n\n", " ", "\n  "))
    if rng.random() < 0.1:
        text = text.replace("\n", "\r\n")
    elif rng.random() < 0.03:
        text = text.replace("\n", "\r")
    if rng.random() < 0.05:
        text = rng.choice(("", " ", "\n", "\n\n", "  \n\t\n ", "\r\n", "\t", "\ufeff")) + text
    return text


def one_off(rng: random.Random) -> str:
    """A well-formed document with one thing in it that is not: the surest way to the fast
    path's edges (a document with many would be left to Python-Markdown for the first one)."""
    blocks = well_formed(rng).split("\n\n")
    where = rng.randrange(len(blocks))
    roll = rng.random()
    if roll < 0.5:  # a near-miss among the words
        at = rng.choice([0] + [n + 1 for n, c in enumerate(blocks[where]) if c == " "] + [len(blocks[where])])
        piece = rng.choice(HOSTILE_INLINE)
        blocks[where] = blocks[where][:at] + piece + rng.choice((" ", "", "")) + blocks[where][at:]
    elif roll < 0.65:
        blocks.insert(where, rng.choice(HOSTILE_LINES))
    elif roll < 0.75:
        blocks[where] = spoil(rng, blocks[where])
    else:
        blocks[where] = rng.choice((hostile_heading, lambda rng: hostile_list(rng, 0.1), lambda rng: hostile_quote(rng, 0.1),
                                    lambda rng: hostile_table(rng, 0.1), lambda rng: fenced_code(rng, 0.1),
                                    aligned_table, aligned_table))(rng)
    return "\n\n".join(blocks)


# --------------------------------------------------------------------------- mutants

MUTANT_CHARACTERS = "*_`\\[]()!#>|:-+. \t\n&<{}~^@\"'1"


def mutated(rng: random.Random) -> str:
    """A well-formed document with one to three characters deleted, doubled, swapped or put in."""
    text = well_formed(rng)
    for _ in range(rng.randint(1, 3)):
        if not text:
            break
        at = rng.randrange(len(text))
        edit = rng.randrange(4)
        if edit == 0:
            text = text[:at] + text[at + 1:]
        elif edit == 1:
            text = text[:at] + text[at] + text[at:]
        elif edit == 2 and at + 1 < len(text):
            text = text[:at] + text[at + 1] + text[at] + text[at + 2:]
        else:
            text = text[:at] + rng.choice(MUTANT_CHARACTERS) + text[at:]
    return text


SPECIAL_DOCUMENTS = ("", " ", "\n", "\n\n\n", "   \n\t\n  ", "\r\n", "\t", "#", "# ", "-", "- ", "1.", "1. ",
                     ">", "> ", "|", "*", "**", "[", "!", "&", "<", "Zoë — “quoted” …", "\ufeffWord")


# --------------------------------------------------------------------------- shrinking


def shrink(text: str, fails: Callable[[str], bool], budget: int = 3000) -> str:
    """The shortest text found (by dropping lines, then characters) for which fails() holds."""
    tries = 0

    def attempt(candidate: str) -> bool:
        nonlocal tries
        tries += 1
        return tries <= budget and fails(candidate)

    before = None
    while before != text:  # until neither lines nor characters can go
        before = text
        for split, join in ((lambda t: t.split("\n"), "\n"), (list, "")):
            parts = split(text)
            size = max(1, len(parts) // 2)
            while size >= 1:
                start = 0
                while start < len(parts):
                    candidate = parts[:start] + parts[start + size:]
                    if attempt(join.join(candidate)):
                        parts = candidate
                    else:
                        start += 1 if size == 1 else size
                size //= 2
            text = join.join(parts)
    return text

"""Reading a source file: bytes to text, then front matter split from body.

Every error carries the line in the .md file itself, not in the YAML block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import yamlutil
from . import fast_yaml
from ..errors import SiteError, line_of

_FENCE = re.compile(r"^---[ \t]*$", re.M)
_UNCLOSED = {  # PyYAML's context -> what to do; the error is then shown where the quote or bracket opened
    "while scanning a quoted scalar": "the quote opened here is never closed; add the closing quote",
    "while parsing a flow sequence": "the [ opened here is never closed; add ] at the end of the list",
    "while parsing a flow mapping": "the { opened here is never closed; add }",
}


@dataclass(frozen=True)
class SourceDocument:
    path: Path
    text: str  # the whole file, BOM and CR removed
    meta: dict[str, Any]
    meta_text: str
    meta_first_line: int  # line of the first YAML line in the file
    body: str
    body_first_line: int

    def line_of_key(self, key: str) -> int:
        """The file line where a front matter key is set (or the opening ---)."""
        match = re.search(rf"^{re.escape(key)}[ \t]*:", self.meta_text, re.M)
        if match is None:
            return max(self.meta_first_line - 1, 1)
        return self.meta_first_line + self.meta_text.count("\n", 0, match.start())


def read_document(path: Path, raw: bytes, known_meta: dict[str, Any] | None = None) -> SourceDocument | SiteError:
    """Split a source file; known_meta, from the build cache for the same bytes, spares parsing the YAML."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, col = line_of(raw.decode("latin-1"), exc.start)
        return SiteError(
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8", path, line, col)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        return SiteError("the file is empty; an article starts with front matter between --- lines "
                         "giving at least `title` and `date`", path, 1)
    if not text.startswith("---") or _FENCE.match(text) is None:
        return SiteError("no front matter: the file must start with a line `---`, then `title: ...` and "
                         "`date: ...`, then a closing `---`", path, 1)
    opening_end = text.index("\n") + 1 if "\n" in text else len(text)
    closing = _FENCE.search(text, opening_end)
    if closing is None:
        return SiteError("front matter is never closed: add a line `---` after the last setting", path, 1)
    meta_text = text[opening_end:closing.start()]
    body_start = text.find("\n", closing.end())
    body = "" if body_start == -1 else text[body_start + 1:]
    meta_first_line = 2
    try:
        meta = (known_meta if known_meta is not None
                else fast_yaml.load_front_matter(meta_text) if meta_text.strip() else {})
    except yamlutil.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or str(exc)
        hint = ""
        # An unclosed quote or bracket is found only where the block ends: point at where it opened.
        unclosed = _UNCLOSED.get(exc.context or "")
        if unclosed and exc.context_mark and exc.problem_mark and exc.problem_mark.line > exc.context_mark.line:
            mark, hint = exc.context_mark, f" ({unclosed})"
        elif "\t" in problem or "'\\t'" in problem:
            hint = "; YAML does not allow tabs for indentation, use spaces"
        elif "mapping values are not allowed" in problem:
            hint = "; a value containing ': ' must be quoted"
        elif "did not find expected key" in problem and mark and _has_quote(meta_text, mark.line):
            hint = ("; a quote inside a quoted value ends it early: write it twice inside single quotes "
                    "('it''s') or use the other kind of quotes (\"it's\")")
        line = meta_first_line + mark.line if mark else 1
        col = mark.column + 1 if mark else None
        return SiteError(f"invalid YAML in front matter: {problem}{hint}", path, line, col)
    except yamlutil.YAMLError as exc:
        return SiteError(f"invalid YAML in front matter: {exc}", path, meta_first_line)
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        return SiteError("front matter must be `key: value` lines, such as `title: My headline`",
                         path, meta_first_line)
    return SourceDocument(
        path=path, text=text, meta={str(k): v for k, v in meta.items()}, meta_text=meta_text,
        meta_first_line=meta_first_line, body=body,
        body_first_line=text.count("\n", 0, body_start + 1) + 1 if body_start != -1 else 1,
    )


def _has_quote(text: str, line_index: int) -> bool:
    lines = text.split("\n")
    return line_index < len(lines) and ("'" in lines[line_index] or '"' in lines[line_index])

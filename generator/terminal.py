"""A line of progress on a terminal, rewritten in place while a command works (`build`,
`import`); nothing at all on anything else (a pipe, a log file), where a line per step would
only be noise between the messages that matter."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO


class ProgressLine:
    """progress(message) shows message in place of the last one, at most every `every` seconds
    (none before the first `every` has passed: a short run shows nothing); clear() takes the line
    away, so that the messages and the summary start on a clean one."""

    def __init__(self, stream: TextIO, every: float = 0.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream, self.every, self.clock = stream, every, clock
        self.shown = stream.isatty()
        self._next = clock() + every
        self._written = False

    def __call__(self, message: str) -> None:
        if not self.shown or (self.every and self.clock() < self._next):
            return
        self._next = self.clock() + self.every
        self._written = True
        self.stream.write(f"\r\033[K{message}")
        self.stream.flush()

    def clear(self) -> None:
        if self._written:
            self.stream.write("\r\033[K")
            self.stream.flush()

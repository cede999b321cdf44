"""Pagefind's indexer, driven through its service mode (`pagefind --service`).

The binary comes from the `pagefind-bin` package. Its own Python wrapper (`pagefind`) is not
used: it checks for replies ten times a second, so each record costs a tenth of a second (100 s
for 1,000 articles). The protocol is simple: requests and replies are base64-encoded JSON
objects, each followed by a comma, matched by message id. Records are sent in one stream while a
thread reads the replies, so neither side waits on a full pipe.
"""

from __future__ import annotations

import base64
import json
import subprocess
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

INSTALL_HINT = "install it with `pip install 'pagefind[bin]'` (make build does), or set `search: false` in config.yaml"


class SearchUnavailable(Exception):
    """Pagefind is not installed, or its binary could not run or index: the message says which."""


@dataclass(frozen=True)
class Record:
    """One article as the index holds it."""

    url: str  # the link, with the site's root
    content: str  # plain text: title, summary and body
    meta: dict[str, str] = field(hash=False)
    filters: dict[str, list[str]] = field(hash=False)
    sort: dict[str, str] = field(hash=False)


def binary() -> Path | None:
    """The Pagefind binary of the installed pagefind-bin package, or None."""
    try:
        from pagefind_bin import get_executable  # type: ignore[import-not-found]
    except ImportError:
        return None
    try:
        path = Path(get_executable())
    except Exception:  # noqa: BLE001 - a package without a binary for this platform
        return None
    return path if path.is_file() else None


def version() -> str:
    """The installed Pagefind's version: part of every shard's fingerprint."""
    try:
        from importlib.metadata import version as installed
        return installed("pagefind-bin")
    except Exception:  # noqa: BLE001 - not installed: search is off anyway
        return ""


def bundle(records: Sequence[Record], language: str) -> dict[str, bytes]:
    """Index the records: the bundle's files (path inside it -> bytes), as Pagefind would write
    them into its output folder, kept in memory (the build cache packs them: search/cache.py)."""
    executable = binary()
    if executable is None:
        raise SearchUnavailable(f"search is on but Pagefind is not installed: {INSTALL_HINT}")
    try:
        process = subprocess.Popen([str(executable), "--service"], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    except OSError as exc:
        raise SearchUnavailable(f"the Pagefind binary {executable} cannot run ({exc.strerror}): {INSTALL_HINT}") from exc
    try:
        return _Session(process).index(records, language)
    finally:
        if process.stdin and not process.stdin.closed:
            try:
                process.stdin.close()
            except OSError:
                pass
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class _Session:
    def __init__(self, process: subprocess.Popen):
        assert process.stdin is not None and process.stdout is not None
        self.process = process
        self.stdin = process.stdin
        self.replies = _replies(process.stdout)
        self.next_id = 0

    def _send(self, payload: dict) -> int:
        self.next_id += 1
        message = {"message_id": self.next_id, "payload": payload}
        self.stdin.write(base64.b64encode(json.dumps(message).encode("utf-8")) + b",")
        return self.next_id

    def _ask(self, payload: dict) -> dict:
        self._send(payload)
        self._flush()
        return self._reply()

    def _flush(self) -> None:
        try:
            self.stdin.flush()
        except OSError as exc:
            raise SearchUnavailable(f"Pagefind stopped while indexing ({exc.strerror})") from exc

    def _reply(self) -> dict:
        reply = next(self.replies, None)
        if reply is None:
            raise SearchUnavailable(f"Pagefind stopped while indexing (exit status {self.process.poll()})")
        payload = reply.get("payload") or {}
        if payload.get("type") == "Error":
            raise SearchUnavailable(f"Pagefind could not index: {payload.get('message', 'no reason given')}")
        return payload

    def index(self, records: Sequence[Record], language: str) -> dict[str, bytes]:
        index_id = self._ask({"type": "NewIndex", "config": {"force_language": language}})["index_id"]
        # Pagefind answers each record as it takes it: they are sent from a thread, so that its
        # replies are read while the records go out (else both would wait on a full pipe).
        failure: list[BaseException] = []

        def send_all() -> None:
            try:
                for record in records:
                    self._send({"type": "AddRecord", "index_id": index_id, "url": record.url,
                                "content": record.content, "language": language, "meta": record.meta,
                                "filters": record.filters, "sort": record.sort})
                self._flush()
            except BaseException as exc:  # noqa: BLE001 - reported below, once the replies are in
                failure.append(exc)

        sender = threading.Thread(target=send_all, daemon=True)
        sender.start()
        problem: SearchUnavailable | None = None
        try:
            for _ in records:
                try:
                    self._reply()
                except SearchUnavailable as exc:
                    problem = problem or exc
                    if "stopped" in str(exc):
                        break
        finally:
            if problem is not None or failure:
                self.process.kill()  # unblocks a sender waiting on the pipe
            sender.join()
        if failure and problem is None:
            error = failure[0]
            if isinstance(error, OSError):
                raise SearchUnavailable(f"Pagefind stopped while indexing ({error.strerror})") from error
            raise error
        if problem:
            raise problem
        files = self._ask({"type": "GetFiles", "index_id": index_id}).get("files")
        if not isinstance(files, list):
            raise SearchUnavailable("Pagefind answered without the index's files")
        try:
            bundle = {str(file["path"]).replace("\\", "/"): base64.b64decode(file["content"]) for file in files}
        except (KeyError, TypeError, ValueError) as exc:
            raise SearchUnavailable(f"Pagefind answered with files that cannot be read ({exc})") from exc
        for path in bundle:  # published under the shard's folder: never a path that leaves it
            if not path or path.startswith("/") or ".." in path.split("/"):
                raise SearchUnavailable(f"Pagefind answered with a file outside its bundle: {path!r}")
        return bundle


def _replies(stream) -> Iterator[dict]:
    """Each reply on Pagefind's standard output, decoded. A reply with the index's files is
    megabytes long: its pieces are kept apart until its end comes (no copy per piece read)."""
    pieces: list[bytes] = []
    while True:
        chunk = stream.read1(1 << 16)
        if not chunk:
            return
        if b"," not in chunk:
            pieces.append(chunk)
            continue
        first, *whole, rest = chunk.split(b",")
        pieces.append(first)
        for message in (b"".join(pieces), *whole):
            if message.strip():
                try:
                    yield json.loads(base64.b64decode(message))
                except (ValueError, TypeError):
                    continue  # a line Pagefind printed that is not a reply
        pieces = [rest]

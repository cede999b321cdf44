"""What changed in the site since the last build, as the watch daemon heard it (`broadsheet
watch`, serve/watch_daemon.py): with it, a build looks only at the files that changed instead of
every Markdown file and every file of output/ (at 100,000 articles, 100,000 stats and 187,000
lstats: most of a build that has nothing to do).

A token names a moment of the daemon's hearing: "instance:number". A build asks what changed
under a folder since the token it kept; the answer has the paths changed since, relative to the
folder, and the token of now. The daemon hears every change the kernel reports to it until
it answers (it writes a cookie file and waits for its event, as git's fsmonitor does), so a
change made before the question is in the answer. When it cannot say (another daemon instance
than the token's, the kernel's queue overflowed, the folder not watched whole), `changed` is
None and the build looks at everything, as it does without a daemon. The daemon only narrows
what is looked at: what a build trusts of a file is still its stamp and its hash."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import struct
import sys
from dataclasses import dataclass
from pathlib import Path

ANSWER_WITHIN = 5.0  # seconds: past it, the build looks at everything itself


def watch_folder(site_dir: Path) -> Path:
    """Where the daemon writes its cookies: in the site's own cache."""
    return site_dir / ".cache" / "broadsheet" / "watch"


def socket_address(site_dir: Path) -> str:
    """The daemon's socket: a name in Linux's abstract namespace, from the site folder's real
    path (a socket file's path must fit in 108 bytes, which a site's folder need not). Anyone
    could take such a name first, so a build trusts only an answer from its own user (ask)."""
    name = hashlib.sha256(os.fsencode(os.path.realpath(site_dir))).hexdigest()[:40]
    return f"\0broadsheet-watch-{name}"


@dataclass(frozen=True)
class Heard:
    token: str  # the moment of this answer: ask with it next time
    changed: frozenset[str] | None  # relative to the folder asked about; None: anything may have


def ask(site_dir: Path, folder: Path, since: str) -> Heard | None:
    """What changed under folder since the token `since` ("" for none); None when no daemon
    watches this site (or it does not answer in time), and on a system other than Linux, whose
    inotify the daemon needs (Windows may have no Unix sockets at all)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.settimeout(ANSWER_WITHIN)
            connection.connect(socket_address(site_dir))
            if _peer_user(connection) != os.getuid():
                return None
            connection.sendall(json.dumps({"folder": os.path.realpath(folder), "since": since}).encode() + b"\n")
            answer = _read_all(connection)
        data = json.loads(answer)
        changed = data["changed"]
        return Heard(str(data["token"]), None if changed is None else frozenset(map(str, changed)))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _peer_user(connection: socket.socket) -> int:
    """The user id of the process at the other end (the kernel's SO_PEERCRED: pid, uid, gid)."""
    _pid, user, _group = struct.unpack("3i", connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                                     struct.calcsize("3i")))
    return user


def _read_all(connection: socket.socket) -> bytes:
    chunks = []
    while chunk := connection.recv(1 << 16):
        chunks.append(chunk)
    return b"".join(chunks)

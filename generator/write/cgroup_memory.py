"""The memory a container lets the build still take: its control group's limit less what the
group holds (Linux cgroup v2 and v1).

Inside a container (Docker's `--memory`, a Kubernetes pod, a hosted build service), the
machine's free memory (/proc/meminfo) is the host's: a build that forked a worker for each core
by it would be killed at the container's limit. parallel counts the smaller of the two.
"""

from __future__ import annotations

from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
MEMBERSHIP = Path("/proc/self/cgroup")

# A limit at or above this is "no limit" (cgroup v1 writes 2**63 rounded down to a page).
_UNLIMITED = 2**60


def cgroup_room() -> int | None:
    """The least room, in bytes, under the memory limits of this process's control group and of
    every group above it; None when none has a limit, or the groups cannot be read.

    Room is the limit less what the group holds and cannot give back: its usage less its
    inactive file cache, which the kernel drops before it kills (the build's own output fills
    the cache as it writes)."""
    root = CGROUP_ROOT
    try:
        lines = MEMBERSHIP.read_text().splitlines()
    except OSError:
        return None
    rooms: list[int] = []
    for line in lines:
        hierarchy, controllers, path = (line.split(":", 2) + ["", ""])[:3]
        if hierarchy == "0" and controllers == "":
            rooms += _rooms(root, path, "memory.max", "memory.current", "inactive_file")
        elif "memory" in controllers.split(","):
            rooms += _rooms(root / "memory", path, "memory.limit_in_bytes", "memory.usage_in_bytes",
                            "total_inactive_file")
    return min(rooms) if rooms else None


def _rooms(mount: Path, path: str, limit_name: str, usage_name: str, inactive_name: str) -> list[int]:
    """The room under each limited group from the process's own up to the mount's root. In a
    container the path may name a group of the host's, not visible here: its root is then the
    container's own group."""
    group = mount / path.strip("/")
    if not group.is_dir() or mount not in (group, *group.parents):
        group = mount
    rooms = []
    for folder in (group, *group.parents):
        limit = _number(folder / limit_name)
        if limit is not None and limit < _UNLIMITED:
            usage = _number(folder / usage_name) or 0
            rooms.append(limit - max(0, usage - _inactive_file(folder / "memory.stat", inactive_name)))
        if folder == mount:
            break
    return rooms


def _number(file: Path) -> int | None:
    """The number a cgroup file holds; None for "max", a missing or unreadable file."""
    try:
        return int(file.read_text().strip())
    except (OSError, ValueError):
        return None


def _inactive_file(stat: Path, name: str) -> int:
    try:
        for line in stat.read_text().splitlines():
            key, _, value = line.partition(" ")
            if key == name:
                return int(value)
    except (OSError, ValueError):
        pass
    return 0

"""Work in forked children: what comes back, and a child's error raised in the parent."""

from __future__ import annotations

import os

import pytest

from generator.write.parallel import forked_call


def test_forked_call_computes_in_a_child_and_returns_its_result():
    parent = os.getpid()
    pid, data = forked_call(lambda: (os.getpid(), {"index/a.pf_index": b"\x00" * 100_000}))
    assert pid != parent
    assert data == {"index/a.pf_index": b"\x00" * 100_000}


def test_forked_call_raises_the_childs_error_here():
    def fails():
        raise ValueError("Pagefind could not index: no words")

    with pytest.raises(ValueError, match="no words"):
        forked_call(fails)


def test_a_worker_killed_mid_map_fails_with_a_message_instead_of_waiting_for_ever():
    # As the kernel's out-of-memory killer does to the largest process: the build must end with
    # an error saying what happened, not wait for the lost worker's results.
    import signal

    from generator.errors import BuildFailed
    from generator.write.parallel import forked_map

    def work(n: int) -> int:
        if n == 7:
            os.kill(os.getpid(), signal.SIGKILL)
        return n * n

    with pytest.raises(BuildFailed) as failed:
        list(forked_map(work, list(range(40)), 2))
    assert "worker process" in failed.value.errors[0].message
    assert "out of memory" in failed.value.errors[0].message


def test_forked_map_gives_every_result_in_order():
    from generator.write.parallel import forked_map

    assert list(forked_map(lambda n: (n, n * n), list(range(1000)), 50)) == [(n, n * n) for n in range(1000)]


def test_without_memory_for_a_copy_of_the_build_the_work_is_done_here(monkeypatch):
    # A forked worker comes to copy most of its parent (reference counts are writes): at a million
    # articles two writers of 10 GiB each were more than the machine had.
    from generator.write import parallel

    assert {pid for pid in parallel.forked_map(lambda n: os.getpid(), list(range(400)), 10)} != {os.getpid()}
    size = parallel._resident_size()
    monkeypatch.setattr(parallel, "_available_memory", lambda: size + size // 2)
    assert parallel.affordable_children(2) == 0
    assert {pid for pid in parallel.forked_map(lambda n: os.getpid(), list(range(400)), 10)} == {os.getpid()}
    done_later = parallel.in_background(lambda: os.getpid())
    assert done_later() == os.getpid()
    assert "too little for each worker's copy" in parallel.memory_notes()[0]
    assert parallel.memory_notes() == ()  # said once


def test_a_background_child_that_has_finished_no_longer_counts_against_the_memory(monkeypatch):
    # The site store's child ends during the planning; the build waits for it only after the
    # writing. Until it is reaped its memory was still counted, and the writers could be refused.
    import time

    from generator.write import parallel

    size = parallel._resident_size()
    monkeypatch.setattr(parallel, "_available_memory", lambda: size * 5 // 2)  # room for one copy
    assert parallel.affordable_children(2) == 1
    done_later = parallel.in_background(lambda: 42)
    assert parallel._RESERVED > 0
    time.sleep(0.5)  # the child answers at once
    assert parallel.affordable_children(2) == 1
    assert parallel._RESERVED == 0
    assert done_later() == 42


def test_a_background_child_still_running_counts_against_the_memory(monkeypatch):
    import time

    from generator.write import parallel

    size = parallel._resident_size()
    monkeypatch.setattr(parallel, "_available_memory", lambda: size * 5 // 2)
    done_later = parallel.in_background(lambda: time.sleep(1) or 7)
    assert parallel.affordable_children(2) == 0
    assert done_later() == 7
    assert parallel.affordable_children(2) == 1


def _site(make_site):
    """A site of 120 articles: enough work for a build to fork its workers."""
    from conftest import article

    return make_site({f"content/posts/story-{n}.md": article(f"Story {n}", f"2024-01-{n % 28 + 1:02d}", tags="[town, courts]")
                      for n in range(120)})


def _site_counting_forks(make_site, monkeypatch):
    """That site, and a list that grows by one at each fork."""
    forks: list[int] = []
    real_fork = os.fork
    monkeypatch.setattr(os, "fork", lambda: forks.append(1) or real_fork())
    return _site(make_site), forks


@pytest.mark.parametrize("short", ["machine", "container"])
def test_a_build_short_of_memory_writes_the_same_site_in_one_process_and_says_so(short, make_site, run, monkeypatch, tmp_path):
    # A container's limit (its control group) counts as the machine's free memory does: the
    # machine may have plenty free that the container cannot take.
    from generator.write import parallel

    site, forks = _site_counting_forks(make_site, monkeypatch)
    roomy = run("build", "--site", site, "--output", tmp_path / "roomy", "--no-cache")
    assert roomy.status == 0 and "warning" not in roomy.err
    assert forks  # the writers, and the store's writer
    forks.clear()
    room = parallel._resident_size() * 3 // 2  # half a copy of the build to spare: no worker
    if short == "machine":
        monkeypatch.setattr(parallel, "_meminfo_available", lambda: room)
    else:
        _control_groups(monkeypatch, tmp_path / "sys-fs-cgroup", "0::/ci/job-7\n",
                        {"ci": ("max", 0, 0), "ci/job-7": (room + 2**20, 2**20, 0)})
    tight = run("build", "--site", site, "--output", tmp_path / "tight", "--no-cache")
    assert tight.status == 0
    assert "part of the build ran in one process" in tight.err
    assert f"and {room / 2**20:.0f} MiB of memory was free" in tight.err  # what it was given
    assert forks == []
    from conftest import site_files
    assert site_files(tmp_path / "tight") == site_files(tmp_path / "roomy")


def test_a_build_given_a_memory_limit_starts_no_worker_beyond_it_and_writes_the_same_site(make_site, run, monkeypatch, tmp_path):
    # `--memory-limit`: each worker counted as a whole copy of the build, as when memory is short;
    # asked for, so not warned about.
    from conftest import site_files

    site, forks = _site_counting_forks(make_site, monkeypatch)
    roomy = run("build", "--site", site, "--output", tmp_path / "roomy", "--no-cache", "--memory-limit", "64G")
    assert roomy.status == 0 and roomy.err == ""
    assert forks
    forks.clear()
    limited = run("build", "--site", site, "--output", tmp_path / "limited", "--no-cache", "--memory-limit", "10M")
    assert (limited.status, limited.err) == (0, "")
    assert forks == []
    assert site_files(tmp_path / "limited") == site_files(tmp_path / "roomy")
    forks.clear()
    after = run("build", "--site", site, "--output", tmp_path / "after", "--no-cache")  # the limit was this build's
    assert after.status == 0 and forks


@pytest.mark.parametrize("size", ["1X", "many", "0", "0.5M"])
def test_a_memory_limit_that_is_not_a_size_is_refused_with_what_would_be_right(make_site, run, size):
    site = make_site({"content/a.md": "---\ntitle: A\ndate: 2024-01-02\n---\nText.\n"})
    refused = run("build", "--site", site, "--memory-limit", size)
    assert refused.status == 2
    assert f"--memory-limit: '{size}' is" in refused.err
    assert "such as 1G" in refused.err and "Traceback" not in refused.err
    assert not (site / "output").exists()


def _set_memory_limit(site, value: str) -> None:
    config = site / "config.yaml"
    kept = [line for line in config.read_text().splitlines() if not line.startswith("memory_limit:")]
    config.write_text("\n".join(kept + [f"memory_limit: {value}"]) + "\n")


def test_the_sites_memory_limit_in_config_yaml_is_kept_unless_the_command_line_gives_one(make_site, run, monkeypatch, tmp_path):
    from conftest import site_files

    site, forks = _site_counting_forks(make_site, monkeypatch)
    roomy = run("build", "--site", site, "--output", tmp_path / "roomy", "--no-cache")
    assert roomy.status == 0 and forks
    _set_memory_limit(site, "10M")
    forks.clear()
    limited = run("build", "--site", site, "--output", tmp_path / "limited", "--no-cache")
    assert (limited.status, limited.err) == (0, "")
    assert forks == []
    assert site_files(tmp_path / "limited") == site_files(tmp_path / "roomy")
    forks.clear()
    flag = run("build", "--site", site, "--output", tmp_path / "flag", "--no-cache", "--memory-limit", "64G")
    assert flag.status == 0 and forks  # the command line's limit over the site's


def test_a_change_of_memory_limit_alone_rebuilds_nothing(make_site, run, tmp_path):
    # It changes no file of the site, so it is no setting an incremental build compares.
    site = make_site({"content/a.md": "---\ntitle: A\ndate: 2024-01-02\n---\nText.\n"})
    assert run("build", "--site", site).status == 0
    _set_memory_limit(site, "1.5G")
    again = run("build", "--site", site)
    assert again.status == 0
    assert " 0 files written, " in again.out and "(0 Markdown converted, 0 files rendered)" in again.out, again.out


@pytest.mark.parametrize("value", ["lots", "0.5M", "yes", "[1G]"])
def test_a_memory_limit_in_config_yaml_that_is_not_a_size_is_an_error_at_its_line(make_site, run, value):
    site = make_site({"content/a.md": "---\ntitle: A\ndate: 2024-01-02\n---\nText.\n"})
    _set_memory_limit(site, value)
    line = len((site / "config.yaml").read_text().splitlines())
    refused = run("build", "--site", site)
    assert refused.status == 1
    assert f"config.yaml:{line}: error: `memory_limit`" in refused.err, refused.err
    assert "such as 1G" in refused.err and "Traceback" not in refused.err
    assert not (site / "output").exists()


def test_the_preview_keeps_the_sites_memory_limit(make_site, monkeypatch, tmp_path):
    import shutil

    from generator.serve.server import Preview

    site, forks = _site_counting_forks(make_site, monkeypatch)
    _set_memory_limit(site, "10M")
    assert Preview(site, tmp_path / "preview").rebuild("http://127.0.0.1:8000")
    assert forks == []
    shutil.rmtree(site / ".cache")  # from nothing again: enough work to fork for
    _set_memory_limit(site, "64G")
    assert Preview(site, tmp_path / "preview2").rebuild("http://127.0.0.1:8000")
    assert forks


def test_the_preview_says_so_too_when_a_rebuild_ran_in_one_process(make_site, monkeypatch, tmp_path, caplog):
    # `serve` rebuilds through the same stages: short of memory, its log says what `build` says.
    import logging
    import shutil

    from generator.serve.server import Preview
    from generator.write import parallel

    site = _site(make_site)

    def warnings_of_a_first_rebuild(folder: str) -> list[str]:
        shutil.rmtree(site / ".cache", ignore_errors=True)  # from nothing: enough work to fork for
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="broadsheet.serve"):
            assert Preview(site, tmp_path / folder).rebuild("http://127.0.0.1:8000")
        return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]

    assert warnings_of_a_first_rebuild("roomy") == []
    monkeypatch.setattr(parallel, "_available_memory", lambda: parallel._resident_size() * 3 // 2)
    warnings = warnings_of_a_first_rebuild("tight")
    assert len(warnings) == 1 and warnings[0].startswith("part of the build ran in one process"), warnings


def _control_groups(monkeypatch, root, membership: str, groups: dict) -> None:
    """A cgroup file system under root as the kernel shows it, and this process's line(s) of
    /proc/self/cgroup: groups maps a folder (relative to root) to (limit, usage, inactive file
    cache), each written in cgroup v2's names, or v1's under root/memory/."""
    from generator.write import cgroup_memory

    for folder, (limit, usage, inactive) in groups.items():
        v1 = folder.split("/")[0] == "memory"
        path = root / folder
        path.mkdir(parents=True, exist_ok=True)
        (path / ("memory.limit_in_bytes" if v1 else "memory.max")).write_text(f"{limit}\n")
        (path / ("memory.usage_in_bytes" if v1 else "memory.current")).write_text(f"{usage}\n")
        inactive_name = "total_inactive_file" if v1 else "inactive_file"
        (path / "memory.stat").write_text(f"anon 1000\n{inactive_name} {inactive}\nactive_file 5\n")
    (root.parent / "self-cgroup").write_text(membership)
    monkeypatch.setattr(cgroup_memory, "CGROUP_ROOT", root)
    monkeypatch.setattr(cgroup_memory, "MEMBERSHIP", root.parent / "self-cgroup")


GiB = 2**30


@pytest.mark.parametrize("membership, groups, room", [
    # cgroup v2: the limit less what the group holds, less its inactive file cache (the kernel
    # drops that cache before it kills)
    ("0::/ci/job-7\n", {"ci": ("max", 5 * GiB, 0), "ci/job-7": (3 * GiB, 2 * GiB, GiB // 2)}, 3 * GiB // 2),
    # a group above with less room wins
    ("0::/ci/job-7\n", {"ci": (2 * GiB, GiB + GiB // 2, 0), "ci/job-7": (3 * GiB, GiB, 0)}, GiB // 2),
    # inside a container, the path names the host's group: the container's root group is its own
    ("0::/kubepods/pod-1/box\n", {".": (GiB, GiB // 4, 0)}, 3 * GiB // 4),
    # cgroup v1 (a hierarchy per controller), as on this project's machine
    ("5:devices:/\n4:memory:/docker/abc\n1:cpu:/\n0::/\n",
     {"memory": ("9223372036854771712", GiB, 0), "memory/docker/abc": (4 * GiB, 3 * GiB, GiB)}, 2 * GiB),
    # no limit anywhere, in either version
    ("4:memory:/docker/abc\n0::/\n", {"memory/docker/abc": ("9223372036854771712", GiB, 0), ".": ("max", GiB, 0)}, None),
])
def test_a_containers_memory_limit_is_read_from_its_control_groups(membership, groups, room, monkeypatch, tmp_path):
    from generator.write import cgroup_memory

    _control_groups(monkeypatch, tmp_path / "sys-fs-cgroup", membership, groups)
    assert cgroup_memory.cgroup_room() == room


def test_without_control_groups_to_read_there_is_no_containers_limit(monkeypatch, tmp_path):
    from generator.write import cgroup_memory

    monkeypatch.setattr(cgroup_memory, "MEMBERSHIP", tmp_path / "no-proc-self-cgroup")
    assert cgroup_memory.cgroup_room() is None
    _control_groups(monkeypatch, tmp_path / "empty", "0::/\n", {})  # a membership, no files
    assert cgroup_memory.cgroup_room() is None

"""One build of a site at a time (generator/write/site_lock.py): a build started while another
holds the site's lock (a cron build still running, the preview rebuilding) says so on stderr,
waits, and builds once the other is done. The other is played here by the test, holding the
lock as a build does: flock on .cache/broadsheet/build.lock, its process id written in it."""

from __future__ import annotations

import subprocess
import sys
import time

from conftest import REPO, another_build_holding_the_lock, article

WAITING = "broadsheet: waiting for another build of this site to finish (process 4242)\n"


def test_a_build_waits_for_another_build_of_the_same_site_and_then_builds(make_site):
    site = make_site({"content/posts/alpha.md": article("Alpha", "2022-01-01", "The text of Alpha.")})
    with another_build_holding_the_lock(site):
        build = subprocess.Popen([sys.executable, "-m", "generator", "build", "--site", str(site)],
                                 cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert build.stderr.readline() == WAITING
        time.sleep(0.5)
        assert build.poll() is None, "the build did not wait"
        assert not (site / "output").exists()
    out, err = build.communicate(timeout=60)
    assert build.returncode == 0, err
    assert out.startswith("built 1 article and 0 pages into ")
    assert "The text of Alpha." in (site / "output/2022/01/01/alpha/index.html").read_text()
    assert (site / ".cache/broadsheet/build.lock").read_text().strip() == str(build.pid)


def test_a_build_of_another_site_does_not_wait(make_site, tmp_path):
    site = make_site({"content/posts/alpha.md": article("Alpha", "2022-01-01")})
    other = tmp_path / "other"
    (other / "content").mkdir(parents=True)
    (other / "config.yaml").write_text((site / "config.yaml").read_text())
    with another_build_holding_the_lock(other):
        done = subprocess.run([sys.executable, "-m", "generator", "build", "--site", str(site)],
                              cwd=REPO, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stderr) == (0, "")

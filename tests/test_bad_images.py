"""A bad image is an error where the user wrote its name: the article's `image:` line, the line and
column of the Markdown image in its text, authors.yaml's `photo:` line. Exit 1, no traceback, one
message per image, output/ as it was; a decompression bomb is refused quickly, in little memory."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from conftest import REPO, article, snapshot, write_file
from test_images import big_jpeg, huge_png_header, phone_jpeg

GOOD = {"content/2022-02-28-floods.md": article("Floods", "2022-02-28", "Text.", image="river.jpg",
                                                   image_alt="The river"),
        "content/river.jpg": phone_jpeg(1)}


def truncated_jpeg() -> bytes:
    data = big_jpeg()
    return data[:len(data) * 2 // 3]


def errors_of(err: str) -> list[str]:
    return [line for line in err.splitlines() if ": error: " in line]


def failed_build(make_site, run, files: dict[str, str | bytes]):
    """A site that builds, then these files added: the failed build's errors, and whether output/ is as it was."""
    site = make_site(dict(GOOD))
    assert run("build", "--site", site).status == 0
    before = snapshot(site / "output")
    for name, text in files.items():
        write_file(site, name, text)
    result = run("build", "--site", ".", cwd=site)
    assert result.status == 1, result.err
    assert "Traceback" not in result.err and "internal error" not in result.err
    return errors_of(result.err), snapshot(site / "output") == before


def test_a_broken_image_in_the_text_is_an_error_at_its_line_and_column(make_site, run):
    body = "First paragraph.\n\nThe council's chart ![Rainfall](charts/broken.jpg) says it all."
    errors, untouched = failed_build(make_site, run, {
        "content/charts/broken.jpg": truncated_jpeg(),
        "content/2022-03-01-rain.md": article("Rain", "2022-03-01", body)})
    # ---, title, date, --- then the text: its third line is the file's 7th; the URL at column 33.
    assert len(errors) == 1, errors
    assert errors[0].startswith("content/2022-03-01-rain.md:7:33: error: content/charts/broken.jpg: the image is "
                                "damaged or truncated: image file is truncated"), errors
    assert untouched


def test_a_broken_lead_image_is_an_error_at_the_image_line(make_site, run):
    text = "---\ntitle: Storm\ndate: 2022-03-02\ntags: [weather]\n\nimage: storm.jpg\nimage_alt: Clouds\n---\nText.\n"
    errors, untouched = failed_build(make_site, run, {"content/storm.jpg": b"<html>not a picture</html>",
                                                      "content/2022-03-02-storm.md": text})
    assert len(errors) == 1, errors
    assert errors[0].startswith("content/2022-03-02-storm.md:6: error: `image`: content/storm.jpg: not an image "
                                "Broadsheet can read"), errors
    assert untouched


def test_a_broken_lead_image_given_as_cover_is_an_error_at_that_line(make_site, run):
    # `cover` is one of the names `image` is read under (Hugo themes use it): the error is at its line.
    text = "---\ntitle: Storm\ndate: 2022-03-02\ncover: storm.jpg\nimage_alt: Clouds\n---\nText.\n"
    errors, untouched = failed_build(make_site, run, {"content/storm.jpg": b"<html>not a picture</html>",
                                                      "content/2022-03-02-storm.md": text})
    assert len(errors) == 1, errors
    assert errors[0].startswith("content/2022-03-02-storm.md:4: error: `image`: content/storm.jpg: not an image"), errors
    assert untouched


def test_a_broken_author_photo_is_an_error_at_its_photo_line(make_site, run):
    authors = ("desk:\n  name: Test Desk\n"
               "grace:\n  name: Grace Ade\n  role: Reporter\n  photo: authors/grace.jpg\n")
    errors, untouched = failed_build(make_site, run, {"content/authors/grace.jpg": truncated_jpeg(),
                                                      "authors.yaml": authors})
    assert len(errors) == 1, errors
    assert errors[0].startswith("authors.yaml:6: error: `photo` of author `grace`: content/authors/grace.jpg: "
                                "the image is damaged or truncated: image file is truncated"), errors
    assert untouched


def test_an_image_shown_by_several_articles_is_one_error_naming_the_others(make_site, run):
    files: dict[str, str | bytes] = {"content/shared.jpg": truncated_jpeg()}
    for day in range(1, 6):
        body = f"Day {day}.\n\n![Shared](shared.jpg)" if day % 2 else "Text."
        fields = {} if day % 2 else {"image": "shared.jpg", "image_alt": "Shared"}
        files[f"content/2022-03-0{day}-day.md"] = article(f"Day {day}", f"2022-03-0{day}", body, **fields)
    errors, untouched = failed_build(make_site, run, files)
    assert len(errors) == 1, errors
    places = {day: (f"content/2022-03-0{day}-day.md:7:11" if day % 2 else f"content/2022-03-0{day}-day.md:4")
              for day in range(1, 6)}
    error = errors[0]
    first = next(day for day, place in places.items() if error.startswith(place + ": error: "))
    also = error.split("; also shown by ", 1)[1]
    assert also.endswith(" and 1 more"), error  # four others: three named, one counted
    assert sum(place in also for day, place in places.items() if day != first) == 3, error
    assert "content/shared.jpg: the image is damaged or truncated" in error
    assert untouched


def test_a_bad_image_nothing_shows_is_an_error_at_the_image(make_site, run):
    errors, untouched = failed_build(make_site, run, {"content/files/notes.jpg": b"Call the press office.\n"})
    assert len(errors) == 1 and errors[0].startswith("content/files/notes.jpg: error: not an image"), errors
    assert untouched


def test_a_missing_image_is_an_error_at_its_line(make_site, run):
    errors, untouched = failed_build(make_site, run, {
        "content/2022-03-01-lead.md": article("Lead", "2022-03-01", "Text.", image="gone.jpg", image_alt="Gone"),
        "content/2022-03-02-body.md": article("Body", "2022-03-02", "Text.\n\nSee ![Gone](gone.png).")})
    assert any(e.startswith("content/2022-03-01-lead.md:4: error: `image`: links to gone.jpg, which does not exist")
               for e in errors), errors
    assert any(e.startswith("content/2022-03-02-body.md:7:13: error: links to gone.png, which does not exist")
               for e in errors), errors
    assert untouched


# The build's own peak is VmHWM, the high-water mark of this program's memory: ru_maxrss would
# also count the pytest worker this process was started from, which Linux carries across exec
# (a worker grown to 450 MiB by earlier tests once failed this test). Its children are forks of
# the build, measured by ru_maxrss.
BUILD_AND_MEASURE = """\
import resource, sys
from generator.cli import main
status = main(sys.argv[1:])
with open("/proc/self/status") as own:
    own_peak = next(int(line.split()[1]) for line in own if line.startswith("VmHWM:"))
peak = max(own_peak, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(f"peak-kib {peak}", file=sys.stderr)
sys.exit(status)
"""


def test_a_decompression_bomb_is_refused_fast_in_bounded_memory(make_site, run):
    """A PNG of a few hundred bytes claiming 50000×50000 pixels (7.5 GB decoded), as a lead image
    and in a text: refused from its header, in seconds, the build staying under 400 MB."""
    site = make_site(dict(GOOD))
    assert run("build", "--site", site).status == 0
    before = snapshot(site / "output")
    write_file(site, "content/bomb.png", huge_png_header(50000, 50000))
    write_file(site, "content/2022-03-01-bomb.md", article("Bomb", "2022-03-01", "Text.", image="bomb.png",
                                                           image_alt="Nothing"))
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-c", BUILD_AND_MEASURE, "build", "--site", "."], cwd=site,
                            capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    elapsed = time.monotonic() - started
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    errors = errors_of(result.stderr)
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith("content/2022-03-01-bomb.md:4: error: `image`: content/bomb.png: the image has "
                                "more than the 100 megapixels Broadsheet decodes"), errors
    peak_mib = int(result.stderr.split("peak-kib ", 1)[1].split()[0]) / 1024
    assert peak_mib < 400, f"the build peaked at {peak_mib:.0f} MiB"
    assert elapsed < 60, f"the build took {elapsed:.1f} s"
    assert snapshot(site / "output") == before

"""What social sites and crawlers read in a page's <head>: its own address and its share picture."""

from __future__ import annotations

import io
import re

from conftest import MINIMAL_CONFIG, article

def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (12, 8), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


PNG = _png()
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'


def head_tags(html: str) -> dict[str, list[str]]:
    """canonical, og:url and og:image as the page gives them (every occurrence)."""
    found: dict[str, list[str]] = {"canonical": [], "og:url": [], "og:image": [], "twitter:image": []}
    found["canonical"] = re.findall(r'<link rel="canonical" href="([^"]*)"', html)
    for name in ("og:url", "og:image"):
        found[name] = re.findall(rf'<meta property="{name}" content="([^"]*)"', html)
    found["twitter:image"] = re.findall(r'<meta name="twitter:image" content="([^"]*)"', html)
    return found


def test_the_404_page_claims_no_address_of_its_own(make_site, run):
    site = make_site({"content/a.md": article()})
    assert run("build", "--site", site).status == 0
    tags = head_tags((site / "output" / "404.html").read_text(encoding="utf-8"))
    assert tags["canonical"] == [] and tags["og:url"] == []
    # Other pages keep theirs.
    front = head_tags((site / "output" / "index.html").read_text(encoding="utf-8"))
    assert front["canonical"] == ["https://example.org/"] and front["og:url"] == ["https://example.org/"]


def test_an_svg_lead_image_is_replaced_by_the_sites_share_image(make_site, run):
    site = make_site({
        "content/map.md": article("Map", image="map.svg", image_alt="A map"),
        "content/photo.md": article("Photo", date="2022-03-01", image="photo.png", image_alt="A photo"),
        "content/plain.md": article("Plain", date="2022-03-02"),
        "content/map.svg": SVG,
        "content/photo.png": PNG,
        "content/images/card.png": PNG,
    }, MINIMAL_CONFIG + "share_image: images/card.png\n")
    assert run("build", "--site", site).status == 0
    out = site / "output"
    card = "https://example.org/images/card.png"
    assert (out / "images" / "card.png").read_bytes() == PNG
    svg_page = head_tags((out / "2022/02/28/map/index.html").read_text(encoding="utf-8"))
    assert svg_page["og:image"] == [card] and svg_page["twitter:image"] == [card]
    photo_page = head_tags((out / "2022/03/01/photo/index.html").read_text(encoding="utf-8"))
    # A raster image of its own: its share card, cut from it (tests/test_share_cards.py), 12×6 from 12×8.
    assert re.fullmatch(r"https://example\.org/photo\.12x6\.[0-9a-f]{8}\.png", photo_page["og:image"][0])
    assert head_tags((out / "2022/03/02/plain/index.html").read_text(encoding="utf-8"))["og:image"] == [card]
    assert head_tags((out / "index.html").read_text(encoding="utf-8"))["og:image"] == [card]


def test_without_a_share_image_an_svg_lead_image_gives_no_card_image(make_site, run):
    site = make_site({"content/map.md": article("Map", image="map.svg", image_alt="A map"), "content/map.svg": SVG})
    assert run("build", "--site", site).status == 0
    page = (site / "output/2022/02/28/map/index.html").read_text(encoding="utf-8")
    assert head_tags(page)["og:image"] == []
    assert '<meta name="twitter:card" content="summary">' in page


def test_a_share_image_must_be_a_raster_file_that_exists(make_site, run):
    site = make_site({"content/a.md": article(), "content/logo.svg": SVG},
                     MINIMAL_CONFIG + "share_image: logo.svg\n")
    result = run("build", "--site", site)
    assert result.status == 1
    assert "config.yaml:6" in result.err and "social sites reject SVG" in result.err
    assert not (site / "output").exists()

    (site / "config.yaml").write_text(MINIMAL_CONFIG + "share_image: images/missing.png\n", encoding="utf-8")
    result = run("build", "--site", site)
    assert result.status == 1
    assert "config.yaml:6" in result.err and "no file content/images/missing.png" in result.err

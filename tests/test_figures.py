"""Captions and credits as a reader sees them: a Markdown image with a title alone in its
paragraph is a figure with its caption; the lead image's image_caption and image_credit."""

from __future__ import annotations

import re

from conftest import MINIMAL_CONFIG, article

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20"/></svg>'


def page(site, slug="a-headline", date="2022/02/28"):
    return (site / "output" / date / slug / "index.html").read_text(encoding="utf-8")


def test_a_titled_image_alone_in_its_paragraph_is_a_figure_with_its_caption(make_site, run):
    body = ('Before.\n\n![A map of the river](map.svg "The river at "flood" level -- as of Sunday")\n\n'
            'An image ![inline](map.svg "Not a caption") among words stays.\n\n![No title](map.svg)\n')
    site = make_site({"content/2022-02-28-a-headline.md": article(body=body), "content/map.svg": SVG})
    assert run("build", "--site", site).status == 0
    html = page(site)
    # (other attributes, such as width and height, may come with the image)
    figure = re.search(r"<figure><img [^>]*></figure>|<figure><img ([^>]*)>(<figcaption>.*?</figcaption>)</figure>",
                       html)
    assert figure and 'alt="A map of the river"' in figure.group(1) and 'src="/map.svg"' in figure.group(1)
    assert "title=" not in figure.group(1)  # said by the caption: no tooltip saying it again
    assert figure.group(2) == "<figcaption>The river at “flood” level – as of Sunday</figcaption>"
    assert html.count("<figcaption") == 1
    assert re.search(r'<p>An image <img [^>]*title="Not a caption"[^>]*> among words stays.</p>', html)
    assert re.search(r'<p><img alt="No title"[^>]*></p>', html)


def test_the_caption_is_typeset_in_the_site_language(make_site, run):
    body = '![Carte](map.svg "La crue "historique" de la Wend")\n'
    site = make_site({"content/2022-02-28-a-headline.md": article(body=body), "content/map.svg": SVG},
                     config=MINIMAL_CONFIG + "language: fr\n")
    assert run("build", "--site", site).status == 0
    assert "<figcaption>La crue «\u202fhistorique\u202f» de la Wend</figcaption>" in page(site)


def test_the_lead_image_shows_its_caption_and_credit(make_site, run):
    site = make_site({"content/2022-02-28-a-headline.md": article(
        image="map.svg", image_alt="A map", image_caption="'\"The river\" at its highest'",
        image_credit="Jane Doe/Harlingford Post"), "content/map.svg": SVG})
    assert run("build", "--site", site).status == 0
    caption = re.search(r'<figure class="story__figure">.*?</figure>', page(site), re.S).group(0)
    assert "<figcaption" in caption
    assert "“The river” at its highest" in caption
    assert '<span class="credit">Photo: Jane Doe/Harlingford Post</span>' in caption


def test_a_credit_alone_is_shown_and_photo_is_translated(make_site, run):
    site = make_site({"content/2022-02-28-a-headline.md": article(
        image="map.svg", image_alt="Une carte", image_credit="Marie Curie"), "content/map.svg": SVG},
        config=MINIMAL_CONFIG + "language: fr\n")
    assert run("build", "--site", site).status == 0
    caption = re.search(r"<figcaption.*?</figcaption>", page(site), re.S).group(0)
    assert '<span class="credit">Photo\u00a0: Marie Curie</span>' in caption


def test_without_caption_or_credit_there_is_no_figcaption(make_site, run):
    site = make_site({"content/2022-02-28-a-headline.md": article(image="map.svg", image_alt="A map"),
                      "content/map.svg": SVG})
    assert run("build", "--site", site).status == 0
    assert "<figcaption" not in page(site)


def test_a_caption_that_is_not_a_text_is_an_error_at_its_line(make_site, run):
    site = make_site({"content/2022-02-28-a-headline.md": article(
        image="map.svg", image_alt="A map", image_credit="[Jane, Doe]"), "content/map.svg": SVG})
    result = run("build", "--site", site)
    assert result.status == 1
    assert "2022-02-28-a-headline.md:6" in result.err and "`image_credit` must be a text" in result.err
    assert not (site / "output").exists()


def test_an_edited_caption_renders_the_article_again(make_site, run):
    files = {"content/2022-02-28-a-headline.md": article(image="map.svg", image_alt="A map",
                                                          image_caption="First caption"),
             "content/map.svg": SVG}
    site = make_site(files)
    assert run("build", "--site", site).status == 0
    assert "First caption" in page(site)
    (site / "content/2022-02-28-a-headline.md").write_text(
        article(image="map.svg", image_alt="A map", image_caption="Second caption", image_credit="Ann"),
        encoding="utf-8")
    assert run("build", "--site", site).status == 0
    html = page(site)
    assert "Second caption" in html and "First caption" not in html and "Photo: Ann" in html

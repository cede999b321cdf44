"""A Markdown image with a title, alone in its paragraph, as a figure with its caption:

    ![Councillors vote](council-chamber.jpg "The vote, on Tuesday")

becomes <figure><img alt="Councillors vote" src="..."><figcaption>The vote, on
Tuesday</figcaption></figure>. The caption is typeset with the rest of the body (the
renderer's smart quotes run over the finished HTML, figcaption included). An image among
words, or one without a title, stays as Python-Markdown writes it.
"""

from __future__ import annotations

import xml.etree.ElementTree as etree

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor


class _Figures(Treeprocessor):
    def __init__(self, md: markdown.Markdown, wanted) -> None:
        super().__init__(md)
        self.wanted = wanted  # () -> bool: may the document have a titled image at all?

    def run(self, root: etree.Element) -> None:
        if not self.wanted():
            return
        for parent in list(root.iter()):
            for p in parent:
                if p.tag != "p" or len(p) != 1 or (p.text and p.text.strip()):
                    continue
                shown = p[0]  # an <img>, or a <picture> holding one (responsive images)
                img = shown if shown.tag == "img" else shown.find("img") if shown.tag == "picture" else None
                title = img.get("title") if img is not None else None
                if not title or not title.strip() or (shown.tail and shown.tail.strip()):
                    continue
                p.tag, p.text, shown.tail = "figure", None, None
                del img.attrib["title"]  # said by the caption: a tooltip would say it again
                caption = etree.SubElement(p, "figcaption")
                caption.text = title.strip()


class FiguresExtension(Extension):
    def __init__(self, wanted) -> None:
        super().__init__()
        self.wanted = wanted

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - Python-Markdown's name
        # After "inline" (20), which makes the <img>, and attr_list (8); before toc (5).
        md.treeprocessors.register(_Figures(md, self.wanted), "broadsheet_figures", 7)

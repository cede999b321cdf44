"""The installed themes' templates compiled at install time (generator/plan/precompiled.py, run by
`make`): a build without a cache compiles none of them, and writes the same site as one that does;
a template changed since, or another language's, is compiled from its own bytes."""

from __future__ import annotations

import shutil

import jinja2
import pytest

from conftest import MINIMAL_CONFIG, site_files
from generator.plan import precompiled, theme, theme_files


@pytest.fixture
def compiles(monkeypatch) -> list[str]:
    """The names of the templates Jinja compiles from here on."""
    names: list[str] = []
    real = jinja2.Environment.compile

    def counting(self, source, name=None, filename=None, raw=False, defer_init=False):
        names.append(name)
        return real(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    return names


@pytest.fixture
def installed(tmp_path, monkeypatch):
    """A copy of the installed themes, and the folder `make` compiles them into, both in tmp_path."""
    themes = tmp_path / "installed-themes"
    shutil.copytree(theme.installed_themes_dir(), themes)
    shipped = tmp_path / "shipped"
    monkeypatch.setattr(theme_files, "installed_themes_dir", lambda: themes)
    monkeypatch.setattr(precompiled, "SHIPPED", shipped)
    return themes, shipped


ARTICLE = "---\ntitle: Bridge reopens\ndate: 2024-03-02\ntags: [roads]\n---\nThe bridge reopened on Monday.\n"


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_build_without_a_cache_compiles_none_of_the_installed_themes_templates(
        make_site, run, installed, compiles, tmp_path, language):
    themes, shipped = installed
    site = make_site({"content/bridge.md": ARTICLE}, config=MINIMAL_CONFIG + f"language: {language}\n")
    uncompiled = run("build", "--site", site, "--output", tmp_path / "compiled-here", "--no-cache")
    assert uncompiled.status == 0
    assert "base.html" in compiles  # nothing shipped yet: every template compiled by the build

    made = precompiled.compile_installed_themes(shipped)
    assert f"default ({language})" in made
    shutil.rmtree(site / ".cache")  # which kept the templates that build compiled
    compiles.clear()
    build = run("build", "--site", site, "--output", tmp_path / "shipped-compiled", "--no-cache")
    assert build.status == 0, build.err
    assert compiles == []
    assert site_files(tmp_path / "shipped-compiled") == site_files(tmp_path / "compiled-here")


def test_a_template_changed_after_make_compiled_it_is_compiled_from_its_new_bytes(
        make_site, run, installed, compiles, tmp_path):
    themes, shipped = installed
    precompiled.compile_installed_themes(shipped)
    compiles.clear()
    base = themes / "default" / "templates" / "base.html"
    base.write_text(base.read_text().replace("</body>", "<p>changed since make</p></body>"))
    site = make_site({"content/bridge.md": ARTICLE})
    build = run("build", "--site", site, "--no-cache")
    assert build.status == 0, build.err
    assert compiles == ["base.html"]
    assert "<p>changed since make</p>" in (site / "output" / "index.html").read_text()


def test_a_build_keeps_its_own_compiled_templates_and_writes_none_beside_the_installed_ones(
        make_site, run, installed, tmp_path):
    themes, shipped = installed
    precompiled.compile_installed_themes(shipped)
    before = sorted(p.relative_to(shipped) for p in shipped.rglob("*"))
    site = make_site({"content/bridge.md": ARTICLE, "themes/mine/templates/base.html": "<!doctype html>{% block content %}{% endblock %}"})
    (site / "themes/mine/theme.yaml").write_text("parent: default\n")
    (site / "config.yaml").write_text(MINIMAL_CONFIG + "theme: mine\n")
    assert run("build", "--site", site).status == 0
    assert sorted(p.relative_to(shipped) for p in shipped.rglob("*")) == before
    assert any(site.glob(".cache/broadsheet/templates/*/__jinja2_*"))  # the site's own base.html, compiled

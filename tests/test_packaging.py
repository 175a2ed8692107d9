"""What the installed package declares to other tools: the command, Datasette's plugin, Scrapyd's settings."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points

import pytest


@pytest.mark.parametrize(
    ("group", "name", "target"),
    [
        ("console_scripts", "newsarchive", "newsarchive.cli:main"),
        ("datasette", "newsarchive", "newsarchive.web.datasette_plugin"),
        # Scrapyd loads a deployed project's settings through this entry point (scrapyd-deploy's egg too)
        ("scrapy", "settings", "newsarchive.settings"),
    ],
)
def test_each_entry_point_names_a_module_that_loads(group: str, name: str, target: str) -> None:
    found = {e.name: e.value for e in entry_points(group=group)}
    assert found.get(name) == target, f"{group}: {found} (reinstall: pip install -e .)"
    module = target.split(":")[0]
    # a fresh interpreter: what Scrapyd or Datasette would do
    subprocess.run([sys.executable, "-c", f"import {module}"], check=True, capture_output=True)


def test_the_scrapy_settings_entry_point_gives_the_project_settings() -> None:
    script = (
        "from importlib.metadata import entry_points\n"
        "from scrapy.settings import Settings\n"
        "(point,) = [e for e in entry_points(group='scrapy') if e.name == 'settings']\n"
        "settings = Settings(); settings.setmodule(point.load())\n"
        "print(settings.get('BOT_NAME'), settings.getbool('ROBOTSTXT_OBEY'), settings.get('SPIDER_MODULES'))"
    )
    result = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True)
    assert result.stdout.split(maxsplit=2)[:2] == ["newsarchive", "True"]
    assert "newsarchive.spiders" in result.stdout

"""The config file: ./newsarchive.toml, or the one given with --config.

db = "data/archive.db"
sites = ["ynet", "walla", "haaretz"]
since = "2 days ago"

[settings]              # any Scrapy setting
DOWNLOAD_DELAY = 2.0
USER_AGENT = "my-archive/1.0 (+https://example.org/contact)"
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path
from typing import Any

from .options import stderr

DEFAULT_CONFIG = Path("newsarchive.toml")
KNOWN_KEYS = {"db", "sites", "since", "settings"}


def load_config(path: Path | None) -> dict[str, Any]:
    if path is None:
        if not DEFAULT_CONFIG.exists():
            return {}
        path = DEFAULT_CONFIG
    try:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        stderr.print(f"[red]cannot read the config file {path}: {error}[/red]")
        sys.exit(2)
    unknown = set(config) - KNOWN_KEYS
    if unknown:
        known = ", ".join(sorted(KNOWN_KEYS))
        stderr.print(f"[red]{path}: unknown keys {', '.join(sorted(unknown))}[/red] (known: {known})")
        sys.exit(2)
    return config

"""The config file: ./newsarchive.toml, or the one given with --config.

db = "data/archive.db"
sites = ["ynet", "walla", "haaretz"]
since = "2 days ago"

[settings]              # any Scrapy setting
DOWNLOAD_DELAY = 2.0
USER_AGENT = "my-archive/1.0 (+https://example.org/contact)"
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from .messages import USED_WRONGLY, fail, shown

DEFAULT_CONFIG = Path("newsarchive.toml")
#: each key and the type its value must have
KNOWN_KEYS: dict[str, type] = {"db": str, "sites": list, "since": str, "settings": dict}


def load_config(path: Path | None) -> dict[str, Any]:
    """The config file's keys, checked: a file that cannot be read, is not TOML, has unknown keys or values
    of the wrong type is a usage mistake (one line, exit 2), whichever command reads it."""
    if path is None:
        if not DEFAULT_CONFIG.exists():
            return {}
        path = DEFAULT_CONFIG
    try:
        config = tomllib.loads(path.read_text(encoding="utf-8-sig"))  # Notepad's byte-order mark too
    except OSError as error:
        fail(f"cannot read the config file {shown(path)}: {error.strerror or error}", USED_WRONGLY)
    except UnicodeDecodeError as error:
        where = f"{error.reason} at byte {error.start}"
        fail(f"the config file {shown(path)} is not UTF-8 text ({where})", USED_WRONGLY)
    except tomllib.TOMLDecodeError as error:
        fail(f"the config file {shown(path)} is not valid TOML: {error}", USED_WRONGLY)
    unknown = set(config) - set(KNOWN_KEYS)
    if unknown:
        known = ", ".join(sorted(KNOWN_KEYS))
        fail(f"{shown(path)}: unknown keys {', '.join(sorted(unknown))} (known: {known})", USED_WRONGLY)
    for key, kind in KNOWN_KEYS.items():
        if key in config and not isinstance(config[key], kind):
            fail(f"{shown(path)}: {key} must be a {_TYPE_NAMES[kind]}, not {config[key]!r}", USED_WRONGLY)
    if "db" in config and not config["db"].strip():
        fail(f"{shown(path)}: db is empty: name the archive's file, or leave the key out", USED_WRONGLY)
    if not all(isinstance(site, str) for site in config.get("sites", [])):
        fail(f"{shown(path)}: sites must be a list of site names", USED_WRONGLY)
    return config


_TYPE_NAMES = {str: "string", list: "list", dict: "table ([settings])"}

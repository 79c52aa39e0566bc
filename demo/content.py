"""The demo content files in demo/data/, read as plain dicts and lists."""

from functools import cache
from pathlib import Path

import yaml

DATA_DIR = Path(__file__).resolve().parent / "data"


@cache
def load(name):
    """The content of demo/data/<name>.yaml."""
    with (DATA_DIR / f"{name}.yaml").open(encoding="utf-8") as stream:
        return yaml.safe_load(stream)


def english(row, convert=None):
    """The English versions in a row's `en:` mapping, as `<field>_en` values.

    `en:` is keyed by model field names (`en: {name: ..., summary: ...}`); `convert` maps a
    field name to a function for values that need building (an article body's paragraphs).
    A row without `en:` gives {} and leaves the English fields as they are."""
    values = {}
    for field, value in (row.get("en") or {}).items():
        if convert and field in convert:
            value = convert[field](value)
        elif isinstance(value, str):
            value = value.strip()
        values[f"{field}_en"] = value
    return values

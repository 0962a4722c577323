"""Checks of the translation catalogs: complete, not fuzzy, same placeholders and tags as English."""
from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%[sdif]|\{\w*\}")
TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>")
TARGET_LOCALES = ("zh_Hans", "ja", "ko")


def _placeholders(text: str) -> list[str]:
    return sorted(m.group(0) for m in PLACEHOLDER.finditer(text))


def check_catalog(path: Path) -> list[str]:
    problems = []
    with path.open("rb") as f:
        catalog = read_po(f, locale=path.parent.parent.name)
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        label = f"{path.parent.parent.name}: {ids[0][:70]!r}"
        if message.fuzzy:
            problems.append(f"{label} is fuzzy")
        if not all(strings):
            problems.append(f"{label} is not translated")
            continue
        # A plural's translations carry the placeholders of its plural form.
        source_placeholders = set(_placeholders(ids[-1]))
        source_tags = sorted(TAG.findall(ids[-1]))
        for translated in strings:
            if set(_placeholders(translated)) != source_placeholders:
                problems.append(f"{label}: placeholders differ ({translated[:60]!r})")
            if sorted(TAG.findall(translated)) != source_tags:
                problems.append(f"{label}: HTML tags differ ({translated[:60]!r})")
    return problems


def check_catalogs(translations_dir: Path) -> list[str]:
    problems = []
    for locale in TARGET_LOCALES:
        path = translations_dir / locale / "LC_MESSAGES" / "messages.po"
        if not path.exists():
            problems.append(f"{locale}: catalog missing")
            continue
        problems.extend(check_catalog(path))
    return problems

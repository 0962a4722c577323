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
        ids = message.id if isinstance(message.id, (tuple, list)) else (message.id,)
        strings = list(message.string) if isinstance(message.string, (tuple, list)) else [message.string or ""]
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


def extracted_message_ids(project_root: Path) -> set[str]:
    """The msgids the code and templates use now (as `flask translate extract` would find them)."""
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with (project_root / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_pgettext": ((1, "c"), 2), "lazy_ngettext": (1, 2)}
    ids = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
            str(project_root / "mobility"), method_map, options_map, keywords=keywords):
        ids.add(message[0] if isinstance(message, (tuple, list)) else message)
    return ids


def missing_from_catalogs(project_root: Path) -> list[str]:
    """Messages the code uses that a catalog does not have at all (run `flask translate update`)."""
    wanted = extracted_message_ids(project_root)
    problems: list[str] = []
    for locale in TARGET_LOCALES:
        path = project_root / "translations" / locale / "LC_MESSAGES" / "messages.po"
        with path.open("rb") as f:
            have = {m.id[0] if isinstance(m.id, tuple) else m.id for m in read_po(f, locale=locale) if m.id}
        problems.extend(f"{locale}: {msgid[:70]!r} is not in the catalog" for msgid in sorted(wanted - have))
    return problems

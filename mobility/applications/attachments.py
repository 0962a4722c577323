"""Checking uploads by their content, and names that are safe to show and to send back."""
from __future__ import annotations

import re
import unicodedata

import filetype

# What an artist may upload, recognised from the bytes (never from the name): documents and images.
ALLOWED_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "webp": "image/webp",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}

EXTENSIONS = {content_type: extension for extension, content_type in ALLOWED_TYPES.items()}


def with_extension(name: str, content_type: str) -> str:
    """`name` ending in the extension of its content type: a file uploaded as "cv" is sent as "cv.pdf", a
    photo as "photo-3.png", so that it opens on the computer it is saved to."""
    extension = EXTENSIONS.get(content_type)
    lowered = name.lower()
    if extension is None or lowered.endswith(f".{extension}") or (extension == "jpg" and lowered.endswith(".jpeg")):
        return name
    return f"{name}.{extension}"

# The old Office formats keep the author in property streams that cannot be emptied reliably: a blind call
# asks for the newer formats or a PDF instead (review/anonymise.py strips those).
LEGACY_OFFICE_TYPES = frozenset({ALLOWED_TYPES["doc"], ALLOWED_TYPES["xls"], ALLOWED_TYPES["ppt"]})

_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')


def detect_type(data: bytes) -> str | None:
    """The MIME type of an allowed kind of file, or None (HTML, SVG, scripts, archives … are refused)."""
    kind = filetype.guess(data[:8192] if len(data) > 8192 and not data.startswith(b"PK") else data)
    if kind is None or kind.extension not in ALLOWED_TYPES:
        return None
    return ALLOWED_TYPES[kind.extension]


def display_name(raw: str | None) -> str:
    """The uploaded name without any path, control or reserved characters; CJK letters are kept."""
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[/\\]", name)[-1]
    name = _UNSAFE.sub("", name).strip(" .")
    name = re.sub(r"\s+", " ", name)
    if len(name) > 200:
        stem, dot, extension = name.rpartition(".")
        name = (stem[: 200 - len(extension) - 1] + dot + extension) if dot and len(extension) <= 10 else name[:200]
    return name or "file"

"""A stable digest of a snapshot (what someone saw, confirmed or edited): the same content, the same digest."""
from __future__ import annotations

import hashlib
import json


def content_hash(content: dict) -> str:
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

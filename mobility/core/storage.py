"""Where attachment bytes live: behind an interface, never in the web root.

The default is a directory (ATTACHMENT_DIR, under instance/); another backend (S3-compatible object
storage) only has to offer the same verbs.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Protocol

from flask import current_app


class Storage(Protocol):
    def save(self, data: bytes) -> str: ...
    def put(self, key: str, data: bytes) -> None: ...  # under a known key: restoring a backup
    def read(self, key: str) -> bytes: ...
    def delete(self, key: str) -> None: ...


class LocalStorage:
    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not key.isalnum():  # keys are ours (hex); refuse anything that could walk the tree
            raise ValueError("bad storage key")
        return self.root / key[:2] / key

    def save(self, data: bytes) -> str:
        key = secrets.token_hex(20)
        self.put(key, data)
        return key

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".part")
        temporary.write_bytes(data)
        os.replace(temporary, path)  # a reader never sees half a file

    def read(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


def get_storage() -> Storage:
    storage = current_app.extensions.get("mobility_storage")
    if storage is None:
        storage = LocalStorage(current_app.config["ATTACHMENT_DIR"])
        current_app.extensions["mobility_storage"] = storage
    return storage


def _delete_after_commit(session) -> None:
    keys = session.info.pop("storage_deletions", [])
    if keys:
        storage = get_storage()
        for key in keys:
            storage.delete(key)


def _forget_deletions(session) -> None:
    session.info.pop("storage_deletions", None)


def init_app(app) -> None:
    """Files removed in a transaction are deleted from the store only once it commits."""
    from sqlalchemy import event

    from mobility.extensions import db

    factory = db.session.session_factory
    if not event.contains(factory, "after_commit", _delete_after_commit):
        event.listen(factory, "after_commit", _delete_after_commit)
        event.listen(factory, "after_rollback", _forget_deletions)

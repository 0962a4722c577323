"""Where attachment bytes live: behind an interface, never in the web root.

Two backends offer the same verbs: a directory (ATTACHMENT_DIR, under instance/; the default) and an
S3-compatible bucket (STORAGE_BACKEND=s3: AWS S3, MinIO, Ceph, Garage…), which every app machine can
share. Keys are always ours: random hex made by `save`, checked again on every verb.
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Protocol

from flask import current_app

from mobility.db import on_transaction_end
from mobility.extensions import db


class Storage(Protocol):
    def save(self, data: bytes) -> str: ...
    def put(self, key: str, data: bytes) -> None: ...  # under a known key: restoring a backup
    def read(self, key: str) -> bytes: ...              # FileNotFoundError when there is no such file
    def delete(self, key: str) -> None: ...             # no error when it is already gone
    def keys(self) -> Iterator[str]: ...                # every file in the store (erasure checks, audits)


def is_key(name) -> bool:
    return isinstance(name, str) and name.isascii() and name.isalnum()


def checked_key(key: str) -> str:
    if not is_key(key):  # keys are ours (hex): refuse anything that could walk a tree or name another object
        raise ValueError("bad storage key")
    return key


def new_key() -> str:
    return secrets.token_hex(20)


class LocalStorage:
    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / checked_key(key)[:2] / key

    def save(self, data: bytes) -> str:
        key = new_key()
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

    def keys(self) -> Iterator[str]:
        for path in sorted(self.root.glob("*/*")):
            if path.is_file() and is_key(path.name):  # not a half-written ".part"
                yield path.name


class S3Storage:
    """Objects named `<S3_PREFIX><key>` in one private bucket; the app serves them itself, never by URL."""

    def __init__(self, client, bucket: str, prefix: str = ""):
        self.client, self.bucket, self.prefix = client, bucket, prefix

    @classmethod
    def from_config(cls, config: Mapping) -> S3Storage:
        import boto3  # only where the backend is chosen
        from botocore.config import Config as ClientConfig

        # Credentials come the standard way (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a profile, an
        # instance role), never from the app's own settings.
        client = boto3.session.Session().client(
            "s3", endpoint_url=config.get("S3_ENDPOINT_URL") or None, region_name=config.get("S3_REGION") or None,
            config=ClientConfig(s3={"addressing_style": config.get("S3_ADDRESSING_STYLE") or "auto"},
                                retries={"mode": "standard", "max_attempts": 5}))
        return cls(client, config["S3_BUCKET"], config.get("S3_PREFIX") or "")

    def _name(self, key: str) -> str:
        return self.prefix + checked_key(key)

    def save(self, data: bytes) -> str:
        key = new_key()
        self.put(key, data)
        return key

    def put(self, key: str, data: bytes) -> None:
        # One PUT: S3 makes an object visible whole or not at all, so a reader never sees half a file.
        self.client.put_object(Bucket=self.bucket, Key=self._name(key), Body=data,
                               ContentType="application/octet-stream")

    def read(self, key: str) -> bytes:
        from botocore.exceptions import ClientError

        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in {"NoSuchKey", "404", "NotFound"}:
                raise FileNotFoundError(key) from None  # as LocalStorage: callers need not know the backend
            raise
        return response["Body"].read()

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))  # S3 answers 204 for a missing key

    def keys(self) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
        for page in pages:
            for item in page.get("Contents", []):
                key = item["Key"][len(self.prefix):]
                if is_key(key):  # someone else's objects under the prefix are not ours
                    yield key


BACKENDS = ("local", "s3")


def storage_from_config(config: Mapping) -> Storage:
    backend = (config.get("STORAGE_BACKEND") or "local").lower()
    if backend == "s3":
        return S3Storage.from_config(config)
    return LocalStorage(config["ATTACHMENT_DIR"])


def check_config(config: Mapping) -> None:
    """Refuse to start with a storage setting that would only fail at the first upload."""
    backend = (config.get("STORAGE_BACKEND") or "local").lower()
    if backend not in BACKENDS:
        raise RuntimeError(f"STORAGE_BACKEND must be one of {', '.join(BACKENDS)}, not {backend!r}")
    if backend == "s3" and not config.get("S3_BUCKET"):
        raise RuntimeError("STORAGE_BACKEND=s3 needs S3_BUCKET")
    if config.get("S3_PREFIX") and not all(c.isalnum() or c in "-_./" for c in config["S3_PREFIX"]):
        raise RuntimeError("S3_PREFIX may hold letters, digits and - _ . / only")
    if (config.get("S3_ADDRESSING_STYLE") or "auto") not in ("auto", "path", "virtual"):
        raise RuntimeError("S3_ADDRESSING_STYLE must be auto, path or virtual")


def get_storage() -> Storage:
    storage = current_app.extensions.get("mobility_storage")
    if storage is None:
        storage = storage_from_config(current_app.config)
        current_app.extensions["mobility_storage"] = storage
    return storage


def save_for_transaction(data: bytes) -> str:
    """Store the bytes of a row being written now; should the transaction roll back, they go too."""
    key = get_storage().save(data)
    keep_with_transaction(key)
    return key


def keep_with_transaction(key: str) -> None:
    """Bytes already stored that a row of the current transaction names: should it roll back, they go too."""
    db.session.info.setdefault("storage_saved", []).append(key)


def _delete_after_commit(session) -> None:
    session.info.pop("storage_saved", None)  # their rows are committed: the files stay
    keys = session.info.pop("storage_deletions", [])
    if keys:
        storage = get_storage()
        for key in keys:
            storage.delete(key)


def _after_rollback(session) -> None:
    session.info.pop("storage_deletions", None)
    orphans = session.info.pop("storage_saved", [])  # no row will ever name them
    if orphans:
        storage = get_storage()
        for key in orphans:
            storage.delete(key)


def init_app(app) -> None:
    """Files removed in a transaction are deleted from the store only once it commits; files saved in a
    transaction that rolls back are deleted then."""
    check_config(app.config)
    on_transaction_end(committed=_delete_after_commit, rolled_back=_after_rollback)

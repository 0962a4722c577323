"""Backup and restore: every row of every table and every stored file, in one archive.

The archive is portable between SQLite and PostgreSQL (rows are written as JSON lines, typed by the
models' columns), carries the schema revision it was made at, and a SHA-256 of every table and file, so a
restore can prove it is complete. Use `flask backup create` / `flask backup restore` (see README).
"""
from __future__ import annotations

import base64
import enum
import hashlib
import io
import json
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from alembic.migration import MigrationContext

from mobility.core import memo
from mobility.core.storage import get_storage
from mobility.extensions import db

FORMAT = 1
SKIPPED_TABLES = {"alembic_version"}


class BackupError(Exception):
    pass


@dataclass
class Manifest:
    revision: str | None
    created_at: str
    tables: dict[str, dict] = field(default_factory=dict)   # name -> {"rows": n, "sha256": …}
    files: dict[str, str] = field(default_factory=dict)     # storage key -> sha256
    format: int = FORMAT


def _tables() -> list[sa.Table]:
    return [t for t in db.metadata.sorted_tables if t.name not in SKIPPED_TABLES]


def _current_revision() -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def encode_value(value):
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode()
    return value


def _decoder(column: sa.Column):
    kind = column.type
    if isinstance(kind, sa.TypeDecorator):
        kind = kind.impl_instance
    if isinstance(kind, sa.Enum) and kind.enum_class is not None:
        return kind.enum_class
    if isinstance(kind, sa.DateTime):
        return datetime.fromisoformat
    if isinstance(kind, sa.Date):
        return date.fromisoformat
    if isinstance(kind, sa.Time):
        return time.fromisoformat
    if isinstance(kind, sa.Numeric) and not isinstance(kind, sa.Float):
        return Decimal
    if isinstance(kind, sa.LargeBinary):
        return base64.b64decode
    return None


def _storage_keys(table: sa.Table, row: Mapping) -> list[str]:
    return [row[c.name] for c in table.columns if c.name == "storage_key" and row[c.name]]


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    archive.addfile(info, io.BytesIO(data))


def _read_bytes(archive: tarfile.TarFile, name: str) -> bytes:
    member = archive.extractfile(name)  # KeyError when the archive has no such member
    if member is None:
        raise BackupError(f"{name} in the archive is not a file")
    return member.read()


def create_backup(path: str | Path) -> Manifest:
    """Write the archive at `path` (a .tar.gz); rows are read in one transaction, so they are consistent."""
    manifest = Manifest(revision=_current_revision(), created_at=datetime.now().astimezone().isoformat())
    storage = get_storage()
    keys: list[str] = []
    with tarfile.open(path, "w:gz") as archive, db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
        for table in _tables():
            digest, lines = hashlib.sha256(), []
            order = list(table.primary_key.columns) or list(table.columns)
            for row in conn.execute(sa.select(table).order_by(*order)).mappings():
                line = json.dumps({k: encode_value(v) for k, v in row.items()}, ensure_ascii=False)  # key order kept: hashed JSON stays identical
                digest.update(line.encode())
                lines.append(line)
                keys.extend(_storage_keys(table, row))
            _add_bytes(archive, f"tables/{table.name}.jsonl", ("\n".join(lines) + "\n" if lines else "").encode())
            manifest.tables[table.name] = {"rows": len(lines), "sha256": digest.hexdigest()}
        for key in keys:
            data = storage.read(key)
            manifest.files[key] = hashlib.sha256(data).hexdigest()
            _add_bytes(archive, f"files/{key}", data)
        _add_bytes(archive, "manifest.json", json.dumps(manifest.__dict__, indent=1).encode())
    return manifest


def _read_manifest(archive: tarfile.TarFile) -> Manifest:
    data = json.loads(_read_bytes(archive, "manifest.json"))
    if data.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {data.get('format')!r}")
    return Manifest(**data)


def restore_backup(path: str | Path) -> Manifest:
    """Load the archive into this database, which must be at the archive's revision and hold no rows."""
    storage = get_storage()
    with tarfile.open(path, "r:gz") as archive:
        manifest = _read_manifest(archive)
        if manifest.revision != _current_revision():
            raise BackupError(f"the backup is at revision {manifest.revision}, the database at "
                              f"{_current_revision()}: run `flask db upgrade {manifest.revision}` on an empty "
                              "database, restore, then upgrade")
        with db.engine.begin() as conn:
            for table in _tables():
                if conn.execute(sa.select(sa.func.count()).select_from(table)).scalar():
                    raise BackupError(f"table {table.name} is not empty: restore into an empty database")
            for table in _tables():
                expected = manifest.tables.get(table.name, {"rows": 0})
                raw = _read_bytes(archive, f"tables/{table.name}.jsonl").decode()
                lines = [line for line in raw.split("\n") if line]
                digest = hashlib.sha256("".join(lines).encode()).hexdigest()
                if len(lines) != expected["rows"] or (lines and digest != expected["sha256"]):
                    raise BackupError(f"table {table.name} in the archive does not match its checksum")
                decoders = {c.name: _decoder(c) for c in table.columns}
                rows = []
                for line in lines:
                    row = json.loads(line)
                    rows.append({k: (decoders[k](v) if v is not None and decoders.get(k) else v)
                                 for k, v in row.items()})
                for start in range(0, len(rows), 1000):
                    conn.execute(table.insert(), rows[start:start + 1000])
            if conn.dialect.name == "postgresql":
                _reset_sequences(conn)
        for key, checksum in manifest.files.items():
            data = _read_bytes(archive, f"files/{key}")
            if hashlib.sha256(data).hexdigest() != checksum:
                raise BackupError(f"file {key} in the archive does not match its checksum")
            storage.put(key, data)
    memo.clear()  # nothing computed from the database that was there before
    return manifest


def _reset_sequences(conn) -> None:
    """Rows came with their ids: move each id sequence past them so new rows do not collide."""
    for table in _tables():
        key = list(table.primary_key.columns)
        if len(key) == 1 and isinstance(key[0].type, sa.Integer) and key[0].autoincrement in (True, "auto"):
            quoted = conn.dialect.identifier_preparer.quote(table.name)
            conn.execute(sa.text(
                f"SELECT setval(pg_get_serial_sequence('{quoted}', '{key[0].name}'), "
                f"COALESCE((SELECT max({key[0].name}) FROM {quoted}), 0) + 1, false)"))

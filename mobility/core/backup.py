"""Backup and restore: every row of every table and every stored file, in one archive.

The archive is portable between SQLite and PostgreSQL (rows are written as JSON lines, typed by the
models' columns), carries the schema revision it was made at, and a SHA-256 of every table and file, so a
restore can prove it is complete. Use `flask backup create` / `flask backup restore` (see README).
"""
from __future__ import annotations

import base64
import enum
import gzip
import hashlib
import io
import json
import tarfile
import zlib
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
    try:
        data = json.loads(_read_bytes(archive, "manifest.json"))
    except KeyError:
        raise BackupError("the archive has no manifest.json: it is not a backup of this system, or it was "
                          "cut short before its end") from None
    if data.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {data.get('format')!r}")
    return Manifest(**data)


# What a damaged or truncated .tar.gz raises while it is read.
_DAMAGED = (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile, UnicodeDecodeError, json.JSONDecodeError)


def restore_backup(path: str | Path) -> Manifest:
    """Load the archive into this database, which must be at the archive's revision and hold no rows.

    Everything is verified before anything is written (the manifest, then every table and file against
    its checksum), so a damaged archive leaves the database and the store as they were and can be replaced
    by a good one. Then the files are stored (the same key twice holds the same bytes) and the rows are
    inserted in one transaction."""
    try:
        with tarfile.open(path, "r:gz") as archive:
            manifest = _read_manifest(archive)
            if manifest.revision != _current_revision():
                raise BackupError(f"the backup is at revision {manifest.revision}, the database at "
                                  f"{_current_revision()}: run `flask db upgrade {manifest.revision}` on an empty "
                                  "database, restore, then upgrade")
            _refuse_if_not_empty()
            _verify(archive, manifest)
            storage = get_storage()
            for key in manifest.files:
                storage.put(key, _read_bytes(archive, f"files/{key}"))
            with db.engine.begin() as conn:
                _refuse_if_not_empty(conn)  # checked again where the rows go in
                for table in _tables():
                    rows = _rows(table, _table_lines(archive, table))
                    for start in range(0, len(rows), 1000):
                        conn.execute(table.insert(), rows[start:start + 1000])
                if conn.dialect.name == "postgresql":
                    _reset_sequences(conn)
    except _DAMAGED as error:
        raise BackupError(f"the archive is damaged or incomplete (was it cut short while it was copied?): "
                          f"{error or type(error).__name__}") from error
    except FileNotFoundError as error:
        raise BackupError(f"no archive at {path}") from error
    memo.clear()  # nothing computed from the database that was there before
    return manifest


def _refuse_if_not_empty(conn=None) -> None:
    def check(connection):
        for table in _tables():
            if connection.execute(sa.select(sa.func.count()).select_from(table)).scalar():
                raise BackupError(f"table {table.name} is not empty: restore into an empty database")
    if conn is not None:
        return check(conn)
    with db.engine.connect() as connection:
        check(connection)


def _table_lines(archive: tarfile.TarFile, table: sa.Table) -> list[str]:
    try:
        raw = _read_bytes(archive, f"tables/{table.name}.jsonl").decode()
    except KeyError:
        raise BackupError(f"the archive has no rows for table {table.name}: it is incomplete") from None
    return [line for line in raw.split("\n") if line]


def _verify(archive: tarfile.TarFile, manifest: Manifest) -> None:
    """Every table and every file of the manifest is in the archive with its checksum."""
    for table in _tables():
        expected = manifest.tables.get(table.name, {"rows": 0})
        lines = _table_lines(archive, table)
        digest = hashlib.sha256("".join(lines).encode()).hexdigest()
        if len(lines) != expected["rows"] or (lines and digest != expected["sha256"]):
            raise BackupError(f"table {table.name} in the archive does not match its checksum: nothing was "
                              "restored")
    for key, checksum in manifest.files.items():
        try:
            data = _read_bytes(archive, f"files/{key}")
        except KeyError:
            raise BackupError(f"file {key} is missing from the archive: nothing was restored") from None
        if hashlib.sha256(data).hexdigest() != checksum:
            raise BackupError(f"file {key} in the archive does not match its checksum: nothing was restored")


def _rows(table: sa.Table, lines: list[str]) -> list[dict]:
    decoders = {c.name: _decoder(c) for c in table.columns}
    return [{k: (decoders[k](v) if v is not None and decoders.get(k) else v) for k, v in json.loads(line).items()}
            for line in lines]


def _reset_sequences(conn) -> None:
    """Rows came with their ids: move each id sequence past them so new rows do not collide."""
    for table in _tables():
        key = list(table.primary_key.columns)
        if len(key) == 1 and isinstance(key[0].type, sa.Integer) and key[0].autoincrement in (True, "auto"):
            quoted = conn.dialect.identifier_preparer.quote(table.name)
            conn.execute(sa.text(
                f"SELECT setval(pg_get_serial_sequence('{quoted}', '{key[0].name}'), "
                f"COALESCE((SELECT max({key[0].name}) FROM {quoted}), 0) + 1, false)"))

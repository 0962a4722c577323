"""Backup and restore: an archive made from a working database restores into an empty one with every row
and every file identical (files in a directory or in an S3 bucket), and a restore never mixes with existing data."""
from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from flask_migrate import upgrade

from mobility import create_app
from mobility.applications import services as applications
from mobility.applications.enums import AttachmentKind
from mobility.applications.models import Attachment
from mobility.awards import services as awards
from mobility.core.backup import BackupError, create_backup, restore_backup
from mobility.core.storage import get_storage
from mobility.demo import load_demo
from mobility.extensions import db
from mobility.reports import services as reports
from mobility.reports.models import ReportPhoto
from tests.conftest import Config
from tests.databases import empty_database, table_digests
from tests.factories import MINIMAL_PDF, MINIMAL_PNG, make_application, make_awardable, make_user


def _app(url: str, store: dict):
    """An app on this database whose files live in `store` (settings from the new_store_config fixture)."""
    settings = {"SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": {}, **store}
    return create_app(type("BackupConfig", (Config,), settings))


def _populate() -> None:
    load_demo(programme=False)
    manager, call, (application,) = make_awardable()
    grant = awards.award_application(manager, application, "Excellent")
    awards.accept_grant(application.applicant, grant, name="김민준")
    grant.created_at -= timedelta(days=60)
    report = reports.report_for(grant)
    reports.add_photo(application.applicant, report, data=MINIMAL_PNG, caption="첫 공연")
    draft = make_application(title="潮の記憶")
    applications.add_attachment(draft.applicant, draft, kind=AttachmentKind.PORTFOLIO, filename="作品集.pdf",
                                data=MINIMAL_PDF + "ポートフォリオ".encode())
    db.session.commit()


def _file_checksums() -> dict[str, str]:
    keys = [a.storage_key for a in db.session.query(Attachment)] + [p.storage_key for p in db.session.query(ReportPhoto)]
    assert sorted(get_storage().keys()) == sorted(keys)  # the store holds these files and no others
    return {key: hashlib.sha256(get_storage().read(key)).hexdigest() for key in keys}


def test_a_backup_restores_into_an_empty_database_with_every_row_and_file_identical(tmp_path, new_store_config):
    archive = tmp_path / "backup.tar.gz"
    with empty_database(tmp_path, "source") as source_url:
        source = _app(source_url, new_store_config())
        with source.app_context(), source.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
            upgrade()
            _populate()
            rows, files = table_digests(), _file_checksums()
            manifest = create_backup(archive)
            assert len(files) == 2 and set(manifest.files) == set(files)
            db.session.remove()
            db.engine.dispose()

    with empty_database(tmp_path, "target") as target_url:
        target = _app(target_url, new_store_config())  # an empty store: every file must come from the archive
        with target.app_context(), target.test_request_context():
            upgrade()
            assert list(get_storage().keys()) == []
            restore_backup(archive)
            assert table_digests() == rows
            assert _file_checksums() == files
            make_user(email="after-restore@example.org")  # new rows get fresh ids (sequences moved past the old)
            db.session.commit()
            with pytest.raises(BackupError, match="not empty"):
                restore_backup(archive)
            db.session.remove()
            db.engine.dispose()


def test_a_damaged_archive_is_refused(tmp_path):
    import io
    import tarfile

    archive, damaged = tmp_path / "backup.tar.gz", tmp_path / "damaged.tar.gz"
    with empty_database(tmp_path, "source") as url:
        app = _app(url, {"ATTACHMENT_DIR": str(tmp_path / "files")})
        with app.app_context(), app.test_request_context():
            upgrade()
            load_demo(programme=False)
            db.session.commit()
            create_backup(archive)
            with tarfile.open(archive) as source, tarfile.open(damaged, "w:gz") as out:
                for member in source.getmembers():
                    data = source.extractfile(member).read()
                    if member.name == "tables/user.jsonl":
                        data = data.replace(b"Anna Schmidt", b"Someone Else")
                    member.size = len(data)
                    out.addfile(member, io.BytesIO(data))
            db.session.remove()
            db.engine.dispose()
    with empty_database(tmp_path, "target") as url:
        app = _app(url, {"ATTACHMENT_DIR": str(tmp_path / "target-files")})
        with app.app_context():
            upgrade()
            with pytest.raises(BackupError, match="user"):
                restore_backup(damaged)
            db.session.remove()
            db.engine.dispose()


def _archive_with_files(tmp_path):
    """A backup of a populated database whose store holds files (attachment, report photo)."""
    archive = tmp_path / "backup.tar.gz"
    with empty_database(tmp_path, "source") as url:
        app = _app(url, {"ATTACHMENT_DIR": str(tmp_path / "files")})
        with app.app_context(), app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
            upgrade()
            _populate()
            manifest = create_backup(archive)
            assert manifest.files
            db.session.remove()
            db.engine.dispose()
    return archive


def _rewritten(archive, target, change):
    """A copy of `archive` with each member's bytes passed through change(name, data)."""
    import io
    import tarfile

    with tarfile.open(archive) as source, tarfile.open(target, "w:gz") as out:
        for member in source.getmembers():
            data = change(member.name, source.extractfile(member).read())
            member.size = len(data)
            out.addfile(member, io.BytesIO(data))
    return target


def test_one_flipped_byte_in_a_file_restores_nothing_and_the_good_archive_then_restores(tmp_path):
    good = _archive_with_files(tmp_path)

    def flip_a_byte_of_the_first_file(name, data, seen=[]):
        if name.startswith("files/") and not seen:
            seen.append(name)
            return data[:10] + bytes([data[10] ^ 0x01]) + data[11:]
        return data

    damaged = _rewritten(good, tmp_path / "damaged.tar.gz", flip_a_byte_of_the_first_file)
    with empty_database(tmp_path, "target") as url:
        app = _app(url, {"ATTACHMENT_DIR": str(tmp_path / "target-files")})
        with app.app_context(), app.test_request_context():
            upgrade()
            with pytest.raises(BackupError, match="does not match its checksum: nothing was restored"):
                restore_backup(damaged)
            assert sum(db.session.execute(db.select(db.func.count()).select_from(t)).scalar()
                       for t in db.metadata.sorted_tables if t.name != "alembic_version") == 0
            assert list(get_storage().keys()) == []  # not one file written either
            manifest = restore_backup(good)  # the database was left empty: the good archive goes in
            assert sum(t["rows"] for t in manifest.tables.values()) > 0
            db.session.remove()
            db.engine.dispose()


def test_a_truncated_archive_says_what_is_wrong(tmp_path):
    good = _archive_with_files(tmp_path)
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    not_gzip = tmp_path / "notes.tar.gz"
    not_gzip.write_bytes(b"this is not an archive")
    with empty_database(tmp_path, "target") as url:
        app = _app(url, {"ATTACHMENT_DIR": str(tmp_path / "target-files")})
        with app.app_context(), app.test_request_context():
            upgrade()
            for archive in (truncated, not_gzip):
                with pytest.raises(BackupError, match="damaged or incomplete"):
                    restore_backup(archive)
            result = app.test_cli_runner().invoke(args=["backup", "restore", str(truncated)])
            assert result.exit_code == 1 and "damaged or incomplete" in result.output
            assert "Traceback" not in result.output and "Aborted" not in result.output
            db.session.remove()
            db.engine.dispose()

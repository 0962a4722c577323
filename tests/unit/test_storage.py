"""The attachment store, on each backend (a directory; an S3 bucket on a local S3-compatible server): what
is put is read back byte for byte, keys are ours only, and a removed file goes only once the change commits."""
from __future__ import annotations

import pytest

from mobility import create_app
from mobility.applications import services as applications
from mobility.applications.enums import AttachmentKind
from mobility.core.storage import S3Storage, new_key, storage_from_config
from tests.conftest import Config
from tests.factories import MINIMAL_PDF, make_application

BAD_KEYS = ["../../etc/passwd", "ab/cd", "..", "", "abc.part", "key with space", "키카나리아", "ab\\cd", "a\x00b"]
DATA = MINIMAL_PDF + "作品集 ポートフォリオ 포트폴리오".encode() + bytes(range(256))


def test_what_is_saved_is_read_back_byte_for_byte_and_listed(new_store_config):
    config = new_store_config()
    store = storage_from_config(config)
    assert list(store.keys()) == []
    key = store.save(DATA)
    assert key.isalnum() and len(key) == 40
    assert store.read(key) == DATA
    assert storage_from_config(config).read(key) == DATA  # a second process (another app machine) sees it too
    store.put(key, b"replaced")
    assert store.read(key) == b"replaced"
    other = new_key()
    store.put(other, b"")
    assert store.read(other) == b"" and sorted(store.keys()) == sorted([key, other])


def test_a_missing_file_is_file_not_found_and_deleting_it_is_harmless(new_store_config):
    store = storage_from_config(new_store_config())
    with pytest.raises(FileNotFoundError):
        store.read(new_key())
    store.delete(new_key())
    key = store.save(DATA)
    store.delete(key)
    with pytest.raises(FileNotFoundError):
        store.read(key)
    assert list(store.keys()) == []


@pytest.mark.parametrize("bad", BAD_KEYS)
def test_keys_not_made_by_the_store_are_refused_by_every_verb(new_store_config, bad):
    store = storage_from_config(new_store_config())
    for verb in (store.read, store.delete, lambda key: store.put(key, DATA)):
        with pytest.raises(ValueError, match="bad storage key"):
            verb(bad)
    assert list(store.keys()) == []


def test_stores_do_not_see_each_others_files(new_store_config):
    first, second = storage_from_config(new_store_config()), storage_from_config(new_store_config())
    key = first.save(DATA)
    with pytest.raises(FileNotFoundError):
        second.read(key)
    assert list(second.keys()) == []


def test_in_s3_files_are_objects_under_the_prefix_and_foreign_objects_are_not_ours(s3_endpoint):
    from tests.s3 import new_bucket_config

    store = storage_from_config(new_bucket_config(s3_endpoint))
    assert isinstance(store, S3Storage)
    key = store.save(DATA)
    store.client.put_object(Bucket=store.bucket, Key="elsewhere/not-ours", Body=b"x")
    store.client.put_object(Bucket=store.bucket, Key="attachments/not.ours", Body=b"x")
    names = [o["Key"] for o in store.client.list_objects_v2(Bucket=store.bucket)["Contents"]]
    assert f"attachments/{key}" in names
    assert store.client.get_object(Bucket=store.bucket, Key=f"attachments/{key}")["Body"].read() == DATA
    assert list(store.keys()) == [key]


@pytest.mark.parametrize("settings, message", [
    ({"STORAGE_BACKEND": "s3", "S3_BUCKET": None}, "S3_BUCKET"),
    ({"STORAGE_BACKEND": "ftp"}, "STORAGE_BACKEND"),
    ({"STORAGE_BACKEND": "s3", "S3_BUCKET": "b", "S3_PREFIX": "../x y"}, "S3_PREFIX"),
    ({"STORAGE_BACKEND": "s3", "S3_BUCKET": "b", "S3_ADDRESSING_STYLE": "sideways"}, "S3_ADDRESSING_STYLE"),
])
def test_the_app_refuses_to_start_with_an_unusable_storage_setting(settings, message):
    config = type("StorageConfig", (Config,), settings)
    with pytest.raises(RuntimeError, match=message):
        create_app(config)


def test_a_removed_file_leaves_the_store_only_when_the_change_commits(app, db, store):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        application = make_application()
        attachment = applications.add_attachment(application.applicant, application, kind=AttachmentKind.CV,
                                                 filename="cv.pdf", data=DATA)
        db.session.commit()
        key = attachment.storage_key
        assert store.read(key) == DATA and list(store.keys()) == [key]

        applications.delete_attachment(application.applicant, application, attachment)
        db.session.flush()
        db.session.rollback()                 # the change is abandoned: row and file both stay
        assert store.read(key) == DATA

        application = db.session.merge(application)
        applications.delete_attachment(application.applicant, application, application.attachments[0])
        db.session.flush()
        assert store.read(key) == DATA        # not before the commit: a rollback would need it
        db.session.commit()
        with pytest.raises(FileNotFoundError):
            store.read(key)
        assert list(store.keys()) == []


def test_a_file_saved_in_a_change_that_rolls_back_leaves_the_store_with_it(app, db, store):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        application = make_application()
        attachment = applications.add_attachment(application.applicant, application, kind=AttachmentKind.CV,
                                                 filename="cv.pdf", data=DATA)
        orphan = attachment.storage_key
        assert store.read(orphan) == DATA
        db.session.rollback()                 # e.g. a later step of the same request failed
        assert list(store.keys()) == []       # no row names it, so no file is kept

        application = db.session.merge(application)
        kept = applications.add_attachment(application.applicant, application, kind=AttachmentKind.CV,
                                           filename="cv.pdf", data=DATA).storage_key
        db.session.commit()
        db.session.rollback()                 # nothing pending: the committed file stays
        assert list(store.keys()) == [kept] and store.read(kept) == DATA

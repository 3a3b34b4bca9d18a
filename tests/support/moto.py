"""moto's standalone server as a real HTTP AWS endpoint for tests (Secrets Manager here).

The application talks to it exactly as to AWS: boto3 over HTTP, pointed at it by
`AWS_ENDPOINT_URL` with dummy credentials (see `aws_env()`). The server records every request it
serves (moto's recorder, `/moto-api/recorder/...`), so a test can count the application's calls,
e.g. how many times a process fetched a secret.

Usage::

    with MotoServer() as moto:
        moto.client("secretsmanager").create_secret(Name="db", SecretString="{...}")
        subprocess.run(..., env={**os.environ, **moto.aws_env()})
        moto.calls("GetSecretValue")
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

REGION = "us-east-1"
DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
START_TIMEOUT = 30.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _moto_server_command() -> list[str]:
    """The virtualenv's `moto_server` next to this interpreter, else the one on PATH."""
    local = Path(sys.executable).with_name("moto_server")
    if local.exists():
        return [str(local)]
    found = shutil.which("moto_server")
    if found:
        return [found]
    raise RuntimeError("moto_server not found: pip install 'moto[server]' (requirements-dev.txt)")


class MotoServer:
    """A `moto_server` process on 127.0.0.1 and a free port, recording every request."""

    def __init__(self, port: int | None = None, env: dict[str, str] | None = None) -> None:
        self.port = port or _free_port()
        self._env = env or {}
        self.host = "127.0.0.1"
        self._dir = Path(tempfile.mkdtemp(prefix="moto-"))
        self.recording_path = self._dir / "recording.jsonl"
        self.log_path = self._dir / "moto.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def aws_env(self) -> dict[str, str]:
        """Environment variables that send boto3 here, with dummy credentials, no AWS config."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            **DUMMY_CREDENTIALS,
            # Never read a developer's ~/.aws (a profile there could point elsewhere).
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
        }

    def client(self, service: str = "secretsmanager") -> Any:
        import boto3  # the project's dependency; imported late so the module loads without it

        return boto3.client(
            service,
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )

    # lifecycle

    def start(self) -> MotoServer:
        if self._process is not None:
            return self
        env = {
            **os.environ,
            **DUMMY_CREDENTIALS,
            "MOTO_ENABLE_RECORDING": "true",
            "MOTO_RECORDER_FILEPATH": str(self.recording_path),
            **self._env,
        }
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(
                [*_moto_server_command(), "-H", self.host, "-p", str(self.port)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"moto_server exited:\n{self.log_path.read_text()[-2000:]}")
            try:
                self._api("GET", "/moto-api/data.json")
                return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"moto_server did not answer within {START_TIMEOUT:g} s")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> MotoServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # state

    def reset(self) -> None:
        """Forget every resource (all secrets) and every recorded request."""
        self._api("POST", "/moto-api/reset")
        self.reset_recording()

    def reset_recording(self) -> None:
        self._api("POST", "/moto-api/recorder/reset-recording")

    def requests(self) -> list[dict[str, Any]]:
        """Every AWS request served since the last reset: method, url, headers, body."""
        text = self._api("GET", "/moto-api/recorder/download-recording")
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    def calls(self, action: str, secret_id: str | None = None) -> int:
        """How many `action` calls (e.g. "GetSecretValue") were served, optionally for one secret.

        Secrets Manager speaks JSON 1.1: the action is in `X-Amz-Target`, the id in the body.
        """
        count = 0
        for entry in self.requests():
            target = {k.lower(): v for k, v in entry["headers"].items()}.get("x-amz-target", "")
            if target.rpartition(".")[2] != action:
                continue
            if secret_id is not None and _body(entry).get("SecretId") != secret_id:
                continue
            count += 1
        return count

    def _api(self, method: str, path: str) -> str:
        # Always http://127.0.0.1:<port>, never a user-supplied scheme.
        request = urllib.request.Request(self.endpoint_url + path, method=method)  # noqa: S310
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.read().decode()


def _body(entry: dict[str, Any]) -> dict[str, Any]:
    body = entry.get("body") or ""
    if entry.get("body_encoded"):
        import base64

        body = base64.b64decode(body).decode()
    try:
        value = json.loads(body)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}

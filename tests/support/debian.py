"""Installing the Debian packages the tests run for real (PostgreSQL, Chromium, Redis).

A fresh machine or CI container may lack them. When we run as root on Debian, `make test`
installs them with apt-get; elsewhere the caller says exactly what to install.
Stdlib only: this must run under the system python3 as well as the project's virtualenv.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path


class PackageInstallError(RuntimeError):
    """apt-get failed; the message carries the end of its output."""


def can_apt_install() -> bool:
    return (
        os.geteuid() == 0
        and Path("/etc/debian_version").exists()
        and shutil.which("apt-get") is not None
    )


def apt_install(*packages: str, recommends: bool = False) -> None:
    """`apt-get update` then install `packages`, quietly; raise PackageInstallError on failure."""
    print(f"installing Debian packages: {' '.join(packages)} ...", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq"]
    if not recommends:
        install.append("--no-install-recommends")
    for command in (["apt-get", "update", "-qq"], [*install, *packages]):
        result = subprocess.run(
            command, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
            check=False,
        )  # fmt: skip
        if result.returncode != 0:
            output = "\n".join((result.stdout + result.stderr).strip().splitlines()[-30:])
            raise PackageInstallError(f"`{' '.join(command)}` failed:\n{output}")

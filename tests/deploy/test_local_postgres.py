"""`make run`'s launcher (deploy/local_postgres.py) on a real embedded PostgreSQL server.

Each test runs the launcher as `make run` does, with a data directory of its own, and checks
that no server outlives it.
"""

import json
import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

pytestmark = pytest.mark.make_run

ROOT = Path(__file__).resolve().parents[2]
LAUNCHER = ROOT / "deploy" / "local_postgres.py"
MANAGE = f"{shlex.quote(sys.executable)} manage.py"
# The search page through Django's test client, in the shop's own process on the launcher's
# database; prints the products found as the last line.
SEARCH = """
import json
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
response = Client().get("/products/", {"q": "headphnes"})
names = [product.name for product in response.context["products"]]
print(json.dumps({"status": response.status_code, "names": names}))
"""


def launcher_env():
    """What `make run` sets, and not the suite's DATABASE_URL, Redis or AWS settings."""
    env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    return {
        **env,
        "DJANGO_DEBUG": "true",
        "DJANGO_SECRET_KEY": "test-only-secret-key",
        "DJANGO_LOG_FORMAT": "plain",
    }


def launch(data_dir, *command, **popen):
    return subprocess.Popen(
        [sys.executable, str(LAUNCHER), str(data_dir), "--", *command],
        cwd=ROOT,
        env=launcher_env(),
        text=True,
        **popen,
    )


def servers_on(data_dir):
    """PostgreSQL processes started on data_dir (the postmaster names it on its command line)."""
    found = []
    for process in psutil.process_iter(["name", "cmdline"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if process.info["name"] == "postgres" and str(data_dir) in cmdline:
            found.append(process)
    return found


def test_typo_search_finds_headphones_on_the_embedded_server_which_stops_afterwards(tmp_path):
    data_dir = tmp_path / "pgdata"
    script = (
        f"{MANAGE} migrate --no-input -v 0 && {MANAGE} seed_demo --products 50"
        f" && exec {MANAGE} shell -c {shlex.quote(SEARCH)}"
    )
    launcher = launch(data_dir, "sh", "-c", script, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout, stderr = launcher.communicate(timeout=120)

    assert launcher.returncode == 0, stderr
    found = json.loads(stdout.strip().splitlines()[-1])
    assert found["status"] == 200
    assert any("Headphones" in name for name in found["names"]), found["names"]
    assert servers_on(data_dir) == []
    assert not (data_dir / "postmaster.pid").exists()


def test_ctrl_c_ends_the_command_and_stops_the_server(tmp_path):
    data_dir = tmp_path / "pgdata"
    # Stands in for runserver: runs until interrupted.
    command = "import time; print('command running', flush=True); time.sleep(120)"
    launcher = launch(
        data_dir, sys.executable, "-c", command, stdout=subprocess.PIPE, start_new_session=True
    )
    try:
        for line in launcher.stdout:
            if line.strip() == "command running":
                break
        assert servers_on(data_dir), "the server should be running while the command runs"

        os.killpg(launcher.pid, signal.SIGINT)  # what Ctrl-C does to make run's process group
        assert launcher.wait(timeout=30) == 128 + signal.SIGINT
    finally:
        if launcher.poll() is None:
            os.killpg(launcher.pid, signal.SIGKILL)
        launcher.stdout.close()

    assert servers_on(data_dir) == []
    assert not (data_dir / "postmaster.pid").exists()

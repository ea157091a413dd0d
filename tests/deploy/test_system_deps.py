"""`make system-deps` (part of `make install`) installs Chromium without asking only as root.

As root (CI, a container) no sudo is needed and nobody is there to answer; as another user sudo is
used only after a yes at a terminal, and without a terminal the target says how to install Chromium or
skip the browser tests. `id`, `sudo` and `apt-get` are stand-ins on PATH that record their calls.
"""

from __future__ import annotations

import os
import pty
import shutil
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAKE = shutil.which("make")
pytestmark = pytest.mark.skipif(MAKE is None, reason="no make")


def fake_tools(tmp_path: Path, uid: int) -> tuple[Path, dict[str, str]]:
    bin_dir, calls = tmp_path / "bin", tmp_path / "calls"
    bin_dir.mkdir()
    scripts = {
        "id": f'[ "$1" = -u ] && echo {uid} || echo "uid={uid}"',
        "apt-get": f'echo "apt-get $*" >> {calls}',
        # a real sudo would ask for a password; this one only runs the command (as `bash -c ...`)
        "sudo": f'echo "sudo $1" >> {calls}; "$@"',
    }
    for name, body in scripts.items():
        path = bin_dir / name
        path.write_text(f"#!/bin/bash\n{body}\n")
        path.chmod(0o755)
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("KAIKU_SKIP_BROWSER_TESTS", "MAKEFLAGS", "MFLAGS")},
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
    }
    return calls, env


def make_system_deps(env: dict[str, str], stdin: int | None = subprocess.DEVNULL) -> subprocess.CompletedProcess[str]:
    args = [str(MAKE), "-s", "-C", str(ROOT), "system-deps", "CHROMIUM=/nonexistent/chromium"]
    return subprocess.run(args, env=env, stdin=stdin, capture_output=True, text=True, timeout=60, check=False)


def calls_of(calls: Path) -> list[str]:
    return calls.read_text().splitlines() if calls.exists() else []


def test_as_root_chromium_is_installed_without_asking_or_sudo(tmp_path: Path):
    calls, env = fake_tools(tmp_path, uid=0)
    done = make_system_deps(env)
    assert done.returncode == 0, done.stderr
    assert calls_of(calls) == ["apt-get update -qq", "apt-get install -y -qq chromium"]


def test_without_root_or_a_terminal_no_sudo_and_the_way_out_is_printed(tmp_path: Path):
    calls, env = fake_tools(tmp_path, uid=1000)
    done = make_system_deps(env)
    assert done.returncode == 0, done.stderr
    assert calls_of(calls) == [], "nothing installed, sudo never called"
    assert "sudo apt-get install chromium" in done.stdout
    assert "KAIKU_SKIP_BROWSER_TESTS=1 make test" in done.stdout


def test_the_skip_variable_skips_the_install(tmp_path: Path):
    calls, env = fake_tools(tmp_path, uid=0)
    done = make_system_deps({**env, "KAIKU_SKIP_BROWSER_TESTS": "1"})
    assert done.returncode == 0, done.stderr
    assert calls_of(calls) == []
    assert done.stdout == ""


def test_an_installed_chromium_is_left_alone(tmp_path: Path):
    calls, env = fake_tools(tmp_path, uid=0)
    args = [str(MAKE), "-s", "-C", str(ROOT), "system-deps", f"CHROMIUM={shutil.which('bash')}"]
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert calls_of(calls) == []


def answered_at_a_terminal(env: dict[str, str], answer: str) -> str:
    """Run the target on a pseudo-terminal, answer its question, return what it printed."""
    controller, terminal = pty.openpty()
    args = [str(MAKE), "-s", "-C", str(ROOT), "system-deps", "CHROMIUM=/nonexistent/chromium"]
    process = subprocess.Popen(args, env=env, stdin=terminal, stdout=terminal, stderr=terminal)
    os.close(terminal)
    seen = b""
    deadline = time.monotonic() + 30
    while b"[y/N]" not in seen and time.monotonic() < deadline:
        seen += os.read(controller, 1024)
    assert b"[y/N]" in seen, seen
    os.write(controller, f"{answer}\n".encode())
    assert process.wait(timeout=30) == 0
    while True:
        try:
            chunk = os.read(controller, 1024)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        seen += chunk
    os.close(controller)
    return seen.decode(errors="replace")


@pytest.mark.parametrize("answer", ["n", ""])
def test_at_a_terminal_a_no_installs_nothing_and_says_how_to_skip(tmp_path: Path, answer: str):
    calls, env = fake_tools(tmp_path, uid=1000)
    printed = answered_at_a_terminal(env, answer)
    assert calls_of(calls) == []
    assert "KAIKU_SKIP_BROWSER_TESTS=1" in printed


def test_at_a_terminal_a_yes_installs_through_sudo(tmp_path: Path):
    calls, env = fake_tools(tmp_path, uid=1000)
    answered_at_a_terminal(env, "y")
    assert calls_of(calls) == ["sudo bash", "apt-get update -qq", "apt-get install -y -qq chromium"]

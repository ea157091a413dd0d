"""Which PostgreSQL binaries a server started as another user runs (`infra.postgres_bin_dir`).

As root, PostgreSQL runs as another user, who cannot enter a checkout in a private directory (mode 700):
then the machine's own binaries, else a copy of pgserver's in the temporary directory.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from kaiku_devkit import infra

BUNDLED = infra._bundled_postgres_bin()
SYSTEM = Path("/opt/fake-postgres/bin")


def runnable_only(monkeypatch: pytest.MonkeyPatch, *allowed: Path) -> list[Path]:
    tried: list[Path] = []

    def runs_as(bin_dir: Path, user: str) -> bool:
        tried.append(bin_dir)
        return any(bin_dir.is_relative_to(a) for a in allowed)

    monkeypatch.setattr(infra, "_runs_as", runs_as)
    monkeypatch.setattr(infra, "system_postgres_bin", lambda: SYSTEM)
    return tried


def test_the_own_user_runs_the_bundled_binaries(monkeypatch: pytest.MonkeyPatch):
    tried = runnable_only(monkeypatch)
    assert infra.postgres_bin_dir(None) == BUNDLED
    assert tried == [], "no probe needed"


def test_another_user_who_reaches_the_checkout_runs_the_bundled_binaries(monkeypatch: pytest.MonkeyPatch):
    runnable_only(monkeypatch, BUNDLED)
    assert infra.postgres_bin_dir("postgres") == BUNDLED


def test_a_private_checkout_falls_back_to_the_machines_postgresql(monkeypatch: pytest.MonkeyPatch):
    runnable_only(monkeypatch, SYSTEM)
    assert infra.postgres_bin_dir("postgres") == SYSTEM


def test_without_a_machine_postgresql_a_copy_in_the_temporary_directory_is_used_and_reused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    runnable_only(monkeypatch, tmp_path)
    monkeypatch.setattr(infra, "system_postgres_bin", lambda: None)
    copied = infra.postgres_bin_dir("postgres")
    assert copied.is_relative_to(tmp_path)
    assert copied.parts[-3:] == ("pgserver", "pginstall", "bin"), "the wheel's layout: libraries by relative path"
    # the copy really runs: its initdb finds libpq in <copy>/pgserver.libs
    done = subprocess.run([str(copied / "initdb"), "--version"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    for directory in (copied.parents[2], copied.parents[1]):
        assert directory.stat().st_mode & 0o755 == 0o755, directory
    assert infra.postgres_bin_dir("postgres") == copied, "made once, then reused"
    assert len(list(tmp_path.iterdir())) == 1


def test_a_copy_someone_else_can_write_to_is_not_trusted(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    runnable_only(monkeypatch, tmp_path)
    monkeypatch.setattr(infra, "system_postgres_bin", lambda: None)
    first = infra.postgres_bin_dir("postgres")
    first.parents[2].chmod(0o777)
    second = infra.postgres_bin_dir("postgres")
    assert second != first
    assert second.parents[2].stat().st_mode & 0o022 == 0


def test_the_machines_postgresql_is_found_where_debian_puts_it():
    found = infra.system_postgres_bin()
    if shutil.which("initdb") is None and not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        assert found is None
    else:
        assert found is not None
        assert (found / "pg_ctl").is_file()


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can run a command as another user")
def test_as_root_the_probe_tells_a_private_directory_and_the_choice_runs():
    """The real probe: a user who cannot enter a mode-700 directory cannot run what is in it."""
    user = "nobody"
    pwd.getpwnam(user)
    base = Path(tempfile.mkdtemp(dir="/tmp"))  # in a directory everyone may traverse, unlike pytest's tmp_path
    try:
        shutil.copytree(BUNDLED.parent.parent.parent / "pgserver.libs", base / "pgserver.libs")
        shutil.copytree(BUNDLED.parent, base / "pgserver" / "pginstall", symlinks=True)
        (base / "pgserver").chmod(0o755)
        base.chmod(0o755)
        assert infra._runs_as(base / "pgserver" / "pginstall" / "bin", user)
        base.chmod(0o700)  # a checkout in root's home, say
        assert not infra._runs_as(base / "pgserver" / "pginstall" / "bin", user)
    finally:
        shutil.rmtree(base)
    assert infra._runs_as(infra.postgres_bin_dir(user), user)

"""A private PostgreSQL server for the scenario that restarts it.

The machine's PostgreSQL is shared by every other test (and by CI): it is never restarted. This
one runs from pgserver's bundled binaries (the PyPI wheel the runtime already depends on) in a
temporary data directory, listening on a free TCP port, as a non-root user when we are root; when that
user cannot reach the checkout (a private directory), from the machine's own PostgreSQL or a copy of
pgserver's binaries in /tmp (`kaiku_devkit.infra.postgres_bin_dir`).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from kaiku_devkit.infra import free_port, port_open, postgres_bin_dir

START_TIMEOUT = 60


def _run_as() -> str | None:
    """PostgreSQL refuses to run as root: use the `postgres` (Debian) or pgserver's own system user."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "pgserver"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    from pgserver.utils import ensure_user_exists

    ensure_user_exists("pgserver")
    return "pgserver"


@dataclass
class PrivatePostgres:
    data_dir: Path
    port: int
    user: str | None
    bin_dir: Path

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = START_TIMEOUT) -> None:
        subprocess.run(
            [str(self.bin_dir / args[0]), *args[1:]],
            check=True,
            capture_output=True,
            timeout=timeout,
            user=self.user,
            cwd=self.data_dir,
        )

    @classmethod
    def start(cls) -> PrivatePostgres:
        data_dir = Path(tempfile.mkdtemp(prefix="kaiku-faults-pg-"))
        user = _run_as()
        if user is not None:
            entry = pwd.getpwnam(user)
            os.chown(data_dir, entry.pw_uid, entry.pw_gid)
        server = cls(data_dir, free_port(), user, postgres_bin_dir(user))
        server._run("initdb", "-D", str(data_dir / "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        server.up()
        return server

    def up(self) -> None:
        options = f"-p {self.port} -h 127.0.0.1 -k {self.data_dir} -c max_connections=200"
        self._run(
            "pg_ctl", "-D", str(self.data_dir / "data"), "-l", str(self.data_dir / "log"), "-w", "-o", options, "start"
        )
        deadline = time.monotonic() + START_TIMEOUT
        while not port_open("127.0.0.1", self.port):
            if time.monotonic() > deadline:
                raise TimeoutError("the private PostgreSQL did not listen")
            time.sleep(0.1)

    def crash(self) -> None:
        """Stop without a checkpoint (`-m immediate`): every connection is cut, recovery runs on start."""
        self._run("pg_ctl", "-D", str(self.data_dir / "data"), "-m", "immediate", "-w", "stop")

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            self._run("pg_ctl", "-D", str(self.data_dir / "data"), "-m", "fast", "-w", "stop", timeout=30)
        shutil.rmtree(self.data_dir, ignore_errors=True)

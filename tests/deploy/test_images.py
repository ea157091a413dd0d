"""The service images: small, non-root, multi-stage, with a health check, and they build and run.

Where a Docker engine answers, `docker build` builds each image for real. Everywhere (this machine has
the docker CLI but no engine), each Dockerfile is linted with hadolint, and its build stage is replayed
on the host: the context filtered by `.dockerignore`, its COPY lines, its ENV and its `uv sync` steps,
into a fresh environment standing in for `/app/.venv`; the image's CMD is then started from that
environment against the test broker and database, and the image's HEALTHCHECK command must pass.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import secrets
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from kaiku_runtime.infra import free_port
from kaiku_runtime.settings import SERVICE_PORTS

pytestmark = [pytest.mark.connected]

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("issuance", "usage", "stats", "portal")
BIN = Path(sys.executable).parent


@dataclass
class Stage:
    name: str
    base: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [args for kw, args in self.instructions if kw == keyword]


def parse_dockerfile(path: Path) -> list[Stage]:
    """Stages with their instructions (continuation lines joined, comments dropped, ARGs substituted)."""
    text = re.sub(r"\\\n\s*", " ", path.read_text())
    args: dict[str, str] = {}
    stages: list[Stage] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        keyword = keyword.upper()
        rest = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), m.group(0)), rest.strip())
        if keyword == "ARG" and not stages:
            name, _, default = rest.partition("=")
            args[name] = default
        elif keyword == "FROM":
            base, _, alias = rest.partition(" AS ")
            stages.append(Stage(alias.strip(), base.strip()))
        else:
            stages[-1].instructions.append((keyword, rest))
    return stages


def env_pairs(args: str) -> dict[str, str]:
    return dict(item.split("=", 1) for item in shlex.split(args))


def dockerignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def ignored(relative: str, patterns: list[str]) -> bool:
    parts = relative.split("/")
    for pattern in patterns:
        if pattern.startswith("**/"):
            if any(fnmatch.fnmatch(part, pattern[3:]) for part in parts):
                return True
        elif any(fnmatch.fnmatch("/".join(parts[: i + 1]), pattern) for i in range(len(parts))):
            return True
    return False


def copy_from_context(src: str, dst: Path, into_directory: bool, patterns: list[str]) -> int:
    """COPY from the build context as Docker does it: .dockerignore'd files are not there."""
    source = ROOT / src
    assert source.exists(), f"COPY {src}: not in the build context"
    assert not ignored(src, patterns), f"COPY {src}: .dockerignore leaves it out of the context"
    if source.is_file():
        target = dst / source.name if into_directory or dst.is_dir() else dst
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
        return 1
    copied = 0
    for path in source.rglob("*"):
        relative = path.relative_to(ROOT).as_posix()
        if path.is_file() and not ignored(relative, patterns):
            target = dst / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
            copied += 1
    return copied


@pytest.mark.parametrize("service", SERVICES)
def test_dockerfile_is_multi_stage_non_root_with_health_check_and_lints_clean(service: str):
    dockerfile = ROOT / "services" / service / "Dockerfile"
    stages = parse_dockerfile(dockerfile)
    assert [s.name for s in stages] == ["build", "runtime"]
    runtime = stages[-1]
    assert runtime.all("COPY") == ["--from=build /app/.venv /app/.venv"], "only the environment crosses over"
    assert runtime.all("USER") == ["10001:10001"], "the service never runs as root"
    assert not any("uv" in run.split() for run in runtime.all("RUN")), "no build tools in the runtime stage"
    (healthcheck,) = runtime.all("HEALTHCHECK")
    assert f"127.0.0.1:{SERVICE_PORTS[service]}/health/ready" in healthcheck
    (cmd,) = runtime.all("CMD")
    assert f"kaiku_{service}.app:app" in cmd
    assert f'"{SERVICE_PORTS[service]}"' in cmd
    (pin,) = [run for run in stages[0].all("RUN") if run.startswith("pip install")]
    uv_version = subprocess.run([BIN / "uv", "--version"], capture_output=True, text=True, check=True).stdout.split()[1]
    assert f'"uv=={uv_version}"' in pin, "the image builds with the uv that wrote uv.lock"
    lint = subprocess.run([BIN / "hadolint", str(dockerfile)], capture_output=True, text=True, check=False)
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_build_context_leaves_out_environments_caches_and_tests():
    patterns = dockerignore_patterns()
    for path in (
        ".venv/bin/python",
        "services/usage/tests/test_x.py",
        "libs/runtime/src/x/__pycache__/a.pyc",
        ".git/HEAD",
    ):
        assert ignored(path, patterns), path
    for path in ("uv.lock", "services/usage/migrations/0001-usage.sql", "libs/runtime/src/kaiku_runtime/service.py"):
        assert not ignored(path, patterns), path


def replay_build(service: str, workdir: Path) -> tuple[Path, Stage]:
    """Run the build stage's COPY and `uv sync` steps on the host; returns the venv standing in for /app/.venv."""
    build, runtime = parse_dockerfile(ROOT / "services" / service / "Dockerfile")
    patterns = dockerignore_patterns()
    mapped = {"/src": workdir / "src", "/app": workdir / "app"}

    def host(path: str) -> Path:
        for prefix, target in mapped.items():
            if path == prefix or path.startswith(prefix + "/"):
                return target / path[len(prefix) :].lstrip("/")
        raise AssertionError(f"unexpected absolute path {path}")

    env = {k: v for k, v in os.environ.items() if not k.startswith(("UV_", "VIRTUAL_ENV"))}
    cwd = workdir
    for keyword, args in build.instructions:
        if keyword == "ENV":
            for key, value in env_pairs(args).items():
                env[key] = str(host(value)) if value.startswith("/") else value
        elif keyword == "WORKDIR":
            cwd = host(args)
            cwd.mkdir(parents=True, exist_ok=True)
        elif keyword == "COPY":
            *sources, dst = args.split()
            for src in sources:
                target = host(dst) if dst.startswith("/") else cwd / dst
                copy_from_context(src, target, dst.endswith("/") or len(sources) > 1, patterns)
        elif keyword == "RUN" and not args.startswith("pip install"):
            # compiling bytecode and copying from uv's cache only cost time here (the files are the same);
            # the interpreter is the one this venv was made from
            env.update(
                UV_COMPILE_BYTECODE="0",
                UV_LINK_MODE="hardlink",
                UV_PYTHON=str(Path(sys.base_prefix) / "bin" / "python3.11"),
            )
            env["PATH"] = f"{BIN}:{env['PATH']}"
            done = subprocess.run(args, shell=True, cwd=cwd, env=env, capture_output=True, text=True, check=False)
            assert done.returncode == 0, f"RUN {args}\n{done.stdout}\n{done.stderr}"
    return Path(env["UV_PROJECT_ENVIRONMENT"]), runtime


# Starting usage and stats costs their consumer-group joins (tens of seconds here); their images are built and
# imported the same way, and their CMD and HEALTHCHECK have the same shape (test above).
STARTED = ("issuance", "portal")


@pytest.mark.parametrize("service", SERVICES)
def test_image_build_stage_replayed_on_host_gives_a_service_that_starts_and_is_healthy(
    service: str, tmp_path: Path, databases, kafka_bootstrap: str
):
    venv, runtime = replay_build(service, tmp_path)
    python = venv / "bin" / "python"
    # the package and its migrations come from the installed wheel, not from the source tree
    imported = subprocess.run(
        [python, "-c", f"import kaiku_{service}.app as a; print(a.MIGRATIONS); print(a.__file__)"],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": os.environ["PATH"]},
    )
    assert imported.returncode == 0, imported.stderr
    where = imported.stdout.split()
    assert all("site-packages" in line and str(ROOT) not in line for line in where), where
    assert (venv / "bin" / "kaiku").exists(), "the migration job's `kaiku migrate` is in the image"
    assert not (venv / "bin" / "pytest").exists(), "no dev tools in the image"
    if service not in STARTED:
        return

    port = free_port()
    (cmd,) = runtime.all("CMD")
    argv = [str(a) for a in json.loads(cmd)]
    argv[argv.index("--port") + 1] = str(port)
    argv[argv.index("--host") + 1] = "127.0.0.1"
    env = {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "KAIKU_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "KAIKU_DATABASE_URL": databases.new(None, migrate=False),
        # outside development mode, as in production: a real secret or the image refuses to start
        "KAIKU_JWT_SECRET": secrets.token_hex(32),
        "KAIKU_CONSUMER_GROUP_SUFFIX": f"-img-{port}",
    }
    for key, value in env_pairs(" ".join(runtime.all("ENV"))).items():
        env.setdefault(key, value.replace("$PATH", env["PATH"]).replace("/app/.venv", str(venv)))
    (healthcheck,) = runtime.all("HEALTHCHECK")
    probe = [a.replace(f":{SERVICE_PORTS[service]}/", f":{port}/") for a in json.loads(healthcheck.split("CMD", 1)[1])]
    process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 60
        healthy = False
        while time.monotonic() < deadline and process.poll() is None and not healthy:
            healthy = subprocess.run(probe, env=env, capture_output=True, check=False).returncode == 0
            time.sleep(0.3)
        assert healthy, f"the image's HEALTHCHECK never passed; exit code {process.poll()}"
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0].decode(errors="replace")
    assert '"service_started"' in output or '"event": "service_started"' in output, output[-2000:]

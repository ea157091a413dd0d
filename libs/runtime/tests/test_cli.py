"""The `kaiku` command (kaiku_runtime/cli.py) and the progress display of long commands (progress.py)."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

import jwt
import pytest
import typer
from kaiku_runtime.cli import COMMANDS_GROUP, app, parse_command, service_commands
from kaiku_runtime.progress import PlainProgress, Steps, progress
from kaiku_runtime.settings import DEV_JWT_SECRET
from typer.testing import CliRunner

pytestmark = pytest.mark.unit
ANSI = re.compile(r"\x1b\[")
BIN = Path(sys.executable).parent
runner = CliRunner()


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    # wide, so that rich does not fold a long environment variable's name in the help
    done = runner.invoke(app, list(args), env={"COLUMNS": "250", **(env or {})})
    return done.exit_code, done.output


def every_command() -> list[tuple[tuple[str, ...], Any]]:
    """(path, click command) of every `kaiku` command, the installed services' groups included."""
    found: list[tuple[tuple[str, ...], Any]] = []

    def walk(path: tuple[str, ...], command: Any, ctx: Any) -> None:
        found.append((path, command))
        if hasattr(command, "list_commands"):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                walk((*path, name), sub, typer.Context(sub, info_name=name, parent=ctx))

    group = typer.main.get_group(app)
    walk((), group, typer.Context(group, info_name="kaiku"))
    return found


def test_version_names_the_installed_packages() -> None:
    code, out = invoke("--version")
    assert code == 0
    assert out.startswith(f"kaiku {version('kaiku-runtime')}")
    assert "kaiku-contracts" in out


def test_the_services_commands_are_mounted_from_their_entry_points() -> None:
    names = set(service_commands())
    assert {"issuance", "stats", "portal"} <= names, f"entry points of {COMMANDS_GROUP}: {names}"
    code, out = invoke("--help")
    assert code == 0
    for name in ("serve", "ready", "token", "dev", "migrate", "topics", "schemas", "issuance", "stats", "portal"):
        assert re.search(rf"\b{name}\b", out), name
    paths = {path for path, _ in every_command()}
    for path in (
        ("issuance", "import-cards"),
        ("issuance", "identity-codes"),
        ("stats", "rebuild"),
        ("stats", "audit-disclosure"),
        ("portal", "add-user"),
        ("portal", "migrate"),
    ):
        assert path in paths


def test_every_option_has_help_and_names_its_environment_variable() -> None:
    commands = every_command()
    assert len(commands) > 15
    with_envvar = 0
    for path, command in commands:
        code, out = invoke(*path, "--help")
        assert code == 0, (path, out)
        flat = " ".join(re.sub(r"[│╭╮╰╯─]", " ", out).split())
        for param in command.params:
            assert getattr(param, "help", None), f"kaiku {' '.join(path)}: {param.name} has no help"
            shown = param.opts[0] if param.param_type_name == "option" else (param.metavar or param.name)
            assert shown.lower() in out.lower(), f"kaiku {' '.join(path)} --help: {shown} not shown"
            envvars = [param.envvar] if isinstance(param.envvar, str) else list(param.envvar or ())
            for envvar in envvars:
                with_envvar += 1
                assert f"env var: {envvar}" in flat, f"kaiku {' '.join(path)} --help: {envvar} not shown"
    assert with_envvar >= 10


def test_token_decodes_with_the_dev_secret_and_carries_the_claims() -> None:
    code, out = invoke("token", "--role", "distributor", "--region", "R1", "--org", "D1", "--hours", "2")
    assert code == 0, out
    claims = jwt.decode(out.strip(), DEV_JWT_SECRET, algorithms=["HS256"])
    assert (claims["role"], claims["region"], claims["org"], claims["sub"]) == (
        "distributor",
        "R1",
        "D1",
        "dev-distributor",
    )
    assert claims["exp"] - claims["iat"] == 2 * 3600

    secret = "another-secret-of-at-least-32-bytes!"
    code, out = invoke("token", "--role", "national", env={"KAIKU_JWT_SECRET": secret})
    assert jwt.decode(out.strip(), secret, algorithms=["HS256"])["role"] == "national"
    code, out = invoke("token", "--role", "nobody")
    assert code == 2
    code, out = invoke("token", "--role", "national", "--hours", "0")
    assert code == 2


def test_serve_and_ready_name_the_service_or_refuse(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KAIKU_SERVICE", raising=False)
    monkeypatch.delenv("KAIKU_PORT", raising=False)
    code, out = invoke("serve")
    assert code == 2
    assert "name the service" in out
    code, out = invoke("ready", "nonsense")
    assert code == 2
    # nothing listens on port 9 of the loopback
    code, out = invoke("ready", "--port", "9")
    assert code == 1
    assert "not ready" in out


def test_migrate_needs_a_database_and_parses_as_the_manifests_call_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KAIKU_DATABASE_URL", raising=False)
    code, out = invoke("migrate", "usage")
    assert code == 2
    assert "KAIKU_DATABASE_URL" in out
    assert invoke("migrate", "elsewhere")[0] == 2
    assert parse_command(["migrate", "stats"]) == ("migrate", {"service": "stats", "database_url": None})
    with pytest.raises(LookupError):
        parse_command(["nonsense"])


def test_the_old_scripts_run_the_same_commands() -> None:
    for script, command in (
        ("kaiku-issuance", "identity-codes"),
        ("kaiku-stats", "rebuild"),
        ("kaiku-portal", "add-user"),
    ):
        done = subprocess.run(
            [BIN / script, command, "--help"], capture_output=True, text=True, check=False, env={"COLUMNS": "250"}
        )
        assert done.returncode == 0, done.stderr
        assert "KAIKU_DATABASE_URL" in done.stdout, script
    checked = subprocess.run([BIN / "kaiku-schemas", "--check"], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_plain_progress_prints_lines_on_tenths_and_time_without_escape_codes() -> None:
    out = io.StringIO()
    clock = Clock()
    shown = PlainProgress("events", out, every_seconds=5, clock=clock)
    shown.update(10, None)  # the end not known yet: nothing to say a tenth of
    assert out.getvalue() == ""
    clock.now += 6
    shown.update(50, None)
    shown.update(120, 1000)  # a tenth passed
    shown.update(150, 1000)  # neither another tenth nor 5 s
    clock.now += 1
    shown.update(1000, 1000, note="undecodable 0")
    shown.finish()
    lines = out.getvalue().splitlines()
    assert not ANSI.search(out.getvalue())
    assert [line.split()[0] for line in lines] == ["50", "120/1000", "1000/1000"]
    assert "events/s" in lines[0]
    assert "( 12 %)" in lines[1]
    assert "left" in lines[1], "time left once the total is known"
    assert "(100 %)" in lines[2]
    assert "undecodable 0" in lines[2]


def test_progress_off_a_terminal_is_line_based_and_ends_with_the_final_count() -> None:
    out = io.StringIO()
    with progress("rows", total=7, stream=out) as shown:
        for done in (3, 6):
            shown.update(done, note=f"accepted {done}")
        shown.advance(1)
    lines = out.getvalue().splitlines()
    assert not ANSI.search(out.getvalue())
    assert [line.split()[0] for line in lines] == ["3/7", "6/7", "7/7"]
    assert "accepted 6" in lines[-1]


def test_progress_on_a_terminal_draws_a_bar() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Terminal()
    with progress("rows", total=4, stream=out) as shown:
        shown.update(4)
    assert ANSI.search(out.getvalue()), "rich's live display"
    assert "4/4" in out.getvalue()


def test_steps_off_a_terminal_print_one_line_per_part() -> None:
    out = io.StringIO()
    steps = Steps(out)
    with steps.step("kafka", "starting the broker") as said:
        said("embedded Tansu broker on 127.0.0.1:9092")
    steps.done("issuance", "ready on http://127.0.0.1:8001", 1.25)
    with pytest.raises(RuntimeError), steps.step("postgres", "starting"):
        raise RuntimeError("no PostgreSQL")
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("kafka: embedded Tansu broker on 127.0.0.1:9092 (")
    assert lines[1] == "issuance: ready on http://127.0.0.1:8001 (1.2 s)"
    assert len(lines) == 2, "a failed part is not reported ready"
    assert not ANSI.search(out.getvalue())

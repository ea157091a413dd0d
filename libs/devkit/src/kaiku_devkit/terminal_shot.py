"""A screenshot of a command as a terminal shows it, for the docs (docs/screenshots/).

The command runs in a real pseudo-terminal, so it takes its terminal path (rich's live bars and spinners,
colours); pyte plays the bytes it wrote as a terminal would, and the final screen is saved as SVG by rich.

    python -m kaiku_devkit.terminal_shot docs/screenshots/kaiku-dev.svg --until "portal .*ready" -- kaiku dev

`--until` stops the command (SIGINT, as Ctrl-C) once a screen line matches, for commands that keep running.
"""

from __future__ import annotations

import argparse
import io
import os
import pty
import re
import select
import signal
import subprocess
import time
from itertools import groupby
from pathlib import Path

import pyte
from rich.console import Console
from rich.style import Style
from rich.text import Text

COLUMNS = 100
ROWS = 40
_DEFAULT = "default"  # pyte's name for the terminal's own colour


def run_in_terminal(
    command: list[str],
    *,
    columns: int = COLUMNS,
    rows: int = ROWS,
    until: str | None = None,
    timeout: float = 300.0,
    env: dict[str, str] | None = None,
) -> pyte.Screen:
    """Run `command` in a pseudo-terminal of `columns` × `rows`; the screen as it is when it ends."""
    screen = pyte.Screen(columns, rows)
    stream = pyte.ByteStream(screen)
    leader, follower = pty.openpty()
    os.set_blocking(leader, False)
    terminal_env = {**os.environ, **(env or {}), "COLUMNS": str(columns), "LINES": str(rows), "TERM": "xterm-256color"}
    terminal_env.pop("NO_COLOR", None)
    # the developer's own command line (docs tooling, never a service)
    process = subprocess.Popen(  # noqa: S603
        command, stdin=follower, stdout=follower, stderr=follower, env=terminal_env
    )
    os.close(follower)
    pattern = re.compile(until) if until else None
    deadline = time.monotonic() + timeout
    stopping = False
    try:
        while True:
            ready, _, _ = select.select([leader], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:  # the command closed its terminal
                    chunk = b""
                if chunk:
                    stream.feed(chunk)
                elif process.poll() is not None:
                    break
            elif process.poll() is not None:
                break
            if pattern and not stopping and any(pattern.search(line) for line in screen.display):
                process.send_signal(signal.SIGINT)
                stopping = True
            if time.monotonic() > deadline:
                raise TimeoutError(f"{command[0]} still running after {timeout:.0f} s")
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=30)
        os.close(leader)
    return screen


def screen_text(screen: pyte.Screen, *, upto: str | None = None) -> Text:
    """The screen's lines with their colours (trailing empty lines dropped; `upto`: the last line shown is
    the first that matches, e.g. before a shutdown's messages)."""
    lines: list[Text] = []
    pattern = re.compile(upto) if upto else None
    for y in range(screen.lines):
        row = screen.buffer[y]
        line = Text()
        # runs of characters drawn alike become one span (one <text> in the SVG, selectable as words)
        for _, run in groupby((row[x] for x in range(screen.columns)), key=_look):
            chars = list(run)
            line.append("".join(char.data for char in chars), _style(chars[0]))
        line.rstrip()
        lines.append(line)
        if pattern and pattern.search(line.plain):
            break
    while lines and not lines[-1].plain:
        lines.pop()
    return Text("\n").join(lines)


def _look(char: pyte.screens.Char) -> tuple[object, ...]:
    return (char.fg, char.bg, char.bold, char.italics, char.underscore, char.reverse)


def _style(char: pyte.screens.Char) -> Style:
    return Style(
        color=None if char.fg == _DEFAULT else _colour(char.fg),
        bgcolor=None if char.bg == _DEFAULT else _colour(char.bg),
        bold=char.bold,
        italic=char.italics,
        underline=char.underscore,
        reverse=char.reverse,
    )


def _colour(name: str) -> str:
    # pyte names the 16 colours as the ANSI standard does ("brown" is yellow, "brightgreen"), others in hex
    if re.fullmatch(r"[0-9a-fA-F]{6}", name):
        return f"#{name}"
    bright = name.startswith("bright")
    base = name.removeprefix("bright").replace("brown", "yellow")
    return f"bright_{base}" if bright else base


def save_svg(text: Text, path: Path, *, title: str, columns: int = COLUMNS) -> None:
    console = Console(record=True, width=columns, force_terminal=True, color_system="truecolor", file=io.StringIO())
    console.print(text, soft_wrap=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    console.save_svg(str(path), title=title)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m kaiku_devkit.terminal_shot", description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path, help="the SVG file to write")
    parser.add_argument("command", nargs="+", help="the command (after --)")
    parser.add_argument("--until", help="stop the command when a screen line matches this regex")
    parser.add_argument("--upto", help="show the screen only up to the first line matching this regex")
    parser.add_argument("--title", help="the window title (default: the command)")
    parser.add_argument("--columns", type=int, default=COLUMNS)
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args(argv)
    screen = run_in_terminal(args.command, columns=args.columns, until=args.until, timeout=args.timeout)
    save_svg(
        screen_text(screen, upto=args.upto),
        args.output,
        title=args.title or " ".join(args.command),
        columns=args.columns,
    )
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()

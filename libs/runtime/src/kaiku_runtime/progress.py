"""Progress of long commands (`kaiku stats rebuild`, `kaiku issuance import-cards`, `kaiku dev`).

On a terminal: rich's live bar (count of total, rate, time left) and a spinner per part of the dev
stack. Anywhere else (a pipe, a file, CI, `docker compose run` without a TTY): plain lines, no escape
codes, one when another tenth is done or some seconds have passed, so a log stays short and greppable.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol, TextIO

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as Bar
from rich.text import Text

PLAIN_EVERY_SECONDS = 5.0
"""At most this long between two plain lines while work goes on."""
PLAIN_EVERY_FRACTION = 0.1
"""A plain line each time another tenth of the total is done."""


def is_terminal(stream: TextIO | None = None) -> bool:
    """True when `stream` (default stdout) is an interactive terminal."""
    stream = stream if stream is not None else sys.stdout
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Progress(Protocol):
    def update(self, done: int, total: int | None = None, note: str = "") -> None:
        """`done` of `total` units so far (`total` None: not known yet); `note`: a few words after the count."""

    def advance(self, count: int = 1, note: str = "") -> None:
        """`count` more units done."""


def _seconds(value: float) -> str:
    if value < 60:
        return f"{value:.1f} s"
    minutes, seconds = divmod(int(value), 60)
    return f"{minutes} min {seconds:02d} s" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


class PlainProgress:
    """Line-based progress: `  done/total unit (pct %)  note  rate unit/s  elapsed  time left`."""

    def __init__(
        self,
        unit: str,
        stream: TextIO,
        *,
        total: int | None = None,
        every_seconds: float = PLAIN_EVERY_SECONDS,
        every_fraction: float = PLAIN_EVERY_FRACTION,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.unit = unit
        self.stream = stream
        self.total = total
        self.done = 0
        self.note = ""
        self.every_seconds = every_seconds
        self.every_fraction = every_fraction
        self.clock = clock
        self.started = clock()
        self._printed_at = self.started
        self._printed_done: int | None = None
        self._printed_step = 0

    def update(self, done: int, total: int | None = None, note: str = "") -> None:
        self.done = done
        if total is not None:
            self.total = total
        if note:
            self.note = note
        now = self.clock()
        step = self._step()
        if step > self._printed_step or now - self._printed_at >= self.every_seconds:
            self._print(now, step)

    def advance(self, count: int = 1, note: str = "") -> None:
        self.update(self.done + count, note=note)

    def finish(self) -> None:
        """The last line, unless the last one printed already showed the final count."""
        if self._printed_done != self.done:
            self._print(self.clock(), self._step())

    def line(self, now: float) -> str:
        elapsed = now - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        if self.total:
            text = f"  {self.done}/{self.total} {self.unit} ({100 * self.done // self.total:3d} %)"
        else:
            text = f"  {self.done} {self.unit}"
        if self.note:
            text += f"  {self.note}"
        text += f"  {rate:,.0f} {self.unit}/s  {_seconds(elapsed)}"
        if self.total and rate > 0 and self.done < self.total:
            text += f"  about {_seconds((self.total - self.done) / rate)} left"
        return text

    def _step(self) -> int:
        if not self.total or self.every_fraction <= 0:
            return 0
        # in whole numbers: 3000 / 10000 / 0.1 is 29.99... in floating point
        return self.done * round(1 / self.every_fraction) // self.total

    def _print(self, now: float, step: int) -> None:
        print(self.line(now), file=self.stream, flush=True)
        self._printed_at = now
        self._printed_done = self.done
        self._printed_step = step


class _RichProgress:
    def __init__(self, bar: Bar, task: TaskID, total: int | None) -> None:
        self._bar = bar
        self._task = task
        self._done = 0
        self._note = ""
        self._total = total

    def update(self, done: int, total: int | None = None, note: str = "") -> None:
        self._done = done
        self._note = note or self._note
        if total is not None and total == self._total:
            total = None
        elif total is not None and self._total and abs(total - self._total) < self._total / 100:
            total = None  # rich resets its rate on every new total: an estimate that wobbles keeps the first
        if total is not None:
            self._total = total
        self._bar.update(self._task, completed=done, total=total, note=self._note)

    def advance(self, count: int = 1, note: str = "") -> None:
        self.update(self._done + count, note=note)


@contextmanager
def progress(
    unit: str,
    *,
    total: int | None = None,
    description: str = "",
    stream: TextIO | None = None,
    terminal: bool | None = None,
) -> Iterator[Progress]:
    """Report progress counted in `unit` (rows, events) on `stream` (default stdout); see the module's doc."""
    out = stream if stream is not None else sys.stdout
    if not (is_terminal(out) if terminal is None else terminal):
        plain = PlainProgress(unit, out, total=total)
        yield plain
        plain.finish()
        return

    class Rate(ProgressColumn):
        def render(self, task: Task) -> Text:
            speed = task.finished_speed or task.speed
            return Text(f"{speed:,.0f} {unit}/s" if speed else "", style="progress.data.speed")

    # narrow enough for a 100-column terminal with a note (a wider one would cut the count and time left)
    columns: list[ProgressColumn | str] = [
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(bar_width=16),
        MofNCompleteColumn(),
        TextColumn(unit),
        TextColumn("{task.fields[note]}"),
        Rate(),
        TimeRemainingColumn(),
        TextColumn("left"),
    ]
    with Bar(*columns, console=Console(file=out)) as bar:
        task = bar.add_task(description, total=total, note="")
        yield _RichProgress(bar, task, total)


class Steps:
    """The parts of a start-up, each reported as it becomes ready (`kaiku dev`)."""

    def __init__(self, stream: TextIO | None = None, *, terminal: bool | None = None) -> None:
        self.stream = stream if stream is not None else sys.stdout
        self.terminal = is_terminal(self.stream) if terminal is None else terminal
        self._console = Console(file=self.stream) if self.terminal else None

    def done(self, part: str, detail: str, seconds: float | None = None) -> None:
        """`part` is ready: one line, `part: detail (seconds)`."""
        took = f" ({_seconds(seconds)})" if seconds is not None else ""
        if self._console is None:
            print(f"{part}: {detail}{took}", file=self.stream, flush=True)
            return
        self._console.print(f"[green]✓[/green] {escape(part):9} {escape(detail)}[dim]{took}[/dim]", highlight=False)

    @contextmanager
    def step(self, part: str, waiting: str) -> Iterator[Callable[[str], None]]:
        """While the block runs, `part: waiting...` (a spinner on a terminal); the block calls the yielded
        function with what to report when it finishes."""
        started = time.monotonic()
        said: list[str] = []
        if self._console is None:
            yield said.append
        else:
            with self._console.status(f"{escape(part)}: {escape(waiting)} ..."):
                yield said.append
        self.done(part, said[-1] if said else "ready", time.monotonic() - started)

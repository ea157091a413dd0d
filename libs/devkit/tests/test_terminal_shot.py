"""The docs' terminal pictures: a command in a real pseudo-terminal, its final screen as SVG."""

from __future__ import annotations

import sys
from pathlib import Path

from kaiku_devkit.terminal_shot import run_in_terminal, save_svg, screen_text

PROGRESS = """
import time
from kaiku_runtime.progress import Steps, progress
Steps().done("broker", "ready on 127.0.0.1:9092", 0.1)
with progress("rows", total=300, description="forms.csv") as shown:
    for _ in range(3):
        time.sleep(0.05)
        shown.advance(100, note="100 accepted")
print("done")
"""


def test_a_command_takes_its_terminal_path_and_its_final_screen_is_drawn(tmp_path: Path):
    screen = run_in_terminal([sys.executable, "-c", PROGRESS], columns=100, timeout=60)
    text = screen_text(screen)
    lines = text.plain.splitlines()
    assert lines[0].startswith("✓ broker")  # the terminal path: rich's tick, not the plain "broker:" line
    assert any("━" in line and "300/300 rows" in line for line in lines)  # the live bar's last frame
    assert lines[-1] == "done"
    assert any(span.style and "green" in str(span.style) for span in text.spans)  # colours kept
    out = tmp_path / "shot.svg"
    save_svg(text, out, title="progress")
    svg = out.read_text()
    assert svg.startswith("<svg")
    assert "300/300" in svg


def test_a_command_that_keeps_running_is_stopped_once_the_screen_shows_the_line(tmp_path: Path):
    forever = "import time\nprint('ready', flush=True)\nwhile True: time.sleep(0.1)"
    screen = run_in_terminal([sys.executable, "-c", forever], until="^ready", timeout=60)
    assert "ready" in screen_text(screen).plain

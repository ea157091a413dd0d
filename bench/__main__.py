"""`make bench`: every benchmark, one after the other, then bench/RESULTS.md with the figures and the machine.

Each benchmark is a separate process (its own broker and databases), run with a time limit; its
output is printed as it comes and copied into RESULTS.md. Figures are never asserted.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PY = sys.executable

# (title, command, time limit in seconds); other helpers' scripts run when present
BENCHMARKS: list[tuple[str, list[str], int]] = [
    ("stats projection apply rate", [PY, str(BENCH / "bench_stats_projection.py")], 900),
    ("stats projection vs its raw limit", [PY, "-m", "bench.bench_projection_limit"], 900),
    ("peer: per-region monthly uses, Quix Streams vs the stats projection", [PY, "-m", "bench.bench_peer_quix"], 600),
    ("stats rebuild of 1,000,000 events", [PY, str(BENCH / "bench_stats_rebuild.py")], 900),
    ("usage redemption over HTTP vs the raw transaction", [PY, "-m", "bench.bench_usage_http"], 600),
    ("agency topic ingest vs raw consume + produce", [PY, "-m", "bench.bench_agency"], 900),
    # a fifth of the uses over HTTP (box offices), the rest from ticket agencies: usage's HTTP side alone
    # saturates near 200 uses/s on two cores shared with the load generator (see the analysis)
    (
        "end to end: 500 uses/s for 60 s (20 % over HTTP) to the national snapshot",
        [PY, "-m", "bench.bench_end_to_end", "500", "60", "0.2"],
        600,
    ),
    ("issuance paper-form import", [PY, str(BENCH / "bench_card_import.py")], 600),
    (
        "disclosure control of a national year: linked vs table by table",
        [PY, "-m", "bench.bench_disclosure", "--audit"],
        600,
    ),
]

NOTES = """\
## Notes

- The machine was shared with other work while these ran (several agents building and testing on the
  same 2 cores), so the figures are noisy and low; the load average before and after each run is shown.
  Ratios (project / raw limit, measured in the same run on the same machine) are steadier than rates.
- Peer (bench_peer_quix.py): Quix Streams 3 computes the per-region monthly uses (TicketRedeemed minus
  RedemptionCancelled, by the venue's region and the Helsinki month of the start) from the same
  redemptions topic on the same broker; the stats projection's rate is measured in the same run on the
  same events. Its topics are created with an explicit `retention.ms` (Quix reads it from DescribeConfigs,
  which Tansu answers only with the settings given at creation) and its consumer's `session.timeout.ms`
  is 6 s (Tansu answers a JoinGroup after about half the session timeout).
- Stats raw limit (bench_projection_limit.py): raw getmany + `json.loads` + the same kind of batched
  statements (event-id claim in `processed_events`, fact upsert with `unnest`, dirty keys) in one
  transaction per batch of 500, against the service's own consumer path on the same events.
- Raw limits: usage's raw figure runs `kaiku_usage.service.redemptions.redeem` (the endpoint's own statements) in
  one transaction per use through asyncpg, 32 concurrent; the agency raw figure is aiokafka consume +
  produce of one outcome per submission without decoding, rules or database.
"""


ANALYSIS_MARKER = "<!-- written by hand below this line: `make bench` keeps it -->"


def kept_analysis() -> str:
    """The hand-written part of RESULTS.md (earlier runs, profiles, findings), kept when the figures are rewritten."""
    try:
        text = (BENCH / "RESULTS.md").read_text()
    except OSError:
        return ""
    return text[text.index(ANALYSIS_MARKER) :] if ANALYSIS_MARKER in text else ""


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def machine() -> str:
    memory = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return f"nproc {os.cpu_count()}, memory {memory}, Python {sys.version.split()[0]}"


def run(title: str, command: list[str], limit: int) -> tuple[str, float, str]:
    print(f"\n=== {title}: {' '.join(Path(c).name if c == PY else c for c in command)}", flush=True)
    before = loadavg()
    started = time.monotonic()
    lines: list[str] = []
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env) as p:
        assert p.stdout is not None
        try:
            for line in p.stdout:
                print(line, end="", flush=True)
                lines.append(line.rstrip())
                if time.monotonic() - started > limit:
                    p.kill()
                    lines.append(f"(stopped after the {limit} s limit)")
                    break
            p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()
    seconds = time.monotonic() - started
    status = "ok" if p.returncode == 0 else f"exit {p.returncode}"
    tail = [line for line in lines if not line.startswith(("Traceback", "  File"))][-40:]
    return status, seconds, f"load average before {before}, after {loadavg()}\n\n```\n" + "\n".join(tail) + "\n```\n"


def main() -> int:
    started = dt.datetime.now(dt.UTC)
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    sections = []
    for title, command, limit in BENCHMARKS:
        script = Path(command[1]) if command[1].endswith(".py") else None
        if script is not None and not script.exists():
            sections.append(f"### {title}\n\nnot run: {script.name} is not in this checkout\n")
            continue
        status, seconds, body = run(title, command, limit)
        sections.append(f"### {title} ({status}, {seconds:.0f} s)\n\n{body}")
    text = (
        "# Benchmark results\n\n"
        f"- command: `make bench` (= `.venv/bin/python -m bench`, from the repository root)\n"
        f"- run: {started:%Y-%m-%d %H:%M} UTC, commit {head.stdout.strip() or '?'}\n"
        f"- machine: {machine()}\n\n" + "\n".join(sections) + "\n" + NOTES + "\n" + kept_analysis()
    )
    (BENCH / "RESULTS.md").write_text(text)
    print(f"\nwritten: {BENCH / 'RESULTS.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

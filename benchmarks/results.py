"""Write one benchmark's section of benchmarks/RESULTS.md, leaving the other sections as they are.

Each script runs as `.venv/bin/python benchmarks/<name>.py` with the suite installed editable (so `suite` and
`pipelines` import from anywhere); Python puts the script's folder first on sys.path, so it reads this file
with a plain `from results import table, write_section`.
"""

from __future__ import annotations

import platform
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

import psutil

RESULTS = Path(__file__).with_name("RESULTS.md")
LOAD_AT_START = psutil.getloadavg()  # the benchmark imports this file first: the machine's load before it ran


def loads(load: tuple[float, float, float] | None = None) -> str:
    """'1.2 1.4 1.5': the 1/5/15-minute load averages given, else the machine's now."""
    return " ".join(f"{x:.1f}" for x in (load or psutil.getloadavg()))


def load_average() -> str:
    """The load averages at the start of the run and now (2 cores: above 2, others' work slowed it)."""
    return f"load average {loads(LOAD_AT_START)} at the start, {loads()} at the end"


def machine() -> str:
    return (
        f"{psutil.cpu_count(logical=True)} CPU cores, {psutil.virtual_memory().total / 2**30:.0f} GiB, "
        f"Python {platform.python_version()}, {datetime.now(UTC):%Y-%m-%d}, {load_average()}"
    )


def command_line(name: str) -> str:
    """The command that is writing the section: this script and its arguments (else `benchmarks/<name>.py`)."""
    script = Path(sys.argv[0])
    if script.suffix != ".py":
        return f"python benchmarks/{name}.py"
    return " ".join(["python", f"benchmarks/{script.name}", *sys.argv[1:]])


def write_section(name: str, title: str, body: str) -> None:
    """Replace (or append) the section between `<!-- name -->` markers."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n## {title}\n_`{command_line(name)}` on {machine()}_\n\n{body.strip()}\n{end}"
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block + "\n"
    RESULTS.write_text(text)


def table(rows: list[dict], columns: list[str] | None = None) -> str:
    """A Markdown table from dicts (floats to 4 significant digits)."""
    if not rows:
        return "_no rows_"
    columns = columns or list(rows[0])

    def cell(value: object) -> str:
        if isinstance(value, float):
            return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
        return str(value)

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(row.get(c, "")) for c in columns) + " |" for row in rows]
    return "\n".join(lines)

"""What the benchmarks print: the machine they ran on, and their tables."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def describe(*software: str) -> str:
    """ "N cores (CPU model), Python x.y.z" and then SOFTWARE (versions, services)."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return ", ".join(
        [f"{os.cpu_count()} cores ({cpu})", f"Python {platform.python_version()}", *software]
    )


def markdown_table(columns: list[str], rows: list[list[str]]) -> str:
    """A markdown table: the first column as text, the others (figures) aligned right."""
    lines = [
        "| " + " | ".join(columns) + " |",
        "| " + " | ".join(["---"] + ["---:"] * (len(columns) - 1)) + " |",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)

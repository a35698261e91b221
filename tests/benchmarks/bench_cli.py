"""CLI start-up benchmark: `tandem --help` and friends against bare Python and bare Flask.

Run from the repository root:

    .venv/bin/python tests/benchmarks/bench_cli.py [--runs 10] [--compare DIR] [--no-write]

Each command runs RUNS times in a fresh process; the commands take turns (one run of each,
then the next round), so that load from other processes affects all of them alike.
Figures are medians, and ratios against ``python -c pass`` and ``python -c "import flask"``
timed in the same run. ``--compare DIR`` also times the `tandem` commands with the code of
another checkout of Tandem (put first on ``PYTHONPATH``: e.g. an older commit, extracted
with ``git archive``). Prints a markdown table and writes it into docs/PERFORMANCE.md
between ``<!-- cli:start -->`` and ``<!-- cli:end -->`` (not with ``--no-write``).
Not collected by pytest.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.machine import describe  # noqa: E402

DOC = ROOT / "docs" / "PERFORMANCE.md"
START, END = "<!-- cli:start -->", "<!-- cli:end -->"
COMMAND = ".venv/bin/python tests/benchmarks/bench_cli.py"
PYTHON = sys.executable
TANDEM = str(Path(sys.executable).with_name("tandem"))
STARTER = "brand_templates/library/product-flyer"
TANDEM_ARGS = [["--help"], ["templates", "--help"], ["templates", "validate", STARTER]]


@dataclass
class Case:
    label: str
    argv: list[str]
    env: dict[str, str]
    times: list[float] = field(default_factory=list)

    def run(self) -> float:
        started = time.perf_counter()
        subprocess.run(
            self.argv, cwd=ROOT, env=self.env, check=True, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        return time.perf_counter() - started

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def _env(pythonpath: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return env


def _label(checkout: Path) -> str:
    """The short commit of CHECKOUT if it is a git checkout, else its folder's name."""
    found = subprocess.run(
        ["git", "-C", str(checkout), "rev-parse", "--short", "HEAD"],
        capture_output=True, text=True,
    )  # fmt: skip
    return found.stdout.strip() if found.returncode == 0 else checkout.name


def cases(compare: Path | None) -> tuple[Case, Case, list[Case]]:
    bare = Case('`python -c "pass"`', [PYTHON, "-c", "pass"], _env())
    flask = Case('`python -c "import flask"`', [PYTHON, "-c", "import flask"], _env())
    ours = [Case(f"`tandem {' '.join(args)}`", [TANDEM, *args], _env()) for args in TANDEM_ARGS]
    if compare is not None:
        label = _label(compare)
        ours += [
            Case(f"`tandem {' '.join(args)}` at {label}", [TANDEM, *args], _env(compare))
            for args in TANDEM_ARGS
        ]
    return bare, flask, ours


def measure(runs: int, compare: Path | None) -> tuple[Case, Case, list[Case]]:
    bare, flask, ours = cases(compare)
    everything = [bare, flask, *ours]
    for case in everything:  # warm-up: bytecode caches, the page cache
        case.run()
    for _ in range(runs):
        for case in everything:
            case.times.append(case.run())
    return bare, flask, ours


def table(bare: Case, flask: Case, ours: list[Case]) -> list[str]:
    rows = [
        "| command | median | × `python -c pass` | × `import flask` |",
        "| --- | ---: | ---: | ---: |",
    ]
    for case in [bare, flask, *ours]:
        rows.append(
            f"| {case.label} | {case.median * 1000:.0f} ms | {case.median / bare.median:.1f}× "
            f"| {case.median / flask.median:.2f}× |"
        )
    return rows


def section(rows: list[str], runs: int, compare: Path | None) -> str:
    command = COMMAND + (f" --runs {runs}" if runs != 10 else "")
    if compare is not None:
        command += f" --compare {compare}"
    return "\n".join(
        [
            START,
            "## Command-line start-up",
            "",
            f"Measured {date.today().isoformat()} with `{command}` on {machine()}.",
            f"Median wall time of {runs} runs of each command, each in a fresh process, the",
            "commands taking turns; ratios against bare Python and bare Flask from the same",
            "run. The `tandem` group lists and finds its commands without creating the app,",
            "and each command imports what it uses when it runs: `--help` loads click and",
            "Flask's CLI (Flask itself), not SQLAlchemy models, Celery, WeasyPrint or the web",
            "faces; `templates validate` adds the template format and its validation. The",
            "floor is `import flask`: extensions' commands (`flask.commands` entry points,",
            "such as Flask-Limiter's, which imports `rich`) are loaded only to run one of them.",
            "",
            *rows,
            END,
        ]
    )


def machine() -> str:
    return describe(f"Flask {version('flask')}", f"click {version('click')}")


def write(text: str) -> None:
    doc = DOC.read_text() if DOC.exists() else "# Performance\n"
    if START in doc and END in doc:
        before, rest = doc.split(START, 1)
        doc = before + text + rest.split(END, 1)[1]
    else:
        doc = doc.rstrip("\n") + "\n\n" + text + "\n"
    DOC.write_text(doc)
    print(f"\nwritten to {DOC.relative_to(ROOT)}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="runs of each command (default 10)")
    parser.add_argument(
        "--compare", type=Path, metavar="DIR", help="also time the code of this checkout"
    )
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/ alone")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    compare = args.compare.resolve() if args.compare else None
    bare, flask, ours = measure(args.runs, compare)
    rows = table(bare, flask, ours)
    print("\n".join(rows))
    if not args.no_write:
        write(section(rows, args.runs, compare))


if __name__ == "__main__":
    main()

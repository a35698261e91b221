"""`tandem --help` and `tandem templates validate` create no app and load no heavy libraries
(but the PDF engine, when `validate` renders the template for the sample partner).

Each case runs in a fresh interpreter and lists ``sys.modules`` afterwards; the time they
take is measured by ``tests/benchmarks/bench_cli.py``, not here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STARTER = str(ROOT / "brand_templates" / "library" / "product-flyer")
# the app and the database, the task queue, the PDF engine, the web faces and the domain
# above brand_templates: what a command loads when it runs, never to list or find commands
HEAVY = (
    "sqlalchemy",
    "celery",
    "kombu",
    "weasyprint",
    "pypdfium2",
    "app.runtime",
    "app.db",
    "app.models",
    "app.web",
    "campaigns",
    "directory",
    "workers",
    # extensions' CLI plugins (Flask-Limiter's pulls in rich): loaded to run one, not to list
    "flask_limiter",
    "rich",
)
RUN_TANDEM = """
import json, sys
from app.cli import main
sys.argv = ["tandem", *ARGS]
try:
    main()
except SystemExit:
    pass
print("\\n" + json.dumps(sorted(sys.modules)))
"""


def modules_after(args: list[str] | None) -> set[str]:
    """The modules loaded by ``import app.cli`` and, with ARGS, by running `tandem ARGS`."""
    code = "import json, sys, app.cli\nprint(json.dumps(sorted(sys.modules)))"
    if args is not None:
        code = RUN_TANDEM.replace("ARGS", repr(args))
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


@pytest.mark.parametrize(
    "args", [None, ["--help"], ["templates", "--help"], ["db", "--help"]], ids=str
)
def test_listing_commands_loads_no_app(args):
    modules = modules_after(args)
    assert heavy(modules) == []
    assert "brand_templates" not in modules


def test_validate_loads_the_template_format_only():
    # `validate` renders the template for the sample partner unless told not to; the check
    # of the files alone stays light
    modules = modules_after(["templates", "validate", "--no-render", STARTER])
    assert "brand_templates.validation" in modules
    assert heavy(modules) == []


def test_validate_with_its_sample_render_adds_the_pdf_engine_only():
    modules = modules_after(["templates", "validate", STARTER])
    assert "brand_templates.sample_check" in modules
    assert {name.split(".")[0] for name in heavy(modules)} == {"weasyprint"}

from __future__ import annotations

import subprocess
import sys

import renderers


def test_version_and_public_names():
    assert renderers.RENDERER_VERSION == "1"
    for name in renderers.__all__:
        assert getattr(renderers, name) is not None


def test_light_modules_do_not_load_the_heavy_libraries():
    code = (
        "import sys, renderers.errors, renderers.sandbox, renderers.assets; "
        "print(sorted(m for m in ('weasyprint', 'pypdfium2', 'pypdf') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

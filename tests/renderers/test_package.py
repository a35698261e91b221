from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

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


def test_upload_modules_load_weasyprint_only_to_draw():
    code = (
        "import sys, renderers.uploads.sniff, renderers.uploads.rasters, "
        "renderers.uploads.svg_sanitize, renderers.uploads.svg_render, "
        "renderers.uploads.derive, renderers.uploads.colors, renderers.uploads.sizes; "
        "print(sorted(m for m in ('weasyprint', 'pypdfium2', 'pypdf') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_renderers_import_nothing_of_tandem_nor_flask_nor_sqlalchemy():
    forbidden = {"app", "directory", "campaigns", "brand_templates", "workers"}
    forbidden |= {"flask", "flask_login", "flask_wtf", "sqlalchemy", "alembic"}
    root = Path(renderers.__file__).parent
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            found += [
                f"{path.relative_to(root)}: {n}" for n in names if n.split(".")[0] in forbidden
            ]
    assert found == []

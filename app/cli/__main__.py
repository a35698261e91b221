"""``python -m app.cli``: the `tandem` command (the run command starts its worker this way)."""

from app.cli import main

main()

"""Imports every module that defines tables, so Base.metadata is complete."""

import importlib

MODEL_MODULES = ("app.models", "directory.models")
OPTIONAL_MODEL_MODULES: tuple[str, ...] = ()


def import_all_models() -> None:
    for name in MODEL_MODULES:
        importlib.import_module(name)
    for name in OPTIONAL_MODEL_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise

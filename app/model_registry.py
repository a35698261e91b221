"""Imports every module that defines tables, so Base.metadata is complete."""

import importlib

MODEL_MODULES = (
    "app.models",
    "directory.models",
    "directory.locator.models",
    "directory.leads.models",
    "directory.activity_models",
    "directory.events",
    "directory.scorecards.models",
    "brand_templates.models",
    "campaigns.models",
    "campaigns.journeys.models",
)


def import_all_models() -> None:
    for name in MODEL_MODULES:
        importlib.import_module(name)

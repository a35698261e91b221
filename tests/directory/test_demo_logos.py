"""Demo logos (directory.demo_logos): made here, deterministic, and accepted as uploads."""

from __future__ import annotations

from directory.demo_logos import generate_logo
from directory.logos import process_logo
from tests.imagefiles import open_png


def test_demo_logo_is_a_deterministic_transparent_png():
    first = generate_logo("Northwind Traders")
    assert generate_logo("Northwind Traders") == first
    image = open_png(first)
    assert (image.size, image.mode) == ((600, 200), "RGBA")
    assert image.getpixel((0, 0))[3] == 0 and image.getpixel((599, 199))[3] == 0
    assert image.getchannel("A").getextrema() == (0, 255)


def test_demo_logos_differ_by_name_and_seed():
    names = ["Acme Solar", "Blue Ridge Installers", "Contoso", "Fabrikam", "Northwind Traders"]
    assert len({generate_logo(name) for name in names}) == len(names)
    assert len({generate_logo("Contoso", seed=seed) for seed in range(4)}) == 4


def test_demo_logo_survives_the_upload_pipeline():
    logo = process_logo(generate_logo("Contoso Heating and Cooling Services International"))
    assert logo.mime == "image/png" and 1 <= len(logo.colors) <= 5

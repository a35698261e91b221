"""WCAG contrast between colours (renderers.contrast)."""

from __future__ import annotations

import pytest

from renderers.contrast import INK, WHITE, contrast_ratio, relative_luminance, text_color_on


def test_the_ends_of_the_scale():
    assert relative_luminance("#000000") == 0 and relative_luminance("#ffffff") == 1
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast_ratio("#1e3a8a", "#1e3a8a") == 1


@pytest.mark.parametrize(
    ("first", "second", "ratio"),
    [
        ("#767676", "#ffffff", 4.54),  # the grey usually quoted as the lightest for text on white
        ("#777777", "#ffffff", 4.48),
        ("#ffffff", "#767676", 4.54),  # the order does not matter
        ("#d62828", "#111827", 3.54),
    ],
)
def test_known_ratios(first, second, ratio):
    assert contrast_ratio(first, second) == pytest.approx(ratio, abs=0.01)


def test_text_on_a_colour_is_white_or_ink_whichever_reads_better():
    assert text_color_on("#1e3a8a") == WHITE
    assert text_color_on("#fde047") == INK
    assert text_color_on("#ffffff") == INK

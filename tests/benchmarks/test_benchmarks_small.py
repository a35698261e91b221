"""The locator and lead-routing benchmarks run to the end at a small size, on SQLite and
PostgreSQL (``--million`` with a small ``--big``), and check what they measure: the index
finds what the full scan finds; the lead routing chooses the partner the naive routing (every
listed partner loaded, ``naive_routing.py``) chooses. No timing is asserted."""

from __future__ import annotations

import pytest

from tests.conftest import PG_URL, need, port_open

pytestmark = [pytest.mark.postgres]


@pytest.fixture
def postgres():
    need(port_open(PG_URL, 5432), "PostgreSQL", f"start it on {PG_URL} or set TEST_DATABASE_URL")


def test_the_locator_benchmark_runs_its_million_path_small(postgres, tmp_path, monkeypatch):
    from tests.benchmarks import bench_locator

    monkeypatch.setenv("TANDEM_INSTANCE", str(tmp_path))  # the benchmark sets its own
    monkeypatch.setattr(bench_locator, "DOC", tmp_path / "PERFORMANCE.md")
    results = bench_locator.main(
        ["--locations", "1500", "--million", "--big", "4000", "--queries", "12"]
        + ["--naive-queries", "4"]
    )
    assert [(r["label"].split()[0], r["locations"]) for r in results] == [
        ("SQLite", 1500),
        ("PostgreSQL", 1500),
        ("SQLite", 4000),
        ("PostgreSQL", 4000),
    ]
    assert all(r["checked"] == 4 and r["queries"] == 12 for r in results[:2])
    written = (tmp_path / "PERFORMANCE.md").read_text()
    assert bench_locator.START in written and "build spatial index" in written
    assert "page − search" in written and all(r["page_p50"] > 0 for r in results)
    assert "--million" in written


def test_the_lead_benchmark_compares_with_the_naive_routing(postgres, tmp_path, monkeypatch):
    from tests.benchmarks import bench_leads

    monkeypatch.setenv("TANDEM_INSTANCE", str(tmp_path))  # the benchmark sets its own
    monkeypatch.setattr(bench_leads, "DOC", tmp_path / "PERFORMANCE.md")
    results = bench_leads.main(["--partners", "600", "--leads", "6", "--old-leads", "2"])
    assert [(r["label"], r["leads"], r["old_leads"]) for r in results] == [
        ("SQLite", 6, 2),
        ("PostgreSQL", 6, 2),
    ]
    # the same rules on the same data: the naive routing chose the same partners
    assert all(r["same"] == 2 for r in results)
    assert bench_leads.START in (tmp_path / "PERFORMANCE.md").read_text()

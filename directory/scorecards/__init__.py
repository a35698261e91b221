"""Partner scorecards: weighted KPIs from the activity record, snapshots, tier recommendations.

The scorecard reads only ``directory.activity`` (what partners did), the imported metrics and
the partner profile; it never reaches into campaign, lead or journey tables.
"""

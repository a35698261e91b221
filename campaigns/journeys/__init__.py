"""Journeys: automated conversations with partners and prospects, run by the workers."""

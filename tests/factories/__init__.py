"""Test data per domain, built through the domain functions as the app builds it."""

"""The public partner locator: geocoding, spatial search and public profiles."""

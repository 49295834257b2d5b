"""Serving the insertion script with each project's configuration injected."""

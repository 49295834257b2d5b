"""Data subjects: finding, exporting and erasing one person's data (docs/privacy.md)."""

"""Personal data kept out of what the collector stores (docs/privacy.md)."""

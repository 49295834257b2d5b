"""Tracking entities: declarations, the expression language and its validation."""

"""Tracking numbers: the pool leased to web sessions, static numbers, and their usage."""

"""Dialtrail: self-hosted call tracking."""

__version__ = "0.1.0"

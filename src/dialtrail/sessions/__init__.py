"""Visitors, sessions, page views and the history of tracking-entity values."""

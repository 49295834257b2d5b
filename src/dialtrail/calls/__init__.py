"""Calls reported by the telephony, attributed to web sessions."""

"""Shared test machinery: databases on both backends, a real server, personas."""

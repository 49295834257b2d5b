"""Webhooks 2.0: configuration, the field catalogue, rendering, signing, durable delivery."""

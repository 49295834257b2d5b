"""A small demo website served by Dialtrail at ``/demo/{public_key}/``, so a newcomer sees
sessions and tracking-entity values appear without a website of their own."""

from dialtrail.demo_site.routes import routes

__all__ = ["routes"]

from tests.collector.conftest import visit

__all__ = ["visit"]

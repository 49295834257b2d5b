"""Shared parts of the benchmark scripts: scratch databases, the server under test, the load
generator, CPU readings and reports. Not a benchmark itself."""

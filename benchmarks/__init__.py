"""Benchmarks of the stance project: ``python -m benchmarks`` (see benchmarks/README.md)."""

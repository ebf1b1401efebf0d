"""Data-quality suites (Great Expectations 1.x, imported lazily): see docs/quality.md."""

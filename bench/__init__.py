"""Benchmarks: a throwaway PostgreSQL, the app under the deploy Gunicorn, floors, targets (make bench / soak)."""

"""The benchmark harness: a throwaway PostgreSQL, the app under Gunicorn, floors, targets (`make bench`, `make soak`)."""

"""Start and stop private PostgreSQL clusters for tests and development (see ``postgres.py``).

Nothing is re-exported here on purpose: ``python -m pgadmin_lite.servermgr.postgres`` must be the first
import of that module, or runpy warns that it was already imported by the package.
"""

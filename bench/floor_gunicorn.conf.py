"""The deploy Gunicorn config (1 worker, 25 threads, same keep-alive and logging) for the floor app.

Only `post_fork` is dropped: it imports pgadmin_lite, which would put the app's own imports in the floor.
"""

import runpy
from pathlib import Path

_DEPLOY = runpy.run_path(str(Path(__file__).resolve().parents[1] / "deploy" / "gunicorn" / "gunicorn.conf.py"))
globals().update({k: v for k, v in _DEPLOY.items() if not k.startswith("_") and k not in {"post_fork", "os", "Any"}})

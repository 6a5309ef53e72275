"""Settings of the delivery benchmark: the project's settings, production-like, own database.

`bench/run.py` sets the environment before anything imports this module; the defaults here
let `manage.py ... --settings bench.settings` work on its own as well.
"""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "bench-only-key-not-secret-do-not-deploy")
os.environ["DEBUG"] = "false"
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from ldncontent.settings import *  # noqa: F403
from ldncontent.settings import DATABASES

if not os.environ.get("DATABASE_URL"):
    # Never the developer's db.sqlite3: a file of its own, in a temporary directory.
    DATABASES["default"]["NAME"] = os.environ.get("BENCH_SQLITE_PATH") or str(
        Path(tempfile.gettempdir()) / "ldncontent-bench.sqlite3"
    )

# One key hammers the API for seconds on end: the throttle must never answer 429 here.
DELIVERY_THROTTLE_PER_MINUTE = 10**12

ROOT_URLCONF = "bench.urls"

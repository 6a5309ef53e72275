"""Settings for the test suite: production settings with a test key and fast password hashing."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-any-deployment")
# Test clients connect directly: no proxy in front writes X-Forwarded-For.
os.environ.setdefault("NUM_PROXIES", "0")
# Emails stay in memory (django.core.mail.outbox); a test that needs SMTP sets it itself.
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

from ldncontent.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Tests talk plain HTTP to the test client and to live servers on 127.0.0.1.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# Webhook receivers in tests are real servers on 127.0.0.1, over plain HTTP.
WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
WEBHOOK_HTTPS_ONLY = False
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405 - no connection outlives its test

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    import tempfile
    from pathlib import Path

    # A file, not memory: the worker tests run `manage.py run_worker` in another process.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(Path(tempfile.gettempdir()) / f"ldncontent-test-{os.getpid()}.sqlite3")
    }

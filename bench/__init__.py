"""The delivery API benchmark (`make bench`); not part of the test suite."""

import time


def log(message: str) -> None:
    """A progress line of the benchmark, with the time."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)

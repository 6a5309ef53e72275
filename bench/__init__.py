"""The delivery API benchmark (`make bench`); not part of the test suite."""

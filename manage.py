#!/usr/bin/env python
"""Django's command-line utility for ldncontent."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ldncontent.settings")
    if "SECRET_KEY" not in os.environ and "DEBUG" not in os.environ:
        # A checkout with no configuration at all is a developer's: production always sets
        # SECRET_KEY (the web server refuses to start without it), so this never applies there.
        os.environ["DEBUG"] = "true"
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()

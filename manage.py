#!/usr/bin/env python
"""Django's command-line utility for G60 Portal."""

import os
import sys

from django.core.management import execute_from_command_line

from core.env import EnvironmentVariableError
from g60portal.embedded_db import EmbeddedDatabaseError


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "g60portal.settings")
    try:
        execute_from_command_line(sys.argv)
    except (EnvironmentVariableError, EmbeddedDatabaseError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()

"""`python -m jobs NAME [adtools options]`: run one scheduled job, exactly as `adtools run NAME` does."""
from __future__ import annotations

import sys

from adtools.cli import main

if __name__ == "__main__":
    args = sys.argv[1:]
    if not args or args[0].startswith("-"):
        sys.exit(main(["run", "--help"]))
    sys.exit(main(["run", *args]))

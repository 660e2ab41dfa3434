"""`python -m adtools` is the same as the `adtools` command."""
from .cli import main

main()

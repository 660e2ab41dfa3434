"""Files we write are readable by the group that shares the drive, as any file a person saves there.

A temporary file from `tempfile.mkstemp` is private (0600) so that nobody reads it
half-written; once it is complete and moved into place it gets the mode an ordinary
new file gets: 0666 less the process's umask (0644 with umask 022, 0664 with 002, the
usual setting of a shared group folder).  On Windows the folder's ACLs decide and
chmod means nothing: this is a no-op there.
"""
from __future__ import annotations

import os
from pathlib import Path

__all__ = ["shared_mode", "make_shared"]


def shared_mode() -> int:
    """0o666 less the umask: the mode `open(path, "w")` would have given a new file."""
    mask = os.umask(0o022)  # the only portable way to read it is to set it; restored at once
    os.umask(mask)
    return 0o666 & ~mask


def make_shared(path: str | Path) -> None:
    """Give a finished file the mode of an ordinary new file (group-readable by the usual umask)."""
    if os.name == "nt":
        return
    os.chmod(path, shared_mode())

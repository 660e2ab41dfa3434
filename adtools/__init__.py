"""adtools: the account service of an ad agency, run on the spreadsheets its staff already use."""
from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version as _version

from .config import Config, load_config
from .errors import AdtoolsError, Finding

try:
    __version__ = _version("adtools")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.1.0"

__all__ = ["Config", "load_config", "AdtoolsError", "Finding", "__version__"]

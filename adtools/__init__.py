"""adtools: the account service of an ad agency, run on the spreadsheets its staff already use."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["Config", "load_config", "AdtoolsError", "Finding", "__version__"]

if TYPE_CHECKING:  # pragma: no cover
    from .config import Config, load_config
    from .errors import AdtoolsError, Finding

_LAZY = {"Config": "config", "load_config": "config", "AdtoolsError": "errors", "Finding": "errors"}


def __getattr__(name: str) -> Any:
    """The public names, imported when first used: `import adtools` itself does nothing (the CLI starts fast
    and a Ctrl-C while it loads is caught by adtools.__main__)."""
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            value = version("adtools")
        except PackageNotFoundError:  # running from a source tree without installing
            value = "0.1.0"
    elif name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value

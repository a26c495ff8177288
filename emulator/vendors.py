"""The emulated vendors, in the order their paths are tried."""

from __future__ import annotations

from .contract import Vendor


def all_vendors() -> list[Vendor]:
    """Each vendor package's VENDOR (imported here so the core never imports a vendor at module level)."""
    from .apivideo import VENDOR as apivideo
    from .twentythree import VENDOR as twentythree

    return [twentythree, apivideo]

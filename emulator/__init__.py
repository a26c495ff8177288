"""Analytics API Emulator: video-analytics vendors' APIs on the wire, offline (emulator.app builds one).
"""

__version__ = "0.2.0.dev0"  # the one place: pyproject reads it, `--version` prints it
__all__ = ["__version__"]

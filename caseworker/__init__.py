"""Caseworker: the Today's yes desktop case tool."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("caseworker")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"

"""Utilities."""

from skrec.utils._show_versions import show_versions

__all__ = ["show_versions"]

"""Plotting helpers (matplotlib is an optional dependency, imported lazily)."""

__all__ = []

"""Torch losses usable as a skorch ``criterion``."""

__all__ = []

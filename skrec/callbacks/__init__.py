"""skorch callbacks."""

__all__ = []

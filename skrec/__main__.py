"""``python -m skrec``: the command line (see ``python -m skrec --help``)."""

from skrec._cli import main

if __name__ == "__main__":
    raise SystemExit(main())

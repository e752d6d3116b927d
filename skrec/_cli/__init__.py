"""Command line of skrec.

Each sub-command lives in its own module of this package and defines
``add_parser(subparsers)`` (which registers an ``argparse`` sub-parser and sets
``func=run`` on it) and ``run(args) -> int``.
"""

import argparse
import importlib

# Module names in this package, one per sub-command, in --help order.
_COMMANDS = ("train", "augment")


def build_parser():
    """Return the ``argparse`` parser of ``python -m skrec``."""
    parser = argparse.ArgumentParser(
        prog="python -m skrec",
        description="skrec: sequence augmentation and sequential recommenders.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name in _COMMANDS:
        try:
            module = importlib.import_module(f"skrec._cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"skrec._cli.{name}":
                raise
            continue
        module.add_parser(sub)
    return parser


def main(argv=None):
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    return args.func(args)

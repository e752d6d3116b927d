"""Command line of skrec.

Each sub-command lives in its own module of this package and defines
``add_parser(subparsers)`` (which registers an ``argparse`` sub-parser and sets
``func=run`` on it) and ``run(args) -> int``.

Mistakes end in one or two lines on stderr that name the problem in the
user's terms (flags, their column names, their file) and exit with status 1;
``--debug`` shows the traceback instead.
"""

import argparse
import importlib
import os
import re
import sys

# Module names in this package, one per sub-command, in --help order.
_COMMANDS = ("train", "recommend", "augment")


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter,
                     argparse.RawDescriptionHelpFormatter):
    """Defaults in the help, descriptions as written (paragraphs kept)."""


def plain(text):
    """A docstring as terminal text: no rst markup."""
    return re.sub(r"``([^`]*)``", r"'\1'", text)


def _prog():
    name = os.path.basename(sys.argv[0] or "")
    return "skrec" if name.startswith("skrec") and not name.endswith(".py") else (
        "python -m skrec")


def build_parser():
    """Return the ``argparse`` parser of the command line."""
    parser = argparse.ArgumentParser(
        prog=_prog(),
        description="skrec: sequence augmentation and sequential recommenders.",
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("--debug", action="store_true",
                        help="show the full traceback of an error")
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


# Python spellings in library messages, and what a CLI user types instead.
_FLAGS = [
    (r"user_col=, item_col=, time_col= \(and sep= for CSV\)",
     "--user-col, --item-col, --time-col (and --sep for CSV)"),
    (r"\bLower min_length\b", "Lower --min-length"),
    (r"\bmin_length=", "--min-length "),
    (r"\bSequenceEncoder\(min_length=\.\.\.\)", "--min-length"),
    (r"\bnp\.(?:int|uint|float)\d+\(([^()]*)\)", r"\1"),
]


def _user_terms(message, args):
    """Rewrite a library error message for the command line."""
    for pattern, repl in _FLAGS:
        message = re.sub(pattern, repl, message)
    # Standard log columns back to the user's own names.
    for std, flag in (("timestamp", "time_col"), ("user_id", "user_col"),
                      ("item_id", "item_col")):
        own = getattr(args, flag, None)
        if own and own != std:
            message = re.sub(rf"(['\"]){std}\1", rf"\g<1>{own}\g<1>", message)
    return message


def usage_error(args, message):
    """Print a mistake in a flag's value the way every error is printed; 2."""
    prog = getattr(args, "prog", "skrec")
    print(f"{prog} {args.command}: error: {message}", file=sys.stderr)
    return 2


def _errors():
    import pandas as pd

    return (ValueError, TypeError, KeyError, OSError, pd.errors.EmptyDataError,
            pd.errors.ParserError, RuntimeError)


def main(argv=None):
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.prog = parser.prog
    if args.debug:
        return args.func(args)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print(f"{parser.prog} {args.command}: interrupted", file=sys.stderr)
        return 130
    except _errors() as exc:
        message = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
        if not message:
            message = type(exc).__name__
        print(f"{parser.prog} {args.command}: error: {_user_terms(message, args)}",
              file=sys.stderr)
        print(f"(run with --debug before '{args.command}' for the traceback)",
              file=sys.stderr)
        return 1

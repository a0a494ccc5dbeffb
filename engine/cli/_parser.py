"""Argument parsing whose errors are one line naming the closest valid spelling, exit code 2.

argparse prints its usage block before every error; on a terminal and in CI logs a single
``mlsysim solve serving: error: unrecognized arguments: --seqlen (did you mean --seq-len?)`` is
easier to act on. Sub-parsers inherit the class, so every sub-command gets the same behaviour.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from typing import Any, ClassVar, NoReturn

from ..names import normalize


class OneLineParser(argparse.ArgumentParser):
    # The command line being parsed (set by ``parse``), so that a "required" error caused by a
    # misspelt flag reports the misspelling instead.
    argv: ClassVar[list[str]] = []

    def error(self, message: str) -> NoReturn:
        if message.startswith("the following arguments are required"):
            message = self._misspelt() or message
        self.exit(2, f"{self.prog}: error: {' '.join(message.split())}\n")

    def _misspelt(self) -> str:
        options = list(self._option_string_actions)
        unknown = [
            token
            for token in self.argv
            if token.startswith("-")
            and not any(o.startswith(token.split("=")[0]) for o in options)  # nor an abbreviation
        ]
        hints = [h for token in unknown if (h := nearest(token.split("=")[0], options))]
        return unrecognized(unknown, hints) if hints else ""

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        choices = action.choices
        if choices is not None and value not in choices:
            names = [str(c) for c in choices]
            hint = nearest(str(value), names)
            near = f" (did you mean {hint}?)" if hint else ""
            raise argparse.ArgumentError(
                action, f"invalid choice: {value!r}{near}; choose from {', '.join(names)}"
            )


def parse(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    """``parse_args`` whose "unrecognized arguments" error names the closest option of the
    sub-command that was chosen (argparse reports them from the top-level parser)."""
    OneLineParser.argv = list(sys.argv[1:] if argv is None else argv)
    args, extras = parser.parse_known_args(argv)
    if extras:
        leaf = leaf_parser(parser, args)
        options = list(leaf._option_string_actions)
        hints = [h for x in extras if x.startswith("-") and (h := nearest(x.split("=")[0], options))]
        leaf.error(unrecognized(extras, hints))
    return args


def unrecognized(extras: list[str], hints: list[str]) -> str:
    near = f" (did you mean {', '.join(hints)}?)" if hints else ""
    return f"unrecognized arguments: {' '.join(extras)}{near}"


def leaf_parser(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.ArgumentParser:
    """The innermost sub-command parser that ``args`` went through (``mlsysim solve serving``)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            chosen = getattr(args, action.dest, None)
            if chosen in action.choices:
                return leaf_parser(action.choices[chosen], args)
    return parser


def nearest(word: str, candidates: list[str]) -> str | None:
    """The candidate spelled most like ``word`` (case and punctuation ignored), if any is close."""
    keys = {normalize(c): c for c in candidates}
    found = difflib.get_close_matches(normalize(word), list(keys), n=1, cutoff=0.6)
    return keys[found[0]] if found else None

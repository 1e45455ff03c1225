"""README.md's Binder launch badge, built from the one place that holds the repository URL.

    python tools/binder_badge.py          rewrite the badge between the README's markers
    python tools/binder_badge.py --check  exit 1 (saying what differs) when the README is out of date

The repository URL is ``[project.urls] Repository`` in pyproject.toml, the page the badge opens is
``[tool.ml2dl] entry`` (the student entry page, given to Binder as ``labpath=``).  The badge sits
between ``<!-- binder-badge:begin -->`` and ``<!-- binder-badge:end -->`` in README.md.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path
from urllib.parse import quote, urlsplit

from tools.markers import MarkerError, replace_between

REPO_ROOT = Path(__file__).resolve().parents[1]
BEGIN, END = "<!-- binder-badge:begin -->", "<!-- binder-badge:end -->"
BADGE_IMAGE = "https://mybinder.org/badge_logo.svg"


def settings(pyproject: Path = REPO_ROOT / "pyproject.toml") -> tuple[str, str]:
    """``(repository URL, entry page)`` from pyproject.toml."""
    config = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    try:
        url = config["project"]["urls"]["Repository"]
        entry = config["tool"]["ml2dl"]["entry"]
    except KeyError as exc:
        raise SystemExit(f"{pyproject}: missing {exc}; see {__file__}") from None
    return url, entry


def binder_url(repository: str, entry: str, ref: str = "HEAD") -> str:
    """The mybinder.org launch URL that builds ``repository`` at ``ref`` and opens ``entry``."""
    parts = urlsplit(repository)
    path = parts.path.strip("/").removesuffix(".git")
    labpath = "?labpath=" + quote(entry, safe="")
    if parts.netloc == "github.com" and path.count("/") == 1:
        return f"https://mybinder.org/v2/gh/{path}/{ref}{labpath}"
    if parts.netloc == "gitlab.com":
        return f"https://mybinder.org/v2/gl/{quote(path, safe='')}/{ref}{labpath}"
    return f"https://mybinder.org/v2/git/{quote(repository, safe='')}/{ref}{labpath}"


def badge(repository: str, entry: str) -> str:
    """The Markdown of the badge (image linking to the launch URL)."""
    return f"[![Launch on Binder]({BADGE_IMAGE})]({binder_url(repository, entry)})"


def render(readme_text: str, repository: str, entry: str) -> str:
    """``readme_text`` with the badge between its markers (exactly one pair must be there)."""
    try:
        return replace_between(readme_text, BEGIN, END, badge(repository, entry), where="README.md")
    except MarkerError as exc:
        raise SystemExit(str(exc)) from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="only check; exit 1 if README.md is out of date")
    parser.add_argument("--readme", type=Path, default=REPO_ROOT / "README.md")
    args = parser.parse_args(argv)
    text = args.readme.read_text(encoding="utf-8")
    new = render(text, *settings())
    if args.check:
        if new != text:
            print(f"{args.readme}: the Binder badge is out of date; run `make badge`", file=sys.stderr)
            return 1
        return 0
    if new != text:
        args.readme.write_text(new, encoding="utf-8")
        print(f"{args.readme}: Binder badge updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())

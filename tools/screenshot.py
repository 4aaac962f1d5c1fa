"""Write a PNG of the first screen of a policy document, as Chromium shows it.

    python tools/screenshot.py generated/cpcp026.html cpcp026.png
    python tools/screenshot.py policies/cpcp026.rules cpcp026.png     (builds the document first)

Needs Debian's Chromium (`apt-get install chromium`); nothing is downloaded.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from compiler.backends.document import generate_documents
from compiler.diagnostics import Sources
from compiler.pipeline import compile_pack
from tools.browser import BrowserError, screenshot


def _document_of(rules: Path, folder: Path) -> Path:
    """Build the HTML document of a rules file into `folder`."""
    sources = Sources()
    result = compile_pack(rules, sources)
    if result.pack is None:
        first = result.diagnostics[0].message if result.diagnostics else "it does not compile"
        raise BrowserError(f"{rules}: {first} (run `rulesc check {rules}`)")
    docs = generate_documents(result.pack, sources.text(result.pack.path) or "")
    page = folder / f"{result.pack.name}.html"
    page.write_text(docs[page.name], encoding="utf-8")
    return page


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a PNG screenshot of a policy document.")
    parser.add_argument("document", type=Path, help="a generated .html document, or a .rules file to build one from")
    parser.add_argument("png", type=Path, help="the PNG file to write")
    parser.add_argument("--width", type=int, default=1280, help="window width in pixels (default 1280)")
    parser.add_argument("--height", type=int, default=2000, help="window height in pixels (default 2000)")
    args = parser.parse_args(argv)
    try:
        with tempfile.TemporaryDirectory(prefix="rulesc-shot-") as folder:
            page = _document_of(args.document, Path(folder)) if args.document.suffix == ".rules" else args.document
            screenshot(page, args.png, args.width, args.height)
    except BrowserError as error:
        sys.stderr.write(f"screenshot: {error}\n")
        return 1
    sys.stderr.write(f"wrote {args.png}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Load a policy document in a real browser (Debian's headless Chromium): screenshots and checks.

Nothing here drives the browser over a debugging protocol. A check loads a copy of the document
with a small probe script placed first in its head; the probe records errors (script errors,
console errors and warnings, resources that fail to load), and once the page has loaded it writes
what it measured (links whose target is missing, the size of every node of the graph, duplicate
ids, the resources requested, what the "policy text only" toggle hides) into the page, which
`--dump-dom` prints. Name resolution is mapped to nothing, so a document that tried to reach the
network would fail to load it and say so.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

INSTALL_HINT = "install Debian's Chromium with `apt-get install chromium`"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
         "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--host-resolver-rules=MAP * ~NOTFOUND")
TIMEOUT = 120

PROBE = """<script>(function () {
  var errors = [];
  window.addEventListener("error", function (e) {
    var target = e.target && (e.target.src || e.target.href);
    errors.push("error: " + (e.message || target || "a resource failed to load"));
  }, true);
  window.addEventListener("unhandledrejection", function (e) { errors.push("rejection: " + e.reason); });
  ["error", "warn"].forEach(function (level) {
    var original = console[level];
    console[level] = function () {
      errors.push(level + ": " + Array.prototype.join.call(arguments, " "));
      return original.apply(console, arguments);
    };
  });
  window.addEventListener("load", function () {
    var broken = [], external = [], seen = {}, duplicates = [];
    var links = document.querySelectorAll("a[href]");
    links.forEach(function (a) {
      var href = a.getAttribute("href");
      if (href.charAt(0) !== "#") { external.push(href); return; }
      if (!document.getElementById(decodeURIComponent(href.slice(1)))) { broken.push(href); }
    });
    document.querySelectorAll("[id]").forEach(function (el) {
      if (seen[el.id]) { duplicates.push(el.id); } seen[el.id] = true;
    });
    var rects = document.querySelectorAll("svg.rule-graph .node rect");
    var texts = document.querySelectorAll("svg.rule-graph .node text");
    function sized(list) {
      var n = 0;
      list.forEach(function (el) { var b = el.getBBox(); if (b.width > 0 && b.height > 0) { n += 1; } });
      return n;
    }
    var svg = document.querySelector("svg.rule-graph");
    var box = svg ? svg.getBoundingClientRect() : null;
    var sizedNodes = sized(rects), sizedLabels = sized(texts);
    var toggle = document.getElementById("policy-only");
    var shown = function (sel) {
      var el = document.querySelector(sel);
      return el ? getComputedStyle(el).display !== "none" : null;
    };
    var before = {detail: shown(".detail"), quote: shown("blockquote.policy-text")};
    if (toggle) { toggle.click(); }
    var after = {detail: shown(".detail"), quote: shown("blockquote.policy-text")};
    var out = document.createElement("pre");
    out.id = "__rulesc_probe__";
    out.textContent = JSON.stringify({
      errors: errors, broken: broken, external: external, duplicates: duplicates, links: links.length,
      nodes: rects.length, sized_nodes: sizedNodes, labels: texts.length, sized_labels: sizedLabels,
      picture: box ? [box.width, box.height] : null,
      resources: performance.getEntriesByType("resource").map(function (r) { return r.name; }),
      policy_only: {before: before, after: after}
    });
    document.body.appendChild(out);
  });
})();</script>"""

_PROBE_OUT = re.compile(r'<pre id="__rulesc_probe__">(.*?)</pre>', re.DOTALL)
_CONSOLE = re.compile(r"^.*:CONSOLE[^\]]*\].*$", re.MULTILINE)


class BrowserError(Exception):
    pass


@dataclass(frozen=True)
class Inspection:
    """What the browser saw of one document."""

    errors: tuple[str, ...]  # script, console and resource errors, and the browser's console lines
    broken_links: tuple[str, ...]
    external_links: tuple[str, ...]
    duplicate_ids: tuple[str, ...]
    links: int
    nodes: int
    sized_nodes: int
    labels: int
    sized_labels: int
    picture: tuple[float, float] | None
    resources: tuple[str, ...]
    policy_only: dict[str, Any]


def find_chromium() -> str | None:
    """Debian's Chromium, where installed."""
    found = shutil.which("chromium")
    if found is None and Path("/usr/bin/chromium").exists():
        found = "/usr/bin/chromium"
    return found


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    binary = find_chromium()
    if binary is None:
        raise BrowserError(f"no Chromium found: {INSTALL_HINT}")
    with tempfile.TemporaryDirectory(prefix="rulesc-chromium-") as profile:
        command = [binary, *FLAGS, f"--user-data-dir={profile}", *args]
        try:
            return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)
        except subprocess.TimeoutExpired as error:
            raise BrowserError(f"Chromium did not finish within {TIMEOUT} s") from error


def screenshot(html_path: Path, png_path: Path, width: int = 1280, height: int = 2000) -> None:
    """Write a PNG of the first `width` x `height` pixels of the document."""
    target = Path(html_path).resolve()
    if not target.is_file():
        raise BrowserError(f"{html_path}: no such file")
    out = Path(png_path).resolve()
    result = _run([f"--screenshot={out}", f"--window-size={width},{height}", "--virtual-time-budget=5000",
                   target.as_uri()])
    if result.returncode != 0 or not out.is_file():
        raise BrowserError(f"Chromium could not take the screenshot (exit {result.returncode})")


def inspect(document: str) -> Inspection:
    """Load `document` (HTML text) with the probe and report what the browser saw."""
    if "<head>" not in document:
        raise BrowserError("the document has no <head> to put the probe in")
    probed = document.replace("<head>", "<head>\n" + PROBE, 1)
    with tempfile.TemporaryDirectory(prefix="rulesc-page-") as folder:
        page = Path(folder) / "page.html"
        page.write_text(probed, encoding="utf-8")
        result = _run(["--enable-logging=stderr", "--v=0", "--virtual-time-budget=10000", "--window-size=1280,2000",
                       "--dump-dom",
                       page.as_uri()])
    found = _PROBE_OUT.search(result.stdout)
    if found is None:
        raise BrowserError(f"the probe did not report (Chromium exit {result.returncode}): "
                           f"{result.stderr.strip()[-500:]}")
    data = json.loads(html.unescape(found.group(1)))
    console = tuple(line.strip() for line in _CONSOLE.findall(result.stderr))
    picture = data["picture"]
    return Inspection(
        errors=tuple(data["errors"]) + console, broken_links=tuple(data["broken"]),
        external_links=tuple(data["external"]), duplicate_ids=tuple(data["duplicates"]), links=data["links"],
        nodes=data["nodes"], sized_nodes=data["sized_nodes"], labels=data["labels"],
        sized_labels=data["sized_labels"], picture=(picture[0], picture[1]) if picture else None,
        resources=tuple(data["resources"]), policy_only=data["policy_only"])

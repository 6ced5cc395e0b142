"""Build the book: Jupytext chapters -> notebooks executed by papermill (in parallel) -> Jupyter Book site.

    python scripts/build_book.py [--mode quick|full] [--device auto|cpu|cuda] [--jobs N] [--no-site]
                                 [--only CHAPTER ...]

Each chapter ``book/<name>.md`` (listed in ``_toc.yml``) is converted with jupytext and executed with
papermill into ``book/<name>.ipynb``; the ``parameters``-tagged cell receives ``mode`` and ``device``.
A failing cell stops the build and is named.  Then ``jupyter-book build`` renders the executed notebooks
(execution off, warnings as errors) into ``_build/html``, MathJax (npm's ``mathjax``, installed by
``make book`` under ``.npm/``) is copied into ``_build/html/_mathjax`` so the site needs no network, and
``scripts/check_site.mjs`` opens every page in headless Chromium (``--no-check`` skips that).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MATHJAX = REPO / ".npm" / "node_modules" / "mathjax" / "es5"
#: What the site needs of MathJax's es5 build (the speech engine and the SVG bundles are left out).
MATHJAX_PARTS = ["tex-mml-chtml.js", "input", "output", "ui", "a11y", "adaptors"]


def install_mathjax(site: Path) -> Path:
    """Copy MathJax into ``site/_mathjax`` (kept out of ``_static``, which every page would carry)."""
    if not (MATHJAX / "tex-mml-chtml.js").exists():
        raise SystemExit(f"MathJax not found at {MATHJAX}: run `make book` (it runs "
                         "`npm install --prefix .npm mathjax@3.2.2 playwright-core@1.64.1`)")
    dest = site / "_mathjax"
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    for part in MATHJAX_PARTS:
        src = MATHJAX / part
        if src.is_dir():
            shutil.copytree(src, dest / part)
        else:
            shutil.copy2(src, dest / part)
    return dest


def chapters_from_toc(toc: Path) -> list[str]:
    """Chapter files (without suffix) in ``_toc.yml`` order."""
    import yaml

    spec = yaml.safe_load(toc.read_text())
    files = [spec["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections"))
            for part in entry.get("parts", []) or []:
                walk(part.get("chapters"))

    walk(spec.get("chapters"))
    for part in spec.get("parts", []) or []:
        walk(part.get("chapters"))
    return files


def execute_chapter(stem: str, mode: str, device: str) -> tuple[str, float]:
    """Convert ``<stem>.md`` and execute it into ``<stem>.ipynb``; returns (stem, seconds).

    Each chapter applies the determinism policy itself (``padnet.runtime.reproducible()`` in its first
    cell: ``PADNET_THREADS`` threads, default 1), so this execution and nbval's rerun compute alike."""
    import jupytext
    import papermill

    src = REPO / f"{stem}.md"
    out = REPO / f"{stem}.ipynb"
    raw = out.with_suffix(".unexecuted.ipynb")
    nb = jupytext.read(src)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    jupytext.write(nb, raw, fmt="ipynb")
    t0 = time.perf_counter()
    try:
        papermill.execute_notebook(str(raw), str(out), parameters={"mode": mode, "device": device},
                                   kernel_name="python3", progress_bar=False, cwd=str(src.parent))
    finally:
        raw.unlink(missing_ok=True)
    hide_injected_parameters(out)
    return stem, time.perf_counter() - t0


def hide_injected_parameters(path: Path) -> None:
    """Tag papermill's injected ``# Parameters`` cell ``remove-cell``: it stays in the notebook (papermill
    and nbval read it) but not on the page, like the chapter's own ``parameters`` cell."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags and "remove-cell" not in tags:
            cell.metadata["tags"] = [*tags, "remove-cell"]
    nbformat.write(nb, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Execute the chapters and build the book.")
    parser.add_argument("--mode", default="quick", choices=["quick", "full"])
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="chapters executed at once")
    parser.add_argument("--only", nargs="*", help="execute only these chapters (e.g. book/intro)")
    parser.add_argument("--no-site", action="store_true", help="execute the chapters but do not build the site")
    parser.add_argument("--no-check", action="store_true", help="do not open the site in headless Chromium")
    parser.add_argument("--site-only", action="store_true", help="build the site from already executed chapters")
    args = parser.parse_args(argv)

    from papermill.exceptions import PapermillExecutionError
    from tqdm import tqdm

    chapters = chapters_from_toc(REPO / "_toc.yml")
    todo = [] if args.site_only else [c for c in chapters if not args.only or c in args.only]
    jobs = max(1, min(args.jobs, len(todo) or 1))
    print(f"executing {len(todo)} chapter(s) in {args.mode} mode on {jobs} worker(s) "
          f"({os.environ.get('PADNET_THREADS', '1')} thread(s) each: padnet.runtime)", flush=True)
    t0 = time.perf_counter()
    failed = []
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(execute_chapter, c, args.mode, args.device): c for c in todo}
        with tqdm(total=len(futures), desc="chapters", unit="ch") as bar:
            for fut in as_completed(futures):
                chapter = futures[fut]
                try:
                    _, secs = fut.result()
                    bar.write(f"  ok   {chapter}  ({secs:.0f} s)")
                except PapermillExecutionError as err:
                    failed.append(chapter)
                    bar.write(f"  FAIL {chapter}.md: cell {err.exec_count} raised {err.ename}: {err.evalue}")
                except Exception as err:  # conversion or kernel start-up problems
                    failed.append(chapter)
                    bar.write(f"  FAIL {chapter}.md: {type(err).__name__}: {err}")
                bar.update()
    print(f"executed in {time.perf_counter() - t0:.0f} s", flush=True)
    if failed:
        print(f"build stopped: {len(failed)} chapter(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    if args.no_site:
        return 0
    missing = [c for c in chapters if not (REPO / f"{c}.ipynb").exists()]
    if missing:  # Sphinx would stop with an obscure "unable to load the master document" instead
        print(f"build stopped: the site needs every chapter executed, and {', '.join(missing)} never was; "
              "run `make book` once (or this script without --only), or pass --no-site", file=sys.stderr)
        return 1
    jb = Path(sys.executable).parent / "jupyter-book"
    cmd = [str(jb), "build", str(REPO), "--builder", "html", "--warningiserror", "--keep-going"]
    print(" ".join(cmd), flush=True)
    rc = subprocess.call(cmd, cwd=REPO)
    if rc != 0:
        return rc
    site = REPO / "_build" / "html"
    install_mathjax(site)
    print(f"site: {site / 'index.html'} (book built in {time.perf_counter() - t0:.0f} s)", flush=True)
    if args.no_check:
        return 0
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    return subprocess.call(["node", str(REPO / "scripts" / "check_site.mjs"), str(site), chromium], cwd=REPO)


if __name__ == "__main__":
    sys.exit(main())

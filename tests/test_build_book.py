"""scripts/build_book.py: the chapters of the table of contents, and a clear stop before a site that cannot build."""

import importlib.util

from tests.conftest import REPO


def _load():
    spec = importlib.util.spec_from_file_location("build_book", REPO / "scripts" / "build_book.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_chapters_follow_the_toc_root_first(tmp_path):
    toc = tmp_path / "_toc.yml"
    toc.write_text("format: jb-book\nroot: book/a\nchapters:\n  - file: book/b\n    sections:\n      - file: book/c\n"
                   "  - file: book/d\n")
    assert _load().chapters_from_toc(toc) == ["book/a", "book/b", "book/c", "book/d"]


def test_site_build_stops_with_a_clear_message_when_a_chapter_was_never_executed(tmp_path, monkeypatch, capsys):
    mod = _load()
    (tmp_path / "book").mkdir()
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/a\nchapters:\n  - file: book/b\n")
    (tmp_path / "book" / "a.ipynb").write_text("{}")
    monkeypatch.setattr(mod, "REPO", tmp_path)
    assert mod.main(["--site-only", "--no-check"]) == 1
    err = capsys.readouterr().err
    assert "and book/b never was" in err and "book/a" not in err  # only the missing chapter is named

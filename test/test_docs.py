"""The documentation a clone carries: every citation points at something in the
repository, the README's Layout names every folder, and links resolve. ROS-free."""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest


def _repo_root() -> Path:
    here = Path(__file__).resolve().parent
    for candidate in (here, *here.parents):
        if (candidate / "package.xml").is_file() and (candidate / "steer_ros").is_dir():
            return candidate
    raise RuntimeError(f"no steer_ros checkout above {here}")


REPO = _repo_root()
# Folders that builds and tools create (.gitignore); never part of the repository.
GENERATED = {".git", ".venv", "build", "install", "log", "out", "__pycache__", ".pytest_cache",
             ".hypothesis", ".venv-kilted", "build-kilted", "install-kilted", "log-kilted"}

# Citations a person with the clone cannot follow. Built from pieces so that this
# file does not match itself.
FORBIDDEN = {
    "a path into the shared folder outside the repository": re.compile(r"\.\." + r"/shared"),
    "a design-document citation by number or file name": re.compile(
        r"\b" + "DESIGN" + r"(?:\.md\b|\s+(?:section\s+)?\d)"),
    "an issue number": re.compile(r"\b" + "issue" + r"\s+#?\d", re.IGNORECASE),
}
DOCS = ["README.md", "CONTRIBUTING.md", *sorted(p.relative_to(REPO).as_posix()
                                                for p in (REPO / "docs").glob("*.md"))]


def _repository_files() -> list[Path]:
    """Tracked and untracked-but-not-ignored files (git), else a walk without the
    generated folders."""
    try:
        out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                             cwd=REPO, capture_output=True, check=True, timeout=30).stdout
        files = [REPO / name for name in out.decode("utf-8", "surrogateescape").split("\0") if name]
    except (OSError, subprocess.SubprocessError):
        files = [p for p in REPO.rglob("*")
                 if p.is_file() and not GENERATED.intersection(p.relative_to(REPO).parts)]
    return [p for p in files if p.is_file()]


def _text(path: Path) -> str | None:
    """The file's text, or None for binary and very large files."""
    if path.stat().st_size > 2_000_000:
        return None
    data = path.read_bytes()
    if b"\0" in data:
        return None
    return data.decode("utf-8", errors="replace")


def test_no_citation_points_outside_the_repository():
    hits = []
    for path in _repository_files():
        text = _text(path)
        if text is None:
            continue
        for what, pattern in FORBIDDEN.items():
            for m in pattern.finditer(text):
                line = text.count("\n", 0, m.start()) + 1
                hits.append(f"{path.relative_to(REPO)}:{line}: {what}: {m.group(0)!r}")
    assert not hits, "cite docs/design.md sections, docs/experiments.md or a test instead:\n" + "\n".join(hits)


def test_the_scan_sees_the_repository():
    """The citation scan above covers code, docs and config, not an empty list."""
    names = {p.relative_to(REPO).as_posix() for p in _repository_files()}
    for expected in ("README.md", "steer_ros/defaults.py", "docs/design.md", "config/sim.yaml"):
        assert expected in names


def _section(markdown: str, heading: str) -> str:
    m = re.search(rf"^## {re.escape(heading)}\s*$(.*?)(?=^## |\Z)", markdown, re.MULTILINE | re.DOTALL)
    assert m, f"no '## {heading}' section"
    return m.group(1)


def _top_level_folders() -> set[str]:
    return {p.relative_to(REPO).parts[0] for p in _repository_files()
            if len(p.relative_to(REPO).parts) > 1} - GENERATED


def test_layout_page_names_every_top_level_folder_and_subpackage():
    layout = _section((REPO / "docs" / "layout.md").read_text(encoding="utf-8"), "Layout")
    folders = _top_level_folders()
    assert {"steer_ros", "msg", "test", "docs"} <= folders
    missing = sorted(f for f in folders if f"`{f}/`" not in layout)
    assert not missing, f"README's Layout does not name these top-level folders: {missing}"
    subpackages = sorted(p.parent.name for p in (REPO / "steer_ros").glob("*/__init__.py"))
    assert {"radio", "system1", "system2", "ros"} <= set(subpackages)
    missing = [s for s in subpackages if f"`{s}/`" not in layout]
    assert not missing, f"README's Layout does not name these steer_ros/ subpackages: {missing}"


_FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
_CODE = re.compile(r"`[^`\n]*`")
_LINK = re.compile(r"!?\[[^\]\n]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)|^\[[^\]\n]+\]:\s*(\S+)", re.MULTILINE)


def _links(markdown: str) -> list[str]:
    prose = _CODE.sub("", _FENCE.sub("", markdown))
    return [a or b for a, b in _LINK.findall(prose)]


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces -> '-'."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    body = _FENCE.sub("", path.read_text(encoding="utf-8"))
    return {_slug(m.group(1)) for m in re.finditer(r"^#{1,6}\s+(.+?)\s*#*\s*$", body, re.MULTILINE)}


# Pages the README links to that other branches of this release write; a link to one
# passes while the page is absent. Empty this set once they have landed.
PENDING_PAGES: set[str] = set()


@pytest.mark.parametrize("doc", DOCS)
def test_relative_links_resolve(doc):
    source = REPO / doc
    assert source.is_file(), f"{doc} is missing"
    broken = []
    for target in _links(source.read_text(encoding="utf-8")):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):  # http:, https:, mailto:
            continue
        path_part, _, fragment = target.partition("#")
        resolved = (source.parent / path_part).resolve() if path_part else source
        if REPO not in resolved.parents and resolved != REPO:
            broken.append(f"{target} (outside the repository)")
        elif not resolved.exists():
            if resolved.relative_to(REPO).as_posix() not in PENDING_PAGES:
                broken.append(f"{target} (no such file)")
        elif fragment and resolved.suffix == ".md" and fragment not in _anchors(resolved):
            broken.append(f"{target} (no heading with anchor #{fragment})")
    assert not broken, f"{doc}: broken links:\n" + "\n".join(broken)


def test_readme_is_a_front_door():
    """Short, and every page of docs/ a user reads is linked from it."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 150, "README.md is the front door: move details into docs/"
    linked = {(REPO / target.partition("#")[0]).resolve() for target in _links(readme)}
    pages = {p.resolve() for p in (REPO / "docs").glob("*.md")} | {(REPO / p).resolve() for p in PENDING_PAGES}
    unlinked = sorted(p.relative_to(REPO).as_posix() for p in pages - linked)
    assert not unlinked, f"README.md links to no {unlinked}"
    for command in ("make demo", "make test", "ros2 launch steer_ros", "ros2 topic pub", "DISTRO=kilted"):
        assert command in readme, command


def test_link_extraction_skips_code_and_finds_links():
    """The link checker sees prose links and reference definitions, not code."""
    md = "See [a](x.md) and ![b](y.png).\n`[c](z.md)`\n```\n[d](w.md)\n```\n[ref]: v.md\n"
    assert _links(md) == ["x.md", "y.png", "v.md"]
    assert _slug("3. System 1: the optimizer") == "3-system-1-the-optimizer"
    assert _slug("3.1 The problem in amplitudes") == "31-the-problem-in-amplitudes"


def _design_sections() -> set[str]:
    text = _FENCE.sub("", (REPO / "docs" / "design.md").read_text(encoding="utf-8"))
    return set(re.findall(r"^#{2,3}\s+(\d+(?:\.\d+)?)\.?\s", text, re.MULTILINE))


def test_design_sections_are_numbered_and_every_citation_exists():
    sections = _design_sections()
    top = sorted(int(s) for s in sections if "." not in s)
    assert top and top == list(range(1, len(top) + 1)), f"docs/design.md top-level sections: {top}"
    cited = {}
    for path in _repository_files():
        text = _text(path)
        if text is None:
            continue
        for m in re.finditer(r"docs/design\.md\s+sections?\s+(\d+(?:\.\d+)?)", text):
            cited.setdefault(m.group(1), path.relative_to(REPO).as_posix())
    assert cited, "nothing cites docs/design.md sections: the scan is broken"
    unknown = {n: where for n, where in cited.items() if n not in sections}
    assert not unknown, f"cited sections missing from docs/design.md: {unknown}"


def test_license_and_changelog_match_package_xml():
    package = ET.parse(REPO / "package.xml").getroot()
    assert package.findtext("license") == "Apache-2.0"
    license_text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in license_text and "Version 2.0, January 2004" in license_text
    assert "END OF TERMS AND CONDITIONS" in license_text  # the full text, not a stub
    changelog = (REPO / "CHANGELOG.rst").read_text(encoding="utf-8")
    assert changelog.splitlines()[1] == "Changelog for package steer_ros"
    version = package.findtext("version")
    heading = re.search(rf"^{re.escape(version)} \((\d{{4}}-\d{{2}}-\d{{2}})\)\n-+$", changelog, re.MULTILINE)
    assert heading, f"CHANGELOG.rst has no heading for the package.xml version {version}"

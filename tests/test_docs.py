"""The README and docs/ stay true to the repository.

Every repository path they name exists, every link lands (on a heading, when
it names one), every page of docs/ is reachable from an index, the README
stays a front door (300 lines at most), and the configuration page names
every variable of docker/.env.example.

What counts as a repository path:

- in code (inline backticks or fenced blocks, word by word): a word that
  starts with a top-level folder of the repository followed by "/"
  (`reports/parsing.py`, `tests/e2e/`), or is a top-level file (`Makefile`,
  `manage.py`). A `path:line` or `path::name` suffix is dropped. A word with
  a placeholder or glob (`<`, `>`, `*`, `{`, `$`, `…`) is not checked whole,
  but the folder before the placeholder must exist. URLs, routes (`/api/...`)
  and runtime paths (`var/...`, under no folder listed here) are not paths.
- in a list item that starts with a folder (`reports/overview/`: ...), as
  the Architecture map's do: a bare name in code (`grid.py`, `channels/`)
  is a path in that folder.
- in Markdown links: every target that is not a URL, relative to the page,
  with its `#anchor` checked against the headings of the page it names.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.camp.test_deploy_files import documented_variables

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
INDEXES = (ROOT / "README.md", DOCS / "README.md")
README_MAX_LINES = 300

TOP_FOLDERS = ("camp", "reports", "templates", "tests", "docker", "bench", "locale", "docs", ".ci")
TOP_FILES = ("Makefile", "Procfile", "README.md", "manage.py", "pyproject.toml", ".gitignore")
# Files the reader makes from the repository's, not in it.
CREATED_BY_THE_READER = {"docker/.env"}
PLACEHOLDER = re.compile(r"[<>*{}$…]|\.\.\.")

FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"(`+)(.+?)\1", re.DOTALL)
LINK = re.compile(r"\[(?:[^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
WORD_EDGES = "`\"'()[],;.:!?"
LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
BARE_NAME = re.compile(r"^[\w-]+(?:\.(?:py|html|txt|js|css|md|yml|json|sh)|/)$")


def markdown_files() -> list[Path]:
    return [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


def code_words(text: str) -> list[str]:
    """The words of every code span and fenced block of a Markdown text."""
    words: list[str] = []
    for block in FENCE.finditer(text):
        body = block.group(0).split("\n", 1)[1].rsplit("\n", 1)[0]
        words += body.split()
    for span in INLINE_CODE.finditer(FENCE.sub("", text)):
        words += span.group(2).split()
    return words


def as_repository_path(word: str) -> str | None:
    """The repository path a word of code names, or None when it names none."""
    word = word.strip(WORD_EDGES)
    word = word.split("::", 1)[0]
    word = re.sub(r":\d+(-\d+)?$", "", word)
    if word in TOP_FILES:
        return word
    if any(word.startswith(folder + "/") for folder in TOP_FOLDERS):
        return word
    return None


def list_items(text: str) -> list[str]:
    """Each list item of a Markdown text, continuation lines included."""
    items: list[list[str]] = []
    current: list[str] | None = None
    for line in FENCE.sub("", text).splitlines():
        if LIST_ITEM.match(line):
            current = [line]
            items.append(current)
        elif current is not None and line.strip() and not line.lstrip().startswith("#"):
            current.append(line)
        else:
            current = None
    return ["\n".join(item) for item in items]


def names_in_folders(text: str) -> list[str]:
    """Bare names in list items that start with a folder, as paths in that folder."""
    paths = []
    for item in list_items(text):
        words = [word.strip(WORD_EDGES) for word in code_words(item)]
        folder = as_repository_path(words[0]) if words else None
        if folder and folder.endswith("/"):
            paths += [
                folder + word
                for word in words[1:]
                if BARE_NAME.match(word) and as_repository_path(word) is None
            ]
    return paths


def missing_in_code(text: str) -> list[str]:
    """Repository paths named in the code of `text` that do not exist."""
    missing = []
    for path in [*map(as_repository_path, code_words(text)), *names_in_folders(text)]:
        if path is None or path in CREATED_BY_THE_READER:
            continue
        if placeholder := PLACEHOLDER.search(path):
            fixed = path[: placeholder.start()].rsplit("/", 1)[0]
            if not (ROOT / fixed).is_dir():
                missing.append(f"{path} (no folder {fixed}/)")
        elif not (ROOT / path).exists():
            missing.append(path)
    return missing


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link's text only
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")


def anchors(text: str) -> set[str]:
    seen: dict[str, int] = {}
    result = set()
    for heading in HEADING.findall(FENCE.sub("", text)):
        base = slug(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        result.add(base if count == 0 else f"{base}-{count}")
    return result


def link_targets(text: str, page: Path) -> list[tuple[str, Path, str]]:
    """(target as written, the file it names, its anchor) of each non-URL link."""
    targets = []
    for target in LINK.findall(FENCE.sub("", INLINE_CODE.sub("", text))):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):
            continue  # https:, mailto: ...
        file_part, _, anchor = target.partition("#")
        file = (page.parent / file_part).resolve() if file_part else page
        targets.append((target, file, anchor))
    return targets


def broken_links(text: str, page: Path) -> list[str]:
    broken = []
    for target, file, anchor in link_targets(text, page):
        if file != page and (not file.is_relative_to(ROOT) or not file.exists()):
            broken.append(target)
        elif anchor and file.suffix == ".md":
            shown = text if file == page else file.read_text()
            if anchor not in anchors(shown):
                broken.append(f"{target} (no such heading)")
    return broken


def problems(page: Path, text: str) -> list[str]:
    return missing_in_code(text) + broken_links(text, page)


SAMPLE = """\
# Sample

## The one `heading`

The sync is `reports/github/poll.py:12` and `reports/parsing.py::read_report_file`;
run `python manage.py sync_github` (see `Makefile`), logs go to `var/camp.log`, the
overview is `/overview/<cohort>/`, the code of <https://github.com/x/y> is
`reports/nowhere.py`, one feature is `reports/<feature>/admin.py` and one
`nothere/<x>.py`, and a template is `templates/nope/<name>.html`.

```sh
docker compose -f docker/compose.yml up   # `cp docker/.env.example docker/.env` first
```

- `reports/overview/`: the grid (`grid.py`), the summary
  (`summary.py`, `lost.py`), `reports.status` and `State`
- `reports/parsing.py`: `grid.py` is not looked for here

See [the index](README.md), [a heading](#the-one-heading), [none](#nothing),
[GitHub](https://github.com), [a missing page](gone.md) and [code](../reports/status.py).
"""


def test_the_checker_finds_what_is_missing_and_only_that():
    page = DOCS / "sample.md"
    assert problems(page, SAMPLE) == [
        "reports/nowhere.py",
        "templates/nope/<name>.html (no folder templates/nope/)",
        "reports/overview/lost.py",
        "#nothing (no such heading)",
        "gone.md",
    ]


def test_words_of_code_that_are_repository_paths():
    assert as_repository_path("(camp/locks.py),") == "camp/locks.py"
    assert as_repository_path("tests/camp/test_docs.py::test_x") == "tests/camp/test_docs.py"
    assert as_repository_path("Makefile") == "Makefile"
    assert as_repository_path("var/camp.sqlite3") is None
    assert as_repository_path("/api/reports/") is None
    assert as_repository_path("camp.locks.single_instance") is None
    assert slug("Evidence: the students' `GitHub` work") == "evidence-the-students-github-work"


def test_every_path_and_link_in_the_readme_and_docs_exists():
    found = {
        str(page.relative_to(ROOT)): issues
        for page in markdown_files()
        if (issues := problems(page, page.read_text()))
    }
    assert found == {}


def test_every_docs_page_is_linked_from_an_index():
    linked = {file for index in INDEXES for _, file, _ in link_targets(index.read_text(), index)}
    orphans = [page.name for page in sorted(DOCS.glob("*.md")) if page not in linked]
    assert orphans == []


def test_the_readme_is_a_front_door():
    lines = (ROOT / "README.md").read_text().splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines: move some to docs/"


def test_the_configuration_page_names_every_variable_of_the_env_example():
    named = set(re.findall(r"`([A-Z][A-Z0-9_]*)`", (DOCS / "configuration.md").read_text()))
    assert sorted(set(documented_variables()) - named) == []

"""Reading a git repository's history with the git CLI: which files are at
HEAD, every version each of them went through, and when each version's content
first appeared in the repository.

Clean-up commits move and rename hundreds of files at once; a file's
submission time must survive them. A file is followed back through renames,
moves (even those git does not detect as renames: the same content deleted
here and added there) and re-adds, so it keeps the date its content was first
committed, and its earlier versions become its revisions.
Everything comes from one `git log --raw` pass and one `git cat-file --batch`.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

# A byte no path contains, to tell commit headers from paths in `git log -z`.
_COMMIT_MARK = "\x01"


class GitError(Exception):
    """The source is not a readable repository, or git failed on it."""


@dataclass(frozen=True)
class HeadFile:
    path: str
    blob: str
    size: int


@dataclass(frozen=True)
class Version:
    blob: str
    commit: str
    authored_at: datetime.datetime  # aware, in the author's own offset


@dataclass(frozen=True)
class _Change:
    status: str
    old_blob: str
    new_blob: str
    old_path: str | None
    new_path: str | None


def _git(args: list[str], *, cwd: str | None = None, input: bytes | None = None) -> bytes:
    env = {
        **os.environ,
        "GIT_TERMINAL_PROMPT": "0",  # a clone that needs credentials fails instead of waiting
        "LC_ALL": "C",
    }
    # safe.directory: repositories owned by another user (a shared checkout) are
    # only read here, never executed from.
    command = ["git", "-c", "safe.directory=*", *args]
    try:
        done = subprocess.run(command, cwd=cwd, input=input, capture_output=True, env=env)
    except FileNotFoundError as exc:
        raise GitError("git is not installed (the git command was not found).") from exc
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip() or f"exit {done.returncode}"
        raise GitError(f"git {args[0]} failed: {message}")
    return done.stdout


class Repository:
    def __init__(self, git_dir: str):
        self.git_dir = git_dir

    def git(self, *args: str, input: bytes | None = None) -> bytes:
        return _git(["--git-dir", self.git_dir, *args], input=input)

    def head_commit(self) -> tuple[str, datetime.datetime]:
        """HEAD's commit and its author date."""
        try:
            out = self.git("log", "-1", "--format=%H %aI", "HEAD").decode().split()
        except GitError as exc:
            raise GitError("the repository has no commits (HEAD does not point at one).") from exc
        return out[0], datetime.datetime.fromisoformat(out[1])

    def head_files(self) -> list[HeadFile]:
        """Every file at HEAD with its blob and size (symlinks and submodules left out)."""
        out = self.git("ls-tree", "-r", "-z", "--long", "--full-tree", "HEAD")
        files = []
        for entry in out.decode("utf-8", "surrogateescape").split("\0"):
            if not entry:
                continue
            meta, path = entry.split("\t", 1)
            mode, kind, blob, size = meta.split()
            if kind == "blob" and mode in ("100644", "100755"):
                files.append(HeadFile(path, blob, int(size)))
        return files

    def read_blobs(self, blobs: Iterable[str]) -> dict[str, bytes]:
        wanted = list(dict.fromkeys(blobs))
        if not wanted:
            return {}
        out = self.git("cat-file", "--batch", input="".join(f"{b}\n" for b in wanted).encode())
        contents: dict[str, bytes] = {}
        position = 0
        for blob in wanted:
            header_end = out.index(b"\n", position)
            header = out[position:header_end].split()
            if len(header) < 3:
                raise GitError(f"git cat-file could not read blob {blob}.")
            size = int(header[2])
            start = header_end + 1
            contents[blob] = out[start : start + size]
            position = start + size + 1
        return contents

    def histories(self, paths: Iterable[str]) -> dict[str, tuple[Version, ...]]:
        """For each HEAD path, the versions its content went through, oldest first
        (the last one is the content at HEAD), each dated by the commit that
        introduced it.

        A path keeps its history through renames git detects, and through moves
        it does not (a delete and an add of the same content) and re-adds. The
        same content added beside a still-present copy is that file's history
        only when both names are of one report (copied into a second folder, or
        added under a corrected name before the old one is deleted): two
        different reports may well have identical text.
        """
        lineages: dict[str, list[Version]] = {}  # live path -> its versions
        last_holder: dict[str, tuple[str, list[Version]]] = {}  # blob -> (path, lineage)
        for commit, authored_at, changes in self._log():
            # A commit's changes are all relative to its parent: take every old
            # path's lineage before any new path is written (a swap of two names).
            before = {
                change.old_path: lineages.get(change.old_path)
                for change in changes
                if change.old_path is not None
            }
            for change in changes:
                if change.status in ("D", "R"):
                    lineages.pop(change.old_path, None)
            for change in changes:
                if change.new_path is None:
                    continue
                previous = before.get(change.old_path) if change.old_path else None
                if previous is None:
                    previous = self._earlier_life(change, lineages, last_holder)
                lineage = list(previous or [])
                version = Version(change.new_blob, commit, authored_at)
                if not lineage or lineage[-1].blob != change.new_blob:
                    lineage.append(version)
                elif authored_at < lineage[-1].authored_at:
                    # Re-added by a commit authored earlier (a pull request merged
                    # after a later one): the content is as old as its oldest commit.
                    lineage[-1] = version
                lineages[change.new_path] = lineage
                last_holder[change.new_blob] = (change.new_path, lineage)
        return {path: tuple(lineages.get(path, ())) for path in paths}

    @staticmethod
    def _earlier_life(
        change: _Change,
        lineages: dict[str, list[Version]],
        last_holder: dict[str, tuple[str, list[Version]]],
    ) -> list[Version] | None:
        """The history an added file's content already had somewhere else, if it
        is that file moved, re-added or copied under the same name."""
        held = last_holder.get(change.new_blob)
        if held is None:
            return None
        path, lineage = held
        moved_on = lineages.get(path) is not lineage
        return lineage if moved_on or _same_report_name(path, change.new_path) else None

    def _log(self) -> Iterator[tuple[str, datetime.datetime, list[_Change]]]:
        out = self.git(
            "log",
            "-z",
            "--raw",
            "--no-abbrev",
            "-M",
            "--reverse",
            "--topo-order",
            f"--format={_COMMIT_MARK}%H %aI",
            "HEAD",
        )
        tokens = out.decode("utf-8", "surrogateescape").split("\0")
        index = 0
        commit: str | None = None
        authored_at: datetime.datetime | None = None
        changes: list[_Change] = []
        while index < len(tokens):
            token = tokens[index].lstrip("\n")
            index += 1
            if token.startswith(_COMMIT_MARK):
                if commit is not None:
                    yield commit, authored_at, changes
                sha, date = token[1:].split(" ", 1)
                commit, authored_at, changes = sha, datetime.datetime.fromisoformat(date), []
            elif token.startswith(":"):
                _old_mode, _new_mode, old_blob, new_blob, status = token[1:].split()
                letter = status[0]
                if letter in ("R", "C"):
                    old_path, new_path = tokens[index], tokens[index + 1]
                    index += 2
                else:
                    path = tokens[index]
                    index += 1
                    old_path = None if letter == "A" else path
                    new_path = None if letter == "D" else path
                changes.append(_Change(letter, old_blob, new_blob, old_path, new_path))
        if commit is not None:
            yield commit, authored_at, changes


@contextlib.contextmanager
def open_repository(source: str) -> Iterator[Repository]:
    """A working tree, a bare repository, a bundle file, or anything `git clone`
    accepts (cloned into a temporary directory, removed afterwards)."""
    path = Path(source)
    if path.is_dir():
        yield _local_repository(path)
        return
    temporary = tempfile.mkdtemp(prefix="camp-import-")
    try:
        target = os.path.join(temporary, "repo.git")
        if path.is_file():
            try:
                _git(["clone", "--bare", "--quiet", str(path.resolve()), target])
            except GitError as exc:
                raise GitError(f"{source} is not a readable git bundle ({exc}).") from exc
        elif path.exists() or "://" not in source and ":" not in source:
            raise GitError(f"{source}: no such file, directory or repository URL.")
        else:
            try:
                _git(["clone", "--bare", "--quiet", "--", source, target])
            except GitError as exc:
                raise GitError(f"could not clone {source} ({exc}).") from exc
        yield Repository(target)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


def _local_repository(path: Path) -> Repository:
    directory = path.resolve()
    try:
        answer = _git(
            ["rev-parse", "--is-bare-repository", "--absolute-git-dir"], cwd=str(directory)
        )
    except GitError as exc:
        raise GitError(f"{path} is not a git repository.") from exc
    is_bare, git_dir = answer.decode("utf-8", "surrogateescape").split("\n")[:2]
    top = Path(git_dir) if is_bare == "true" else _worktree_top(directory)
    # Only the directory itself: a folder inside some other checkout is not that checkout.
    if top != directory:
        raise GitError(f"{path} is not a git repository (it is a folder inside {top}).")
    return Repository(git_dir)


def _worktree_top(directory: Path) -> Path:
    top = _git(["rev-parse", "--show-toplevel"], cwd=str(directory))
    return Path(top.decode("utf-8", "surrogateescape").strip()).resolve()


def _same_report_name(a: str, b: str) -> bool:
    """Two names of one report: equal, or carrying the same numbers (the dates):
    "[WeeklyReport]2025.04.28 - 2025.05.16.md" and "[WeeklyReports]2025.4.28~2025.5.16.md"
    have the same; the next period's report does not."""
    name_a, name_b = a.rsplit("/", 1)[-1], b.rsplit("/", 1)[-1]
    numbers_a, numbers_b = re.findall(r"\d+", name_a), re.findall(r"\d+", name_b)
    return name_a == name_b or (
        bool(numbers_a) and [int(n) for n in numbers_a] == [int(n) for n in numbers_b]
    )

"""Small git repositories built by tests, with commits at chosen author dates."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


class GitRepo:
    def __init__(self, path: Path):
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str) -> str:
        env = {
            **os.environ,
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_AUTHOR_NAME": "Student",
            "GIT_AUTHOR_EMAIL": "student@example.org",
            "GIT_COMMITTER_NAME": "Camp bot",
            "GIT_COMMITTER_EMAIL": "bot@example.org",
            **getattr(self, "_dates", {}),
        }
        done = subprocess.run(
            ["git", *args], cwd=self.path, env=env, capture_output=True, check=True
        )
        return done.stdout.decode()

    def commit(
        self,
        date: str,
        files: dict[str, str | bytes | None] | None = None,
        *,
        moves: dict[str, str] | None = None,
        message: str = "reports",
    ) -> str:
        """Write (str/bytes), delete (None) and `git mv` files, then commit with this
        author date (ISO 8601 with offset); the committer date is much later, as
        after a rebase, so only the author date can be right."""
        for old, new in (moves or {}).items():
            (self.path / new).parent.mkdir(parents=True, exist_ok=True)
            self.git("mv", old, new)
        for name, content in (files or {}).items():
            target = self.path / name
            if content is None:
                self.git("rm", "-q", name)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, str):
                content = content.encode()
            target.write_bytes(content)
            self.git("add", name)
        self._dates = {
            "GIT_AUTHOR_DATE": date,
            "GIT_COMMITTER_DATE": "2030-01-01T00:00:00+00:00",
        }
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD").strip()

    def bundle(self, target: Path) -> Path:
        self.git("bundle", "create", "-q", str(target), "--all")
        return target


def report_text(name: str, *, this_week: str = "写了代码", review: str = "请联系导师填写") -> str:
    """A report in the camp template's shape (our own words, not a real report)."""
    return (
        f"### 姓名\n\n{name}\n\n### 实习项目\n\n示例项目\n\n### 本周工作\n\n1. {this_week}\n\n"
        f"### 下周工作\n\n1. 继续\n\n### 导师点评\n\n{review}\n\n### 问题疑惑与解答\n\n* 暂无\n"
    )

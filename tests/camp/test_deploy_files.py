"""docker/: the compose file, the env file, the Dockerfile and the entrypoint.

No Docker engine runs on the test machines, so these read the files and check them
against the code: commands that name real modules, health checks, volumes, and an
env file that documents exactly the variables the app reads.
"""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
APP_SERVICES = ("migrate", "web", "worker", "beat")

# Read by programs other than the app: compose itself (${...} in compose.yml) and
# gunicorn's config module. Both are scanned below, not listed by hand.
COMPOSE_VARIABLE = re.compile(r"\$\{([A-Z][A-Z0-9_]*)")
SETTINGS_VARIABLE = re.compile(r"\benv\.[a-z_]+\(\s*\"([A-Z][A-Z0-9_]*)\"")
OS_ENVIRON_VARIABLE = re.compile(r"os\.environ\.get\(\s*\"([A-Z][A-Z0-9_]*)\"")
# `NAME=value` or, for an optional one showing its default, `# NAME=value`.
ENV_LINE = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=(.*)$")


def compose() -> dict:
    return yaml.safe_load((DOCKER / "compose.yml").read_text())


def services() -> dict:
    return compose()["services"]


def documented_variables() -> dict[str, str]:
    variables = {}
    for line in (DOCKER / ".env.example").read_text().splitlines():
        match = ENV_LINE.match(line.strip())
        if match:
            variables[match.group(1)] = match.group(2).strip().strip('"')
    return variables


def settings_variables() -> set[str]:
    return set(SETTINGS_VARIABLE.findall((ROOT / "camp" / "settings.py").read_text()))


def test_the_five_services_and_the_migrate_step():
    assert set(services()) == {"migrate", "web", "worker", "beat", "db", "redis"}


def test_app_services_share_one_image_built_from_the_dockerfile():
    for name in APP_SERVICES:
        service = services()[name]
        assert service["build"] == {"context": "..", "dockerfile": "docker/Dockerfile"}, name
        assert service["image"] == services()["web"]["image"], name
        assert (DOCKER / service["build"]["context"] / service["build"]["dockerfile"]).is_file()


def test_commands_point_at_real_modules():
    web = services()["web"]["command"]
    assert web[0] == "gunicorn"
    module, _, attribute = web[-1].partition(":")
    assert (module, attribute) == ("camp.wsgi", "application")
    assert web[web.index("--config") + 1] == "python:camp.gunicorn_conf"
    importlib.import_module("camp.gunicorn_conf")  # importable; the WSGI module needs setup

    assert services()["worker"]["command"][:5] == ["celery", "-A", "camp", "--quiet", "worker"]
    assert services()["beat"]["command"][:5] == ["celery", "-A", "camp", "--quiet", "beat"]
    from camp import celery_app

    assert celery_app.main == "camp"

    migrate = " ".join(services()["migrate"]["command"])
    assert "python manage.py check --deploy" in migrate
    assert "python manage.py migrate --noinput" in migrate


def test_migrations_run_once_before_web_worker_and_beat():
    assert services()["migrate"]["restart"] == "no"
    assert services()["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    for name in ("web", "worker", "beat"):
        depends_on = services()[name]["depends_on"]
        assert depends_on["migrate"]["condition"] == "service_completed_successfully", name
        assert depends_on["redis"]["condition"] == "service_healthy", name


def test_health_checks():
    web_check = " ".join(services()["web"]["healthcheck"]["test"])
    assert "http://localhost:8000/healthz" in web_check
    # The port gunicorn listens on in the container is the one the check calls.
    from camp import gunicorn_conf

    assert gunicorn_conf.bind.endswith(":8000")
    assert services()["web"]["ports"] == ["${WEB_PORT:-8000}:8000"]
    assert "inspect ping" in services()["worker"]["healthcheck"]["test"][-1]
    assert "pg_isready" in services()["db"]["healthcheck"]["test"][-1]
    assert services()["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]


def test_restart_policies():
    for name in ("web", "worker", "beat", "db", "redis"):
        assert services()[name]["restart"] == "unless-stopped", name


def test_named_volumes():
    declared = set(compose()["volumes"])
    assert declared == {"camp-data", "postgres-data", "redis-data"}
    used = {
        volume.split(":")[0]
        for service in services().values()
        for volume in service.get("volumes", [])
    }
    assert used == declared
    assert "postgres-data:/var/lib/postgresql/data" in services()["db"]["volumes"]
    assert "redis-data:/data" in services()["redis"]["volumes"]


def test_app_services_read_the_env_file():
    for name in APP_SERVICES:
        assert services()[name]["env_file"] == [{"path": ".env", "required": False}], name


def test_compose_wires_the_app_to_its_own_database_and_redis():
    environment = services()["web"]["environment"]
    assert "@db:5432/camp" in environment["DATABASE_URL"]
    assert "${POSTGRES_PASSWORD:-camp}" in environment["DATABASE_URL"]
    assert services()["db"]["environment"]["POSTGRES_PASSWORD"] == "${POSTGRES_PASSWORD:-camp}"
    assert environment["REDIS_URL"] == "${REDIS_URL:-redis://redis:6379/0}"


def test_env_example_documents_every_variable_the_settings_read():
    missing = settings_variables() - set(documented_variables())
    assert not missing, f"add to docker/.env.example: {sorted(missing)}"


def test_env_example_documents_only_variables_something_reads():
    compose_text = (DOCKER / "compose.yml").read_text()
    read = (
        settings_variables()
        | set(COMPOSE_VARIABLE.findall(compose_text))
        | set(OS_ENVIRON_VARIABLE.findall((ROOT / "camp" / "gunicorn_conf.py").read_text()))
    )
    unknown = set(documented_variables()) - read
    assert not unknown, f"nothing reads these: {sorted(unknown)}"


def test_dockerfile():
    dockerfile = (DOCKER / "Dockerfile").read_text()
    stages = re.findall(r"^FROM \S+ AS (\w+)$", dockerfile, re.MULTILINE)
    assert stages == ["build", "runtime"]
    runtime = dockerfile.split("AS runtime", 1)[1]
    assert "COPY --from=build /opt/venv /opt/venv" in runtime
    assert re.search(r"^USER camp$", runtime, re.MULTILINE)
    assert "useradd --system" in runtime
    # collectstatic at build time, before switching to the unprivileged user
    assert runtime.index("manage.py collectstatic --noinput") < runtime.index("USER camp")
    assert 'ENTRYPOINT ["camp-entrypoint"]' in runtime
    assert (
        'CMD ["gunicorn", "--config", "python:camp.gunicorn_conf", "camp.wsgi:application"]'
        in runtime
    )
    # Everything the image copies exists and is let through the ignore file.
    allowed = {
        line.removeprefix("!").rstrip("/")
        for line in (DOCKER / "Dockerfile.dockerignore").read_text().splitlines()
        if line.startswith("!")
    }
    sources = re.findall(r"^COPY (?:--chmod=\d+ )?([^-\s]\S*) ", dockerfile, re.MULTILINE)
    assert sources == [
        "pyproject.toml",
        "manage.py",
        "camp",
        "reports",
        "templates",
        "locale",
        "docker/entrypoint.sh",
    ]
    for source in sources:
        assert (ROOT / source).exists(), source
        assert source in allowed, source


def test_entrypoint_is_valid_shell():
    for shell in ("sh", "bash"):
        result = subprocess.run([shell, "-n", str(DOCKER / "entrypoint.sh")], capture_output=True)
        assert result.returncode == 0, result.stderr
    assert os.access(DOCKER / "entrypoint.sh", os.X_OK)


def run_entrypoint(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(DOCKER / "entrypoint.sh"), "sh", "-c", 'printf %s "${SECRET_KEY:-}"'],
        env={"PATH": os.environ["PATH"], "SECRET_KEY_FILE": str(tmp_path / "key"), **env},
        capture_output=True,
        text=True,
        check=True,
    )


def settings_secret_key(**env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    return subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.SECRET_KEY)"],
        cwd=ROOT,
        env={**environment, "DJANGO_SETTINGS_MODULE": "camp.settings", **env},
        capture_output=True,
        text=True,
    )


def test_entrypoint_generates_one_secret_key_that_the_settings_read(tmp_path):
    run_entrypoint(tmp_path)
    key = (tmp_path / "key").read_text().strip()
    assert len(key) >= 50
    assert (tmp_path / "key").stat().st_mode & 0o077 == 0
    run_entrypoint(tmp_path)
    assert (tmp_path / "key").read_text().strip() == key  # kept, not regenerated
    assert sorted(path.name for path in tmp_path.iterdir()) == ["key"]

    # `docker compose exec` skips the entrypoint: the settings read the file themselves.
    result = settings_secret_key(SECRET_KEY_FILE=str(tmp_path / "key"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == key


def test_entrypoint_leaves_a_configured_secret_key_alone(tmp_path):
    assert run_entrypoint(tmp_path, SECRET_KEY="configured").stdout == "configured"
    assert not (tmp_path / "key").exists()
    result = settings_secret_key(SECRET_KEY="configured", SECRET_KEY_FILE=str(tmp_path / "key"))
    assert result.stdout.strip() == "configured"


def test_unreadable_secret_key_file_is_a_clear_error(tmp_path):
    result = settings_secret_key(SECRET_KEY_FILE=str(tmp_path / "missing"))
    assert result.returncode != 0
    assert f"SECRET_KEY_FILE {tmp_path / 'missing'} cannot be read" in result.stderr


@pytest.mark.parametrize("name", ["SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE"])
def test_env_example_keeps_https_on(name):
    assert documented_variables()[name] in {"", "1"}

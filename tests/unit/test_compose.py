"""The deployment files: docker-compose.yml follows the compose specification and agrees with the lock."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest
import yaml
from support import REPO

SCHEMA = Path(__file__).with_name("schemas") / "compose-spec.json"
AIRFLOW_SERVICES = ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer",
                    "airflow-worker", "airflow-init")
REQUIRED_SERVICES = (*AIRFLOW_SERVICES, "postgres", "warehouse-db", "redis", "mailpit", "scorecard-init")
COMMANDS = {"airflow-apiserver": "api-server", "airflow-scheduler": "scheduler",
            "airflow-dag-processor": "dag-processor", "airflow-triggerer": "triggerer",
            "airflow-worker": "celery worker"}
PROVIDER_OPTIONS = {"celery": {"broker_url", "result_backend"}}
"""Options of sections that providers define (the celery provider ships in the Airflow image)."""
VARIABLE = re.compile(r"(?<!\$)\$\{([A-Z_][A-Z0-9_]*)(:?[-?])?")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def locked() -> dict[str, str]:
    """``name → version`` of requirements.lock, names lower-cased with ``_`` as ``-``."""
    pins = {}
    for line in (REPO / "requirements.lock").read_text().splitlines():
        name, sep, version = line.split("#")[0].strip().partition("==")
        if sep:
            pins[name.lower().replace("_", "-")] = version.split()[0]  # a hashed pin ends with " \\"
    return pins


def _env(service: dict) -> dict[str, str]:
    return {k: str(v) for k, v in (service.get("environment") or {}).items()}


def test_compose_file_validates_against_the_compose_specification(compose: dict) -> None:
    import jsonschema

    schema = json.loads(SCHEMA.read_text())
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(compose), key=lambda e: list(e.path))
    assert [f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors] == []


def test_the_schema_rejects_a_broken_compose_file(compose: dict) -> None:
    import jsonschema

    broken = {**compose, "services": {**compose["services"], "redis": {"image": "redis", "helthcheck": {}}}}
    assert not jsonschema.Draft7Validator(json.loads(SCHEMA.read_text())).is_valid(broken)


def test_required_services_exist(compose: dict) -> None:
    assert set(REQUIRED_SERVICES) <= set(compose["services"])


@pytest.mark.parametrize("service", AIRFLOW_SERVICES)
def test_airflow_services_run_the_locked_version_with_celery(compose: dict, locked: dict,
                                                             service: str) -> None:
    spec = compose["services"][service]
    version = locked["apache-airflow"]
    assert spec["build"]["args"]["AIRFLOW_VERSION"] == version
    assert spec["image"].rsplit(":", 1)[-1].rstrip("}") == version
    env = _env(spec)
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert re.match(r"redis://(:@)?redis:6379/", env["AIRFLOW__CELERY__BROKER_URL"])
    assert "@postgres/airflow" in env["AIRFLOW__CELERY__RESULT_BACKEND"]
    assert "@postgres/airflow" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-apiserver:8080/execution/"


def test_dockerfile_extends_the_locked_airflow_image_and_installs_under_the_lock(locked: dict) -> None:
    text = (REPO / "Dockerfile").read_text()
    assert re.search(r"^ARG AIRFLOW_VERSION=(\S+)$", text, re.M).group(1) == locked["apache-airflow"]
    assert re.search(r"^FROM apache/airflow:\$\{AIRFLOW_VERSION\}", text, re.M)
    assert re.search(r"pip install .*\\\n\s+--constraint /opt/scorecard/requirements.lock", text)
    assert "COPY --chown=airflow:0 requirements.lock" in text


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image() -> None:
    ignored = set((REPO / ".dockerignore").read_text().split())
    assert {".env", ".venv", ".git", "data"} <= ignored


def test_commands_are_commands_of_the_locked_airflow(compose: dict, locked: dict) -> None:
    """Each service's command is a command of the Airflow CLI the lock pins (celery's: the provider's)."""
    from importlib.metadata import version

    from airflow.cli.cli_config import core_commands

    assert version("apache-airflow") == locked["apache-airflow"]
    core = {c.name for c in core_commands}
    for service, command in COMMANDS.items():
        assert compose["services"][service]["command"] == command
        if not command.startswith("celery "):
            assert command in core, command
    assert "jobs" in core


def _config_options() -> dict[str, set[str]]:
    spec = importlib.util.find_spec("airflow")
    folder = Path(next(iter(spec.submodule_search_locations))) / "config_templates"
    options = {s: set(v["options"]) for s, v in yaml.safe_load((folder / "config.yml").read_text()).items()}
    for section, names in PROVIDER_OPTIONS.items():
        options.setdefault(section, set()).update(names)
    return options


def test_airflow_settings_are_options_of_the_locked_airflow(compose: dict) -> None:
    options = _config_options()
    env = _env(compose["x-airflow-common"])
    settings = [k.split("__")[1:] for k in env if k.startswith("AIRFLOW__")]
    assert settings
    unknown = [f"{s}.{o}" for s, o in ((s.lower(), o.lower()) for s, o in settings)
               if o not in options.get(s, set())]
    assert unknown == []


def test_auth_manager_class_exists_in_the_locked_airflow(compose: dict) -> None:
    path = _env(compose["x-airflow-common"])["AIRFLOW__CORE__AUTH_MANAGER"]
    module, _, name = path.rpartition(".")
    spec = importlib.util.find_spec(module)
    assert spec is not None and f"class {name}" in Path(spec.origin).read_text()


def test_mail_goes_through_smtp_default_to_the_catcher(compose: dict) -> None:
    env = _env(compose["x-airflow-common"])
    assert env["SCORECARD_SMTP_URL"] == "airflow://smtp_default"
    default = env["AIRFLOW_CONN_SMTP_DEFAULT"].split(":-", 1)[1].rstrip("}")
    assert default.startswith("smtp://mailpit:1025")
    assert 1025 in compose["services"]["mailpit"]["expose"]
    assert "healthcheck" in compose["services"]["mailpit"]


def test_warehouse_is_its_own_database(compose: dict) -> None:
    env = _env(compose["x-airflow-common"])
    assert "@warehouse-db:5432/scorecard" in env["SCORECARD_DB_URL"]
    assert "warehouse-db" not in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    init = compose["services"]["scorecard-init"]
    assert init["depends_on"]["warehouse-db"]["condition"] == "service_healthy"
    assert "scorecard init-db" in "\n".join(init["command"])


def test_project_folders_are_mounted(compose: dict) -> None:
    volumes = compose["x-airflow-common"]["volumes"]
    targets = {re.search(r":(/[^:]+)(?::ro|:rw)?$", v).group(1) for v in volumes}
    env = _env(compose["x-airflow-common"])
    assert {"/opt/airflow/dags", "/opt/airflow/plugins", "/opt/scorecard/include",
            "/opt/scorecard/expectations", env["SCORECARD_QUARANTINE"], env["SCORECARD_OUTPUT"],
            "/opt/scorecard/data/inbox", env["SCORECARD_CATALOG_DIR"]} <= targets
    for folder in ("dags", "plugins", "include", "expectations"):
        assert (REPO / folder).is_dir()


def test_dependencies_name_real_services_and_valid_conditions(compose: dict) -> None:
    services = compose["services"]
    for name, spec in services.items():
        for dependency, rule in (spec.get("depends_on") or {}).items():
            assert dependency in services, (name, dependency)
            if rule["condition"] == "service_healthy":
                assert "healthcheck" in services[dependency], (name, dependency)
            else:
                assert rule["condition"] == "service_completed_successfully"
                assert services[dependency].get("restart") is None, (name, dependency)
    for name in (*COMMANDS, "postgres", "warehouse-db", "redis"):
        assert "healthcheck" in services[name], name


def test_every_variable_without_a_default_is_in_env_example() -> None:
    used = VARIABLE.findall((REPO / "docker-compose.yml").read_text())
    example = {line.split("=", 1)[0] for line in (REPO / ".env.example").read_text().splitlines()
               if line and not line.startswith("#")}
    required = {name for name, default in used if default in ("", "?", ":?")}
    assert required <= example
    assert {name for name, _ in used} <= example | {"AIRFLOW_UID"}
    assert ".env" in (REPO / ".gitignore").read_text().split()

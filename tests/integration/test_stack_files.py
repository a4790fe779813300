"""The compose stack's files: docker-compose.yml against the Compose Specification, the
Dockerfile, the Prometheus and Alertmanager configs against promtool and amtool, the rules
against their unit tests, and the Grafana dashboards against the metric catalogue."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.support.dashboards import (
    ROOT,
    dashboards,
    metric_names,
    panel_queries,
    panels,
    recorded_names,
    rule_groups,
    rules,
    served_names,
    used_variables,
    variable_queries,
    variables,
)

pytestmark = pytest.mark.integration

COMPOSE = ROOT / "docker-compose.yml"
# The Compose Specification's JSON schema (Apache-2.0), as vendored by check-jsonschema 0.39.0
# (check_jsonschema/builtin_schemas/vendor/compose-spec.json, sha256 d549057e...e10e64), which
# takes it from github.com/compose-spec/compose-spec, schema/compose-spec.json.
COMPOSE_SCHEMA = ROOT / "tests" / "fixtures" / "compose-spec.json"
RULES_UNIT_TESTS = ROOT / "tests" / "fixtures" / "prometheus" / "pantau_rules_test.yml"
PROMETHEUS_CONFIG = ROOT / "prometheus" / "prometheus.yml"
ALERTMANAGER_CONFIG = ROOT / "alertmanager" / "alertmanager.yml"
DATASOURCES = ROOT / "grafana" / "provisioning" / "datasources" / "prometheus.yml"
DASHBOARD_PROVIDERS = ROOT / "grafana" / "provisioning" / "dashboards" / "pantau.yml"

# Panel types every Grafana installation has, no plugin needed.
BUILTIN_PANELS = {"row", "stat", "timeseries", "table", "bargauge", "gauge", "state-timeline",
                  "status-history", "heatmap", "piechart", "barchart", "text", "histogram"}
SEVERITIES = {"critical", "warning", "info"}
_INTERPOLATION = re.compile(r"\$\{(\w+)(?::?-([^}]*))?\}")


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def interpolated(text: str) -> str:
    """Compose's ``${VAR:-default}`` with the variable unset: the default."""
    return _INTERPOLATION.sub(lambda m: m[2] or "", text)


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        package = {"promtool": "prometheus", "amtool": "prometheus-alertmanager",
                   "docker-compose": "docker-compose"}[name]
        pytest.skip(f"{name} not installed (Debian package {package}; scripts/test installs it)")
    return path


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, cwd=ROOT)


# -- compose ---------------------------------------------------------------------------------

def test_compose_file_follows_the_compose_specification():
    schema = json.loads(COMPOSE_SCHEMA.read_text())
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    errors = sorted(validator_class(schema).iter_errors(compose()), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_debians_docker_compose_accepts_the_file_and_names_the_project_pantau():
    """Debian 12's docker-compose is 1.29, which knows no top-level `name:`; both it and
    Compose v2 take the project's name from .env."""
    checked = run(tool("docker-compose"), "-f", str(COMPOSE), "config")
    assert checked.returncode == 0, checked.stderr
    named = run(tool("docker-compose"), "-f", str(COMPOSE), "config", "--volumes")
    assert named.returncode == 0, named.stderr
    assert "collector-data" in named.stdout.split()
    env = dict(line.split("=", 1) for line in (ROOT / ".env").read_text().splitlines()
               if line and not line.startswith("#"))
    assert env["COMPOSE_PROJECT_NAME"] == "pantau"
    assert "name" not in compose()


def test_the_schema_rejects_what_compose_would_reject():
    schema = json.loads(COMPOSE_SCHEMA.read_text())
    validator = jsonschema.validators.validator_for(schema)(schema)
    broken = compose()
    broken["services"]["collector"]["sysctl"] = {"net.ipv4.ping_group_range": "0 0"}
    assert [e.message for e in validator.iter_errors(broken)] == [
        "Unevaluated properties are not allowed ('sysctl' was unexpected)"]


def test_everything_compose_builds_or_mounts_exists():
    stack = compose()
    declared_volumes = set(stack.get("volumes") or {})
    for name, service in stack["services"].items():
        if "build" in service:
            context = ROOT / (service["build"] if isinstance(service["build"], str)
                              else service["build"].get("context", "."))
            assert (context / "Dockerfile").is_file(), name
        for volume in service.get("volumes", []):
            source = interpolated(volume).split(":")[0]
            if source.startswith((".", "/")):
                assert (ROOT / source).exists(), f"{name} mounts {source}, which is missing"
            else:
                assert source in declared_volumes, f"{name} uses undeclared volume {source}"


def test_the_image_is_built_from_files_that_exist_and_runs_unprivileged():
    dockerfile = (ROOT / "Dockerfile").read_text()
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    sources = []
    for line in dockerfile.splitlines():
        if line.startswith("COPY ") and "--from=" not in line:
            sources += line.split()[1:-1]
    assert sources
    for source in sources:
        assert (ROOT / source).exists(), source
        assert f"!{source.rstrip('/')}" in {entry.rstrip("/") for entry in ignored}, (
            f".dockerignore keeps {source} out of the build context")
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.MULTILINE)
    assert users and users[-1].split(":")[0] not in ("root", "0")
    instructions = [line for line in dockerfile.splitlines() if not line.startswith("#")]
    assert not any("setcap" in line for line in instructions)


def test_the_collector_pings_without_privileges_and_only_it_and_grafana_leave_loopback():
    services = compose()["services"]
    collector = services["collector"]
    assert collector["sysctls"] == {"net.ipv4.ping_group_range": "0 2147483647"}
    assert collector["cap_drop"] == ["ALL"] and "cap_add" not in collector
    for name in ("prometheus", "alertmanager"):
        for port in services[name]["ports"]:
            assert port.startswith("127.0.0.1:"), f"{name} publishes {port} beyond loopback"
    published = {name: {int(interpolated(p).rsplit(":", 1)[1]) for p in s.get("ports", [])}
                 for name, s in services.items()}
    assert published == {"collector": {9147}, "prometheus": {9090}, "alertmanager": {9093},
                         "grafana": {3000}}


def test_the_stack_config_is_valid_and_listens_where_prometheus_scrapes():
    services = compose()["services"]
    mounts = dict(interpolated(v).split(":")[:2] for v in services["collector"]["volumes"])
    config_file = next(source for source, target in mounts.items()
                       if target == services["collector"]["environment"]["PANTAU_CONFIG"])
    done = subprocess.run([sys.executable, "-m", "collector", "check-config", "-c", config_file],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    settings = yaml.safe_load((ROOT / config_file).read_text())["collector"]
    assert settings["listen"] == "0.0.0.0:9147"
    assert mounts["collector-data"] == settings["data_dir"]

    scrape = yaml.safe_load(PROMETHEUS_CONFIG.read_text())
    [job] = scrape["scrape_configs"]
    assert job["job_name"] == "pantau"
    assert job["static_configs"] == [{"targets": ["collector:9147"]}]
    [alertmanagers] = scrape["alerting"]["alertmanagers"]
    assert alertmanagers["static_configs"] == [{"targets": ["alertmanager:9093"]}]
    prometheus_mounts = dict(v.split(":")[:2] for v in services["prometheus"]["volumes"])
    assert prometheus_mounts["./prometheus"] == "/etc/prometheus"


def test_grafana_is_provisioned_with_the_stack_prometheus_and_the_dashboards():
    services = compose()["services"]
    grafana_mounts = dict(v.split(":")[:2] for v in services["grafana"]["volumes"])
    [source] = yaml.safe_load(DATASOURCES.read_text())["datasources"]
    assert (source["type"], source["uid"], source["url"]) == (
        "prometheus", "pantau-prometheus", "http://prometheus:9090")
    [provider] = yaml.safe_load(DASHBOARD_PROVIDERS.read_text())["providers"]
    assert grafana_mounts["./grafana/dashboards"] == provider["options"]["path"]
    assert grafana_mounts["./grafana/provisioning"] == "/etc/grafana/provisioning"
    home = services["grafana"]["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert home.startswith(provider["options"]["path"] + "/")
    assert (ROOT / "grafana" / "dashboards" / Path(home).name).is_file()


# -- Prometheus and Alertmanager -------------------------------------------------------------

def test_promtool_accepts_the_config_and_its_rule_files():
    done = run(tool("promtool"), "check", "config", str(PROMETHEUS_CONFIG))
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"SUCCESS: {len(rule_groups())} rule files found" in done.stdout
    done = run(tool("promtool"), "check", "rules", *map(str, sorted(
        (ROOT / "prometheus" / "rules").glob("*.yml"))))
    assert done.returncode == 0, done.stdout + done.stderr


def test_recording_and_alerting_rules_pass_their_unit_tests():
    done = run(tool("promtool"), "test", "rules", str(RULES_UNIT_TESTS))
    assert done.returncode == 0, done.stdout + done.stderr


def test_amtool_accepts_the_alertmanager_example():
    done = run(tool("amtool"), "check-config", str(ALERTMANAGER_CONFIG))
    assert done.returncode == 0, done.stdout + done.stderr


def test_rules_use_only_metrics_the_collector_serves_or_rules_record():
    known = served_names() | recorded_names() | {"up"}
    unknown = {(rule.get("record") or rule["alert"]): metric_names(rule["expr"]) - known
               for rule in rules()}
    assert {name: names for name, names in unknown.items() if names} == {}


def test_every_alert_has_a_severity_and_says_what_happened():
    alerts = [rule for rule in rules() if "alert" in rule]
    assert len({a["alert"] for a in alerts}) == len(alerts)
    for alert in alerts:
        assert alert["labels"]["severity"] in SEVERITIES, alert["alert"]
        assert alert["alert"].startswith("Pantau")
        assert alert["annotations"]["summary"] and alert["annotations"]["description"]


def test_alertmanager_groups_by_site_and_inhibits_only_alerts_that_exist():
    config = yaml.safe_load(ALERTMANAGER_CONFIG.read_text())
    assert config["route"]["group_by"] == ["site"]
    alerts = {rule["alert"] for rule in rules() if "alert" in rule}
    for inhibition in config["inhibit_rules"]:
        for matcher in inhibition["source_matchers"] + inhibition["target_matchers"]:
            name, operator, value = re.fullmatch(r'(\w+)(=~|!=|=)"(.*)"', matcher).groups()
            assert name == "alertname"
            named = set(value.split("|")) - {"Pantau.+"} if operator == "=~" else {value}
            assert named <= alerts, f"{matcher} names alerts that do not exist"


# -- Grafana dashboards ----------------------------------------------------------------------

BOARDS = dashboards()


def test_there_are_the_five_dashboards():
    assert {board["uid"] for board in BOARDS.values()} == {
        "pantau-overview", "pantau-link", "pantau-server", "pantau-availability",
        "pantau-services"}
    assert len({board["title"] for board in BOARDS.values()}) == len(BOARDS)


@pytest.mark.parametrize("name", sorted(BOARDS))
def test_dashboard_is_recent_and_its_panels_have_unique_ids_and_fit_the_grid(name):
    board = BOARDS[name]
    # 36 is where panels name their data source by uid; Grafana 11 writes 39 and later.
    assert board["schemaVersion"] >= 36
    assert "pantau" in board["tags"]
    ids = [panel["id"] for panel in panels(board)]
    assert len(ids) == len(set(ids)), f"repeated panel ids in {name}"
    cells: dict[tuple[int, int], str] = {}
    for panel in panels(board):
        grid = panel["gridPos"]
        assert grid["x"] >= 0 and grid["x"] + grid["w"] <= 24, panel["title"]
        for x in range(grid["x"], grid["x"] + grid["w"]):
            for y in range(grid["y"], grid["y"] + grid["h"]):
                assert (x, y) not in cells, f"{panel['title']!r} overlaps {cells[(x, y)]!r}"
                cells[(x, y)] = panel["title"]


@pytest.mark.parametrize("name", sorted(BOARDS))
def test_every_panel_uses_the_provisioned_prometheus_or_the_data_source_variable(name):
    board = BOARDS[name]
    [source] = yaml.safe_load(DATASOURCES.read_text())["datasources"]
    [ds] = [v for v in variables(board) if v["type"] == "datasource"]
    assert (ds["name"], ds["query"], ds["current"]["value"]) == ("DS", "prometheus",
                                                                 source["uid"])
    allowed = {"${DS}", "$DS", source["uid"]}
    for panel in panels(board):
        if panel["type"] == "row":
            continue
        assert panel["datasource"] == {"type": "prometheus", "uid": "${DS}"} or \
            panel["datasource"]["uid"] in allowed, panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] in allowed, (panel["title"], target["refId"])
    for variable in variables(board):
        if variable["type"] == "query":
            assert variable["datasource"]["uid"] in allowed, variable["name"]


@pytest.mark.parametrize("name", sorted(BOARDS))
def test_every_variable_a_query_or_title_uses_is_defined_before_it(name):
    board = BOARDS[name]
    defined: list[str] = []
    for variable in variables(board):
        query = variable_queries(name, {"templating": {"list": [variable]}})
        for used in (used_variables(query[0].expr) if query else set()):
            assert used in defined, f"variable {variable['name']} uses ${used}, defined later"
        defined.append(variable["name"])
    for query in panel_queries(name, board):
        assert used_variables(query.expr) <= set(defined), (query.where, query.expr)
    for panel in panels(board):
        assert used_variables(panel["title"]) <= set(defined), panel["title"]


@pytest.mark.parametrize("name", sorted(BOARDS))
def test_every_metric_a_dashboard_queries_is_served_or_recorded(name):
    known = served_names() | recorded_names()
    for query in panel_queries(name, BOARDS[name]) + variable_queries(name, BOARDS[name]):
        names = metric_names(query.expr)
        assert names, (query.where, query.expr)
        assert names <= known, f"{query.where}: {sorted(names - known)} in neither " \
            "docs/metrics.md nor prometheus/rules"


@pytest.mark.parametrize("name", sorted(BOARDS))
def test_panels_ship_with_grafana_and_set_units_or_mappings_and_thresholds(name):
    for panel in panels(BOARDS[name]):
        assert panel["type"] in BUILTIN_PANELS, panel["title"]
        if panel["type"] in ("row", "heatmap"):
            continue
        defaults = panel["fieldConfig"]["defaults"]
        assert defaults.get("unit") or defaults.get("mappings") or any(
            prop["id"] in ("unit", "mappings") for o in panel["fieldConfig"]["overrides"]
            for prop in o["properties"]), f"{panel['title']!r} sets no unit"
        assert defaults["thresholds"]["steps"], panel["title"]
        assert panel.get("description"), panel["title"]
        refs = [target["refId"] for target in panel["targets"]]
        assert refs and len(refs) == len(set(refs)), panel["title"]


def test_links_between_dashboards_point_at_dashboards_that_exist():
    uids = {board["uid"] for board in BOARDS.values()}
    text = json.dumps(list(BOARDS.values()))
    linked = set(re.findall(r"/d/([\w-]+)/", text))
    assert linked and linked <= uids

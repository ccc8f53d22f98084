"""The Helm chart `helm/liveroll/`, without a cluster: linted and rendered by Helm's own engine
(the `helm-python-sdk` package, imported as `helm_python`, binds Helm's Go SDK and renders
offline), and every rendered manifest validated against the Kubernetes 1.30 schemas
(`kubernetes-validate`, strict: unknown fields fail). Skipped where those are not installed."""

import copy
import http.server
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

helm = pytest.importorskip("helm_python")
kubernetes_validate = pytest.importorskip("kubernetes_validate")
yaml = pytest.importorskip("yaml")  # PyYAML, a dependency of kubernetes-validate

ROOT = Path(__file__).resolve().parent.parent
CHART = ROOT / "helm" / "liveroll"
KUBE_VERSION = "1.30"
RELEASE = "lr"
NAMESPACE = "liveroll"
CHECKSUM = "checksum/config"
ROLES = {"web", "worker", "scheduler"}

# The chart's defaults plus only what it cannot default: the four required secrets.
DEFAULTS = yaml.safe_load((CHART / "ci" / "test-values.yaml").read_text())
EXISTING_SECRET = {
    "existingSecret": "liveroll-env",
    "ingress": {"tls": {"enabled": True, "secretName": "liveroll-wildcard-tls"}},
    "web": {"autoscaling": {"enabled": False}},
    "worker": {"autoscaling": {"enabled": False}},
    "networkPolicy": {"enabled": True},
}
SCENARIOS = {"defaults": DEFAULTS, "existing_secret_tls_no_autoscaling_policies": EXISTING_SECRET}


def merged(base: dict, override: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = value
    return out


@pytest.fixture(scope="module")
def chart():
    with helm.Chart.load(CHART) as loaded:
        yield loaded


def render(chart, values: dict | None) -> list[dict]:
    """Every object the chart renders (NOTES.txt and empty templates left out)."""
    rendered = chart.render(values, name=RELEASE, namespace=NAMESPACE, is_install=True)
    docs = []
    for path, text in sorted(rendered.items()):
        if path.endswith(".txt"):
            continue
        docs.extend(doc for doc in yaml.safe_load_all(text) if doc)
    return docs


@pytest.fixture(scope="module")
def rendered(chart) -> dict[str, list[dict]]:
    return {name: render(chart, values) for name, values in SCENARIOS.items()}


@pytest.fixture(params=sorted(SCENARIOS))
def manifests(request, rendered) -> list[dict]:
    return rendered[request.param]


def of_kind(docs: list[dict], kind: str) -> list[dict]:
    return [d for d in docs if d["kind"] == kind]


def one(docs: list[dict], kind: str, component: str) -> dict:
    (found,) = [d for d in of_kind(docs, kind) if component_of(d) == component]
    return found


def component_of(doc: dict) -> str:
    return doc["metadata"]["labels"]["app.kubernetes.io/component"]


def pod_templates(docs: list[dict]) -> list[tuple[dict, dict]]:
    return [(d, d["spec"]["template"]) for d in docs if d["kind"] in {"Deployment", "Job"}]


def hook_phases(doc: dict) -> set[str]:
    annotations = doc["metadata"].get("annotations") or {}
    return set(filter(None, annotations.get("helm.sh/hook", "").split(",")))


def hook_weight(doc: dict) -> int:
    return int(doc["metadata"]["annotations"].get("helm.sh/hook-weight", "0"))


# ---- lint, schema, Kubernetes validity ----------------------------------------------------


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_lint_is_clean(scenario):
    report = helm.lint(CHART, SCENARIOS[scenario], strict=True, kube_version=f"v{KUBE_VERSION}.0")
    assert report["errors"] == []
    # severity 2 = warning, 3 = error; 1 (info) is only "icon is recommended"
    assert [m for m in report["messages"] if m["severity"] >= 2] == []


def test_schema_accepts_scenarios_and_rejects_typos_and_bad_values(chart):
    for values in SCENARIOS.values():
        chart.validate_schema(values)
    for bad in (
        {"web": {"replicas": 3}},  # a typo of replicaCount
        {"baseDomain": "https://example.com"},
        {"config": {"publicUrlScheme": "ftp"}},
        {"image": {"pullPolicy": "Sometimes"}},
        {"serviceAccount": {"nmae": "app"}},
        {"networkPolicy": {"redis": {"port": 0}}},
        {"networkPolicy": {"ingressFrom": [{"namespace": "ingress-nginx"}]}},
        {"serviceAccountName": "app"},  # replaced by serviceAccount.name
    ):
        with pytest.raises(helm.HelmValuesError):
            chart.validate_schema(merged(DEFAULTS, bad))


def test_required_secrets_are_named_when_missing(chart):
    with pytest.raises(helm.HelmRenderError, match=r"secrets\.\w+ is required"):
        render(chart, None)


def test_every_manifest_is_valid_kubernetes(manifests):
    kinds = {d["kind"] for d in manifests}
    assert {
        "Deployment",
        "Service",
        "Ingress",
        "PodDisruptionBudget",
        "Job",
        "ConfigMap",
        "ServiceAccount",
        "Pod",
    } <= kinds
    for doc in manifests:
        try:
            kubernetes_validate.validate(doc, KUBE_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{doc['kind']} {doc['metadata']['name']}: {exc}")


# ---- labels, roles, pods --------------------------------------------------------------------


def test_standard_labels_and_component_everywhere(manifests):
    for doc in manifests:
        labels = doc["metadata"]["labels"]
        assert labels["app.kubernetes.io/name"] == "liveroll"
        assert labels["app.kubernetes.io/instance"] == RELEASE
        assert labels["app.kubernetes.io/managed-by"] == "Helm"
        assert labels["app.kubernetes.io/version"]
        assert labels["app.kubernetes.io/component"]
    for workload, template in pod_templates(manifests):
        component = component_of(workload)
        assert template["metadata"]["labels"]["app.kubernetes.io/component"] == component
        if workload["kind"] == "Deployment":
            selector = workload["spec"]["selector"]["matchLabels"]
            assert selector["app.kubernetes.io/component"] == component
            assert selector.items() <= template["metadata"]["labels"].items()
    for kind in ("Service", "PodDisruptionBudget"):
        for doc in of_kind(manifests, kind):
            selector = doc["spec"].get("selector", {})
            selector = selector.get("matchLabels", selector)
            assert selector["app.kubernetes.io/component"] == component_of(doc)


def test_one_image_every_role_by_args(manifests):
    deployments = of_kind(manifests, "Deployment")
    assert {component_of(d) for d in deployments} == ROLES
    images = set()
    for workload, template in pod_templates(manifests):
        (container,) = template["spec"]["containers"]
        images.add(container["image"])
        assert container["args"][0] == component_of(workload)
        assert "command" not in container  # the image's entrypoint picks the role
    assert len(images) == 1


def test_every_pod_template_has_the_config_checksum(manifests):
    templates = pod_templates(manifests)
    assert {component_of(w) for w, _ in templates} == ROLES | {"migrate"}
    checksums = {t["metadata"]["annotations"][CHECKSUM] for _, t in templates}
    assert len(checksums) == 1
    assert re.fullmatch(r"[0-9a-f]{64}", checksums.pop())


def test_checksum_follows_config_and_secret_changes(chart):
    def checksum(values):
        web = one(render(chart, values), "Deployment", "web")
        return web["spec"]["template"]["metadata"]["annotations"][CHECKSUM]

    base = checksum(DEFAULTS)
    assert checksum(DEFAULTS) == base  # stable: no needless rollouts
    assert checksum(merged(DEFAULTS, {"config": {"logLevel": "DEBUG"}})) != base
    assert checksum(merged(DEFAULTS, {"secrets": {"redisUrl": "redis://other:6379/0"}})) != base
    assert checksum(merged(DEFAULTS, {"existingSecret": "a"})) != checksum(
        merged(DEFAULTS, {"existingSecret": "b"})
    )


def test_pods_run_as_non_root_with_read_only_root_and_tmp(manifests):
    for _, template in pod_templates(manifests):
        spec = template["spec"]
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["runAsUser"] == 10001
        volumes = {v["name"]: v for v in spec["volumes"]}
        for container in spec["containers"]:
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True
            assert security["allowPrivilegeEscalation"] is False
            assert security["capabilities"]["drop"] == ["ALL"]
            (tmp,) = [m for m in container["volumeMounts"] if m["mountPath"] == "/tmp"]
            assert "emptyDir" in volumes[tmp["name"]]
            assert container["resources"]["requests"]["cpu"]
            assert container["resources"]["requests"]["memory"]
            assert container["resources"]["limits"]["memory"]


# ---- web --------------------------------------------------------------------------------------


def test_web_probes_send_a_tenant_independent_host(manifests):
    (container,) = one(manifests, "Deployment", "web")["spec"]["template"]["spec"]["containers"]
    paths = {}
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        get = container[probe]["httpGet"]
        assert {"name": "Host", "value": "localhost"} in get["httpHeaders"]
        assert get["port"] == "http"
        paths[probe] = get["path"]
    assert paths == {
        "startupProbe": "/healthz",
        "livenessProbe": "/healthz",
        "readinessProbe": "/readyz",
    }


def test_ingress_routes_base_domain_and_wildcard(rendered):
    for name, docs in rendered.items():
        ingress = one(docs, "Ingress", "web")
        service = one(docs, "Service", "web")
        hosts = [rule["host"] for rule in ingress["spec"]["rules"]]
        assert hosts == ["example.com", "*.example.com"]
        for rule in ingress["spec"]["rules"]:
            (path,) = rule["http"]["paths"]
            assert path["backend"]["service"]["name"] == service["metadata"]["name"]
        tls = ingress["spec"].get("tls")
        if name == "defaults":
            assert tls is None
        else:
            assert tls == [{"hosts": hosts, "secretName": "liveroll-wildcard-tls"}]


def test_autoscaling_and_disruption_budgets(rendered):
    for name, docs in rendered.items():
        autoscaled = name == "defaults"
        hpas = {component_of(h): h for h in of_kind(docs, "HorizontalPodAutoscaler")}
        assert set(hpas) == ({"web", "worker"} if autoscaled else set())
        for component in ("web", "worker"):
            deployment = one(docs, "Deployment", component)
            # with an HPA, the Deployment leaves replicas alone (an upgrade would reset them)
            assert ("replicas" in deployment["spec"]) is not autoscaled
            if autoscaled:
                target = hpas[component]["spec"]["scaleTargetRef"]
                assert target["name"] == deployment["metadata"]["name"]
            pdb = one(docs, "PodDisruptionBudget", component)
            assert (
                pdb["spec"]["selector"]["matchLabels"]
                == deployment["spec"]["selector"]["matchLabels"]
            )


def test_web_scales_by_pods_without_sticky_sessions(rendered):
    """Websockets need no affinity (every pod hears every event through Redis; a client that
    moves re-reads its snapshot): nothing pins a client to a pod, and a rolling update adds
    pods before it takes any away."""
    for docs in rendered.values():
        service = one(docs, "Service", "web")
        assert service["spec"].get("sessionAffinity", "None") == "None"
        annotations = one(docs, "Ingress", "web")["metadata"].get("annotations") or {}
        assert not [key for key in annotations if "affinity" in key or "sticky" in key]
        web = one(docs, "Deployment", "web")
        assert web["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
        (container,) = web["spec"]["template"]["spec"]["containers"]
        assert container["args"] == ["web"]  # one daphne per pod (platform/entrypoint.sh)


# ---- worker, scheduler ------------------------------------------------------------------------


def test_worker_gets_time_to_finish_actors_and_scheduler_is_single(manifests):
    worker = one(manifests, "Deployment", "worker")
    assert worker["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] >= 600
    scheduler = one(manifests, "Deployment", "scheduler")
    assert scheduler["spec"]["replicas"] == 1
    assert scheduler["spec"]["strategy"]["type"] == "Recreate"
    assert not [
        d
        for d in manifests
        if d["kind"] in {"HorizontalPodAutoscaler", "PodDisruptionBudget"}
        and component_of(d) == "scheduler"
    ]


# ---- hooks, configuration, secrets -------------------------------------------------------------


def env_sources(template: dict) -> list[tuple[str, str]]:
    sources = []
    for container in template["spec"]["containers"]:
        for source in container["envFrom"]:
            for kind, key in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
                if key in source:
                    sources.append((kind, source[key]["name"]))
    return sources


def test_migrate_job_is_a_hook_after_what_it_reads(rendered):
    for name, docs in rendered.items():
        job = one(docs, "Job", "migrate")
        assert hook_phases(job) == {"pre-install", "pre-upgrade"}
        assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
        (container,) = job["spec"]["template"]["spec"]["containers"]
        # schemas migrated at once: each a process and a database connection
        assert container["args"] == ["migrate", "--jobs=4"]
        sources = env_sources(job["spec"]["template"])
        assert {kind for kind, _ in sources} == {"ConfigMap", "Secret"}
        by_name = {(d["kind"], d["metadata"]["name"]): d for d in docs}
        for kind, source_name in sources:
            if kind == "Secret" and name != "defaults":
                # existingSecret: made outside the chart, before the install
                assert source_name == "liveroll-env"
                assert (kind, source_name) not in by_name
                continue
            source = by_name[(kind, source_name)]
            assert hook_phases(source) >= {"pre-install", "pre-upgrade"}
            assert hook_weight(source) < hook_weight(job)
            # a hook copy of the release's ConfigMap or Secret: gone once the migration succeeded
            policy = source["metadata"]["annotations"]["helm.sh/hook-delete-policy"]
            assert set(policy.split(",")) == {"before-hook-creation", "hook-succeeded"}


def test_every_pod_reads_the_same_config_and_secret(rendered):
    for name, docs in rendered.items():
        expected_secret = "liveroll-env" if name != "defaults" else f"{RELEASE}-liveroll"
        for workload, template in pod_templates(docs):
            config, secret = f"{RELEASE}-liveroll-config", expected_secret
            if component_of(workload) == "migrate":  # the hook copies, same data
                config = f"{RELEASE}-liveroll-migrate-config"
                if name == "defaults":
                    secret = f"{RELEASE}-liveroll-migrate"
            assert sorted(env_sources(template)) == [("ConfigMap", config), ("Secret", secret)]


def test_config_and_secret_are_release_resources_and_their_hook_copies_have_the_same_data(
    rendered,
):
    docs = rendered["defaults"]
    for kind, name, copy_name, data in (
        ("Secret", f"{RELEASE}-liveroll", f"{RELEASE}-liveroll-migrate", "stringData"),
        ("ConfigMap", f"{RELEASE}-liveroll-config", f"{RELEASE}-liveroll-migrate-config", "data"),
    ):
        found = {d["metadata"]["name"]: d for d in of_kind(docs, kind)}
        assert set(found) == {name, copy_name}
        original = found[name]
        # not a hook: `helm uninstall` deletes it, an upgrade patches it rather than recreating
        # it, a rollback restores it
        assert "helm.sh/hook" not in (original["metadata"].get("annotations") or {})
        copy_ = found[copy_name]
        assert hook_phases(copy_) == {"pre-install", "pre-upgrade"}
        assert copy_[data] == original[data]


def test_existing_secret_suppresses_the_charts_secret(rendered):
    assert of_kind(rendered["existing_secret_tls_no_autoscaling_policies"], "Secret") == []


def release_one(docs: list[dict], kind: str) -> dict:
    """The release's own ConfigMap or Secret, not the migrate hook's copy."""
    (found,) = [
        d for d in of_kind(docs, kind) if "helm.sh/hook" not in d["metadata"].get("annotations", {})
    ]
    return found


def test_config_map_and_secret_hold_the_platform_environment(rendered):
    docs = rendered["defaults"]
    config_map = release_one(docs, "ConfigMap")
    secret = release_one(docs, "Secret")
    config = config_map["data"]
    assert all(isinstance(v, str) for v in config.values())
    assert config["LIVEROLL_BASE_DOMAIN"] == "example.com"
    assert config["LIVEROLL_PUBLIC_URL_SCHEME"] == "https"
    assert config["LIVEROLL_PUBLIC_PORT"] == ""  # set, and empty: links carry no port
    assert config["DJANGO_ALLOWED_HOSTS"] == "example.com,.example.com"
    assert config["CHANNELS_CAPACITY"] == "1500"
    assert config["LIVEROLL_SPARE_SCHEMAS"] == "2"
    assert config["LIVEROLL_SCHEDULE_YEARS_AHEAD"] == "2"
    assert config["LOG_LEVEL"] == "INFO"
    assert config["LIVEROLL_TRUSTED_PROXIES"] == "1"  # the ingress
    assert config["DJANGO_HSTS_SECONDS"] == "31536000"
    assert set(secret["stringData"]) == {
        "DJANGO_SECRET_KEY",
        "LIVEROLL_ENCRYPTION_KEYS",
        "DATABASE_URL",
        "REDIS_URL",
    }
    assert not set(config) & set(secret["stringData"])


def test_smtp_settings_in_the_config_map_and_its_password_in_the_secret(chart):
    docs = render(
        chart,
        merged(
            DEFAULTS,
            {
                "config": {"emailHost": "smtp.example.net", "emailPort": 587, "emailUseTls": True},
                "secrets": {"emailHostPassword": "smtp-pass"},
            },
        ),
    )
    config_map = release_one(docs, "ConfigMap")
    secret = release_one(docs, "Secret")
    config = config_map["data"]
    assert config["EMAIL_HOST"] == "smtp.example.net" and config["EMAIL_PORT"] == "587"
    assert config["EMAIL_USE_TLS"] == "1" and config["EMAIL_USE_SSL"] == "0"
    assert config["DEFAULT_FROM_EMAIL"] == "no-reply@example.com"
    assert "EMAIL_HOST_PASSWORD" not in config
    assert secret["stringData"]["EMAIL_HOST_PASSWORD"] == "smtp-pass"


def test_chart_covers_every_variable_of_env_example(chart):
    """A variable added to platform/env.example must be added to the chart (or listed here)."""
    set_by_image = {"DJANGO_SETTINGS_MODULE", "STATIC_ROOT", "WHITENOISE_USE_FINDERS"}
    not_in_production = {"DJANGO_DEBUG"}  # production settings force it off
    as_arguments = {"MIGRATE_JOBS"}  # the migrate Job's --jobs (migrate.jobs)
    text = (ROOT / "platform" / "env.example").read_text()
    development = text.split("---- Development and demo only")[0]
    names = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", development, flags=re.MULTILINE))
    docs = render(
        chart,
        merged(
            DEFAULTS,
            {
                "secrets": {
                    "ipHashKey": "separate",
                    "emailHostPassword": "smtp",
                    "channelsRedisUrls": "redis://rt-0:6379/0,redis://rt-1:6379/0",
                }
            },
        ),
    )
    config_map = release_one(docs, "ConfigMap")
    secret = release_one(docs, "Secret")
    covered = set(config_map["data"]) | set(secret["stringData"])
    assert names - set_by_image - not_in_production - as_arguments - covered == set()


# ---- service account ---------------------------------------------------------------------------


def test_every_pod_runs_as_the_charts_service_account_without_a_token(manifests):
    accounts = {a["metadata"]["name"]: a for a in of_kind(manifests, "ServiceAccount")}
    assert set(accounts) == {f"{RELEASE}-liveroll", f"{RELEASE}-liveroll-migrate"}
    release_account = accounts[f"{RELEASE}-liveroll"]
    assert "helm.sh/hook" not in (release_account["metadata"].get("annotations") or {})
    # the migrate Job's copy: exists before the Job on the first install, gone once it succeeded
    migrate_account = accounts[f"{RELEASE}-liveroll-migrate"]
    assert hook_phases(migrate_account) == {"pre-install", "pre-upgrade"}
    assert hook_weight(migrate_account) < hook_weight(one(manifests, "Job", "migrate"))
    policy = migrate_account["metadata"]["annotations"]["helm.sh/hook-delete-policy"]
    assert set(policy.split(",")) == {"before-hook-creation", "hook-succeeded"}
    for account in accounts.values():
        assert account["automountServiceAccountToken"] is False
    for workload, template in pod_templates(manifests):
        spec = template["spec"]
        expected = f"{RELEASE}-liveroll" + (
            "-migrate" if component_of(workload) == "migrate" else ""
        )
        assert spec["serviceAccountName"] == expected
        assert spec["automountServiceAccountToken"] is False


def test_service_account_name_annotations_or_an_existing_one(chart):
    annotations = {"iam.gke.io/gcp-service-account": "liveroll@project.iam.gserviceaccount.com"}
    docs = render(
        chart, merged(DEFAULTS, {"serviceAccount": {"name": "app", "annotations": annotations}})
    )
    accounts = {a["metadata"]["name"]: a for a in of_kind(docs, "ServiceAccount")}
    assert set(accounts) == {"app", "app-migrate"}
    for account in accounts.values():
        assert annotations.items() <= account["metadata"]["annotations"].items()
    for doc in docs:
        kubernetes_validate.validate(doc, KUBE_VERSION, strict=True)

    # not created: every pod (migrate included) runs as the named, existing one, or the default
    existing = render(chart, merged(DEFAULTS, {"serviceAccount": {"create": False, "name": "ops"}}))
    assert of_kind(existing, "ServiceAccount") == []
    assert {t["spec"]["serviceAccountName"] for _, t in pod_templates(existing)} == {"ops"}
    default = render(chart, merged(DEFAULTS, {"serviceAccount": {"create": False}}))
    assert not [t for _, t in pod_templates(default) if "serviceAccountName" in t["spec"]]


# ---- network policies ------------------------------------------------------------------------


def egress_ports(policy: dict) -> set[tuple[str, int]]:
    return {(p["protocol"], p["port"]) for rule in policy["spec"]["egress"] for p in rule["ports"]}


def test_network_policies_are_off_by_default(rendered):
    assert of_kind(rendered["defaults"], "NetworkPolicy") == []


def test_network_policies_allow_each_role_only_what_it_needs(rendered):
    docs = rendered["existing_secret_tls_no_autoscaling_policies"]
    policies = {component_of(p): p for p in of_kind(docs, "NetworkPolicy")}
    assert set(policies) == ROLES
    for component, policy in policies.items():
        deployment = one(docs, "Deployment", component)
        assert (
            policy["spec"]["podSelector"]["matchLabels"]
            == deployment["spec"]["selector"]["matchLabels"]
        )
        assert policy["spec"]["policyTypes"] == ["Ingress", "Egress"]
    base = {("UDP", 53), ("TCP", 53), ("TCP", 5432), ("TCP", 6379)}
    outside = {("TCP", 443), ("TCP", 25)}  # HTTPS (Zoom, calendars) and config.emailPort
    assert egress_ports(policies["web"]) == base | outside
    assert egress_ports(policies["worker"]) == base | outside
    # the scheduler only sends messages: Redis, and PostgreSQL for the tenants it fans out to
    assert egress_ports(policies["scheduler"]) == base
    # the worker accepts only the scraper, on the metrics port; the scheduler nothing
    monitoring = {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}
    }
    scrape = {"ports": [{"protocol": "TCP", "port": 9191}], "from": [monitoring]}
    assert policies["worker"]["spec"]["ingress"] == [scrape]
    assert policies["scheduler"]["spec"]["ingress"] == []
    # HTTPS goes to public addresses only: not the cluster's, nor the cloud metadata address
    (https,) = [r for r in policies["web"]["spec"]["egress"] if r["ports"][0]["port"] == 443]
    excluded = {c for peer in https["to"] for c in peer["ipBlock"].get("except", [])}
    assert {"10.0.0.0/8", "169.254.0.0/16"} <= excluded

    web_port = one(docs, "Deployment", "web")["spec"]["template"]["spec"]["containers"][0]["ports"][
        0
    ]["containerPort"]
    sources = []
    web_rules = policies["web"]["spec"]["ingress"]
    assert scrape in web_rules  # the scraper, on the metrics port alone
    for rule in web_rules:
        if rule == scrape:
            continue
        assert rule["ports"] == [{"protocol": "TCP", "port": web_port}]
        sources.extend(rule["from"])
    controller = {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}
    }
    assert controller in sources
    (test_pod,) = of_kind(docs, "Pod")
    assert {"podSelector": {"matchLabels": selector_of(test_pod)}} in sources


def selector_of(doc: dict) -> dict:
    labels = doc["metadata"]["labels"]
    keys = ("app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/component")
    return {k: labels[k] for k in keys}


def test_network_policy_ports_and_peers_come_from_values(chart):
    database = [{"ipBlock": {"cidr": "10.0.5.7/32"}}]
    redis = [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "redis"}}}]
    values = merged(
        DEFAULTS,
        {
            "config": {"emailPort": 587},
            "networkPolicy": {
                "enabled": True,
                "ingressFrom": [],
                "postgresql": {"port": 6432, "to": database},
                "redis": {"port": 6380, "to": redis},
                "external": {"ports": [443, 8443]},
            },
        },
    )
    docs = render(chart, values)
    policies = {component_of(p): p for p in of_kind(docs, "NetworkPolicy")}
    for policy in policies.values():
        kubernetes_validate.validate(policy, KUBE_VERSION, strict=True)
        by_port = {r["ports"][0]["port"]: r for r in policy["spec"]["egress"]}
        assert by_port[6432]["to"] == database
        assert by_port[6380]["to"] == redis
    assert egress_ports(policies["worker"]) >= {("TCP", 587), ("TCP", 8443)}
    assert ("TCP", 587) not in egress_ports(policies["scheduler"])
    # no ingress sources listed: the controller rule accepts any source on the web port
    web_rules = policies["web"]["spec"]["ingress"]
    assert [r for r in web_rules if r["ports"][0]["port"] == 8000 and "from" not in r]


# ---- metrics ---------------------------------------------------------------------------------


def ports_of(doc: dict) -> dict[str, int]:
    (container,) = doc["spec"]["template"]["spec"]["containers"]
    return {p["name"]: p["containerPort"] for p in container.get("ports", [])}


def test_metrics_on_a_port_of_their_own_that_the_ingress_never_reaches(rendered):
    for docs in rendered.values():
        # web and worker pods serve metrics on the metrics port, told by the ConfigMap
        assert ports_of(one(docs, "Deployment", "web"))["metrics"] == 9191
        assert ports_of(one(docs, "Deployment", "worker")) == {"metrics": 9191}
        assert ports_of(one(docs, "Deployment", "scheduler")) == {}
        config = release_one(docs, "ConfigMap")["data"]
        assert (config["METRICS_ENABLED"], config["METRICS_PORT"]) == ("1", "9191")
        # the Service behind the Ingress exposes the web port alone
        service = one(docs, "Service", "web")
        assert [p["targetPort"] for p in service["spec"]["ports"]] == ["http"]
        for rule in one(docs, "Ingress", "web")["spec"]["rules"]:
            assert rule["http"]["paths"][0]["backend"]["service"]["port"] == {"name": "http"}
        # and nothing for the Prometheus Operator unless asked
        assert [d for d in docs if d["kind"] == "ServiceMonitor"] == []
        assert [d for d in of_kind(docs, "Service") if "metrics" in d["metadata"]["name"]] == []


def test_metrics_can_be_turned_off(chart):
    docs = render(
        chart, merged(DEFAULTS, {"metrics": {"enabled": False}, "networkPolicy": {"enabled": True}})
    )
    assert "metrics" not in ports_of(one(docs, "Deployment", "web"))
    assert ports_of(one(docs, "Deployment", "worker")) == {}
    assert release_one(docs, "ConfigMap")["data"]["METRICS_ENABLED"] == "0"
    worker_policy = one(docs, "NetworkPolicy", "worker")
    assert worker_policy["spec"]["ingress"] == []


def test_service_monitor_scrapes_web_and_worker_through_cluster_only_services(chart):
    values = {
        "metrics": {"serviceMonitor": {"enabled": True, "labels": {"release": "prom"}}},
        "web": {"service": {"type": "LoadBalancer"}},
    }
    report = helm.lint(
        CHART, merged(DEFAULTS, values), strict=True, kube_version=f"v{KUBE_VERSION}.0"
    )
    assert report["errors"] == []
    docs = render(chart, merged(DEFAULTS, values))
    (monitor,) = [d for d in docs if d["kind"] == "ServiceMonitor"]
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert monitor["metadata"]["labels"]["release"] == "prom"
    (endpoint,) = monitor["spec"]["endpoints"]
    assert (endpoint["port"], endpoint["path"]) == ("metrics", "/metrics")
    assert monitor["spec"]["namespaceSelector"] == {"matchNames": [NAMESPACE]}
    selector = monitor["spec"]["selector"]["matchLabels"]
    selected = [
        d for d in of_kind(docs, "Service") if selector.items() <= d["metadata"]["labels"].items()
    ]
    assert {component_of(d) for d in selected} == {"web", "worker"}
    for service in selected:
        kubernetes_validate.validate(service, KUBE_VERSION, strict=True)
        # cluster-internal whatever the web Service's type, and only the metrics port
        assert service["spec"]["type"] == "ClusterIP"
        assert service["spec"]["ports"] == [
            {"name": "metrics", "port": 9191, "targetPort": "metrics", "protocol": "TCP"}
        ]
        deployment = one(docs, "Deployment", component_of(service))
        assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    # the Service the Ingress routes to stays the one with the web port
    assert (
        one(docs, "Ingress", "web")["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"][
            "name"
        ]
        == f"{RELEASE}-liveroll-web"
    )


def test_schema_checks_the_metrics_values(chart):
    chart.validate_schema(
        merged(DEFAULTS, {"metrics": {"port": 9100, "serviceMonitor": {"interval": "15s"}}})
    )
    for bad in (
        {"metrics": {"port": 0}},
        {"metrics": {"serviceMonitor": {"interval": "30 seconds"}}},
        {"metrics": {"token": "x"}},
        {"networkPolicy": {"metricsFrom": [{"namespace": "monitoring"}]}},
    ):
        with pytest.raises(helm.HelmValuesError):
            chart.validate_schema(merged(DEFAULTS, bad))


# ---- helm test ---------------------------------------------------------------------------------


def test_helm_test_pod_gets_readyz_through_the_web_service_with_the_probes_host(manifests):
    (pod,) = of_kind(manifests, "Pod")
    assert hook_phases(pod) == {"test"}
    assert component_of(pod) == "test"
    spec = pod["spec"]
    assert spec["restartPolicy"] == "Never"
    assert spec["serviceAccountName"] == f"{RELEASE}-liveroll"
    assert spec["automountServiceAccountToken"] is False
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["runAsUser"] == 10001
    (container,) = spec["containers"]
    web = one(manifests, "Deployment", "web")
    assert container["image"] == web["spec"]["template"]["spec"]["containers"][0]["image"]
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    assert container["resources"]["requests"]["cpu"]
    assert container["resources"]["limits"]["memory"]
    assert "envFrom" not in container  # it needs no secret
    service = one(manifests, "Service", "web")
    url, host = container["args"][3:5]
    assert (
        url == f"http://{service['metadata']['name']}:{service['spec']['ports'][0]['port']}/readyz"
    )
    probes_host = container_probe_host(web)
    assert host == probes_host == "localhost"


def container_probe_host(deployment: dict) -> str:
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    (header,) = container["readinessProbe"]["httpGet"]["httpHeaders"]
    return header["value"]


class _Readyz(http.server.BaseHTTPRequestHandler):
    status = 200
    seen: list[tuple[str, str]] = []

    def do_GET(self):  # noqa: N802 - the http.server API
        type(self).seen.append((self.path, self.headers["Host"]))
        self.send_response(type(self).status)
        self.end_headers()
        self.wfile.write(b"ok" if type(self).status == 200 else b"redis: unavailable")

    def log_message(self, *args):
        pass


def test_helm_test_pod_script_passes_on_200_and_fails_otherwise(rendered):
    """The pod's own command, run here against a stand-in for the web Service."""
    (pod,) = of_kind(rendered["defaults"], "Pod")
    (container,) = pod["spec"]["containers"]
    assert container["args"][:2] == ["python", "-c"]
    script, _, host, timeout = container["args"][2:]
    server = http.server.HTTPServer(("127.0.0.1", 0), _Readyz)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/readyz"
        results = {}
        for status in (200, 503):
            _Readyz.status = status
            results[status] = subprocess.run(
                [sys.executable, "-c", script, url, host, timeout],
                capture_output=True,
                text=True,
                timeout=30,
            )
    finally:
        server.shutdown()
        server.server_close()
    assert results[200].returncode == 0, results[200].stderr
    assert results[503].returncode == 1
    assert "503 redis: unavailable" in results[503].stdout
    assert _Readyz.seen == [("/readyz", "localhost"), ("/readyz", "localhost")]


def test_helm_test_pod_can_be_left_out(chart):
    docs = render(chart, merged(DEFAULTS, {"helmTest": {"enabled": False}}))
    assert of_kind(docs, "Pod") == []

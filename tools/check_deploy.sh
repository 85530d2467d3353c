#!/usr/bin/env bash
# Checks the deployment files offline: the Dockerfile (and .dockerignore) and
# the Kubernetes manifests in deploy/kubernetes. Needs no cluster and no
# Docker daemon; what needs one is reported as SKIP, with the reason.
#
#   tools/check_deploy.sh
#
# What it checks, where the tools are there:
#   - every manifest parses as YAML (python3 with PyYAML, else only through
#     kubectl kustomize), has apiVersion/kind/metadata.name and names no
#     namespace; kustomization.yaml lists every manifest and nothing missing
#   - `kubectl kustomize deploy/kubernetes` renders
#   - the rendered objects hang together: API versions current, volumes,
#     claims, ConfigMaps, probe and Service ports, selectors (Services, PDBs,
#     HPA), $(VAR) references in args, --event-log hosts vs the NATS
#     StatefulSet, terminationGracePeriodSeconds vs the drain flags, the
#     shapes asked for (3 servers, RWX snapshots mounted read-only by the
#     servers, gRPC probes, Forbid on the CronJob, ...)
#   - every boomerang flag in the manifests, the ConfigMap's TOML and the
#     Dockerfile's CMD exists in the built binaries' --help (build/bin)
#   - nats.conf from the ConfigMap passes `nats-server -t` (when installed)
#   - the Dockerfile: debian:12 stages, the build steps, the 4 binaries,
#     a non-root USER, EXPOSE 50051 8080; every runtime package has an apt
#     Candidate (Debian 12 machine with apt lists); the runtime packages
#     cover every shared library the built binaries need (readelf + dpkg -S)
#   - `docker build` (capped at 25 min) and `--help` in the image, only when a
#     Docker daemon answers
# Exits 1 when a check that could run failed.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
K8S=deploy/kubernetes
# The built programs (their --help): $BOOMERANG_BIN_DIR under ctest.
BIN=${BOOMERANG_BIN_DIR:-build/bin}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

pass=0; fail=0; skip=0
ok()   { echo "PASS  $*"; pass=$((pass + 1)); }
bad()  { echo "FAIL  $*"; fail=$((fail + 1)); }
skp()  { echo "SKIP  $*"; skip=$((skip + 1)); }
# Runs a python check: its stdout lines are "PASS ...", "FAIL ..." or
# "SKIP ..." and are counted like the shell's own.
pycheck() {
  local out
  out=$(python3 - "$@" 2>&1)
  local rc=$?
  while IFS= read -r line; do
    case "$line" in
      "PASS "*) ok "${line#PASS }" ;;
      "FAIL "*) bad "${line#FAIL }" ;;
      "SKIP "*) skp "${line#SKIP }" ;;
      "") ;;
      *) echo "      $line" ;;
    esac
  done <<< "$out"
  [ $rc -eq 0 ] || bad "python check exited $rc"
}

have_py=0; have_yaml=0
if command -v python3 > /dev/null; then
  have_py=1
  python3 -c 'import yaml' 2> /dev/null && have_yaml=1
fi
have_kubectl=0
command -v kubectl > /dev/null && have_kubectl=1

echo "== Kubernetes manifests ($K8S)"
manifests=$(cd "$K8S" && ls *.yaml *.yml 2> /dev/null | sort)
[ -n "$manifests" ] || bad "no manifests in $K8S"

# 1. YAML well-formedness, per file.
if [ $have_yaml -eq 1 ]; then
  pycheck "$K8S" <<'PY'
import os, sys, yaml
d = sys.argv[1]
for name in sorted(os.listdir(d)):
    if not name.endswith((".yaml", ".yml")):
        continue
    path = os.path.join(d, name)
    try:
        docs = [x for x in yaml.safe_load_all(open(path)) if x is not None]
    except yaml.YAMLError as e:
        print(f"FAIL {path}: not valid YAML: {e}".replace("\n", " "))
        continue
    probs = []
    for doc in docs:
        if not isinstance(doc, dict):
            probs.append("a document is not a mapping")
            continue
        if name == "kustomization.yaml":
            continue
        md = doc.get("metadata") or {}
        if not doc.get("apiVersion") or not doc.get("kind") or not md.get("name"):
            probs.append("missing apiVersion, kind or metadata.name")
        if "namespace" in md:
            probs.append(f"{doc.get('kind')}/{md.get('name')} names a namespace")
    if not docs:
        probs.append("empty")
    if probs:
        print(f"FAIL {path}: " + "; ".join(probs))
    else:
        print(f"PASS {path}: valid YAML, {len(docs)} document(s)")
PY
elif [ $have_kubectl -eq 1 ]; then
  skp "per-file YAML parse: no python3 with PyYAML (apt-get install python3-yaml); kubectl kustomize below still parses every listed file"
else
  bad "cannot check YAML: neither python3 with PyYAML nor kubectl"
fi

# 2. kustomization.yaml lists exactly the manifests.
if [ $have_yaml -eq 1 ]; then
  pycheck "$K8S" <<'PY'
import os, sys, yaml
d = sys.argv[1]
k = yaml.safe_load(open(os.path.join(d, "kustomization.yaml")))
listed = k.get("resources") or []
files = sorted(n for n in os.listdir(d)
               if n.endswith((".yaml", ".yml")) and n != "kustomization.yaml")
missing = [r for r in listed if not os.path.exists(os.path.join(d, r))]
unlisted = [f for f in files if f not in listed]
if missing or unlisted:
    print(f"FAIL kustomization.yaml: listed but missing {missing}, present but unlisted {unlisted}")
else:
    print(f"PASS kustomization.yaml lists all {len(files)} manifests")
PY
fi

# 3. kubectl kustomize (client only).
rendered=$TMP/rendered.yaml
if [ $have_kubectl -eq 1 ]; then
  if kubectl kustomize "$K8S" > "$rendered" 2> "$TMP/kustomize.err"; then
    ok "kubectl kustomize $K8S renders $(grep -c '^kind:' "$rendered") objects ($(kubectl version --client 2> /dev/null | head -1))"
  else
    bad "kubectl kustomize $K8S: $(tr '\n' ' ' < "$TMP/kustomize.err")"
    rendered=""
  fi
  # Schema validation needs the API server's OpenAPI (even with
  # --dry-run=client, kubectl asks the server to map kinds).
  if timeout 20 kubectl apply --dry-run=client --validate=false -f "$K8S/boomerang-pdb.yaml" > /dev/null 2>&1; then
    if [ -n "$rendered" ] && kubectl apply --dry-run=client -f "$rendered" > "$TMP/apply.out" 2>&1; then
      ok "kubectl apply --dry-run=client against the cluster of the current context"
    else
      bad "kubectl apply --dry-run=client: $(tail -3 "$TMP/apply.out" | tr '\n' ' ')"
    fi
  else
    skp "kubectl apply --dry-run=client / schema validation: needs an API server (kubectl maps kinds through server discovery even for client dry runs); none is reachable"
  fi
elif [ $have_yaml -eq 1 ]; then
  # Without kubectl: the listed resources joined (this kustomization only
  # adds labels and an image name, which the checks below do not need).
  skp "kubectl kustomize: kubectl not installed (the checks below read the listed files joined)"
  python3 - "$K8S" > "$rendered" <<'PY' || rendered=""
import os, sys, yaml
d = sys.argv[1]
k = yaml.safe_load(open(os.path.join(d, "kustomization.yaml")))
for name in k.get("resources", []):
    print("---")
    print(open(os.path.join(d, name)).read())
PY
else
  skp "kubectl kustomize: kubectl not installed"
  rendered=""
fi

# 4. The rendered objects hang together.
help_dir=$TMP/help
mkdir -p "$help_dir"
for b in boomerang-server boomerang-indexer; do
  [ -x "$BIN/$b" ] && "$BIN/$b" --help > "$help_dir/$b" 2>&1
done
if [ -n "$rendered" ] && [ $have_yaml -eq 1 ]; then
  KUSTOMIZED=$have_kubectl pycheck "$rendered" "$help_dir" <<'PY'
import os, re, sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
help_dir = sys.argv[2]
objs = {(d["kind"], d["metadata"]["name"]): d for d in docs}
problems = []
def fail(msg): problems.append(msg)
def names(kind): return {n for (k, n) in objs if k == kind}

current = {"Deployment": "apps/v1", "StatefulSet": "apps/v1", "Service": "v1",
           "ConfigMap": "v1", "PersistentVolumeClaim": "v1",
           "PodDisruptionBudget": "policy/v1",
           "HorizontalPodAutoscaler": "autoscaling/v2", "CronJob": "batch/v1"}
for (kind, name), d in objs.items():
    if kind not in current:
        fail(f"{kind}/{name}: unexpected kind")
    elif d["apiVersion"] != current[kind]:
        fail(f"{kind}/{name}: apiVersion {d['apiVersion']}, want {current[kind]}")

def pod_of(d):
    if d["kind"] == "CronJob":
        return d["spec"]["jobTemplate"]["spec"]["template"]
    return d["spec"]["template"]
workloads = {k: d for k, d in objs.items()
             if k[0] in ("Deployment", "StatefulSet", "CronJob")}
pvcs, cms = names("PersistentVolumeClaim"), names("ConfigMap")

def labels_match(sel, labels):
    return bool(sel) and all(labels.get(k) == v for k, v in sel.items())

for (kind, name), d in workloads.items():
    where = f"{kind}/{name}"
    tpl = pod_of(d)
    spec = tpl["spec"]
    tlabels = tpl.get("metadata", {}).get("labels", {})
    if kind != "CronJob":
        sel = d["spec"]["selector"]["matchLabels"]
        if not labels_match(sel, tlabels):
            fail(f"{where}: selector {sel} does not match the pod labels {tlabels}")
    vols = {v["name"]: v for v in spec.get("volumes", [])}
    vct = {c["metadata"]["name"] for c in d["spec"].get("volumeClaimTemplates", [])}
    for v in vols.values():
        if "persistentVolumeClaim" in v and v["persistentVolumeClaim"]["claimName"] not in pvcs:
            fail(f"{where}: volume {v['name']} uses a PVC that is not defined")
        if "configMap" in v and v["configMap"]["name"] not in cms:
            fail(f"{where}: volume {v['name']} uses a ConfigMap that is not defined")
    sc = spec.get("securityContext", {})
    for c in spec["containers"]:
        cw = f"{where} container {c['name']}"
        if not c.get("image"):
            fail(f"{cw}: no image")
        if c["image"] == "boomerang" and os.environ.get("KUSTOMIZED") == "1":
            fail(f"{cw}: image not rewritten by kustomize images")
        r = c.get("resources", {})
        if not r.get("requests") or not r.get("limits", {}).get("memory"):
            fail(f"{cw}: resource requests and a memory limit are expected")
        for m in c.get("volumeMounts", []):
            if m["name"] not in vols and m["name"] not in vct:
                fail(f"{cw}: mount {m['name']} has no volume")
        ports = {p.get("name"): p["containerPort"] for p in c.get("ports", [])}
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            p = c.get(probe)
            if not p:
                continue
            for h in ("grpc", "httpGet", "tcpSocket"):
                if h in p:
                    port = p[h]["port"]
                    if port not in ports and port not in ports.values():
                        fail(f"{cw}: {probe} port {port} is not a container port")
        env = {e["name"] for e in c.get("env", [])}
        for a in c.get("args", []) + c.get("command", []):
            for var in re.findall(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", a):
                if var not in env:
                    fail(f"{cw}: $({var}) in args but no such env var")
        csc = c.get("securityContext", {})
        if not (sc.get("runAsNonRoot") or csc.get("runAsNonRoot")):
            fail(f"{cw}: runAsNonRoot not set")

# Services, PDBs, HPAs point at workloads.
def workload_for(sel):
    return [w for w in workloads.values()
            if labels_match(sel, pod_of(w).get("metadata", {}).get("labels", {}))]
for (kind, name), d in objs.items():
    if kind == "Service":
        ws = workload_for(d["spec"].get("selector", {}))
        if not ws:
            fail(f"Service/{name}: selector matches no workload")
        for p in d["spec"]["ports"]:
            tp = p.get("targetPort", p["port"])
            for w in ws:
                cports = [q for c in pod_of(w)["spec"]["containers"] for q in c.get("ports", [])]
                if tp not in [q.get("name") for q in cports] + [q["containerPort"] for q in cports]:
                    fail(f"Service/{name}: targetPort {tp} not in {w['kind']}/{w['metadata']['name']}")
    if kind == "PodDisruptionBudget" and not workload_for(d["spec"]["selector"]["matchLabels"]):
        fail(f"PodDisruptionBudget/{name}: selector matches no workload")
    if kind == "HorizontalPodAutoscaler":
        t = d["spec"]["scaleTargetRef"]
        if (t["kind"], t["name"]) not in objs:
            fail(f"HPA/{name}: target {t['kind']}/{t['name']} not defined")
        if not 1 <= d["spec"]["minReplicas"] <= d["spec"]["maxReplicas"]:
            fail(f"HPA/{name}: bad min/max replicas")

# The shapes this deployment is meant to have.
def flag(args, name):
    for a in args:
        if a.startswith(f"--{name}="):
            return a.split("=", 1)[1]
    return None
dep = objs.get(("Deployment", "boomerang"))
nats = objs.get(("StatefulSet", "nats"))
cron = objs.get(("CronJob", "boomerang-indexer"))
snap = objs.get(("PersistentVolumeClaim", "boomerang-snapshots"))
for what, o in (("Deployment/boomerang", dep), ("StatefulSet/nats", nats),
                ("CronJob/boomerang-indexer", cron),
                ("PersistentVolumeClaim/boomerang-snapshots", snap),
                ("Service/boomerang", objs.get(("Service", "boomerang"))),
                ("Service/boomerang-headless", objs.get(("Service", "boomerang-headless"))),
                ("Service/nats", objs.get(("Service", "nats")))):
    if o is None:
        fail(f"{what} is missing")
if snap and "ReadWriteMany" not in snap["spec"]["accessModes"]:
    fail("boomerang-snapshots is not ReadWriteMany")
if objs.get(("Service", "boomerang-headless"), {}).get("spec", {}).get("clusterIP") != "None":
    fail("Service/boomerang-headless is not headless")
if objs.get(("Service", "nats"), {}).get("spec", {}).get("clusterIP") != "None":
    fail("Service/nats is not headless")

nats_hosts = set()
if nats:
    if nats["spec"].get("serviceName") != "nats":
        fail("StatefulSet/nats: serviceName is not nats")
    nreps = nats["spec"].get("replicas", 1)
    ncont = nats["spec"]["template"]["spec"]["containers"][0]
    client = {p.get("name"): p["containerPort"] for p in ncont["ports"]}.get("client")
    nats_hosts = {f"nats-{i}.nats:{client}" for i in range(nreps)}
    if nreps != 3:
        fail(f"StatefulSet/nats: {nreps} replicas, want 3")

def check_event_log(where, args):
    v = flag(args, "event-log")
    if v is None:
        fail(f"{where}: no --event-log")
        return
    hosts = {re.sub(r"^(nats|tls)://", "", h) for h in v.split(",")}
    if nats_hosts and hosts != nats_hosts:
        fail(f"{where}: --event-log hosts {sorted(hosts)} != NATS pods {sorted(nats_hosts)}")

def check_flags(where, binary, args):
    path = os.path.join(help_dir, binary)
    if not os.path.exists(path):
        print(f"SKIP {where}: flag names not checked, {binary} not built (build/bin)")
        return
    known = set(re.findall(r"--([a-z0-9-]+)", open(path).read()))
    for a in args:
        if a.startswith("--"):
            f = a[2:].split("=", 1)[0]
            if f not in known:
                fail(f"{where}: {binary} has no flag --{f}")

if dep:
    pod = dep["spec"]["template"]
    c = pod["spec"]["containers"][0]
    args = c.get("args", [])
    if dep["spec"].get("replicas") != 3:
        fail("Deployment/boomerang: replicas is not 3")
    for probe in ("readinessProbe", "livenessProbe"):
        if c.get(probe, {}).get("grpc", {}).get("port") != 50051:
            fail(f"Deployment/boomerang: {probe} is not a grpc probe on 50051")
    ann = pod["metadata"].get("annotations", {})
    if ann.get("prometheus.io/scrape") != "true" or ann.get("prometheus.io/port") != "8080":
        fail("Deployment/boomerang: prometheus.io annotations missing")
    vols = {v["name"]: v for v in pod["spec"]["volumes"]}
    mounts = {m["mountPath"]: m for m in c["volumeMounts"]}
    snaps, events = flag(args, "snapshots"), flag(args, "events-dir")
    m = mounts.get(snaps)
    if not m or not m.get("readOnly") or "persistentVolumeClaim" not in vols[m["name"]] \
            or vols[m["name"]]["persistentVolumeClaim"]["claimName"] != "boomerang-snapshots":
        fail("Deployment/boomerang: --snapshots is not the boomerang-snapshots PVC mounted read-only")
    m = mounts.get(events)
    if not m or not ("emptyDir" in vols[m["name"]] or "ephemeral" in vols[m["name"]]):
        fail("Deployment/boomerang: --events-dir is not on an emptyDir/ephemeral volume")
    if flag(args, "replica-id") != "$(POD_NAME)" or not any(
            e["name"] == "POD_NAME" and e.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") == "metadata.name"
            for e in c.get("env", [])):
        fail("Deployment/boomerang: --replica-id is not $(POD_NAME) from metadata.name")
    check_event_log("Deployment/boomerang", args)
    grace = float(flag(args, "shutdown-grace-seconds") or 0)
    drain = float(flag(args, "drain-seconds") or 10)
    tgps = pod["spec"].get("terminationGracePeriodSeconds", 30)
    if tgps <= grace + drain:
        fail(f"Deployment/boomerang: terminationGracePeriodSeconds {tgps} <= shutdown grace {grace} + drain {drain}")
    check_flags("Deployment/boomerang", "boomerang-server", args)
    cfg = objs.get(("ConfigMap", "boomerang-config"))
    cfgarg = flag(args, "config")
    if cfg and cfgarg:
        try:
            import tomllib
            for key, text in cfg["data"].items():
                t = tomllib.loads(text)
                check_flags(f"ConfigMap/boomerang-config {key}", "boomerang-server",
                            [f"--{k}" for k, v in t.items() if k != "experiments"])
        except ImportError:
            print("SKIP ConfigMap/boomerang-config: TOML not parsed (python < 3.11)")
        except Exception as e:
            fail(f"ConfigMap/boomerang-config: TOML does not parse: {e}")
if cron:
    if cron["spec"].get("concurrencyPolicy") != "Forbid":
        fail("CronJob/boomerang-indexer: concurrencyPolicy is not Forbid")
    pod = cron["spec"]["jobTemplate"]["spec"]["template"]
    c = pod["spec"]["containers"][0]
    args = c.get("args", [])
    vols = {v["name"]: v for v in pod["spec"]["volumes"]}
    m = {mm["mountPath"]: mm for mm in c["volumeMounts"]}.get(flag(args, "out"))
    if not m or m.get("readOnly") or vols[m["name"]].get("persistentVolumeClaim", {}).get("claimName") != "boomerang-snapshots":
        fail("CronJob/boomerang-indexer: --out is not the boomerang-snapshots PVC mounted read-write")
    check_event_log("CronJob/boomerang-indexer", args)
    check_flags("CronJob/boomerang-indexer", "boomerang-indexer", args)

for p in problems:
    print(f"FAIL {p}")
if not problems:
    print(f"PASS rendered manifests are consistent ({len(objs)} objects: references, "
          "selectors, ports, probes, volumes, flags, drain timing)")
PY
elif [ -n "$rendered" ]; then
  skp "consistency of the rendered manifests: needs python3 with PyYAML"
fi

# 5. nats.conf.
if [ $have_yaml -eq 1 ] && command -v nats-server > /dev/null; then
  python3 - "$K8S/nats-config.yaml" > "$TMP/nats.conf" <<'PY'
import sys, yaml
print(yaml.safe_load(open(sys.argv[1]))["data"]["nats.conf"])
PY
  if out=$(cd "$TMP" && POD_NAME=nats-0 nats-server -t -c nats.conf 2>&1); then
    ok "nats.conf passes nats-server -t ($(nats-server --version 2>&1))"
  else
    bad "nats.conf: $out"
  fi
else
  skp "nats.conf syntax: needs nats-server (apt-get install nats-server) and PyYAML"
fi

echo "== Dockerfile"
df=Dockerfile
if [ ! -f "$df" ]; then
  bad "no Dockerfile"
else
  # Join continuation lines, drop comments.
  flat=$(sed -e 's/#.*$//' "$df" | sed -e ':a' -e '/\\$/N; s/\\\n/ /; ta')
  froms=$(grep -E '^FROM ' <<< "$flat" | awk '{print $2}' | sort -u | tr '\n' ' ')
  nfrom=$(grep -cE '^FROM ' <<< "$flat")
  if [ "$nfrom" -ge 2 ] && [ "$froms" = "debian:12 " ]; then
    ok "Dockerfile: $nfrom stages, all FROM debian:12"
  else
    bad "Dockerfile: want >= 2 stages FROM debian:12, got: $froms($nfrom)"
  fi
  targets="boomerang-server boomerang-indexer boomerang boomerang-demo-shop"
  if grep -qE '^RUN .*tools/install_deps\.sh' <<< "$flat" && ! grep -qE 'install_deps\.sh +--test' <<< "$flat" \
     && grep -qE "^RUN .*tools/build\.sh $targets" <<< "$flat"; then
    ok "Dockerfile: build stage runs tools/install_deps.sh and tools/build.sh $targets"
  else
    bad "Dockerfile: build stage must run tools/install_deps.sh (no --test) and tools/build.sh $targets"
  fi
  runtime=$(awk '/^FROM /{n++} n>=2' <<< "$flat")
  missing_bins=""
  for t in $targets; do
    grep -qE "^COPY --from=.*/bin/$t( |$)" <<< "$runtime" || missing_bins+=" $t"
  done
  [ -z "$missing_bins" ] && ok "Dockerfile: runtime stage copies the 4 binaries" \
    || bad "Dockerfile: runtime stage does not copy:$missing_bins"
  user=$(grep -E '^USER ' <<< "$runtime" | tail -1 | awk '{print $2}')
  if [ -n "$user" ] && [ "${user%%:*}" != "root" ] && [ "${user%%:*}" != "0" ]; then
    ok "Dockerfile: runs as non-root USER $user"
  else
    bad "Dockerfile: no non-root USER in the runtime stage"
  fi
  if grep -qE '^EXPOSE .*50051' <<< "$runtime" && grep -qE '^EXPOSE .*8080' <<< "$runtime"; then
    ok "Dockerfile: EXPOSE 50051 8080"
  else
    bad "Dockerfile: EXPOSE 50051 and 8080 expected"
  fi
  if grep -qE '^ENTRYPOINT \[.*boomerang-server"\]' <<< "$runtime"; then
    ok "Dockerfile: ENTRYPOINT boomerang-server (exec form)"
  else
    bad "Dockerfile: ENTRYPOINT should run boomerang-server in exec form"
  fi
  # The CMD's flags exist.
  if [ -s "$help_dir/boomerang-server" ] && [ $have_py -eq 1 ]; then
    cmd=$(grep -E '^CMD ' <<< "$runtime" | tail -1 | sed 's/^CMD //')
    unknown=$(python3 - "$help_dir/boomerang-server" "$cmd" <<'PY'
import json, re, sys
known = set(re.findall(r"--([a-z0-9-]+)", open(sys.argv[1]).read()))
print(" ".join(a for a in json.loads(sys.argv[2]) if a.startswith("--") and a[2:] not in known))
PY
)
    [ -z "$unknown" ] && ok "Dockerfile: CMD flags exist in boomerang-server --help" \
      || bad "Dockerfile: CMD has unknown flags: $unknown"
  fi
  # Runtime packages: the words after `apt-get install ... -y ...` up to &&.
  pkgs=$(grep -E '^RUN ' <<< "$runtime" | grep -oE 'apt-get install[^&;]*' \
         | sed 's/apt-get install//' | tr ' ' '\n' | grep -vE '^-|^$' | sort -u)
  if [ -z "$pkgs" ]; then
    bad "Dockerfile: no apt-get install in the runtime stage"
  fi
  . /etc/os-release 2> /dev/null || true
  if ! command -v apt-cache > /dev/null; then
    skp "runtime packages exist: no apt-cache on this machine"
  elif [ "${VERSION_CODENAME:-}" != "bookworm" ]; then
    skp "runtime packages exist: this machine is ${PRETTY_NAME:-not Debian}, not Debian 12 (bookworm)"
  elif ! grep -qE 'Candidate: [0-9]' <<< "$(apt-cache policy libc6 2> /dev/null)"; then
    skp "runtime packages exist: no apt lists here (run apt-get update)"
  else
    nocand=""
    for p in $pkgs; do
      grep -qE 'Candidate: [0-9]' <<< "$(apt-cache policy "$p" 2> /dev/null)" || nocand+=" $p"
    done
    [ -z "$nocand" ] && ok "Dockerfile: all $(wc -w <<< "$pkgs") runtime packages have a Debian 12 candidate" \
      || bad "Dockerfile: no apt candidate for:$nocand"
  fi
  # The runtime packages cover the built binaries' shared libraries.
  if ! command -v dpkg > /dev/null || ! command -v readelf > /dev/null; then
    skp "shared-library coverage: needs dpkg and readelf"
  elif [ ! -x "$BIN/boomerang-server" ]; then
    skp "shared-library coverage: binaries not built in $BIN"
  elif readelf -d "$BIN/boomerang-server" | grep -q 'libasan'; then
    # The test suite's sanitizer run (build-asan/): other flags, other
    # libraries (libasan, and gRPC's own deps linked directly). The image
    # is a Release build, which the plain run checks.
    skp "shared-library coverage: $BIN holds a sanitizer build, not what the image builds"
  else
    uncovered=""; nlibs=0
    for t in $targets; do
      [ -x "$BIN/$t" ] || { uncovered+=" ($t not built)"; continue; }
      ldd "$BIN/$t" > "$TMP/ldd" 2>&1
      for lib in $(readelf -d "$BIN/$t" | awk '/NEEDED/ {gsub(/[][]/, "", $5); print $5}'); do
        nlibs=$((nlibs + 1))
        path=$(awk -v l="$lib" '$1 == l && $2 == "=>" {print $3}' "$TMP/ldd")
        if [ -z "$path" ] || [ "$path" = "not" ]; then
          uncovered+=" $lib(not found by ldd)"; continue
        fi
        pkg=""
        for cand in "$(readlink -f "$path")" "$path" "/usr$path"; do
          pkg=$(dpkg -S "$cand" 2> /dev/null | sed -n '1s/:.*//p')
          [ -n "$pkg" ] && break
        done
        if [ -z "$pkg" ]; then
          uncovered+=" $lib(no package)"
        elif [ "$pkg" != "libc6" ] && ! grep -qx "$pkg" <<< "$pkgs"; then
          uncovered+=" $lib($pkg)"
        fi
      done
    done
    uncovered=$(tr ' ' '\n' <<< "$uncovered" | sort -u | tr '\n' ' ')
    if [ -z "${uncovered// /}" ]; then
      ok "Dockerfile: runtime packages cover all shared libraries the 4 binaries link ($nlibs NEEDED entries; libc6 is in the base image)"
    else
      bad "Dockerfile: runtime stage lacks packages for:$uncovered"
    fi
  fi
fi
if [ -f .dockerignore ] && grep -qxE '/?build/?' .dockerignore && grep -qxE '/?\.git/?' .dockerignore; then
  ok ".dockerignore excludes build/ and .git"
else
  bad ".dockerignore must exclude build/ (its CMake cache) and .git"
fi

echo "== Docker"
if [ -n "${CHECK_DEPLOY_NO_DOCKER:-}" ]; then
  skp "docker build: CHECK_DEPLOY_NO_DOCKER is set (the test suite's run)"
elif ! command -v docker > /dev/null; then
  skp "docker build: no docker client"
elif ! timeout 15 docker info > /dev/null 2>&1; then
  skp "docker build: no Docker daemon reachable (docker info fails)"
else
  tag=boomerang:check-deploy
  if timeout 1500 docker build -t "$tag" . > "$TMP/docker.log" 2>&1; then
    ok "docker build -t $tag ."
    for b in boomerang-server boomerang-indexer boomerang boomerang-demo-shop; do
      if docker run --rm --entrypoint "$b" "$tag" --help > /dev/null 2>&1; then
        ok "image: $b --help runs (its libraries are all there)"
      else
        bad "image: $b --help fails: $(docker run --rm --entrypoint "$b" "$tag" --help 2>&1 | tail -2)"
      fi
    done
    [ "$(docker run --rm --entrypoint id "$tag" -u)" != "0" ] && ok "image: runs as non-root" \
      || bad "image: runs as root"
  else
    bad "docker build failed or took over 25 min: $(tail -20 "$TMP/docker.log")"
  fi
fi

echo "== $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]

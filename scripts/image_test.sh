#!/usr/bin/env bash
# Build the container image and check it from the host: it must answer /_emulator/ready and
# /_emulator/health on the published port, run as a non-root user, and carry its HEALTHCHECK.
#
# Runs under podman (Debian's package), as root, with the settings that work on these machines
# (see docs/ci.md). No registry is reached: the base image is built locally with debootstrap
# (cached as $BASE_TAG) and the package comes from a wheelhouse built on the host.
#
# Exit 0 when the image passed, or when podman cannot be had here (it prints why: this script
# must not fail CI for a missing tool); exit 1 when the image does not build or does not answer.
set -euo pipefail
cd "$(dirname "$0")/.."

BASE_TAG=${BASE_TAG:-localhost/analytics-emulator-base:bookworm}
IMAGE_TAG=${IMAGE_TAG:-localhost/analytics-emulator:image-test}
SUITE=${SUITE:-bookworm}   # its python3 must match the host's: the wheelhouse is built by the host's Python
READY_TIMEOUT=${READY_TIMEOUT:-60}

skip() { echo "image test skipped: $*"; exit 0; }
fail() { echo "image test FAILED: $*" >&2; exit 1; }
log() { echo "image test: $*"; }

# -- podman, runc, debootstrap -------------------------------------------------------------------
missing=()
for tool in podman runc debootstrap; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = "0" ] || skip "${missing[*]} not installed and not root (cannot apt-get install)"
  command -v apt-get >/dev/null 2>&1 || skip "${missing[*]} not installed and no apt-get"
  log "installing podman runc debootstrap"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc debootstrap >/dev/null) \
    || skip "apt-get install podman runc debootstrap failed"
fi
[ "$(id -u)" = "0" ] || skip "podman runs here as root only (rootless needs subuids this machine may lack)"

# crun fails on this cgroup layout and the sandbox cannot raise podman's default ulimits.
CONTAINERS_CONF=$(mktemp)
export CONTAINERS_CONF
cat >"$CONTAINERS_CONF" <<'CONF'
[containers]
default_ulimits = []
[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
CONF

container=""
cleanup() {
  [ -n "$container" ] && podman rm -f "$container" >/dev/null 2>&1 || true
  podman rmi -f "$IMAGE_TAG" >/dev/null 2>&1 || true
  rm -f "$CONTAINERS_CONF"
}
trap cleanup EXIT

podman info >/dev/null 2>&1 || skip "podman is installed but does not work here: $(podman info 2>&1 | tail -1)"

# -- a local base image: Debian minbase with python3 (cached) ------------------------------------
mirror() {  # the Debian mirror this machine's apt already uses
  local uri
  uri=$(grep -rhsE '^\s*URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' \
        | grep -v -- '-security' | head -1)
  [ -n "$uri" ] || uri=$(grep -rhsE '^\s*deb\s' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
        | sed -E 's/\[[^]]*\]//' | awk '{print $2}' | grep -v -- '-security' | head -1)
  echo "$uri"
}
if podman image exists "$BASE_TAG"; then
  log "base $BASE_TAG cached"
else
  MIRROR=$(mirror)
  [ -n "$MIRROR" ] || skip "no Debian mirror in this machine's apt sources to build the base image from"
  rootfs=$(mktemp -d)
  log "building base $BASE_TAG with debootstrap $SUITE from $MIRROR (a few minutes, once)"
  started=$SECONDS
  if ! debootstrap --variant=minbase --include=python3,python3-venv "$SUITE" "$rootfs" "$MIRROR" \
       >"$rootfs.log" 2>&1; then
    tail -5 "$rootfs.log"; rm -rf "$rootfs" "$rootfs.log"
    skip "debootstrap could not build a base image (no Debian mirror reachable?)"
  fi
  tar -C "$rootfs" -c . | podman import - "$BASE_TAG" >"$rootfs.log" 2>&1 \
    || { tail -5 "$rootfs.log"; rm -rf "$rootfs" "$rootfs.log"; fail "podman import of the base failed"; }
  rm -rf "$rootfs" "$rootfs.log"
  log "base built in $((SECONDS - started)) s"
fi

# -- the image -----------------------------------------------------------------------------------
started=$SECONDS
build_log=$(mktemp)
if ! make image BASE="$BASE_TAG" IMAGE="$IMAGE_TAG" CONTAINER=podman \
     IMAGE_BUILD_FLAGS="--network host --pull=never" >"$build_log" 2>&1; then
  tail -30 "$build_log"; rm -f "$build_log"
  fail "the image did not build"
fi
rm -f "$build_log"
log "image built in $((SECONDS - started)) s"

healthcheck=$(podman image inspect --format '{{json .Config.Healthcheck}}' "$IMAGE_TAG")
case "$healthcheck" in *"/_emulator/health"*) ;; *) fail "no HEALTHCHECK on /_emulator/health: $healthcheck" ;; esac
user=$(podman image inspect --format '{{.Config.User}}' "$IMAGE_TAG")
case "$user" in ""|root|0|0:*) fail "the image runs as root (User=$user)" ;; esac
exposed=$(podman image inspect --format '{{json .Config.ExposedPorts}}' "$IMAGE_TAG")
case "$exposed" in *8023*) ;; *) fail "8023 is not exposed: $exposed" ;; esac

# -- run it and ask from the host ----------------------------------------------------------------
# No bridge network here: the container shares the host's, so its port is the host's. The image's
# own command serves 0.0.0.0:8023; when 8023 is taken on this machine, pass a free port instead.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
args=()
port=8023
if ! port_free 8023; then
  port=$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  args=(serve --host 0.0.0.0 --port "$port" --allowed-host analytics-emulator)
  log "8023 is in use on this machine: serving on $port instead"
fi
# No systemd here to time the HEALTHCHECK: disable its timer, run the check by hand below.
# (podman 4.3 still logs that it cannot reach systemd: kept out of the output unless the run fails.)
run_log=$(mktemp)
container=$(podman run -d --network host --ulimit host --health-interval=disable "$IMAGE_TAG" "${args[@]}" \
            2>"$run_log") || { cat "$run_log"; rm -f "$run_log"; fail "podman run failed"; }
rm -f "$run_log"
if ! .venv/bin/analytics-emulator wait "http://127.0.0.1:$port" --timeout "$READY_TIMEOUT"; then
  podman logs "$container" 2>&1 | tail -20
  fail "the container did not answer /_emulator/ready on port $port"
fi
health=$(.venv/bin/python -c "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:$port/_emulator/health', timeout=5).read().decode())")
case "$health" in *'"ok"'*) ;; *) fail "/_emulator/health answered $health" ;; esac
# The control API answers the service name the image allows, and refuses a foreign Host.
control_status() {
  .venv/bin/python - "$port" "$1" <<'PY'
import http.client, sys
connection = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=5)
connection.request("GET", "/_emulator/requests?limit=1", headers={"Host": sys.argv[2]})
print(connection.getresponse().status)
PY
}
[ "$(control_status "analytics-emulator:$port")" = 200 ] || fail "the control API refuses Host: analytics-emulator"
[ "$(control_status "elsewhere.example")" = 403 ] || fail "the control API accepts a foreign Host"
whoami_in=$(podman exec "$container" id -u)
[ "$whoami_in" != "0" ] || fail "the server runs as root inside the container"
if [ "$port" = 8023 ]; then
  podman healthcheck run "$container" >/dev/null || fail "the image's HEALTHCHECK fails on a serving container"
fi
log "passed: the image answers /_emulator/ready and /_emulator/health on http://127.0.0.1:$port (uid $whoami_in)"

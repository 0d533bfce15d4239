#!/bin/sh
# Checks freshly compiled binaries the way users get them, on the Linux machine that built them (CI):
#   1. dist/SHA256SUMS matches the archives;
#   2. both binaries of this machine's target print VERSION (src/version.ts) for --version;
#   3. install.sh installs them from a local copy of the release and verifies the checksum;
#   4. where systemd runs (CI runners, not containers), packaging/systemd/stoa-connect.service starts
#      the agent with its hardening, /health answers and `stoa-connect healthcheck` agrees.
#
#   sh packaging/smoke_test.sh dist        (after deno task compile)
#
# Needs python3 (local HTTP server) and curl; step 4 needs root or sudo. SMOKE_PORT picks the port of the
# local release server (default 18080).
set -eu

dist=${1:?usage: sh packaging/smoke_test.sh DIST_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
version=$(sed -n 's/^export const VERSION = "\(.*\)";$/\1/p' "${root}/src/version.ts")
[ -n "$version" ] || { echo "smoke: cannot read VERSION from src/version.ts" >&2; exit 1; }
case "$(uname -m)" in
  x86_64 | amd64) target=x86_64-unknown-linux-gnu ;;
  aarch64 | arm64) target=aarch64-unknown-linux-gnu ;;
  *) echo "smoke: no release target for $(uname -m)" >&2; exit 1 ;;
esac
port=${SMOKE_PORT:-18080}

work=$(mktemp -d "${TMPDIR:-/tmp}/stoa-connect-smoke.XXXXXX")
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

step() {
  printf '\n== %s\n' "$*"
}

step "SHA256SUMS matches the archives"
(cd "$dist" && sha256sum -c SHA256SUMS)

step "--version prints ${version}"
for bin in stoa-connect stoactl; do
  out=$("${dist}/${target}/${bin}" --version)
  echo "${bin} --version: ${out}"
  case "$out" in
    *"$version"*) ;;
    *) echo "smoke: ${bin} --version does not print ${version}" >&2; exit 1 ;;
  esac
done

step "install.sh installs v${version} from a local release server"
mkdir -p "${work}/release/v${version}"
cp "${dist}"/stoa-connect-"${version}"-* "${dist}/SHA256SUMS" "${work}/release/v${version}/"
python3 -m http.server --bind 127.0.0.1 --directory "${work}/release" "$port" >"${work}/server.log" 2>&1 &
server_pid=$!
tries=0
until curl -fsS -o /dev/null "http://127.0.0.1:${port}/v${version}/SHA256SUMS"; do
  tries=$((tries + 1))
  [ "$tries" -lt 50 ] || { echo "smoke: the local release server did not start" >&2; cat "${work}/server.log" >&2; exit 1; }
  sleep 0.2
done
STOA_CONNECT_DOWNLOAD_URL="http://127.0.0.1:${port}" STOA_CONNECT_VERSION="$version" \
  STOA_INSTALL_DIR="${work}/bin" sh "${root}/install.sh"
"${work}/bin/stoa-connect" --version
"${work}/bin/stoactl" --version

if [ ! -d /run/systemd/system ]; then
  echo "NOTICE: systemd is not running here; the unit was not started (systemd-analyze checks run in deno task test)"
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

step "systemd: packaging/systemd/stoa-connect.service starts the agent with its hardening"
$sudo install -m 0755 "${work}/bin/stoa-connect" "${work}/bin/stoactl" /usr/local/bin/
$sudo install -d -m 0750 /etc/stoa-connect
# Nothing listens on port 9: the agent must stay up, retrying, and keep serving /health.
printf '%s\n' \
  "STOA_CONTROL_PLANE_URL=http://127.0.0.1:9" \
  "STOA_GATEWAY_API_KEY=smoke-test-key" \
  "STOA_GATEWAY_TYPE=kong" \
  "STOA_GATEWAY_ADMIN_URL=http://127.0.0.1:9" \
  "STOA_CONNECT_PORT=8090" \
  "LOG_LEVEL=debug" | $sudo tee /etc/stoa-connect/env >/dev/null
$sudo chmod 0600 /etc/stoa-connect/env
$sudo install -m 0644 "${root}/packaging/systemd/stoa-connect.service" /etc/systemd/system/stoa-connect.service
$sudo systemctl daemon-reload
$sudo systemctl start stoa-connect
tries=0
until curl -fsS "http://127.0.0.1:8090/health"; do
  tries=$((tries + 1))
  if [ "$tries" -ge 60 ] || ! $sudo systemctl is-active --quiet stoa-connect; then
    echo "smoke: the agent did not serve /health under systemd" >&2
    $sudo systemctl status --no-pager stoa-connect >&2 || true
    $sudo journalctl -u stoa-connect --no-pager -n 100 >&2 || true
    exit 1
  fi
  sleep 0.5
done
echo
STOA_CONNECT_PORT=8090 /usr/local/bin/stoa-connect healthcheck
$sudo systemctl stop stoa-connect
if STOA_CONNECT_PORT=8090 /usr/local/bin/stoa-connect healthcheck; then
  echo "smoke: healthcheck succeeded with the agent stopped" >&2
  exit 1
fi
$sudo systemctl disable stoa-connect 2>/dev/null || true
echo "smoke: all checks passed"

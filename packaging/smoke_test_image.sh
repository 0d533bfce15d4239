#!/bin/sh
# Checks a built container image the way the README runs it (CI):
#   1. both binaries print VERSION (src/version.ts) for --version; the image runs as uid 65532;
#   2. `docker run -d --network host --env-file .env IMAGE` starts the agent and /health answers;
#   3. a new named state volume belongs to the runtime user, and the HEALTHCHECK reports healthy.
#
#   sh packaging/smoke_test_image.sh stoa-connect:ci
#
# SMOKE_PORT picks the agent port on the host network (default 18090).
set -eu

image=${1:?usage: sh packaging/smoke_test_image.sh IMAGE}
root=$(cd "$(dirname "$0")/.." && pwd)
version=$(sed -n 's/^export const VERSION = "\(.*\)";$/\1/p' "${root}/src/version.ts")
port=${SMOKE_PORT:-18090}
name="stoa-connect-smoke-$$"
volume="stoa-connect-smoke-state-$$"
work=$(mktemp -d "${TMPDIR:-/tmp}/stoa-connect-image-smoke.XXXXXX")
cleanup() {
  docker rm -f "$name" >/dev/null 2>&1 || true
  docker volume rm "$volume" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "smoke: $*" >&2
  docker logs "$name" >&2 2>&1 || true
  exit 1
}

for bin in stoa-connect stoactl; do
  out=$(docker run --rm --entrypoint "/usr/local/bin/${bin}" "$image" --version)
  echo "${bin} --version: ${out}"
  case "$out" in *"$version"*) ;; *) fail "${bin} --version does not print ${version}" ;; esac
done
user=$(docker image inspect -f '{{.Config.User}}' "$image")
[ "$user" = "65532:65532" ] || fail "image user is '${user}', expected 65532:65532"

# The guide's way: host network and an env file. Nothing listens on port 9, so the agent keeps retrying
# the Control Plane and the gateway while its local server stays up.
printf '%s\n' \
  "STOA_CONTROL_PLANE_URL=http://127.0.0.1:9" \
  "STOA_GATEWAY_API_KEY=smoke-test-key" \
  "STOA_GATEWAY_TYPE=kong" \
  "STOA_GATEWAY_ADMIN_URL=http://127.0.0.1:9" \
  "STOA_CONNECT_PORT=${port}" >"${work}/.env"
docker run -d --name "$name" --network host --env-file "${work}/.env" \
  -v "${volume}:/var/lib/stoa-connect" "$image" >/dev/null

tries=0
until curl -fsS "http://127.0.0.1:${port}/health"; do
  tries=$((tries + 1))
  [ "$tries" -lt 60 ] || fail "/health did not answer on port ${port}"
  [ "$(docker inspect -f '{{.State.Running}}' "$name")" = true ] || fail "the container exited"
  sleep 0.5
done
echo

# Docker fills a new named volume from the image's directory, ownership included.
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
owner=$($sudo stat -c %u "$(docker volume inspect -f '{{.Mountpoint}}' "$volume")")
[ "$owner" = 65532 ] || fail "the state volume belongs to uid ${owner}, expected 65532"

# HEALTHCHECK: first probe after --start-period/--interval; allow a few of them.
tries=0
while :; do
  status=$(docker inspect -f '{{.State.Health.Status}}' "$name")
  [ "$status" = healthy ] && break
  tries=$((tries + 1))
  [ "$tries" -lt 45 ] || fail "HEALTHCHECK status is '${status}' after 90 s"
  sleep 2
done
echo "smoke: image checks passed (health: ${status})"

#!/usr/bin/env bash
# Builds the Trellis container images from the repository (each Dockerfile runs the Maven build in its first
# stage). Not run in CI: the CI machines have no container daemon. Needs docker with BuildKit.
#
#   install/images/build.sh [component...]      default: all of them
#   REPO=registry.example:5000/trellis TAG=dev install/images/build.sh
#
# The names match the manifests: <REPO>/<component>:<TAG>, defaults trellis/...:0.1.0 (InstallOptions.defaults()
# and the controller's --waypoint-image default).
set -euo pipefail

REPO=${REPO:-trellis}
TAG=${TAG:-0.1.0}
COMPONENTS=(controller node-proxy waypoint node-agent)

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if ! command -v docker >/dev/null 2>&1; then
  echo "build.sh: docker is not installed; the images are built from install/images/<component>/Dockerfile" >&2
  exit 2
fi
selected=("$@")
[ ${#selected[@]} -eq 0 ] && selected=("${COMPONENTS[@]}")
for c in "${selected[@]}"; do
  if [ ! -f "$root/install/images/$c/Dockerfile" ]; then
    echo "build.sh: unknown component '$c' (one of: ${COMPONENTS[*]})" >&2
    exit 2
  fi
  echo "build.sh: $REPO/$c:$TAG" >&2
  DOCKER_BUILDKIT=1 docker build -f "$root/install/images/$c/Dockerfile" -t "$REPO/$c:$TAG" "$root"
done

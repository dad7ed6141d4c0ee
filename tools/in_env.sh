#!/usr/bin/env bash
# Run a command inside the project environment (.venv + the colcon install space),
# as `source .venv/bin/activate && source install/setup.bash` would by hand.
set -eo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck disable=SC1091
source "$ROOT/.venv/bin/activate"
# shellcheck disable=SC1091
source "$ROOT/install/setup.bash"
# Keep DDS discovery on this machine unless the caller chose otherwise.
export ROS_AUTOMATIC_DISCOVERY_RANGE="${ROS_AUTOMATIC_DISCOVERY_RANGE:-LOCALHOST}"
export PYTHONUNBUFFERED=1
exec "$@"

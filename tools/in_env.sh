#!/usr/bin/env bash
# Run a command inside the project environment (the distro's venv + its colcon install
# space), as `source .venv/bin/activate && source install/setup.bash` would by hand;
# DISTRO=kilted: .venv-kilted and install-kilted (tools/distro.sh).
set -eo pipefail
STEER_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=tools/distro.sh
source "$STEER_ROOT/tools/distro.sh"
if [ -n "$STEER_DISTRO_ERROR" ]; then echo "$STEER_DISTRO_ERROR" >&2; exit 2; fi
# shellcheck disable=SC1091
source "$STEER_VENV/bin/activate"
# shellcheck disable=SC1091
source "$STEER_INSTALL_BASE/setup.bash"
# Keep DDS discovery on this machine unless the caller chose otherwise.
export ROS_AUTOMATIC_DISCOVERY_RANGE="${ROS_AUTOMATIC_DISCOVERY_RANGE:-LOCALHOST}"
export PYTHONUNBUFFERED=1
exec "$@"

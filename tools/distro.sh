# shellcheck shell=bash
# Where the environment of each ROS 2 distro lives; sourced by setup.sh and in_env.sh.
# DISTRO picks it (`make setup DISTRO=kilted`); unset, it is the sourced ROS 2's
# ($ROS_DISTRO) or jazzy. Jazzy keeps the plain names, so a checkout made before
# Kilted existed keeps working; another distro gets its own suffixed copies, side by
# side with Jazzy's.
# Sets STEER_DISTRO, STEER_VENV, STEER_BUILD_BASE, STEER_INSTALL_BASE, STEER_LOG_BASE,
# and STEER_DISTRO_ERROR ("" unless DISTRO names a distro this project cannot build).
STEER_ROOT=${STEER_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
STEER_DISTRO=${DISTRO:-${ROS_DISTRO:-jazzy}}
STEER_DISTRO_ERROR=""
case "$STEER_DISTRO" in
  jazzy) _steer_suffix="" ;;
  kilted) _steer_suffix="-kilted" ;;
  *) _steer_suffix="-$STEER_DISTRO"
     STEER_DISTRO_ERROR="DISTRO=$STEER_DISTRO: the PyPI wheels this project pins are jazzy (requirements.txt) and kilted (requirements-kilted.txt); use one of those, or source that ROS 2 install and leave DISTRO unset" ;;
esac
STEER_VENV="$STEER_ROOT/.venv$_steer_suffix"
STEER_BUILD_BASE="$STEER_ROOT/build$_steer_suffix"
STEER_INSTALL_BASE="$STEER_ROOT/install$_steer_suffix"
STEER_LOG_BASE="$STEER_ROOT/log$_steer_suffix"
unset _steer_suffix

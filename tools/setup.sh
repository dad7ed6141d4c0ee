#!/usr/bin/env bash
# make setup: build the environment and the package, from nothing or incrementally.
#
# - ROS 2 already sourced (ROS_DISTRO set and rclpy importable): a venv with
#   --system-site-packages for the Python-only dependencies, then colcon build.
# - Otherwise: a venv with ROS 2 from the PyPI wheels of DISTRO (jazzy: the
#   ros-jazzy-* wheels of requirements.txt; kilted: the unprefixed ros-* wheels of
#   requirements-kilted.txt), the build dependencies they miss, colcon and the Python
#   dependencies (requirements.txt), the wheels' baked-in build paths repaired, then
#   colcon build.
#
# Where each distro lives (so both can sit side by side in one checkout):
#   jazzy  (the default): .venv, build/, install/, log/
#   kilted (DISTRO=kilted): .venv-kilted, build-kilted/, install-kilted/, log-kilted/
#
# Idempotent and cheap when nothing changed: each step leaves a stamp holding the
# hash of its inputs and is skipped while the hash matches. A step that fails or is
# interrupted leaves no stamp, so running `make setup` again repairs it.
#
# --no-build stops after the dependencies (step 3): enough for `make test-fast`, which
# runs the ROS-free tests without colcon or DDS.
set -euo pipefail
NO_BUILD=0
[ "${1:-}" = "--no-build" ] && NO_BUILD=1

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STEER_ROOT="$ROOT"
cd "$ROOT"
# shellcheck source=tools/distro.sh
source "$ROOT/tools/distro.sh"
REQUIREMENTS="$ROOT/requirements.txt"

say() { echo "==> setup: $*"; }
fail() {
  # $1: the step, $2: what went wrong and how to fix it.
  echo "" >&2
  echo "setup FAILED at step '$1': $2" >&2
  exit 1
}
hash_of() { sha256sum | cut -c1-16; }
[ -n "$STEER_DISTRO_ERROR" ] && fail "distro" "$STEER_DISTRO_ERROR"

# --- 1. Which ROS 2? ---------------------------------------------------------------
if [ -n "${ROS_DISTRO:-}" ] && python3 -c "import rclpy" >/dev/null 2>&1; then
  [ "$ROS_DISTRO" = "$STEER_DISTRO" ] || fail "distro" "ROS 2 $ROS_DISTRO is sourced but DISTRO=$STEER_DISTRO; unset DISTRO, or open a shell without ROS 2 sourced to use the $STEER_DISTRO wheels."
  MODE="system-$ROS_DISTRO"
  BASE_PYTHON=$(command -v python3)
  say "using the sourced ROS 2 $ROS_DISTRO ($(python3 -c 'import rclpy, os; print(os.path.dirname(rclpy.__file__))'))"
else
  MODE="wheels-$STEER_DISTRO"
  BASE_PYTHON=$(command -v python3.11 || true)
  [ -n "$BASE_PYTHON" ] || fail "python" "the ROS 2 $STEER_DISTRO wheels need CPython 3.11 and no python3.11 is on PATH; install it (e.g. apt-get install python3.11 python3.11-venv) or source a ROS 2 install first."
fi
VENV="$STEER_VENV"

# --- 2. The virtual environment ------------------------------------------------------
if [ -x "$VENV/bin/python" ] && [ "$(cat "$VENV/.steer-mode" 2>/dev/null)" != "$MODE" ]; then
  say "the venv was made for '$(cat "$VENV/.steer-mode" 2>/dev/null || echo unknown)', now '$MODE': recreating it"
  rm -rf "$VENV" "$STEER_BUILD_BASE" "$STEER_INSTALL_BASE"
fi
if ! "$VENV/bin/python" -c "import sys" >/dev/null 2>&1; then
  say "creating $VENV ($MODE)"
  rm -rf "$VENV"
  venv_args=()
  [[ "$MODE" == system-* ]] && venv_args=(--system-site-packages)
  "$BASE_PYTHON" -m venv "${venv_args[@]}" "$VENV" \
    || fail "venv" "'$BASE_PYTHON -m venv' failed; install the venv module (apt-get install python3-venv) and run 'make setup' again."
  echo "$MODE" > "$VENV/.steer-mode"
fi
PY="$VENV/bin/python"

# --- 3. Dependencies -----------------------------------------------------------------
# The Python section of requirements.txt (everything above its Jazzy wheels).
PY_REQ_TEXT=$(sed '/^# --- ROS 2 Jazzy from PyPI/,$d' "$REQUIREMENTS")
if [[ "$MODE" == system-* ]]; then
  # Only the Python section: ROS itself comes from the sourced distro.
  REQ_TEXT="$PY_REQ_TEXT"
  command -v colcon >/dev/null 2>&1 || REQ_TEXT+=$'\ncolcon-common-extensions==0.3.0'
elif [ "$STEER_DISTRO" = jazzy ]; then
  REQ_TEXT=$(cat "$REQUIREMENTS")
else
  REQ_TEXT="$PY_REQ_TEXT"$'\n'$(cat "$ROOT/requirements-$STEER_DISTRO.txt")
fi
DEPS_STAMP=$( (echo "$MODE"; echo "$REQ_TEXT"; cat tools/fix_wheel_paths.py) | hash_of)
if [ "$(cat "$VENV/.steer-deps" 2>/dev/null)" != "$DEPS_STAMP" ]; then
  say "installing the pinned dependencies into $(basename "$VENV") (requirements.txt$([ "$STEER_DISTRO" = jazzy ] || echo ", requirements-$STEER_DISTRO.txt"))"
  rm -f "$VENV/.steer-deps" "$VENV/.steer-build"
  REQ_FILE=$(mktemp)
  trap 'rm -f "$REQ_FILE"' EXIT
  echo "$REQ_TEXT" > "$REQ_FILE"
  "$PY" -m pip install --disable-pip-version-check -q --upgrade pip >/dev/null 2>&1 || true
  "$PY" -m pip install --disable-pip-version-check -q -r "$REQ_FILE" \
    2> >(grep -v "is ignored: it is neither a file nor a directory" >&2) \
    || fail "dependencies" "pip could not install requirements.txt (see above); check the network to PyPI and run 'make setup' again."
  if [[ "$MODE" == wheels-* ]]; then
    say "repairing the build paths baked into the ROS wheels"
    "$PY" tools/fix_wheel_paths.py "$VENV" \
      || fail "wheel paths" "tools/fix_wheel_paths.py could not repair the wheels' CMake files; remove $(basename "$VENV") and run 'make setup' again."
  fi
  echo "$DEPS_STAMP" > "$VENV/.steer-deps"
fi

if [ "$NO_BUILD" = 1 ]; then
  say "ready ($MODE, no colcon build). Enter the environment with: source $(basename "$VENV")/bin/activate"
  exit 0
fi

# --- 4. colcon build -------------------------------------------------------------------
# With --symlink-install, edits to installed files show through at once; a rebuild is
# needed only when messages, the build files or the set of files change.
BUILD_STAMP=$( (echo "$DEPS_STAMP"; cat CMakeLists.txt package.xml msg/*.msg scripts/*;
  git ls-files --cached --others --exclude-standard -- steer_ros launch config scripts | LC_ALL=C sort) | hash_of)
if [ "$(cat "$VENV/.steer-build" 2>/dev/null)" != "$BUILD_STAMP" ] || [ ! -f "$STEER_INSTALL_BASE/setup.bash" ]; then
  say "colcon build --symlink-install"
  rm -f "$VENV/.steer-build"
  (
    # shellcheck disable=SC1091
    source "$VENV/bin/activate"
    if [[ "$MODE" == wheels-* ]]; then
      export AMENT_PREFIX_PATH="$VENV" CMAKE_PREFIX_PATH="$VENV"
    fi
    colcon --log-base "$STEER_LOG_BASE" build --symlink-install --event-handlers console_cohesion- summary+ \
      --build-base "$STEER_BUILD_BASE" --install-base "$STEER_INSTALL_BASE" \
      --cmake-args -DPython3_EXECUTABLE="$PY" -DBUILD_TESTING=OFF
  ) || fail "colcon build" "the package did not build ($(basename "$STEER_LOG_BASE")/latest_build/steer_ros/stdout_stderr.log has the details); fix the error and run 'make setup' again."
  echo "$BUILD_STAMP" > "$VENV/.steer-build"
fi

say "ready ($MODE). Enter the environment with: source $(basename "$VENV")/bin/activate && source $(basename "$STEER_INSTALL_BASE")/setup.bash"

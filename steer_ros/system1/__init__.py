"""System 1, the fast loop: the always-feasible optimizer, its certified optimum, the
baselines it is scored against and the pacing of its steps (no ROS)."""

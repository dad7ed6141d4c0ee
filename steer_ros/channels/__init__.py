"""Channels: simulated scenarios, per-channel fusion of estimates, and channel selectors (no ROS)."""

"""The radio math: constellations and their mutual information (no ROS)."""

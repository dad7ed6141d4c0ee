"""The fleet: K radios sharing one budget, coordinated by price (docs/design.md,
"Many radios, one budget"). ROS-free; the nodes are in steer_ros.ros.nodes."""

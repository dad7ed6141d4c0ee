"""Thin ROS 2 wrappers around the ROS-free core: one module per node executable.

Each module defines a Node subclass and a one-line ``main()`` (``run_node``); parameters are
declared once with their defaults from :mod:`steer_ros.defaults`.
"""

"""steer_ros: LLM-steered power allocation for parallel QPSK-AWGN subchannels.

The ROS-free core (``defaults``, ``constellations``, ``mi``, ``optimizer``,
``optimum``, ``baselines``, ``navigator``, ``guardrails``, ``channels``, ``sdr``)
imports no ROS module; ``steer_ros.nodes`` holds the thin ROS 2 wrappers and
``steer_ros.msg`` the generated messages (present after ``colcon build``).
"""

__version__ = "0.1.0"

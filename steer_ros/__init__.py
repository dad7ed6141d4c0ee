"""steer_ros: LLM-steered power allocation for parallel QPSK-AWGN subchannels.

The ROS-free core (``defaults``, ``constellations``, ``mi``, ``optimizer``,
``optimum``, ``baselines``, ``navigator``, ``guardrails``, ``channels``, ``sdr``)
imports no ROS module; ``steer_ros.ros.nodes`` holds the thin ROS 2 wrappers and
``steer_ros.msg`` the generated messages (present after ``colcon build``).
"""

from pkgutil import extend_path

# Run from a source checkout, ``steer_ros`` resolves to this folder, while the
# generated ``steer_ros.msg`` lives in the colcon install space. Extending the
# package path lets both halves import from anywhere, as a ROS user expects.
__path__ = extend_path(__path__, __name__)

__version__ = "0.2.0"

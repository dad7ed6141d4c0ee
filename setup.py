"""pip metadata for steer_ros.

``pip install -e .`` gives the ROS-free parts (algorithms, experiments, the
``steer-ros`` command) to people without colcon. With ROS 2, build with colcon:
CMakeLists.txt installs the same Python package next to the generated messages.
"""

from setuptools import find_packages, setup

setup(
    name="steer_ros",
    version="0.2.0",
    description="LLM-steered power allocation for parallel radio subchannels (ROS 2)",
    license="Apache-2.0",
    python_requires=">=3.10",
    packages=find_packages(include=["steer_ros", "steer_ros.*"]),
    include_package_data=True,
    # Grammars beside their modules: the radio reader's and the fleet rules backend's.
    package_data={"steer_ros.system2.backends.reader": ["grammar.lark"], "steer_ros.fleet.navigator": ["*.lark"]},
    install_requires=[
        "numpy>=1.24",
        "scipy>=1.10",
        "pyyaml>=6",
        # the offline reader's grammar (steer_ros/system2/backends/reader)
        "lark>=1.2",
        "openai>=1.40",
        # the fleet rules backend's grammar
        "lark>=1.2",
        "matplotlib>=3.7",
        # SDR estimates from recordings and GNU Radio streams
        "sigmf>=1.14",
        "pyzmq>=25",
        # reading and plotting recordings
        "mcap>=1.6",
        "mcap-ros2-support>=0.6",
        "rosbags>=0.11",
    ],
    extras_require={
        # The paper-faithful Monte-Carlo estimator needs torch, pinned exactly (any other
        # spec pulls the CUDA wheels).
        "mc": ["torch==2.13.0"],
        "foxglove": ["foxglove-sdk>=0.30"],
        "test": ["pytest", "pytest-timeout", "hypothesis", "websockets"],
    },
    entry_points={"console_scripts": ["steer-ros=steer_ros.cli:main"]},
)

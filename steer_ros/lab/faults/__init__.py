"""Fault drills (the table of docs/failures.md): inject every LLM, message, node
and load fault into a live graph, one at a time, and show that System 1 keeps running,
feasible and accounted for.

- :mod:`~steer_ros.lab.faults.catalogue`: the rows (what is injected, what must happen);
- :mod:`~steer_ros.lab.faults.drill_server`: the scripted HTTP LLM the drills switch;
- :mod:`~steer_ros.lab.faults.metrics`: what a row measures (ROS-free);
- :mod:`~steer_ros.lab.faults.fault_runner` runs the groups of :mod:`~steer_ros.lab.faults.llm_drills`,
  :mod:`~steer_ros.lab.faults.message_drills`, :mod:`~steer_ros.lab.faults.node_drills` and
  :mod:`~steer_ros.lab.faults.load_drills` over the harness (:mod:`~steer_ros.lab.faults.drill_harness`:
  graphs, injection, measurement; needs ROS 2);
- :mod:`~steer_ros.lab.faults.report`: the table and ``out/faults/faults.json``.

``steer-ros faults`` and ``make faults`` run them; ``test/lab/test_faults.py`` too.
"""

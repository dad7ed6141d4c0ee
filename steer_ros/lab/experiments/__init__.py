"""The paper's section IV experiments (docs/design.md section 7; results in
docs/experiments.md), one module per concern:

- :mod:`~steer_ros.lab.experiments.harness` -- the step-locked harness (System 1 steps,
  the navigator every k steps, the guardrail between);
- :mod:`~steer_ros.lab.experiments.policies` / :mod:`~steer_ros.lab.experiments.reversal` --
  the two experiments;
- :mod:`~steer_ros.lab.experiments.through_graph` -- the same conditions through the
  live ROS graph;
- :mod:`~steer_ros.lab.experiments.trace`, :mod:`~steer_ros.lab.experiments.metrics`,
  :mod:`~steer_ros.lab.experiments.targets` -- what a run records, what is measured,
  the targets steer_ros sets itself;
- :mod:`~steer_ros.lab.experiments.figures`, :mod:`~steer_ros.lab.experiments.paper`,
  :mod:`~steer_ros.lab.experiments.report`, :mod:`~steer_ros.lab.experiments.experiment_runner` --
  PNGs, the paper's claims, results.json / results.md / docs, end to end.

Nothing here imports rclpy at module level; only the through-graph runner needs ROS.
"""

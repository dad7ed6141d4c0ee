"""channel_sim: publishes simulated channel states (steer/channel/sim) at rate_hz.

Scenarios come from :mod:`steer_ros.channels.scenario`. ``gain`` can be changed at run time
(``ros2 param set /channel_sim gain "[...]"``), and ``reversed`` set to true flips every
gain (h_i <-> h_{N+1-i}), the reversal of docs/design.md section 7 on demand. The fading scenarios
``jakes`` and ``tdl`` take doppler_hz / speed_mps / carrier_frequency_hz / k_factor_db /
tdl_profile / delay_spread_ns / subchannel_spacing_hz / num_sinusoids (ranges from
:data:`steer_ros.channels.fading.PARAM_RANGES`); h(t) is evaluated at the time since
start, so it does not depend on rate_hz. ``mu_mimo_zf`` adds ``antennas`` (M): the N
channels are its users, refused at start-up and on a parameter set when N > M
(``too_few_antennas``).
"""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import numpy as np
from rclpy.node import Node

from steer_ros import defaults
from steer_ros.channels.fading import PARAM_RANGES
from steer_ros.channels.scenario import SCENARIOS, ChannelScenario, ScenarioConfig
from steer_ros.channels.tdl_profiles import TDL_NAMES
from steer_ros.msg import ChannelState
from steer_ros.ros import topics
from steer_ros.ros.conversions import channel_state_msg
from steer_ros.ros.diagnostics import DiagnosticsReporter
from steer_ros.ros.node_runtime import run_node
from steer_ros.ros.parameters import Param, ParameterSet
from steer_ros.validation import InvalidInput

PARAMS = [
    Param("n_channels", defaults.N_CHANNELS, "Number of subchannels N (used when gain is empty).", min=1,
          max=defaults.MAX_CHANNELS),
    Param("gain", [], "|h_i|^2 per channel, linear; empty = the default gains (|h_i| = 0.5 + (i-1)/(N-1)).",
          kind="float_list", min=0.0),
    Param("noise_var", [], "sigma_i^2 per channel, linear; empty = noise_var_default on every channel.",
          kind="float_list", min=0.0),
    Param("noise_var_default", defaults.NOISE_VAR, "sigma^2 of every channel when noise_var is empty.", min=1e-300),
    Param("scenario", defaults.CHANNEL_SCENARIO, "How the gains evolve.", choices=SCENARIOS),
    Param("reversal_time_s", defaults.REVERSAL_TIME_S, "reversal: seconds after start when every gain is reversed.",
          min=0.0),
    Param("reversal_step", -1, "reversal: publish step at which gains reverse (>= 0 overrides reversal_time_s).",
          min=-1),
    Param("coherence_time_s", defaults.COHERENCE_TIME_S, "rayleigh / random_walk: block length, seconds.", min=1e-6),
    Param("walk_std_db", defaults.WALK_STD_DB, "random_walk: dB step per block.", min=0.0),
    Param("walk_range_db", defaults.WALK_RANGE_DB, "random_walk: excursion limit around the base gain, dB.", min=0.0),
    Param("schedule_times", [], "schedule: times (s) at which the gains change.", kind="float_list", min=0.0),
    Param("schedule_gains", [], "schedule: N gains per time, flattened row by row.", kind="float_list", min=0.0),
    Param("doppler_hz", defaults.FADING_DOPPLER_HZ, "jakes / tdl / mu_mimo_zf: maximum Doppler f_D, Hz.",
          min=PARAM_RANGES["doppler_hz"][0], max=PARAM_RANGES["doppler_hz"][1]),
    Param("speed_mps", defaults.FADING_SPEED_MPS,
          "jakes / tdl / mu_mimo_zf: > 0 sets f_D = speed * carrier_frequency_hz / c, overriding doppler_hz.",
          min=PARAM_RANGES["speed_mps"][0], max=PARAM_RANGES["speed_mps"][1]),
    Param("carrier_frequency_hz", defaults.FADING_CARRIER_FREQUENCY_HZ, "fading: carrier (for speed_mps), Hz.",
          min=PARAM_RANGES["carrier_frequency_hz"][0], max=PARAM_RANGES["carrier_frequency_hz"][1]),
    Param("k_factor_db", defaults.FADING_K_FACTOR_DB,
          "jakes: Rician K-factor, dB (LOS Doppler 0.7 f_D); -100 = Rayleigh.",
          min=PARAM_RANGES["k_factor_db"][0], max=PARAM_RANGES["k_factor_db"][1]),
    Param("tdl_profile", defaults.TDL_PROFILE, "tdl: 3GPP TR 38.901 TDL profile.", choices=TDL_NAMES),
    Param("delay_spread_ns", defaults.TDL_DELAY_SPREAD_NS, "tdl: RMS delay spread the profile is scaled to, ns.",
          min=PARAM_RANGES["delay_spread_ns"][0], max=PARAM_RANGES["delay_spread_ns"][1]),
    Param("subchannel_spacing_hz", defaults.TDL_SUBCHANNEL_SPACING_HZ,
          "tdl: subchannel i sits at f_i = i * spacing, Hz.",
          min=PARAM_RANGES["subchannel_spacing_hz"][0], max=PARAM_RANGES["subchannel_spacing_hz"][1]),
    Param("num_sinusoids", defaults.FADING_NUM_SINUSOIDS, "jakes / tdl / mu_mimo_zf: sinusoids per fading process.",
          min=PARAM_RANGES["num_sinusoids"][0], max=PARAM_RANGES["num_sinusoids"][1]),
    Param("antennas", defaults.MU_MIMO_ANTENNAS,
          "mu_mimo_zf: transmit antennas M; the users are the n_channels channels, at most M.",
          min=PARAM_RANGES["antennas"][0], max=PARAM_RANGES["antennas"][1]),
    Param("seed", 0, "Seed of the random scenarios.", min=0),
    Param("rate_hz", defaults.CHANNEL_RATE_HZ, "Publish rate.", min=0.01, max=10000.0, read_only=True),
    Param("reversed", False, "True: every gain reversed (h_i <-> h_{N+1-i}) on top of the scenario."),
]


FADING_PARAMS = ("doppler_hz", "speed_mps", "carrier_frequency_hz", "k_factor_db", "tdl_profile", "delay_spread_ns",
                 "subchannel_spacing_hz", "num_sinusoids", "antennas")


def scenario_from(values) -> ChannelScenario:
    """A ChannelScenario from the node's parameter values (raises ValueError)."""
    n = len(values.gain) or values.n_channels
    schedule = ()
    if values.scenario == "schedule":
        times, flat = values.schedule_times, values.schedule_gains
        if len(flat) != len(times) * n:
            raise InvalidInput("schedule_gains",
                               f"expected {len(times)} x {n} = {len(times) * n} values, got {len(flat)}")
        schedule = tuple((t, tuple(flat[k * n:(k + 1) * n])) for k, t in enumerate(times))
    return ChannelScenario(ScenarioConfig(
        scenario=values.scenario, gain=tuple(values.gain), n_channels=n,
        noise_var=tuple(values.noise_var) or tuple([values.noise_var_default] * n),
        reversal_time_s=values.reversal_time_s, reversal_step=values.reversal_step,
        coherence_time_s=values.coherence_time_s, walk_std_db=values.walk_std_db,
        walk_range_db=values.walk_range_db, schedule=schedule, seed=values.seed,
        **{name: getattr(values, name) for name in FADING_PARAMS},
    ))


class ChannelSimNode(Node):
    def __init__(self, **node_kwargs):
        super().__init__("channel_sim", **node_kwargs)
        self.params = ParameterSet(self, PARAMS)
        self.scenario = scenario_from(self.params.values)
        self.step = 0
        self.start = time.monotonic()
        for name in ("gain", "noise_var", "noise_var_default", "scenario", "n_channels", "seed", "reversal_time_s",
                     "reversal_step", "coherence_time_s", "walk_std_db", "walk_range_db", "schedule_times",
                     "schedule_gains") + FADING_PARAMS:
            self.params.on_change(name, lambda value, name=name: self._rebuild(name, value))
        self.params.on_change("reversed", lambda value: self.get_logger().info(
            f"gains {'reversed (h_i <-> h_N+1-i)' if value else 'back to the scenario order'} on request"))
        self.pub = self.create_publisher(ChannelState, topics.CHANNEL_SIM, topics.STREAM)
        self.diagnostics = DiagnosticsReporter(self, lambda: {
            "n_channels": self.scenario.n, "scenario": self.params.values.scenario, "published": self.step,
            "doppler_hz": getattr(self.scenario.fading, "doppler_hz", 0.0),
            "antennas": getattr(self.scenario.fading, "antennas", 0),
            "reversed": self.params.values.reversed})
        rate = self.params.values.rate_hz
        self._stop = threading.Event()
        self._paced: threading.Thread | None = None
        if rate <= defaults.CHANNEL_TIMER_MAX_HZ:
            self.timer = self.create_timer(1.0 / rate, self.publish)
        else:
            # An rclpy timer callback costs ~1 ms of executor time in Python: above a few
            # hundred Hz the timer falls behind (487 of 1000 Hz measured). A thread of its
            # own, paced by the clock, keeps the rate; publishing from it is thread-safe.
            self._paced = threading.Thread(target=self._publish_paced, args=(rate,), name="channel_sim_paced",
                                           daemon=True)
            self._paced.start()

    def _publish_paced(self, rate_hz: float) -> None:
        period, deadline = 1.0 / rate_hz, time.monotonic()
        while not self._stop.is_set():
            try:
                self.publish()
            except Exception as exc:  # a shut-down context ends the loop
                if self._stop.is_set() or not self.context.ok():
                    return
                self.get_logger().error(f"publish failed: {exc}")
            deadline += period
            wait = deadline - time.monotonic()
            if wait < -0.1:  # more than 0.1 s behind (a stall): continue from now, no burst
                deadline, wait = time.monotonic(), 0.0
            if wait > 0:
                self._stop.wait(wait)

    def destroy_node(self):
        # A node refused at start-up (a bad parameter) is destroyed before its thread exists.
        stop, paced = getattr(self, "_stop", None), getattr(self, "_paced", None)
        if stop is not None:
            stop.set()
        if paced is not None and paced is not threading.current_thread():
            paced.join(timeout=1.0)
        return super().destroy_node()

    def _rebuild(self, changed: str, value) -> None:
        """Re-make the scenario with one changed parameter (raises ValueError to refuse it)."""
        pending = SimpleNamespace(**{**vars(self.params.values), changed: value})
        self.scenario = scenario_from(pending)
        self.get_logger().info(f"scenario rebuilt after '{changed}' changed: {self.scenario.n} channels")

    def publish(self) -> None:
        gain, noise_var = self.scenario.at(time.monotonic() - self.start, self.step)
        if self.params.values.reversed:
            gain = gain[::-1]
        n = gain.shape[0]
        self.pub.publish(channel_state_msg(gain, noise_var, np.zeros(n, np.uint8), np.zeros(n),
                                           stamp=self.get_clock().now().to_msg()))
        self.step += 1


def main(args=None) -> int:
    return run_node(ChannelSimNode, args)

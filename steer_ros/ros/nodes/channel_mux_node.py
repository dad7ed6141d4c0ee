"""channel_mux: fuses simulated (steer/channel/sim) and SDR (steer/channel/sdr)
estimates per channel into steer/channel_state, the view Systems 1 and 2 read.

Inputs arriving faster than ``max_publish_hz`` are coalesced: the newest estimate goes
out at the next slot, within 1 / max_publish_hz (a timer armed while one is held back),
so a kHz estimator costs the subscribers of steer/channel_state a bounded rate and a
held-back change is late by at most one slot.

``sources`` maps each channel to ``sim`` or ``sdr`` (one entry per channel, or one
for all). A source that sends nothing for ``stale_after_s`` is stale: its channels
fall back to the other source or hold their last value (``on_stale``), and
/diagnostics says which. Malformed inputs are refused with the field and value named.
"""

from __future__ import annotations

import threading

from rclpy.node import Node

from steer_ros import defaults
from steer_ros.channels.channel_mux import ON_STALE, SOURCES, ChannelMux, parse_sources
from steer_ros.msg import ChannelState
from steer_ros.ros import topics
from steer_ros.ros.conversions import channel_arrays, channel_state_msg
from steer_ros.ros.diagnostics import DiagnosticsReporter
from steer_ros.ros.node_runtime import run_node
from steer_ros.ros.parameters import Param, ParameterSet
from steer_ros.system1.step_pacer import PublishLimiter

PARAMS = [
    Param("sources", ["sim"], "Primary source per channel ('sim' or 'sdr'); one entry applies to all channels.",
          kind="str_list", choices=SOURCES),
    Param("stale_after_s", defaults.STALE_AFTER_S, "A source silent this long is stale.", min=1e-3),
    Param("on_stale", defaults.MUX_ON_STALE, "What a stale source's channels do.", choices=ON_STALE),
    Param("rate_hz", defaults.MUX_RATE_HZ, "Republish rate (the mux also publishes on every input).", min=0.1,
          max=1000.0, read_only=True),
    Param("max_publish_hz", defaults.MUX_MAX_PUBLISH_HZ,
          "Inputs faster than this are coalesced: the newest goes out at the next slot.", min=1.0, max=100000.0,
          read_only=True),
]


class ChannelMuxNode(Node):
    def __init__(self, **node_kwargs):
        super().__init__("channel_mux", **node_kwargs)
        self.params = ParameterSet(self, PARAMS)
        self.params.on_change("sources", lambda v: self._reset(sources=v))
        self.params.on_change("stale_after_s", lambda v: self._reset(stale_after_s=v))
        self.params.on_change("on_stale", lambda v: self._reset(on_stale=v))
        self.lock = threading.Lock()
        self.mux: ChannelMux | None = None
        self.published = 0
        self.coalesced = 0  # inputs not published on arrival (a newer one went out instead)
        self.limiter = PublishLimiter(self.params.values.max_publish_hz)
        self.pub = self.create_publisher(ChannelState, topics.CHANNEL_STATE, topics.STREAM)
        for source, topic in (("sim", topics.CHANNEL_SIM), ("sdr", topics.CHANNEL_SDR)):
            self.create_subscription(ChannelState, topic, lambda msg, s=source: self.on_input(s, msg), topics.STREAM_IN)
        self.diagnostics = DiagnosticsReporter(self, self._diag_values)
        self.timer = self.create_timer(1.0 / self.params.values.rate_hz, self.publish)
        # The next slot for a held-back input: one timer, armed (reset) when an input is
        # held back and cancelled when it fires, so no timer is made per input.
        self.slot_timer = self.create_timer(self.limiter.min_interval_s, self._publish_slot)
        self.slot_timer.cancel()

    def _diag_values(self) -> dict:
        mux = self.mux
        return {
            "n_channels": mux.n if mux else 0,
            "published": self.published,
            "coalesced": self.coalesced,
            "sim_fresh": mux.is_fresh("sim") if mux else False,
            "sdr_fresh": mux.is_fresh("sdr") if mux else False,
        }

    def _reset(self, **change) -> None:
        """Apply a parameter change to the mux (ValueError refuses it)."""
        values = {**vars(self.params.values), **change}
        with self.lock:
            if self.mux is not None:
                sources = parse_sources(values["sources"], self.mux.n)
                self.mux = self.mux.reconfigured(sources, values["stale_after_s"], values["on_stale"])

    def on_input(self, source: str, msg: ChannelState) -> None:
        try:
            gain, noise_var, _, gain_var = channel_arrays(msg)
            with self.lock:
                if self.mux is None or self.mux.n != gain.shape[0]:
                    if self.mux is not None:
                        self.get_logger().warning(f"channel count changed {self.mux.n} -> {gain.shape[0]} ({source})")
                    values = self.params.values
                    self.mux = ChannelMux(parse_sources(values.sources, gain.shape[0]), values.stale_after_s,
                                          values.on_stale)
                self.mux.update(source, gain, noise_var, gain_var)
            self.diagnostics.clear(f"rejected_{source}")
        except ValueError as exc:  # InvalidInput names the field; a bad 'sources' length too
            self.diagnostics.reject(f"rejected_{source}", str(exc), f"rejected {source} ChannelState")
            return
        if self.limiter.request():
            self.publish()
            return
        self.coalesced += 1
        if self.slot_timer.is_canceled():  # publish the newest at the next slot
            self.slot_timer.reset()

    def _publish_slot(self) -> None:
        if self.limiter.poll():
            self.publish()
        if not self.limiter.pending:
            self.slot_timer.cancel()

    def publish(self) -> None:
        with self.lock:
            if self.mux is None:
                return
            fused = self.mux.fuse()
        if fused is None:
            self.diagnostics.problem("waiting", "waiting for a first estimate of every channel")
            return
        self.diagnostics.clear("waiting")
        if fused.stale:
            self.diagnostics.problem("stale", f"stale channels {fused.stale}: " + "; ".join(fused.notes))
        else:
            self.diagnostics.clear("stale")
        self.pub.publish(channel_state_msg(fused.gain, fused.noise_var, fused.source, fused.gain_var,
                                           stamp=self.get_clock().now().to_msg()))
        self.limiter.published()
        self.published += 1


def main(args=None) -> int:
    return run_node(ChannelMuxNode, args)



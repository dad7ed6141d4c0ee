"""steer-ros plot at large N (ROS-free: the plots read recordings without rclpy; here
they draw synthetic series): above 32 channels per-band lines and an MI heat map over
subcarrier x time; at 8 channels the per-channel figures."""

from __future__ import annotations

import numpy as np
import pytest

from steer_ros.ros.recording.plots import GROUPED_ABOVE, RunSeries, band_series, grouped, plot_series

pytest.importorskip("matplotlib")


def series(n: int, steps: int = 40) -> RunSeries:
    t = np.linspace(0.0, 4.0, steps)
    ramp = np.linspace(0.0, 2.0, n)[None, :] * (0.5 + 0.5 * np.sin(t)[:, None] ** 2)
    weights = np.full((steps, n), 1.0 / n)
    power = np.full((steps, n), 5.0)
    return RunSeries(t=t, mi=ramp, weights=weights, power=power, total_mi=ramp.sum(axis=1),
                     optimality_gap=np.zeros(steps), p_total=np.full(steps, 5.0 * n),
                     power_used=np.full(steps, 5.0 * n), policy_changes=[(1.0, "Maximize total throughput")],
                     reasoning=[(1.0, "OK", "equal weights")], goals_met=np.ones(steps, dtype=bool))


def test_band_series_means_and_nan_channels():
    x = np.arange(12.0).reshape(1, 12).repeat(2, axis=0)
    x[1, 8:] = np.nan  # four channels gone at the second time
    edges, mean, lo, hi = band_series(x, 3)
    assert edges.tolist() == [0, 4, 8, 12]
    assert mean[0].tolist() == [1.5, 5.5, 9.5] and lo[0].tolist() == [0, 4, 8] and hi[0].tolist() == [3, 7, 11]
    assert np.isnan(mean[1, 2]) and mean[1, 1] == 5.5


@pytest.mark.slow  # a few seconds: left out of make test-fast
def test_large_n_writes_band_plots_and_a_heat_map(tmp_path):
    s = series(4096)
    assert grouped(s) and not grouped(series(GROUPED_ABOVE))
    written = plot_series(s, tmp_path, "ofdm4096")
    assert {"overview", "mi_per_channel", "weights", "mi_heatmap", "reasoning"} <= set(written)
    for name in ("overview", "mi_per_channel", "mi_heatmap"):
        assert written[name].stat().st_size > 10_000, name
    import matplotlib.image

    heat = matplotlib.image.imread(written["mi_heatmap"])
    assert heat.shape[0] > 300 and heat.shape[1] > 500


def test_small_n_keeps_per_channel_figures_without_a_heat_map(tmp_path):
    written = plot_series(series(8), tmp_path, "design")
    assert "mi_heatmap" not in written and written["mi_per_channel"].is_file()

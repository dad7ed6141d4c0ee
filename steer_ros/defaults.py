"""One source of truth for every default value (DESIGN.md section 5 and the issues).

Nodes declare their ROS parameters with these values, the CLI uses them as argparse
defaults, and ``config/*.yaml`` only overrides. Change a default here, nowhere else.
Units: gains are |h|^2 (linear), noise variances sigma^2 (linear), powers linear.
"""

from __future__ import annotations

import numpy as np

# --- The radio problem (DESIGN 1, 5) -------------------------------------------------
N_CHANNELS = 8
NOISE_VAR = 1.0
P_TOTAL = 40.0  # initial budget
P_MAX = 40.0  # guardrail upper clamp of P_total
P_MIN = 1.0  # guardrail lower clamp of P_total
CONSTELLATION = "qpsk"
ESTIMATOR = "exact"


def design_gains(n: int = N_CHANNELS) -> np.ndarray:
    """|h_i|^2 for |h_i| = 0.5 + (i-1)/(n-1), i = 1..n (0.25 .. 2.25 for n = 8)."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    amplitude = 0.5 + np.arange(n) / max(n - 1, 1)
    return amplitude**2


def equal_weights(n: int = N_CHANNELS) -> np.ndarray:
    """Uniform weights summing to one."""
    return np.full(n, 1.0 / n)


# --- System 1: the optimizer (DESIGN 2) ----------------------------------------------
A_MIN = 1e-3  # amplitude floor: keeps every channel's gradient alive
OPTIMIZER_MODE = "default"  # "default" (fast) or "pga" (the paper's plain PGA)
PGA_STEP_SIZE = 0.1  # eta of the paper-faithful plain projected gradient ascent
MC_SAMPLES = 1000  # K of the paper-faithful Monte-Carlo estimator
OPTIMIZER_RATE_HZ = 500.0
ALLOCATION_PUBLISH_HZ = 20.0

# --- System 2: the navigator (DESIGN 3) ----------------------------------------------
NAVIGATOR_PERIOD_S = 2.0
NAVIGATOR_BACKEND = "rules"  # used when no LLM endpoint is configured
POLICY = "Maximize total throughput"
LLM_MODEL = ""
LLM_BASE_URL = ""
LLM_API_KEY_ENV = "STEER_LLM_API_KEY"
LLM_TEMPERATURE = 0.0
LLM_TOP_P = 1.0
LLM_MAX_TOKENS = 512
LLM_TIMEOUT_S = 10.0
LLM_SEED = 0

# --- Guardrails (DESIGN 4) -----------------------------------------------------------
EMA_ALPHA = 0.5

# --- Channel simulator and mux -------------------------------------------------------
CHANNEL_RATE_HZ = 10.0
CHANNEL_SCENARIO = "static"
REVERSAL_TIME_S = 30.0  # the reversal scenario's switch time
COHERENCE_TIME_S = 1.0  # block length of the rayleigh and random_walk scenarios
WALK_STD_DB = 1.0  # random_walk: dB step per block
WALK_RANGE_DB = 10.0  # random_walk: reflected within +-range of the base gain
MUX_RATE_HZ = 20.0  # the mux republishes at least this often (and on every input)
STALE_AFTER_S = 1.0
MUX_ON_STALE = "fallback"  # or "hold"

# --- Node graph ------------------------------------------------------------------------
DIAGNOSTICS_PERIOD_S = 1.0
MAX_CHANNELS = 65536  # larger ChannelState arrays are refused at the node boundary

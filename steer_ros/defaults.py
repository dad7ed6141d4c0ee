"""One source of truth for every default value (docs/design.md section 1 for the radio setup).

Nodes declare their ROS parameters with these values, the CLI uses them as argparse
defaults, and ``config/*.yaml`` only overrides. Change a default here, nowhere else.
Units: gains are |h|^2 (linear), noise variances sigma^2 (linear), powers linear.
"""

from __future__ import annotations

import numpy as np

# --- The radio problem (docs/design.md section 1) ----------------------------------
N_CHANNELS = 8
NOISE_VAR = 1.0
P_TOTAL = 40.0  # initial budget
P_MAX = 40.0  # guardrail upper clamp of P_total
P_MIN = 1.0  # guardrail lower clamp of P_total
CONSTELLATION = "qpsk"
ESTIMATOR = "exact"
# The choice lists, named once (CLI choices, node parameter choices, module checks).
CONSTELLATIONS = ("qpsk", "16qam", "64qam")
ESTIMATORS = ("exact", "table", "mc")


def design_gains(n: int = N_CHANNELS) -> np.ndarray:
    """|h_i|^2 for |h_i| = 0.5 + (i-1)/(n-1), i = 1..n (0.25 .. 2.25 for n = 8)."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    amplitude = 0.5 + np.arange(n) / max(n - 1, 1)
    return amplitude**2


def equal_weights(n: int = N_CHANNELS) -> np.ndarray:
    """Uniform weights summing to one."""
    return np.full(n, 1.0 / n)


# --- System 1: the optimizer (docs/design.md section 3) ---------------------------
A_MIN = 1e-3  # amplitude floor: keeps every channel's gradient alive
OPTIMIZER_MODE = "default"  # "default" (fast) or "pga" (the paper's plain PGA)
OPTIMIZER_MODES = ("default", "pga")
PGA_STEP_SIZE = 0.1  # eta of the paper-faithful plain projected gradient ascent
MC_SAMPLES = 1000  # K of the paper-faithful Monte-Carlo estimator
MI_GH_NODES = 128  # Gauss-Hermite nodes of the exact estimator (64 give only ~5e-6 bits)
MI_TABLE_SNR_LO = 1e-10  # table range, linear snr (Taylor below, saturated above)
MI_TABLE_SNR_HI = 1e5
MI_TABLE_STEP = 0.005  # grid step in ln snr of the interpolation table
MI_TABLE_MIN_SLOPE = 1e-14  # I' (bits) below this counts as saturated
MI_INV_TABLE_SIZE = 16384  # grid points of the inverse-slope table (uniform in ln I')
KKT_DAMPING = 0.5  # default mode: fraction of the way to the KKT point per step
KKT_NEWTON_ITERS = 4  # default mode: cap on Newton steps on the multiplier per step
KKT_NEWTON_TOL = 1e-3  # default mode: |ln(sum T / P_total)| that ends a step's Newton loop
# Goals (docs/design.md "Goals as constraints"): objective names = Objective members.
OBJECTIVES = ("weighted_sum", "max_min", "min_power", "alpha_fair")
GOAL_MET_TOL_BITS = 1e-6  # a floor / cap counts as met within this many bits
# alpha_fair: alpha = 1 is proportional fairness (the default when a reply names the
# family without an alpha); above 20 the utility I^(1 - alpha) under- or overflows
# for MI of 1e-16 .. 2 bits, and the allocation is max-min to within 1e-3 bits anyway.
ALPHA_FAIR_DEFAULT = 1.0
ALPHA_FAIR_MAX = 20.0
# System 1's status (AllocationState.status, docs/design.md "Status"): CONVERGED when
# the certified gap is within this tolerance times max(1, |optimal value|) and
# the goal is met; the same order as the gap System 1 reaches in a few steps.
STATUS_GAP_TOL = 1e-5
# max_min: a channel whose snr with the whole budget is below this cannot be
# equalized (its MI would stay below ~1e-9 bits); it is excluded and reported.
GOAL_DEAD_SNR = 1e-9
OPTIMIZER_RATE_HZ = 500.0  # System 1 steps per second
# Timer ticks per second that run the steps due (rate / tick steps per tick). A Python
# timer callback costs far more than a step (~1 ms of executor overhead against
# ~20 us for N = 8), so ticking at the full step rate would spend a core on overhead.
OPTIMIZER_TICK_HZ = 100.0
ALLOCATION_PUBLISH_HZ = 20.0
# optimizer: after a scheduling stall (a loaded machine, a GIL-heavy neighbour thread)
# the steps due are caught up for stalls up to this long; beyond it they are dropped
# and counted (steps_dropped). A shared 2-core machine at load average 3-12 stalls
# for 0.3-1.1 s (e.g. while a killed node's replacement process starts); 2 s covers
# that, and catching up 2 s costs ~30 ms at N = 8, ~0.4 s at N = 4096.
OPTIMIZER_MAX_CATCHUP_S = 2.0
# optimizer: a new channel state or command runs a burst of System 1 steps at once (up
# to this many, fewer once the powers move by less than OPTIMIZER_EVENT_TOL of the
# budget per step) and publishes when it is done, at most OPTIMIZER_MAX_PUBLISH_HZ.
# The default mode halves its distance to the optimum per step: 32 steps leave ~1e-9
# of the initial error (0.5 ms at N = 8, ~6 ms at N = 4096).
OPTIMIZER_EVENT_BURST_STEPS = 32
OPTIMIZER_EVENT_TOL = 1e-7
OPTIMIZER_MAX_PUBLISH_HZ = 200.0

# --- System 2: the navigator (docs/design.md section 4) ---------------------------
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
LLM_STRUCTURED_OUTPUT = True  # ask for json_schema output; falls back if refused
# System prompt template (four blocks, string.Template placeholders ${n}, ${p_min},
# ${p_max}, ${max_mi_bits}); "" = config/prompts/navigator_system.txt of the package.
NAVIGATOR_PROMPT_PATH = ""
POLICY_MAX_CHARS = 500  # policy text is length-limited and quoted as data
REPLY_MAX_CHARS = 100_000  # longer replies are refused unparsed (code too_long)
REASONING_MAX_CHARS = 2_000  # reasoning carried on the command is cut to this
NAVIGATOR_SCRIPT_PATH = ""  # JSONL replay file of the "scripted" backend
# Preview and approval (steer_ros.system2.approval). "auto" applies every usable
# proposal (the paper's behaviour); "confirm" holds a policy's first command for the
# operator. A minute is long enough to read a preview and short enough that an
# unattended proposal does not linger; a timeout counts as a rejection.
APPROVAL_MODE = "auto"
APPROVAL_TIMEOUT_S = 60.0
# Within an approved class a budget may move by this fraction of the approved one
# without asking again: an LLM re-evaluating "about 30 W" answers 29 or 31, not 30.
APPROVAL_BUDGET_TOLERANCE = 0.1
# Hierarchical state summary (steer_ros.system2.state_summary): up to SUMMARY_THRESHOLD
# channels the user message is the per-channel table; above it global statistics, a
# table of SUMMARY_GROUPS contiguous bands and the critical channels, so that system +
# user message stay below PROMPT_MAX_CHARS at any N (8 .. MAX_CHANNELS), and the
# reply is asked for by selector (REPLY_SELECTOR_MAX_CHARS suffice for a valid one).
SUMMARY_THRESHOLD = 32
SUMMARY_GROUPS = 16
SUMMARY_MAX_GROUPS = 64  # the AllocationSummary message's bound on groups
SUMMARY_CRITICAL = 4  # weakest / strongest / furthest-below-floor channels listed, each
SUMMARY_DARK_MI_BITS = 1e-3  # a channel with less MI counts as off ("dark") in the summary
SUMMARY_HZ = 2.0  # steer/summary publish rate of the optimizer node
PROMPT_MAX_CHARS = 8_000  # bound on system + user message (tokens ~ chars / 4)
REPLY_SELECTOR_MAX_CHARS = 2_000  # a valid reply by selector fits in this at any N
REPLY_MAX_WEIGHT_ITEMS = 64  # structured output: at most this many {channels, weight} entries
# Rules backend (offline policy interpreter).
RULES_PRIORITY_WEIGHT = 4.0  # weight ratio of a prioritized channel over the others
# A plain priority (no stated ratio) on more than half of the channels on: the ratio that
# de-emphasizes the few left out without starving them (sqrt of RULES_PRIORITY_WEIGHT).
RULES_BROAD_PRIORITY_WEIGHT = 2.0
RULES_SHUTDOWN_WEIGHT = 0.0  # weight of a channel the policy shuts down
RULES_SUM_RATE_MARGIN = 0.02  # P_total = (1 + margin) * smallest budget reaching X bits
# A prioritized channel gains at least this many bits over its equal-weight MI at the
# same budget (or comes within RULES_SATURATION_MARGIN_BITS of log2 M); where the
# priority weight alone falls short, the rules add an MI floor at that level.
RULES_PRIORITY_GAIN_BITS = 0.1
RULES_SATURATION_MARGIN_BITS = 0.05  # "near saturation": MI floor at log2 M minus this

# --- Guardrails (docs/design.md section 5) ----------------------------------------
# EMA factor: w <- (1 - alpha) w + alpha w_new. 0.6 recovers the equalize policy from
# the gain reversal in 3 navigator cycles (53 steps at 20 steps per cycle; 0.5 needs 4,
# 72 steps, close to the 100-step target) while still damping a single outlier reply
# by 40%. Measured with the rules backend, step-locked (test/test_rules_backend.py).
EMA_ALPHA = 0.6
# A smoothed MI floor below this many bits is dropped (a removed floor decays by
# (1 - alpha) per command and would otherwise never reach 0).
GOAL_FLOOR_SNAP_BITS = 1e-3
# Ranked goals ("weakest:10%") re-resolved by System 1 at every channel update: a
# member of a ranked set keeps its place until an outsider passes it by this margin,
# so subcarriers at the boundary do not flap on and off with every update. Half a dB
# is a few percent of a subcarrier's strength: small beside the tens of dB a fade
# spans, large beside the estimate's noise.
RANKED_HYSTERESIS_DB = 0.5

# --- Channel simulator and mux -------------------------------------------------------
CHANNEL_RATE_HZ = 10.0
# Above this, channel_sim publishes from a clock-paced thread of its own instead of an rclpy
# timer (a Python timer callback costs ~1 ms of executor time: 487 of 1000 Hz measured).
CHANNEL_TIMER_MAX_HZ = 200.0
CHANNEL_SCENARIO = "static"
REVERSAL_TIME_S = 30.0  # the reversal scenario's switch time
COHERENCE_TIME_S = 1.0  # block length of the rayleigh and random_walk scenarios
WALK_STD_DB = 1.0  # random_walk: dB step per block
WALK_RANGE_DB = 10.0  # random_walk: reflected within +-range of the base gain
# Fading scenarios jakes and tdl (steer_ros.channels.fading, steer_ros.channels.tdl_profiles).
FADING_DOPPLER_HZ = 10.0  # maximum Doppler f_D, Hz
FADING_SPEED_MPS = 0.0  # > 0: f_D = speed * carrier_frequency_hz / c, overriding doppler_hz
FADING_CARRIER_FREQUENCY_HZ = 3.5e9
FADING_K_FACTOR_DB = -100.0  # jakes: Rician K in dB; -100 (or below) = Rayleigh
FADING_NUM_SINUSOIDS = 32  # M of the sum-of-sinusoids generator
TDL_PROFILE = "A"  # 3GPP TR 38.901 TDL-A .. TDL-E
TDL_DELAY_SPREAD_NS = 100.0  # RMS delay spread the normalized delays are scaled to
TDL_SUBCHANNEL_SPACING_HZ = 30000.0  # f_i = i * spacing, i = 0 .. N-1
# mu_mimo_zf (steer_ros.channels.mu_mimo): M transmit antennas, the K = n_channels users.
# 16 antennas for the default 8 users: zero-forcing keeps M - K + 1 = 9 degrees of freedom
# per user (mean effective gain 9); at M = K it keeps 1, each user as weak on average as a
# single Rayleigh channel.
MU_MIMO_ANTENNAS = 16
# Largest M accepted: the K x M coefficients each fade as a sum of sinusoids, so one update
# at K = M = 1024 evaluates 1024 x 1024 x 32 cosines (2.0 s measured, bench_channels.py has
# the smaller cases); larger arrays would not update at any useful rate.
MU_MIMO_MAX_ANTENNAS = 1024
MUX_RATE_HZ = 20.0  # the mux republishes at least this often (and on every input)
STALE_AFTER_S = 1.0
MUX_ON_STALE = "fallback"  # or "hold"
# channel_mux: inputs faster than this are coalesced (the newest wins). The optimizer
# steps at OPTIMIZER_RATE_HZ; forwarding 1 kHz of N = 4096 states (100 kB each) costs
# ~1 ms of CPU per message in every Python subscriber and buys nothing.
MUX_MAX_PUBLISH_HZ = 200.0

# --- Node graph ------------------------------------------------------------------------
DIAGNOSTICS_PERIOD_S = 1.0
MAX_CHANNELS = 65536  # larger ChannelState arrays are refused at the node boundary

# --- SDR: pilot frame, estimator, sources (docs/design.md section 6) ---------------
# The pilot frame (steer_ros.sdr.frame): OFDM, unitary FFT, subchannels are contiguous
# groups of subcarriers (signed indices +-1 .. +-N*K/2, DC unused).
SDR_N_FFT = 64  # FFT size (subcarriers per OFDM symbol)
SDR_CP_LEN = 16  # cyclic prefix of each pilot symbol, samples
SDR_SUBCARRIERS_PER_CHANNEL = 6  # K: subcarriers mapped to one subchannel
SDR_PILOT_SYMBOLS = 8  # S: known QPSK pilot OFDM symbols per frame
SDR_STS_REPS = 10  # short-training repetitions of n_fft/4 samples (timing, coarse CFO)
SDR_PILOT_SEED = 7  # seed of the known QPSK sequences (SHA-256 based, numpy-independent)
SDR_MAX_CFO_SUBCARRIERS = 1.5  # documented CFO range, +- subcarrier spacings
# The estimator (steer_ros.sdr.estimator).
SDR_WINDOW_FRAMES = 64  # frames averaged into one estimate
SDR_DETECT_THRESHOLD = 0.02  # short-training metric |P|^2/R^2 to become a candidate
SDR_COHERENCE_THRESHOLD = 0.2  # pilot coherence (1/S for noise, -> 1 clean) to accept
# Sources (steer_ros.sdr.sources).
SDR_SAMPLE_RATE = 1.0e6  # samples/s
SDR_CENTER_FREQ = 915.0e6  # Hz
SDR_RX_GAIN_DB = 30.0
SDR_BLOCK_SAMPLES = 16384  # samples per read() of the file and device sources
SDR_ZMQ_ADDRESS = "tcp://127.0.0.1:5555"
SDR_SOURCE_TIMEOUT_S = 1.0  # read() gives up and returns an empty block after this
SDR_SOAPY_OPEN_TIMEOUT_S = 10.0  # opening a SoapySDR device fails after this, never hangs
SDR_SOAPY_PYTHON = "/usr/bin/python3"  # interpreter with Debian's python3-soapysdr
SDR_THROUGHPUT_MSPS = 2.0  # requirement: the estimator keeps up with this on one core
SDR_SYNC_LOST_FRAMES = 8.0  # sync is lost after this many frame lengths without a frame
# The sdr_estimator node (steer_ros.ros.nodes.sdr_estimator_node, steer_ros.sdr.sdr_runner).
SDR_SOURCE = "sigmf"  # sigmf | zmq | soapy
SDR_RECORDING = "recordings/design_8ch.sigmf-meta"  # bundled, relative to config/
SDR_PUBLISH_HZ = 10.0  # ChannelState rate on steer/channel/sdr
SDR_MIN_FRAMES = 16  # an estimate is published once its window holds this many frames
SDR_READ_TIMEOUT_S = 0.2  # the worker's read() timeout: how fast it notices a stop
SDR_REOPEN_BACKOFF_S = 0.5  # first wait before reopening a failed source; doubles ...
SDR_REOPEN_BACKOFF_MAX_S = 10.0  # ... up to this
SDR_PILOT_POWER = 1.0  # pilot power per subcarrier, in the optimizer's power units
SDR_QUALITY_MIN_SNR_DB = 0.0  # diagnostics warn below this estimated subchannel SNR

# --- Experiments (docs/design.md section 7, docs/experiments.md) -------------------
# Step-locked schedule of the paper's section IV: the navigator decides on the snapshot
# before optimizer step k whenever k % every == 0 (steps 0, 10, 20, ...).
EXP_POLICY_STEPS = 250  # optimizer steps per policy run
EXP_POLICY_WARMUP = 200  # the last 250 - 200 = 50 steps are the measurement window
EXP_POLICY_NAV_EVERY = 10  # optimizer steps per navigator call
EXP_REVERSAL_STEPS = 300
EXP_REVERSAL_AT = 150  # every gain reversed (h_i <-> h_{N+1-i}) before this step
EXP_REVERSAL_NAV_EVERY = 20
EXP_REVERSAL_POLICY = "Equalize MI across all channels"
EXP_SPREAD_RECOVERED_BITS = 0.1  # the reversal counts as recovered below this MI spread
EXP_OUT_DIR = "out/experiments"
# Through the live graph: the optimizer node runs at EXP_GRAPH_RATE_HZ and the
# navigator's period is nav_every / rate, so the step ratio matches the harness.
EXP_GRAPH_RATE_HZ = 50.0
EXP_GRAPH_TIMEOUT_S = 60.0  # give up on one through-graph condition after this long
# Tracking (steer-ros experiment tracking): System 1 step-locked against jakes fading.
EXP_TRACKING_DOPPLERS_HZ = (1.0, 10.0, 100.0)  # f_D of the conditions
EXP_TRACKING_UPDATE_HZ = (100.0, 1000.0)  # channel updates per second
EXP_TRACKING_N = (8, 64)
EXP_TRACKING_MODES = ("default", "pga")  # System 1 modes, both with the exact estimator
EXP_TRACKING_STEP_HZ = 1000.0  # System 1 steps per second of channel time
EXP_TRACKING_DURATION_S = 10.0  # channel time per condition
EXP_TRACKING_WARMUP_STEPS = 1000  # steps on the first channel state before t = 0 (not measured)
EXP_TRACKING_WITHIN_BITS = 1e-3  # "tracking" = sum-MI gap to the instantaneous optimum below this

# --- Evaluation: steer-ros eval (docs/evaluation.md) ---------------------------------------
# Step-locked schedule of a case (a suite may override it): navigator every
# EVAL_NAV_EVERY optimizer steps from step 0, EVAL_STEPS steps in all (25 calls).
EVAL_STEPS = 250
EVAL_NAV_EVERY = 10
EVAL_SUITE = "policies/suite.yaml"  # the public suite, relative to config/
EVAL_OUT_DIR = "out/eval"
EVAL_GRAPH_RATE_HZ = 50.0  # optimizer steps per second of a --through-graph case

# --- The fleet: many radios, one budget (docs/design.md "Many radios, one budget") ----
FLEET_RADIOS = 4  # radios of `steer-ros fleet` / fleet.launch.py
FLEET_CAP = 120.0  # C: the fleet's cap on sum_k a_k P_k (4 radios x the 30 W a radio often uses)
# Reserves default to this fraction of an equal share C / K: small enough that grants
# (which never go below the reserve) can follow demand, large enough to keep a radio
# on the air without its coordinator.
FLEET_RESERVE_FRACTION = 0.25
# A grant holds this long; a radio renews it well before (every lease / 3), so one or
# two lost grants do not drop it to its reserve, and a coordinator restart waits at
# most this long to know what every radio holds.
FLEET_LEASE_S = 3.0
# Taken off every lease on the radio's clock: the worst clock offset between a radio
# and its coordinator (NTP on a LAN keeps well under 10 ms; 0.25 s leaves room).
FLEET_SKEW_S = 0.25
FLEET_RENEW_FRACTION = 1.0 / 3.0  # grants are re-issued every lease_s x this
# The coordinator stops renewing a radio it has not heard from (no budget in force, no
# valid demand curve) for this long; once its last lease has run out it counts the
# radio at its reserve and grants that share to the others. A live radio reports at
# FLEET_DEMAND_HZ and on every change, so this is 4 reports lost in a row, the same
# span after which DDS's deadline reports the radio lost: brief loss bursts (a 0.4 s
# cable flap) keep a radio's grant; a radio cut off frees its share this + one lease
# after its last report.
FLEET_SILENCE_S = 2.0
# Demand curves: points of the price grid (log-spaced; half of them in a window around
# the radio's multiplier now). 64 keep every radio within ~1e-4 bits of its share of
# the fleet optimum at steady state (bench/bench_fleet.py), the goal being 1e-3.
FLEET_DEMAND_POINTS = 64
FLEET_DEMAND_WINDOW = 0.05  # half-width of the dense window, in ln lambda (x/ 1.05)
FLEET_DEMAND_MAX_POINTS = 1024  # more points than this in a received curve: absurd
# A curve asking for more than this many times its box top is broken, not greedy (the
# solve clips any demand to the box; a radio's own curve never exceeds its budget).
FLEET_DEMAND_ABSURD = 10.0
FLEET_DEMAND_HZ = 2.0  # radios publish their demand curve (and on every change)
FLEET_PEER_DEADLINE_S = 2.0  # DDS deadline on the fleet topics: a silent peer is reported lost
# A radio checks its lease this often: the budget falls to the reserve within 1 / this
# of the lease's end, well inside the skew margin.
FLEET_LEASE_CHECK_HZ = 50.0
# fleet/budget_in_force keeps this many of a radio's newest reports for readers that
# match late (transient local): a restarted radio reports a few times a second (on every
# grant, with every curve), and discovering a new participant takes up to a few seconds,
# so the cap checker's listener still receives every report of the new incarnation from
# its first. About 200 bytes each: 20 kB per radio.
FLEET_IN_FORCE_HISTORY = 100
# System 1 needs a budget > 0: a radio granted nothing (taken off the air) runs at this.
FLEET_MIN_BUDGET = 1e-12

# --- The fleet navigator (docs/fleet-policies.md) -----------------------------------
FLEET_POLICY = "Keep the fleet as configured"  # sets nothing: the coordinator's configuration stands
FLEET_NAVIGATOR_PERIOD_S = 10.0  # like the radio navigator's period: fleet policies change slowly
# "comes first" / "comes last": the fleet priority rho_k of a radio named first or last
# (4 : 1 like RULES_PRIORITY_WEIGHT, the radio navigator's priority ratio).
FLEET_FIRST_PRIORITY = 4.0
FLEET_LAST_PRIORITY = 0.25
# The guardrail clamps fleet priorities into [MIN, MAX]: rho ratios beyond 1e4 make the
# coordinator's price search as ill-conditioned as a radio switched off, which `off` says.
FLEET_PRIORITY_MIN = 1e-2
FLEET_PRIORITY_MAX = 1e2
FLEET_READBACK_MAX_CHARS = 300  # like the radio read-back: one line an operator reads
FLEET_PROMPT_MAX_CHARS = 8_000  # the bound on the fleet prompt, any K <= 1,024
FLEET_SUMMARY_THRESHOLD = 32  # up to this many radios the prompt lists each; above, bands
FLEET_SUMMARY_GROUPS = 16  # bands of the fleet summary's table above the threshold
FLEET_SUMMARY_CRITICAL = 4  # weakest / strongest / below-floor radios listed, each
FLEET_MAX_RADIOS = 1_024  # the largest fleet the prompt bound is tested at
FLEET_SUMMARY_STALE_S = 5.0  # a radio summary older than this (10 periods at SUMMARY_HZ) is no report
FLEET_POLICY_MAX_CHARS = 1_000  # a longer fleet policy is refused: the prompt bound holds with it

# --- Foxglove console: what steer-ros foxglove accepts from its clients -----------------
# A policy is at most POLICY_MAX_CHARS characters once read (up to 4 bytes
# each in UTF-8) plus JSON quoting: 8 KiB holds any policy the navigator would use and
# refuses a client that streams megabytes into the graph.
FOXGLOVE_MAX_CLIENT_MESSAGE_BYTES = 8192
# Per client channel: a person at the Publish panel sends a few messages a second at
# most; above FOXGLOVE_CLIENT_RATE_HZ (after a burst of FOXGLOVE_CLIENT_BURST) a
# client is flooding, and each navigator cycle would see a different policy anyway.
FOXGLOVE_CLIENT_RATE_HZ = 5.0
FOXGLOVE_CLIENT_BURST = 10
# A node's parameter service answers in milliseconds on a live graph; a node that is
# gone must not hold a Parameters panel request for long.
FOXGLOVE_PARAMETER_TIMEOUT_S = 2.0
# A std_srvs service of the graph answers at once; the same bound as parameters.
FOXGLOVE_SERVICE_TIMEOUT_S = 2.0
# How often the bridge looks for the graph nodes' services (nodes start in any order).
FOXGLOVE_SERVICE_DISCOVERY_S = 1.0

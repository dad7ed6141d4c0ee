"""SDR channel estimation (docs/design.md section 6), ROS-free.

``frame`` (the OFDM pilot frame), ``estimator`` (detection, CFO, per-subchannel
gain / noise variance / gain_var), ``sources`` (``open_source("sigmf"|"zmq"|"soapy")``),
``synth`` (signals and SigMF recordings with a known channel), ``pipeline`` (source ->
estimator with the health flags a node reports), ``accuracy`` (the Monte-Carlo
accuracy tables against the Cramér–Rao bound). Import the modules
themselves: this package imports nothing, so ``frame`` also loads under the system
python that runs GNU Radio.
"""

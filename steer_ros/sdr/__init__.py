"""SDR channel estimation (issue 7), ROS-free.

``frame`` (the OFDM pilot frame), ``estimator`` (detection, CFO, per-subchannel
gain / noise variance / gain_var), ``sources`` (``open_source("sigmf"|"zmq"|"soapy")``),
``synth`` (signals and SigMF recordings with a known channel). Import the modules
themselves: this package imports nothing, so ``frame`` also loads under the system
python that runs GNU Radio.
"""

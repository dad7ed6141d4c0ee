"""Navigator backends: OpenAI-compatible servers, the offline rules interpreter and
scripted replies (no ROS)."""

"""Tooling that is not the product: the paper's experiments, the demo, fault drills
and test fixtures (the monitor node, the OpenAI-compatible test server)."""

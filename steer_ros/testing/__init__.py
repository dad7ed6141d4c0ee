"""Test fixtures shipped with the package (reused by node tests and fault drills)."""

from steer_ros.testing.openai_server import ScriptedOpenAIServer

__all__ = ["ScriptedOpenAIServer"]

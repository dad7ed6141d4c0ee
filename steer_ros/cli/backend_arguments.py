"""The navigator-backend options that ``steer-ros experiment`` and ``steer-ros eval``
share (one declaration: the same flags, defaults and environment variables)."""

from __future__ import annotations

import argparse
import os

from steer_ros import defaults
from steer_ros.system2.backends.backend import BACKEND_KINDS, BASE_URL_ENV, MODEL_ENV


def add_backend_arguments(parser: argparse.ArgumentParser, timeout_help: str = "deadline of every LLM call") -> None:
    """--backend, --llm-base-url, --llm-model, --script, --temperature, --timeout."""
    parser.add_argument("--backend", choices=BACKEND_KINDS, default="rules",
                        help="navigator backend (default: rules, the offline interpreter)")
    parser.add_argument("--llm-base-url", default=os.environ.get(BASE_URL_ENV, ""),
                        help=f"OpenAI-compatible endpoint (default: ${BASE_URL_ENV})")
    parser.add_argument("--llm-model", default=os.environ.get(MODEL_ENV, ""),
                        help=f"model name (default: ${MODEL_ENV}; without it, the first model the server lists "
                             "at /v1/models)")

    parser.add_argument("--script", default="", metavar="FILE", help="JSONL replies of the scripted backend")
    parser.add_argument("--temperature", type=float, default=defaults.LLM_TEMPERATURE, help="LLM temperature")
    parser.add_argument("--timeout", type=float, default=defaults.LLM_TIMEOUT_S, metavar="S", help=timeout_help)

"""What an experiment run is configured with, and the navigator it builds from it."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from steer_ros import defaults
from steer_ros.system2 import BackendConfig, Navigator, make_backend


@dataclass(frozen=True)
class ExperimentOptions:
    """backend: rules | openai | scripted; llm_base_url / llm_model: the openai
    endpoint; script: the scripted backend's JSONL file; seed: the LLM sampling seed
    of repeat 0 (repeat r uses seed + r); repeats: runs per condition (mean and spread
    for a stochastic LLM); graph_rate_hz: optimizer rate of a through-graph run."""

    backend: str = "rules"
    llm_base_url: str = ""
    llm_model: str = ""
    script: str = ""
    seed: int = defaults.LLM_SEED
    repeats: int = 1
    temperature: float = defaults.LLM_TEMPERATURE
    timeout_s: float = defaults.LLM_TIMEOUT_S
    graph_rate_hz: float = defaults.EXP_GRAPH_RATE_HZ

    def __post_init__(self):
        if self.repeats < 1:
            raise ValueError(f"repeats must be >= 1, got {self.repeats}")
        self.backend_config(0)  # validate now, naming the bad field

    def backend_config(self, repeat: int) -> BackendConfig:
        return BackendConfig(
            kind=self.backend, base_url=self.llm_base_url, model=self.llm_model, seed=self.seed + repeat,
            temperature=self.temperature, timeout_s=self.timeout_s, script_path=self.script,
        ).validate()

    def navigator(self, repeat: int = 0) -> Navigator:
        """A fresh navigator (fresh backend: a scripted one starts at its first line)."""
        return Navigator(make_backend(self.backend_config(repeat)), deadline_s=self.timeout_s)

    def to_json(self) -> dict:
        return asdict(self)

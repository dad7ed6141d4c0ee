"""System 2, the navigator (docs/design.md section 4): prompt, reply parsing, backends and the
navigator cycle. Pure Python, no ROS.

Contract names: :func:`build_messages`, :func:`parse_reply` / :class:`ParsedReply` /
:class:`ReplyError`, :func:`make_backend` / :class:`BackendConfig` / :class:`Backend`,
:class:`Navigator`, :class:`AsyncNavigator`.
"""

from steer_ros.system2.backends.backend import (
    BACKEND_KINDS,
    Backend,
    BackendConfig,
    BackendError,
    BackendReply,
    make_backend,
)
from steer_ros.system2.backends.reader import parse_policy
from steer_ros.system2.backends.rules_backend import RulesBackend
from steer_ros.system2.backends.scripted_backend import ScriptedBackend, ScriptStep, load_script
from steer_ros.system2.goal_check import GoalError, check_goal, smooth_goal
from steer_ros.system2.goal_text import describe_goal
from steer_ros.system2.navigator import AsyncNavigator, Navigator
from steer_ros.system2.prompt import (
    build_messages,
    build_user_message,
    format_state,
    load_system_template,
    render_system_prompt,
)
from steer_ros.system2.reply import GOAL_FIELDS, ParsedReply, ReplyError, parse_goal_fields, parse_reply

__all__ = [
    "AsyncNavigator", "BACKEND_KINDS", "GOAL_FIELDS", "GoalError", "check_goal", "describe_goal",
    "parse_goal_fields", "smooth_goal", "Backend", "BackendConfig", "BackendError", "BackendReply",
    "Navigator", "ParsedReply", "ReplyError", "RulesBackend", "ScriptStep", "ScriptedBackend",
    "build_messages", "build_user_message", "format_state", "load_script", "parse_policy",
    "load_system_template", "make_backend", "parse_reply", "render_system_prompt",
]

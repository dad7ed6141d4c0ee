"""The offline reader: one grammar (``grammar.lark``, lark LALR) over one vocabulary
(``vocabulary.py``) that turns a whole policy into the reply object an LLM returns,
or keeps the command in force with the reason. Pure Python, no ROS.

Read all of it or act on none of it: a word outside the vocabulary, a sentence the
grammar does not take, an ambiguity, a channel that does not exist or a budget
outside [P_min, P_max] keeps the command (the reason quotes what could not be read).
See docs/reader.md.
"""

from steer_ros.system2.backends.reader.compose import Keep, compose_reply
from steer_ros.system2.backends.reader.parse import GRAMMAR_PATH, Parsed, parse_policy

__all__ = ["GRAMMAR_PATH", "Keep", "Parsed", "compose_reply", "parse_policy"]

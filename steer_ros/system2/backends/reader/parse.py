"""Policy text -> clauses, or the reason it cannot be read (never an exception).

Steps: :func:`~.lexer.lex` (the vocabulary), the list separators told apart from
the clause separators (an "and" or "," followed by a channel reference continues a
list), the LALR parse of ``grammar.lark`` (lark), and :class:`~.semantics.ToClauses`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from lark import Lark
from lark.exceptions import LarkError, UnexpectedInput

from steer_ros.system2.backends.reader.lexer import lex
from steer_ros.system2.backends.reader.semantics import Clause, ToClauses
from steer_ros.system2.backends.reader.vocabulary import LANGUAGES

__all__ = ["GRAMMAR_PATH", "MAX_POLICY_CHARS", "Parsed", "parse_policy"]

GRAMMAR_PATH = Path(__file__).with_name("grammar.lark")
#: Longer policies are not read (kept with the reason): a command fits in a few sentences.
MAX_POLICY_CHARS = 2000
_LIST_START = frozenset({"NUM", "RANK", "CHAN", "PARITY", "ORD", "FIRST", "LAST", "ALL", "OTHERS"})
_AMOUNT_END = frozenset({"NUM", "BITS", "WATT", "PCT"})
_CLAUSE_END = frozenset({"SEP", "COMMA", "AND", "WHILE", ""})
_SEPARATORS = {"AND": "LAND", "COMMA": "LCOMMA", "OR": "LOR"}


@dataclass(frozen=True)
class Parsed:
    """``clauses`` when read; otherwise ``problem`` ("code: detail") says why not."""

    clauses: tuple[Clause, ...] = ()
    problem: str = ""
    symbols: str = ""
    languages: tuple[str, ...] = ()


@functools.lru_cache(maxsize=1)
def _parser() -> Lark:
    return Lark(GRAMMAR_PATH.read_text(encoding="utf-8"), parser="lalr", maybe_placeholders=False)


def _quote(text: str) -> str:
    return '"' + text.replace('"', "'") + '"'


def parse_policy(policy) -> Parsed:
    text = "" if policy is None else str(policy)
    if not text.strip():
        return Parsed(problem="not_understood: the policy is empty")
    if len(text) > MAX_POLICY_CHARS:
        return Parsed(problem=f"not_understood: the policy has {len(text)} characters, more than the "
                              f"{MAX_POLICY_CHARS} the reader takes")
    lexed = lex(text)
    languages = tuple(LANGUAGES[code] for code in lexed.languages)
    if lexed.injection:
        return Parsed(problem="declined: the policy asks the navigator to drop its instructions or limits; it is "
                              "not an operating goal", languages=languages)
    if lexed.control:
        return Parsed(problem="not_understood: the policy holds control characters", languages=languages)
    if lexed.unknown:
        return Parsed(problem="not_understood: could not read " + ", ".join(_quote(u) for u in lexed.unknown[:6]),
                      languages=languages)
    kinds = [s.text.split(":", 1)[0] for s in lexed.symbols]
    tokens = []
    for k, sym in enumerate(lexed.symbols):
        if sym.text in _SEPARATORS:
            j = k + 1
            while j < len(kinds) and kinds[j] in _SEPARATORS:
                j += 1
            if j < len(kinds) and kinds[j] in _LIST_START:
                tokens.append(_SEPARATORS[sym.text])
                continue
        tokens.append(sym.text)
    # bounds of one clause joined by "and" / "but" / "," ("at least 1.6 but no more than 1.7 bits"),
    # and the comma before "give or take", are not clause separators
    for k in range(1, len(tokens) - 1):
        prev, nxt = tokens[k - 1].split(":", 1)[0], tokens[k + 1]
        if tokens[k] in ("AND", "COMMA", "WHILE", "LAND", "LCOMMA") and prev in ("NUM", "BITS", "WATT", "PCT") \
                and nxt in ("ABOVE", "BELOW"):
            tokens[k] = "BAND"
        elif tokens[k] == "COMMA" and nxt in ("PLUSMINUS", "EXCEPT"):
            tokens[k] = ""
    tokens = [t for t in tokens if t]
    # "each" after an amount or before the verb of its channels is "apiece"
    for k, tok in enumerate(tokens):
        prev = tokens[k - 1].split(":", 1)[0] if k else ""
        nxt = tokens[k + 1].split(":", 1)[0] if k + 1 < len(tokens) else ""
        if tok == "ALL" and ((prev in _AMOUNT_END and nxt in _CLAUSE_END)
                             or (prev in ("NUM", "CHAN") and nxt in ("NEED", "USE"))):
            tokens[k] = "EACH"
    # a reason asks nothing: it is a sentence of its own ("power is tight, use at most 15 W")
    tokens = ["SEP" if t in ("COMMA", "AND", "WHILE") and k and tokens[k - 1] == "REASON" else t
              for k, t in enumerate(tokens)]
    # a "though" / "but" that closes its sentence ("leave channel 2 dark though") joins nothing
    tokens = [t for k, t in enumerate(tokens)
              if not (t == "WHILE" and (k + 1 == len(tokens) or tokens[k + 1] == "SEP"))]
    tokens = [t for t in tokens if t]
    symbols = " ".join(tokens)
    if not tokens:
        return Parsed(problem="not_understood: the policy holds no instruction", languages=languages)
    try:
        tree = _parser().parse(symbols)
    except UnexpectedInput as err:
        pos = getattr(err, "pos_in_stream", None)
        at = len(symbols[:pos].split()) if isinstance(pos, int) else len(tokens)
        near = lexed.symbols[min(at, len(lexed.symbols) - 1)].source if lexed.symbols else ""
        return Parsed(problem=f"not_understood: every word is known but they do not make a command the reader "
                              f"knows (from {_quote(near)} on)", symbols=symbols, languages=languages)
    except LarkError as err:  # pragma: no cover - a grammar fault, reported not raised
        return Parsed(problem=f"not_understood: {type(err).__name__}", symbols=symbols, languages=languages)
    try:
        clauses = ToClauses().transform(tree)
    except LarkError as err:  # pragma: no cover - a transformer fault, reported not raised
        return Parsed(problem=f"not_understood: {type(err).__name__}", symbols=symbols, languages=languages)
    return Parsed(clauses=tuple(clauses), symbols=symbols, languages=languages)

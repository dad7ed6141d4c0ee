"""A few words of German, French, Spanish and Chinese for the rules backend.

The rules backend is an offline interpreter, not a translator. It knows a small
lexicon for the intents it already reads (maximize the throughput, prioritize
channels, shut down the K weakest / strongest channels, set or cut the power budget)
and rewrites a policy in one of these languages into the English its reader
understands, phrase by phrase. It does so only when *every* word of the policy is in
the lexicon (numbers and punctuation aside); a policy with a word it does not know is
declined with that word named, never read by guessing around it. The English reading
is stated in the reasoning, so an operator sees how the words were taken.

:func:`translate_policy` returns ``None`` for a policy with no lexicon word (the
English reader then reads it as it is).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Translation", "translate_policy"]

_LANGS = {"de": "German", "fr": "French", "es": "Spanish", "zh": "Chinese"}

# (language, pattern, English). Applied in order to the lower-cased policy, each one
# to what the earlier ones left. Word order is fixed up by the phrase rules that come
# before the single words ("les trois canaux les plus faibles" -> "the three weakest
# channels"; the English ranked reader wants the count before "weakest").
_RULES: tuple[tuple[str, str, str], ...] = (
    # -- German ---------------------------------------------------------------------
    ("de", r"\bschalte\b(.*?)\b(?:ab|aus)\b", r" switch off \1 "),
    ("de", r"\b(?:die\s+)?(\w+\s+)?(schwächsten|schwachsten)\s+kanäle\b", r" the \1 weakest channels "),
    ("de", r"\b(?:die\s+)?(\w+\s+)?stärksten\s+kanäle\b", r" the \1 strongest channels "),
    ("de", r"\bmaximiere\b|\bmaximieren\b|\bmaximiert\b", " maximize "),
    ("de", r"\bgesamtdurchsatz\b|\bgesamtrate\b|\bsummenrate\b", " total throughput "),
    ("de", r"\bdurchsatz\b", " throughput "),
    ("de", r"\bpriorisiere\b|\bpriorisieren\b|\bbevorzuge\b", " prioritize "),
    ("de", r"\bkanäle\b|\bkanal\b|\bkanälen\b", " channels "),
    ("de", r"\b(?:gesamt)?leistung\b|\bsendeleistung\b", " total power "),
    ("de", r"\breduziere\b|\bsenke\b|\bverringere\b", " reduce "),
    ("de", r"\b(?:den|die|das|der)\b", " the "),
    ("de", r"\bund\b", " and "),
    ("de", r"\bauf\b", " to "),
    ("de", r"\bzwei\b", " two "), ("de", r"\bdrei\b", " three "), ("de", r"\bvier\b", " four "),
    # -- French ---------------------------------------------------------------------
    ("fr", r"\b(?:les\s+)?(\w+\s+)?canaux\s+les\s+plus\s+faibles\b", r" the \1 weakest channels "),
    ("fr", r"\b(?:les\s+)?(\w+\s+)?canaux\s+les\s+plus\s+forts\b", r" the \1 strongest channels "),
    ("fr", r"\béteins\b|\béteindre\b|\béteignez\b|\bcoupe\b|\bcoupez\b|\bdésactive\b", " turn off "),
    ("fr", r"\bmaximise\b|\bmaximiser\b|\bmaximisez\b", " maximize "),
    ("fr", r"\ble\s+débit\s+total\b|\bdébit\s+total\b|\ble\s+débit\b|\bdébit\b", " the total throughput "),
    ("fr", r"\bprivilégie\b|\bprivilégiez\b|\bpriorise\b|\bprioriser\b|\bpriorisez\b", " prioritize "),
    ("fr", r"\bcanaux\b|\bcanal\b", " channels "),
    ("fr", r"\bla\s+puissance(?:\s+totale)?\b|\bpuissance(?:\s+totale)?\b", " the total power "),
    ("fr", r"\bréduis\b|\bréduisez\b|\bbaisse\b|\bbaissez\b", " reduce "),
    ("fr", r"\bles\b|\ble\b|\bla\b", " the "),
    ("fr", r"\bet\b", " and "),
    ("fr", r"\bà\b", " to "),
    ("fr", r"\bdeux\b", " two "), ("fr", r"\btrois\b", " three "), ("fr", r"\bquatre\b", " four "),
    # -- Spanish --------------------------------------------------------------------
    ("es", r"\b(?:los\s+)?(\w+\s+)?canales\s+más\s+débiles\b", r" the \1 weakest channels "),
    ("es", r"\b(?:los\s+)?(\w+\s+)?canales\s+más\s+fuertes\b", r" the \1 strongest channels "),
    ("es", r"\bprioriza\b|\bpriorizar\b|\bprioricen\b|\bprioritiza\b", " prioritize "),
    ("es", r"\bmaximiza\b|\bmaximizar\b|\bmaximice\b", " maximize "),
    ("es", r"\bel\s+rendimiento\s+total\b|\brendimiento\s+total\b|\bel\s+caudal\s+total\b|\bcaudal\s+total\b",
     " the total throughput "),
    ("es", r"\bapaga\b|\bapagar\b|\bdesactiva\b|\bdesactivar\b", " turn off "),
    ("es", r"\bcanales\b|\bcanal\b", " channels "),
    ("es", r"\bla\s+potencia(?:\s+total)?\b|\bpotencia(?:\s+total)?\b", " the total power "),
    ("es", r"\breduce\s+(?=.*\bpotencia\b)|\breducir\b|\bbaja\b", " reduce "),
    ("es", r"\blos\b|\blas\b|\bel\b", " the "),
    ("es", r"(?<=\d)\s+y\s+(?=\d)", " and "),
    ("es", r"\ba\s+(?=\d)", " to "),
    ("es", r"\bdos\b", " two "), ("es", r"\btres\b", " three "), ("es", r"\bcuatro\b", " four "),
    # -- Chinese (no word boundaries) -----------------------------------------------
    ("zh", r"将|把", " set "),
    ("zh", r"总功率|总发射功率", " the total power "),
    ("zh", r"功率", " power "),
    ("zh", r"降低到|降到|减少到|减小到|设为|设置为|调到", " to "),
    ("zh", r"最大化", " maximize "),
    ("zh", r"总吞吐量|吞吐量", " the total throughput "),
    ("zh", r"关闭", " turn off "),
    ("zh", r"最弱的", " weakest "),
    ("zh", r"最强的", " strongest "),
    ("zh", r"优先", " prioritize "),
    ("zh", r"信道|通道", " channels "),
    ("zh", r"和", " and "),
    ("zh", r"个", " "),
    ("zh", r"两", " two "), ("zh", r"三", " three "),
)
_COMPILED = tuple((lang, re.compile(pattern), english) for lang, pattern, english in _RULES)
# Articles, "and", "to" and numbers are shared with English or too short to tell a
# language by; a policy is read through the lexicon only when a content word hits.
_GLUE = frozenset({"the", "and", "to", "two", "three", "four", ""})
_KNOWN = frozenset(w for _, _, english in _RULES for w in re.findall(r"[a-z]+", english))
_TOKEN = re.compile(r"[^\W\d_]+", re.UNICODE)


@dataclass(frozen=True)
class Translation:
    """A policy read through the lexicon.

    english: the English reading (valid when ``unknown`` is empty); language: the
    language of the first lexicon word ("German", ...); unknown: the words the
    lexicon does not know, in order (the policy is then declined)."""

    english: str
    language: str
    unknown: tuple[str, ...]


def translate_policy(policy: str) -> Translation | None:
    """The English reading of a policy in one of the lexicon's languages, or None if
    no word of it is in the lexicon."""
    text = " ".join(str(policy).lower().split())
    hits: list[tuple[int, str]] = []
    for lang, pattern, english in _COMPILED:
        m = pattern.search(text)
        if m:
            if english.strip() not in _GLUE:
                hits.append((m.start(), lang))
            text = pattern.sub(english, text)
    if not hits:
        return None
    english = " ".join(text.split()).strip(" .!")
    unknown = tuple(dict.fromkeys(w for w in _TOKEN.findall(english) if w not in _KNOWN))
    language = _LANGS[min(hits)[1]]
    return Translation(english=english, language=language, unknown=unknown)

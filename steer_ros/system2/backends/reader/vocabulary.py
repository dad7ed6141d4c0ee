"""The offline reader's one vocabulary: every word and phrase it reads, and the
grammar symbol each one stands for.

A policy is cut into words (numbers, words, CJK characters and a few signs); the
longest phrase of the vocabulary that starts at each word is replaced by its symbols
(``"shut down"`` -> ``OFF``; ``"twice"`` -> ``NUM:2 TIMES``). Words of
:data:`STOP_WORDS` carry no meaning and are dropped. A word that is in neither is
*unknown*: the policy is then kept, with the unknown words quoted (a policy is read
whole or not at all). The symbols are the terminals of ``grammar.lark``.

Symbols with a value: ``NUM:<x>``, ``ORD:<k>`` (the k-th channel), ``FRAC:<x>`` (a
share: half, a third ...), ``RANK:weakest|strongest``, ``PARITY:odd|even``,
``SETV:down|up|set`` (a verb that sets or moves the budget). Each entry also names
its language where it is not English (``"de"``, ``"fr"``, ``"es"``, ``"zh"``), so a
reading can say which language it read.
"""

from __future__ import annotations

__all__ = ["INJECTION", "LANGUAGES", "NUMBER_WORDS", "STOP_WORDS", "VOCABULARY", "phrase_table"]

LANGUAGES = {"de": "German", "fr": "French", "es": "Spanish", "zh": "Chinese"}

#: Words that carry no meaning for a command (articles, "of", politeness); dropped.
STOP_WORDS = {
    "en": ("the", "a", "an", "of", "its", "their", "our", "please", "possible", "is", "are", "be", "should", "must",
           "can", "you", "that", "them all"),
    "de": ("den", "die", "das", "der", "dem"),
    "fr": ("les", "le", "la", "l", "des", "de"),
    "es": ("los", "las", "el", "del"),
    "zh": ("将", "把", "个", "的"),
}

#: Whole numbers written as words (English and the other languages' first few).
NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100,
}
_FOREIGN_NUMBERS = {
    "de": {"eins": 1, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5},
    "fr": {"deux": 2, "trois": 3, "quatre": 4, "cinq": 5},
    "es": {"dos": 2, "tres": 3, "cuatro": 4, "cinco": 5},
    "zh": {"两": 2, "二": 2, "三": 3, "四": 4, "五": 5},
}

_ORDINALS = {"second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9,
             "tenth": 10, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5, "6th": 6, "7th": 7, "8th": 8, "9th": 9,
             "10th": 10}

#: Phrases that ask the navigator to drop its instructions: declined whatever else is said.
INJECTION = ("ignore", "disregard", "forget", "override", "jailbreak", "instructions", "system prompt",
             "developer mode", "maintenance mode", "reply with")

# English phrase -> symbols. Several spellings of one meaning share a line.
_EN: dict[str, str] = {}


def _add(symbols: str, *phrases: str, table: dict | None = None) -> None:
    for phrase in phrases:
        (table if table is not None else _EN)[phrase] = symbols


# -- channels and how they are named ---------------------------------------------------
_add("CHAN", "channel", "channels", "subchannel", "subchannels", "sub channel", "sub channels", "subcarrier",
     "subcarriers", "sub carrier", "sub carriers", "carrier", "carriers", "subband", "subbands", "ch", "ch .",
     "user", "users", "link", "links", "one", "ones")
_add("ALL CHAN", "everyone", "everybody", "all of them", "every one")
_add("NEVER ALL CHAN", "no channel", "no channels", "no subchannel", "no subcarrier", "no user", "none of the channels",
     "no link", "none")
_add("ALL", "all", "every", "each", "each of", "all of", "any")
_add("OTHERS", "rest", "others", "other", "remaining", "every other", "all other", "all others", "the other",
     "everything else")
_add("EXCEPT", "except", "except for", "but not", "other than", "apart from", "save for", "excluding", "besides")
_add("ALLBUT", "all but", "all except", "every channel except", "all channels except", "all channels but",
     "every channel but", "every channel other than", "all channels other than", "everything but", "everything except")
_add("ONLY", "only", "just", "solely", "exclusively")
_add("TO", "to", "through", "thru", "-", "until", "up to and including")
_add("AND", "and", "&", "as well as", "plus")
_add("OR", "or")
_add("COMMA", ",")
_add("SEP", ".", ";", ":", "!", "?", "and then", "then", "also", "after that")
_add("THEM", "them", "those", "these", "it", "they")
_add("RANK:weakest", "weakest", "worst", "poorest", "worst off", "weakest ones")
_add("RANK:strongest", "strongest", "best")
_add("PARITY:odd", "odd", "odd numbered")
_add("PARITY:even", "even", "even numbered")
_add("FIRST", "first", "1st")
_add("LAST", "last", "final")
for _word, _k in _ORDINALS.items():
    _add(f"ORD:{_k}", _word)
for _word, _v in NUMBER_WORDS.items():
    if _word != "one":
        _add(f"NUM:{_v}", _word)
_add("NUM:1", "a single", "single")
_add("NUM:2 TIMES", "twice", "double")
_add("NUM:3 TIMES", "triple", "thrice")
_add("FRAC:0.5", "half", "a half", "one half")
_add("FRAC:0.3333333333333333", "a third", "one third")
_add("FRAC:0.6666666666666666", "two thirds")
_add("FRAC:0.25", "a quarter", "one quarter", "quarter", "a fourth", "one fourth")
_add("FRAC:0.75", "three quarters")
_add("FRAC:0.2", "a fifth", "one fifth")
_add("FRAC:0.1", "a tenth", "one tenth")

# -- units --------------------------------------------------------------------------------
_add("BITS", "bit", "bits", "b", "bit/s/hz", "bits/s/hz", "b/s/hz", "bps/hz", "bits per channel use",
     "bit per channel use", "bits each", "bits of mi")
_add("WATT", "w", "watt", "watts", "unit", "units", "units of power", "watts of power")
_add("PCT", "%", "percent", "per cent", "pct")

# -- verbs and what they act on ---------------------------------------------------------------
_add("OFF", "shut down", "shut off", "shutdown", "turn off", "switch off", "disable", "deactivate", "mute",
     "silence", "kill", "power down", "stop using", "zero out", "stop wasting power on", "cut off",
     "stop transmitting on", "take down", "take out", "drop")
_add("AVOID", "avoid", "do not use", "don't use", "dont use", "never use", "stay off", "keep off", "stay away from",
     "no power to", "no power on")
_add("BROKEN", "out of service", "broken", "unusable", "dead", "unavailable", "faulty", "has failed", "have failed",
     "failed", "jammed", "down", "offline", "not usable", "not available", "out of order")
_add("ON", "on", "active", "running", "enabled", "alive", "in use", "in service")
_add("PRIO", "prioritize", "prioritise", "favour", "favor", "boost", "focus on", "focus power on", "protect",
     "prefer", "emphasize", "emphasise", "concentrate on", "give priority to", "give more power to",
     "more power to", "put the emphasis on", "put power on", "privilege")
_add("PRIORITY", "priority", "priority over others", "priority over rest", "precedence")
_add("OVEROTHERS", "over others", "over rest", "over other channels", "than others", "as others",
     "than rest", "relative to others")
_add("MATTER", "matter most", "matters most", "are most important", "is most important", "are critical",
     "is critical", "matter more", "are important", "is important")
_add("GIVE", "give", "assign", "grant", "allot")
_add("WEIGHT", "weight", "the weight", "weighting")
_add("TIMES", "times", "x", "fold", "times as much", "times more")
_add("KEEP", "keep", "keeping", "keeps", "hold", "maintain", "ensure", "make sure", "guarantee", "guaranteeing",
     "guarantees", "leave", "secure", "assure")
_add("NEED", "need", "needs", "get", "gets", "must get", "should get", "has to get", "must have", "have", "has",
     "stay", "stays", "remain", "remains", "must stay", "receive", "receives", "carry", "carries")
_add("CAP", "cap", "caps", "limit", "restrict", "clamp", "throttle", "cap off")
_add("NEARSAT", "near saturation", "close to saturation", "at saturation", "saturated", "nearly saturated",
     "near full rate", "close to full rate")
_add("REACH", "reach", "achieve", "hit", "deliver", "attain", "get to", "provide", "aim for", "target")
_add("NEVER", "never", "not", "no", "don't", "do not", "must not", "mustn't", "never let", "don't let",
     "do not let", "no channel should")
_add("LET", "let", "allow")
_add("FALLBELOW", "fall under", "fall below", "falls under", "falls below", "drop below", "drops below",
     "drop under", "drops under", "go below", "goes below", "dip below", "dips below", "sink below",
     "get below", "fall beneath")
_add("EXCEED", "exceed", "exceeds", "go above", "goes above", "rise above", "rises above", "go over", "goes over")
_add("ABOVE", "above", "over", "at least", "more than", "no less than", "not less than", "not below", "no lower than",
     "not under", "minimum of", "a minimum of", "min of", "a floor of", "or more", ">=", ">", "greater than",
     "higher than", "at or above")
_add("BELOW", "below", "under", "at most", "no more than", "not more than", "less than", "not above",
     "no higher than", "must not exceed", "should not exceed", "not exceed", "never exceed", "not to exceed",
     "never more than", "maximum of", "a maximum of", "max of", "or less", "<=", "<", "lower than",
     "up to", "a cap of")
_add("BETWEEN", "between", "from")
_add("AT", "at", "=", "on about", "around")
_add("EACH", "apiece", "per channel")

# -- objectives ---------------------------------------------------------------------------------
_add("MAX", "maximize", "maximise", "maximize the", "get the highest", "highest", "most", "max", "squeeze",
     "get the most", "the most", "as much", "as high as possible", "biggest", "largest", "optimize")
_add("THROUGHPUT", "throughput", "sum rate", "sum-rate", "sum mi", "capacity", "total mi", "total throughput",
     "aggregate rate", "total rate", "sum of rates", "overall rate", "combined rate", "total data rate",
     "aggregate throughput", "as many bits as you can", "as many bits", "total capacity", "spectral efficiency",
     "sum of the rates", "total mutual information")
_add("RATE", "rate", "rates", "mi", "data rate", "mutual information", "bitrate", "bit rate")
_add("TOTAL", "total", "in total", "a total of", "sum", "altogether", "combined", "aggregate", "overall",
     "in all")
_add("LEAST", "least", "minimum", "minimal", "minimize", "minimise", "lowest", "smallest", "fewest")
_add("LEAST POWER", "as little power as possible", "as little energy as possible", "as little power",
     "save energy", "save power", "saving energy", "saving power", "energy saving", "power saving",
     "cheapest", "fewest watts")
_add("MAXMIN", "max min", "maxmin", "maximin", "max min fairness", "best worst case")
_add("PROPFAIR", "proportional fairness", "proportionally fair", "proportional fair", "proportional-fair")
_add("EQUALIZE", "equalize", "equalise", "balance", "even out", "level", "equalize out")
_add("SAME", "same", "equal", "identical", "uniform", "the same")
_add("FAIR", "fair", "fairly", "fairness", "be fair", "fair share", "justly")
_add("TREAT", "treat")
_add("ACROSS", "across", "over all", "among", "for", "in", "per", "within", "out of")
_add("SYSNOUN", "radio", "system", "transmitter", "link", "the link", "band")

# -- power -----------------------------------------------------------------------------------------
_add("POWER", "power", "budget", "energy", "p_total", "p total", "ptotal", "power budget", "transmit power",
     "transmit budget", "total power", "tx power", "power level", "total budget", "total transmit power",
     "output power", "power use", "power consumption", "transmit power budget", "watts")
_add("FULL", "full", "maximum", "available", "max power", "entire", "whole", "the maximum")
_add("CURRENT", "current", "present", "in force", "now", "today's", "the current", "existing")
_add("SETV:down", "reduce", "lower", "cut", "decrease", "trim", "shrink", "bring down", "scale down", "dial down",
     "turn down", "drop down", "back off", "lessen", "drop")
_add("SETV:up", "raise", "increase", "grow", "bring up", "scale up", "turn up", "ramp up")
_add("SETV:set", "set", "put", "bring", "fix", "change", "adjust", "move")
_add("HALVE", "halve", "cut in half")
_add("BY", "by")
_add("USE", "use", "spend", "run", "operate", "transmit", "using", "with", "consume", "stick to", "stay at")
_add("GOBACK", "go back to", "return to", "restore", "back to", "revert to", "go to")
_add("ALLOWED", "allowed", "permitted", "you can", "we can")
_add("WHILE", "while", "whilst", "but", "so that", "such that", "where", "however", "yet", "without letting")


_DE: dict[str, str] = {}
_add("OFF", "schalte", "schalten", "abschalten", "deaktiviere", table=_DE)
_add("OFFPART", "ab", "aus", table=_DE)
_add("RANK:weakest", "schwächsten", "schwachsten", table=_DE)
_add("RANK:strongest", "stärksten", "starksten", table=_DE)
_add("MAX", "maximiere", "maximieren", "maximiert", table=_DE)
_add("THROUGHPUT", "gesamtdurchsatz", "gesamtrate", "summenrate", "durchsatz", table=_DE)
_add("PRIO", "priorisiere", "priorisieren", "bevorzuge", table=_DE)
_add("CHAN", "kanäle", "kanal", "kanälen", "kanals", table=_DE)
_add("POWER", "leistung", "gesamtleistung", "sendeleistung", table=_DE)
_add("SETV:down", "reduziere", "senke", "verringere", table=_DE)
_add("AND", "und", table=_DE)
_add("TO", "auf", "bis", table=_DE)

_FR: dict[str, str] = {}
_add("RANK:weakest", "les plus faibles", "plus faibles", table=_FR)
_add("RANK:strongest", "les plus forts", "plus forts", table=_FR)
_add("OFF", "éteins", "éteindre", "éteignez", "coupe", "coupez", "désactive", "désactivez", table=_FR)
_add("MAX", "maximise", "maximiser", "maximisez", table=_FR)
_add("THROUGHPUT", "débit total", "débit", table=_FR)
_add("PRIO", "privilégie", "privilégiez", "priorise", "prioriser", "priorisez", table=_FR)
_add("CHAN", "canaux", "canal", table=_FR)
_add("POWER", "puissance", "puissance totale", table=_FR)
_add("SETV:down", "réduis", "réduisez", "baisse", "baissez", table=_FR)
_add("AND", "et", table=_FR)
_add("TO", "à", table=_FR)

_ES: dict[str, str] = {}
_add("RANK:weakest", "más débiles", table=_ES)
_add("RANK:strongest", "más fuertes", table=_ES)
_add("PRIO", "prioriza", "priorizar", "prioricen", "prioritiza", table=_ES)
_add("MAX", "maximiza", "maximizar", "maximice", table=_ES)
_add("THROUGHPUT", "rendimiento total", "caudal total", "rendimiento", "caudal", table=_ES)
_add("OFF", "apaga", "apagar", "desactiva", "desactivar", table=_ES)
_add("CHAN", "canales", table=_ES)
_add("POWER", "potencia", "potencia total", table=_ES)
_add("SETV:down", "reducir", "baja", "reduzca", table=_ES)
_add("AND", "y", table=_ES)

_ZH: dict[str, str] = {}
_add("POWER", "总 功 率", "总 发 射 功 率", "功 率", table=_ZH)
_add("SETV:set TO", "降 低 到", "降 到", "减 少 到", "减 小 到", "设 为", "设 置 为", "调 到", table=_ZH)
_add("MAX", "最 大 化", table=_ZH)
_add("THROUGHPUT", "总 吞 吐 量", "吞 吐 量", table=_ZH)
_add("OFF", "关 闭", table=_ZH)
_add("RANK:weakest", "最 弱 的", table=_ZH)
_add("RANK:strongest", "最 强 的", table=_ZH)
_add("PRIO", "优 先", table=_ZH)
_add("CHAN", "信 道", "通 道", table=_ZH)
_add("AND", "和", table=_ZH)

#: phrase (words joined by one space) -> (symbols, language); English last so that a
#: word both languages use ("reduce") reads as English.
VOCABULARY: dict[str, tuple[str, str]] = {}
for _lang, _table in (("de", _DE), ("fr", _FR), ("es", _ES), ("zh", _ZH)):
    for _phrase, _symbols in _table.items():
        VOCABULARY[_phrase] = (_symbols, _lang)
    for _word, _v in _FOREIGN_NUMBERS[_lang].items():
        VOCABULARY[_word] = (f"NUM:{_v}", _lang)
    for _word in STOP_WORDS[_lang]:
        VOCABULARY[_word] = ("", _lang)
for _word in STOP_WORDS["en"]:
    VOCABULARY[" ".join(_word.split())] = ("", "en")
for _phrase, _symbols in _EN.items():
    VOCABULARY[_phrase] = (_symbols, "en")
for _phrase in INJECTION:
    VOCABULARY[_phrase] = ("INJECT", "en")


def phrase_table() -> tuple[dict[tuple[str, ...], tuple[str, str]], int]:
    """The vocabulary keyed by word tuples, and the longest phrase's length in words."""
    table = {tuple(phrase.split()): entry for phrase, entry in VOCABULARY.items()}
    return table, max(len(k) for k in table)

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
           "can", "you", "that", "them all", "may", "might", "will", "would", "i", "we", "now", "today", "right now",
           "for now", "immediately", "somewhere", "otherwise", "until further notice", "until i say otherwise",
           "to do it", "to do so", "for that", "for this", "being", "currently", "please do"),
    "de": ("den", "die", "das", "der", "dem", "ist", "sind", "bitte", "soll", "sollen", "sie"),
    "fr": ("les", "le", "la", "l", "des", "de", "est", "sont", "du"),
    "es": ("los", "las", "el", "del", "está", "están", "al"),
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
    "es": {"uno": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8, "nueve": 9},
    "zh": {"两": 2, "二": 2, "三": 3, "四": 4, "五": 5},
}

_ORDINALS = {"second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9,
             "tenth": 10, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5, "6th": 6, "7th": 7, "8th": 8, "9th": 9,
             "10th": 10}

#: Phrases that ask the navigator to drop its instructions: declined whatever else is said.
INJECTION = ("override", "jailbreak", "instructions", "system prompt", "developer mode", "maintenance mode",
             "reply with", "ignore your", "ignore all", "ignore the limits", "ignore previous", "ignore any",
             "disregard your", "disregard all", "disregard previous", "disregard the", "forget your",
             "forget all", "forget everything", "forget previous", "forget the rules", "forget the limits",
             "ignore the rules", "ignore the guardrail", "ignore safety", "ignore the safety", "ignore limits")

# English phrase -> symbols. Several spellings of one meaning share a line.
_EN: dict[str, str] = {}


def _add(symbols: str, *phrases: str, table: dict | None = None) -> None:
    for phrase in phrases:
        (table if table is not None else _EN)[phrase] = symbols


# -- channels and how they are named ---------------------------------------------------
_add("CHAN", "channel", "channels", "subchannel", "subchannels", "sub channel", "sub channels", "subcarrier",
     "subcarriers", "sub carrier", "sub carriers", "carrier", "carriers", "subband", "subbands", "ch", "ch .",
     "user", "users", "link", "links", "one", "ones")
_add("ALL CHAN", "everyone", "everybody", "all of them", "every one", "everything", "every single one",
     "the whole band", "all the channels")
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
_add("THEM", "them", "those", "these", "it", "they", "it's", "they're", "this one",
     "that one", "this channel", "that channel", "these channels", "those channels")
_add("RANK:weakest", "weakest", "worst", "poorest", "worst off", "weakest ones", "slowest", "lowest rate",
     "faintest", "noisiest", "lowest gain", "most faded", "most attenuated", "least capable", "worst performing")
_add("RANK:strongest", "strongest", "best", "fastest", "highest gain", "cleanest", "best performing",
     "most capable", "least faded")
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
_add("NUM:2 TIMES", "twice", "double", "doubly", "twofold", "two fold")
_add("NUM:3 TIMES", "triple", "thrice")
_add("POINT", "point", "dot")
_add("ONE", "one")
_add("FRAC:0.5", "half", "a half", "one half")
_add("FRAC:0.3333333333333333", "a third", "one third")
_add("FRAC:0.6666666666666666", "two thirds")
_add("FRAC:0.25", "a quarter", "one quarter", "quarter", "a fourth", "one fourth")
_add("FRAC:0.75", "three quarters")
_add("FRAC:0.2", "a fifth", "one fifth")
_add("FRAC:0.1", "a tenth", "one tenth")
_add("FRAC:0.4", "two fifths")
_add("FRAC:0.6", "three fifths")
_add("FRAC:0.8", "four fifths")

# -- units --------------------------------------------------------------------------------
_add("BITS", "bit", "bits", "b", "bit/s/hz", "bits/s/hz", "b/s/hz", "bps/hz", "bits per channel use",
     "bit per channel use", "bits of mi", "bits of throughput", "bits of rate")
_add("WATT", "w", "watt", "watts", "unit", "units", "units of power", "watts of power")
_add("NUM:0.001 WATT", "milliwatt", "a milliwatt", "one milliwatt", "mw")
_add("PCT", "%", "percent", "per cent", "pct")

# -- verbs and what they act on ---------------------------------------------------------------
_add("OFF", "shut down", "shut off", "shutdown", "turn off", "switch off", "disable", "deactivate", "mute",
     "silence", "kill", "power down", "stop using", "zero out", "stop wasting power on", "cut off",
     "stop transmitting on", "take down", "take out", "drop", "remove", "exclude", "blank",
     "park", "retire", "take out of the allocation")
_add("TURN", "turn", "switch", "shut", "take", "knock", "back", "pull")
_add("OFFPART", "off", "out", "out of the allocation", "out of use", "dark", "silent", "quiet", "unused",
     "idle", "empty", "out of it", "out of the plan", "out of the mix")
_add("DOWN", "down")
_add("UP", "up")
_add("AVOID", "avoid", "do not use", "don't use", "dont use", "never use", "stay off", "keep off", "stay away from",
     "no power to", "no power on", "don't put anything on", "do not put anything on", "put nothing on",
     "don't put any power on", "do not put any power on", "keep away from", "steer clear of", "skip", "leave out",
     "give nothing to", "give no power to", "send nothing on", "send nothing to")
_add("BROKEN", "out of service", "broken", "unusable", "dead", "unavailable", "faulty", "has failed", "have failed",
     "failed", "jammed", "offline", "not usable", "not available", "out of order", "being jammed",
     "under maintenance", "in maintenance", "goes into maintenance", "go into maintenance", "is in maintenance",
     "is being serviced", "being serviced", "under repair", "in repair", "defective", "damaged", "interfered",
     "interfered with", "blocked", "bad", "is bad", "has gone bad", "went down", "has gone down",
     "gone down", "is down", "are down", "not working", "isn't working", "doesn't work", "dropped out",
     "has dropped out", "decommissioned", "lost", "is lost", "disconnected", "faulted",
     "malfunctioning", "has a fault", "has a problem", "is jammed", "are jammed")
# hardware a broken channel can name ("has a faulty amplifier")
_add("EQUIP", "amplifier", "amp", "antenna", "front end", "frontend", "hardware", "transceiver",
     "filter", "mixer", "cable", "connector", "oscillator", "power amplifier", "pa", "feed")
# what a channel carries: context, not an instruction ("channel 1 carries the control loop")
_add("PAYLOAD", "traffic", "data", "the control loop", "control loop", "control", "telemetry", "video",
     "video feed", "voice", "backup", "the backup", "signalling", "signaling", "control traffic", "payload",
     "critical traffic", "emergency traffic", "sensor data", "the uplink", "the downlink", "commands")
# why the operator asks (no instruction of its own): "we're running too hot, halve the power"
_add("REASON", "we're running too hot", "we are running too hot", "running too hot", "too hot", "running hot",
     "overheating", "we're overheating", "the amplifier is overheating", "to save the battery", "battery is low",
     "the battery is low", "we're on battery", "we are on battery", "we're over budget", "we are over budget",
     "for safety", "to be safe", "as a precaution", "to be on the safe side", "the regulator asked",
     "interference complaints", "we have interference complaints")
_add("CARRY", "used for", "only used for", "reserved for", "kept for", "dedicated to", "serve", "serves",
     "handle", "handles", "is for", "are for")
# the power of a channel moved to others ("put its share on 6", "spread the power over the rest")
_add("SPREAD", "spread", "spread the power", "redistribute", "share", "shares", "share the power",
     "share its power", "share their power", "split", "split the power", "divide", "divide the power",
     "put its share on", "put their share on", "give its power to", "give their power to", "move its power to",
     "move their power to", "hand its power to", "hand their power to", "give its share to",
     "give their share to", "put its power on", "put their power on", "shift its power to",
     "shift their power to", "share out", "spread the budget", "redistribute the power",
     "redistribute its power", "redistribute their power")
_add("ON", "on", "active", "running", "enabled", "alive", "in use", "in service", "live", "powered",
     "transmitting", "carry traffic", "turned on", "switched on", "lit")
_add("PRIO", "prioritize", "prioritise", "favour", "favor", "boost", "focus on", "focus power on", "protect",
     "prefer", "emphasize", "emphasise", "concentrate on", "give priority to", "give more power to",
     "more power to", "put the emphasis on", "put power on", "privilege", "look after", "put first",
     "put ahead", "rank first", "weight up", "upweight", "give preference to", "prefer to serve")
_add("PRIORITY", "priority", "priority over others", "priority over rest", "precedence", "top priority",
     "high priority", "the highest priority", "highest priority", "preference", "preferential treatment",
     "first call", "the priority")
_add("OVEROTHERS", "over others", "over rest", "over other channels", "than others", "as others",
     "than rest", "relative to others", "over everything else", "above others", "above everything else",
     "before others", "before everything else", "ahead of others", "ahead of everything else")
_add("VS", "compared with", "compared to", "against", "relative to", "versus", "vs", "vs .", "as",
     "as much as", "that of", "than any", "than each", "as each", "of each")
_add("MATTER", "matter most", "matters most", "are most important", "is most important", "are critical",
     "is critical", "matter more", "are important", "is important", "the important one",
     "is the important one", "is the most important one", "are the important ones", "are the most important ones",
     "the most important", "is the most important", "come first", "comes first", "go first", "goes first",
     "come before everything else", "comes before everything else", "come before the others",
     "comes before the others", "take precedence", "takes precedence", "is key", "are key", "is vital",
     "are vital", "matter", "matters", "is the priority", "are the priority", "count most", "counts most",
     "come before everything", "comes before everything")
_add("GIVE", "give", "assign", "grant", "allot")
_add("WEIGHT", "weight", "the weight", "weighting", "weigh", "weighs", "count", "counts", "worth",
     "is worth", "are worth", "be weighted", "weighted", "is weighted", "are weighted", "weight of", "as much weight",
     "the weight of")
_add("TIMES", "times", "x", "fold", "times as much", "times more", "times the weight", "times as much weight",
     "times as heavily", "times as important")
_add("KEEP", "keep", "keeping", "keeps", "hold", "maintain", "ensure", "make sure", "guarantee", "guaranteeing",
     "guarantees", "leave", "secure", "assure")
_add("NEED", "need", "needs", "get", "gets", "must get", "should get", "has to get", "must have", "have", "has",
     "stay", "stays", "remain", "remains", "must stay", "receive", "receives", "carry", "carries", "sit", "sits",
     "lie", "lies", "be kept", "be held", "draw", "draws", "takes", "see", "sees", "holds",
     "runs", "operates", "settle", "settles", "be at", "carrying")
_add("CAP", "cap", "caps", "limit", "restrict", "clamp", "throttle", "cap off")
_add("NEARSAT", "near saturation", "close to saturation", "at saturation", "saturated", "nearly saturated",
     "near full rate", "close to full rate", "at full rate", "near the top", "maxed out", "at its fastest")
_add("REACH", "reach", "achieve", "hit", "deliver", "attain", "get to", "provide", "aim for", "target")
_add("NEVER", "never", "not", "no", "don't", "do not", "must not", "mustn't", "never let", "don't let",
     "do not let", "no channel should")
_add("LET", "let", "allow")
_add("FALLBELOW", "fall under", "fall below", "falls under", "falls below", "drop below", "drops below",
     "drop under", "drops under", "go below", "goes below", "dip below", "dips below", "sink below",
     "get below", "fall beneath", "slip below", "slip under", "sag below", "dip under", "go under",
     "goes under", "drop beneath", "fall short of", "falls short of")
_add("EXCEED", "exceed", "exceeds", "go above", "goes above", "rise above", "rises above", "go over", "goes over",
     "go past", "goes past", "get above", "gets above", "climb above", "climbs above", "top", "surpass",
     "go beyond", "goes beyond", "rise over")
_add("ABOVE", "above", "over", "at least", "more than", "no less than", "not less than", "not below", "no lower than",
     "not under", "minimum of", "a minimum of", "min of", "a floor of", ">=", ">", "greater than",
     "higher than", "at or above", "upwards of", "a floor at", "floor of", "floor at")
# a lower or upper bound written after its amount ("1.9 bits or better", "1.75 bits minimum")
_add("ORMORE", "or more", "or better", "or higher", "or above", "at minimum", "at the least",
     "or over", "and up", "and above", "as a minimum", "as a floor")
_add("ORLESS", "or less", "or lower", "or below", "tops", "at the most",
     "and below", "and under", "as a cap", "as a ceiling", "or under", "at maximum")
_add("PLUSMINUS", "give or take", "plus or minus", "+/-", "±", "plus minus", "more or less by", "with a tolerance of",
     "with tolerance", "tolerance")
_add("BELOW", "below", "under", "at most", "no more than", "not more than", "less than", "not above",
     "no higher than", "must not exceed", "should not exceed", "not exceed", "never exceed", "not to exceed",
     "never more than", "maximum of", "a maximum of", "max of", "<=", "<", "lower than",
     "up to", "a cap of", "a ceiling of", "ceiling of", "a ceiling at", "ceiling at", "not beyond",
     "not past", "no further than")
_add("NEED BETWEEN", "stay within", "stays within", "remain within", "remains within", "be within", "kept within",
     "be kept within", "stay in the range", "lie within", "lies within", "sit within", "sits within")
_add("MAX THROUGHPUT", "as much data as possible", "as many bits as possible", "as much traffic as possible")
_add("BETWEEN", "between", "from", "in the range", "within the range", "in the range of",
     "somewhere between", "anywhere between", "in between")
_add("AT", "at", "=", "on about", "around")
_add("EACH", "apiece", "per channel")

# -- objectives ---------------------------------------------------------------------------------
_add("MAX", "maximize", "maximise", "maximize the", "get the highest", "highest", "most", "max", "squeeze",
     "get the most", "the most", "as much", "as high as possible", "biggest", "largest", "optimize",
     "push", "go for", "go for the", "aim for the", "push for", "as much data",
     "go for maximum", "go for max")
_add("MAKE", "make")
# "... as fast as it can be" after the channel it names
_add("MAXPOST", "as fast as it can be", "as fast as possible", "as fast as it can", "as high as it can go",
     "as good as possible", "as high as it can be", "as well off as possible", "as strong as possible",
     "as quick as possible", "as fast as they can be", "as high as they can go", "as good as it can be")
_add("THROUGHPUT", "throughput", "sum rate", "sum-rate", "sum mi", "capacity", "total mi", "total throughput",
     "aggregate rate", "total rate", "sum of rates", "overall rate", "combined rate", "total data rate",
     "aggregate throughput", "as many bits as you can", "as many bits", "total capacity", "spectral efficiency",
     "sum of the rates", "total mutual information", "data through", "through as the link will carry",
     "through as the link can carry", "as the link will carry", "as the link can carry", "data throughput",
     "bits through", "goodput", "overall throughput", "net throughput",
     "aggregate capacity", "sum capacity", "total data", "data rate overall")
_add("RATE", "rate", "rates", "mi", "data rate", "mutual information", "bitrate", "bit rate")
_add("TOTAL", "total", "in total", "a total of", "sum", "altogether", "combined", "aggregate", "overall",
     "in all")
_add("LEAST", "least", "minimum", "minimal", "minimize", "minimise", "lowest", "smallest", "fewest")
_add("LEAST POWER", "as little power as possible", "as little energy as possible", "as little power",
     "save energy", "save power", "saving energy", "saving power", "energy saving", "power saving",
     "cheapest", "fewest watts", "save every watt", "save every watt you can", "save every watt possible",
     "no more power than needed", "no more power than necessary", "no more power than it takes",
     "not a watt more than needed", "not a watt more than it takes", "not a milliwatt more than needed",
     "the least power you can", "the least power possible", "least power possible", "as little as possible",
     "as few watts as possible", "as few watts as you can", "as little power as you can", "minimum power",
     "minimal power", "bare minimum power", "the minimum power", "least energy", "the least energy")
_add("MORENEEDED", "more than needed", "more than necessary", "more than it takes", "more than that takes",
     "more than that needs", "more than required", "more than this takes", "more than you need",
     "more than we need", "more than is needed", "more than is necessary", "more than the goal needs")
_add("MAXMIN", "max min", "maxmin", "maximin", "max min fairness", "best worst case")
_add("PROPFAIR", "proportional fairness", "proportionally fair", "proportional fair", "proportional-fair")
_add("EQUALIZE", "equalize", "equalise", "balance", "even out", "level", "equalize out")
_add("SAME", "same", "equal", "identical", "uniform", "the same")
_add("FAIR", "fair", "fairly", "fairness", "be fair", "fair share", "justly", "evenly", "even handed",
     "equitably", "equitable")
_add("TREAT", "treat")
_add("ACROSS", "across", "over all", "among", "for", "in", "per", "within", "out of")
_add("SYSNOUN", "radio", "system", "transmitter", "link", "the link", "band")

# -- power -----------------------------------------------------------------------------------------
_add("POWER", "power", "budget", "energy", "p_total", "p total", "ptotal", "power budget", "transmit power",
     "transmit budget", "total power", "tx power", "power level", "total budget", "total transmit power",
     "output power", "power use", "power consumption", "transmit power budget",
     "whatever we are transmitting", "what we are transmitting", "what we transmit", "whatever we transmit",
     "what we are using", "whatever we are using", "what we use", "our power", "transmission power",
     "radiated power", "power draw", "power output", "total output", "rf power", "drive level")
_add("FULL", "full", "maximum", "available", "max power", "entire", "whole", "the maximum",
     "the max", "the limit", "p_max", "pmax", "p max", "the full budget",
     "everything we have", "all we have", "flat out", "what is available", "what's available")
_add("CURRENT", "current", "present", "in force", "today's", "the current", "existing", "what it is now",
     "what it is", "current level", "present level", "as it stands", "the one in force", "what we have now",
     "what we have", "we have now")
_add("SETV:down", "reduce", "lower", "cut", "decrease", "trim", "shrink", "bring down", "scale down", "dial down",
     "turn down", "drop down", "back off", "lessen", "drop", "knock down", "pare", "pare back", "cut back",
     "scale back", "dial back", "wind down", "ease", "ease off", "shave", "trim back",
     "lower by", "come down", "go down", "step down", "subtract")
_add("SETV:up", "raise", "increase", "grow", "bring up", "scale up", "turn up", "ramp up", "add", "lift",
     "bump", "bump up", "push up", "step up", "go up", "crank up")
_add("SETV:set", "set", "put", "bring", "fix", "change", "adjust", "move")
_add("HALVE", "halve", "cut in half")
_add("BY", "by")
_add("USE", "use", "spend", "run", "operate", "transmit", "using", "with", "consume", "stick to", "stay at",
     "spend on", "put out", "radiate", "budget for")
_add("GOBACK", "go back to", "return to", "restore", "back to", "revert to", "go to", "go", "come back to",
     "get back to")
_add("ALLOWED", "allowed", "permitted", "you can", "we can")
_add("WHILE", "while", "whilst", "but", "so that", "such that", "where", "however", "yet", "without letting",
     "though", "although", "whereas", "and also", "and meanwhile",
     "meanwhile", "at the same time", "in addition", "additionally", "but also", "on top of that")

# -- classes of wordings by semantic role ------------------------------------------------------
# Each role is a class written once and multiplied out (verb x object x preposition), so that a
# new wording of a known role reads the same as the one the suites use.

# time, hedges and filler that state no request: dropped like the stop words
_add("", "for the afternoon", "for the morning", "for the evening", "for the day", "for the rest of the day",
     "for the time being", "for a while", "for the moment", "at the moment", "at present", "anymore",
     "any more", "overnight", "this morning", "this afternoon", "tonight", "on us", "again", "still",
     "anywhere", "is fine", "is ok", "is okay", "is acceptable", "will do", "merely", "simply", "basically",
     "i want", "we want", "i'd like", "we'd like", "i would like", "we would like", "i need you to",
     "' s", "the allocation", "allocation",
     "the air", "for us", "kindly", "go ahead and", "if you can", "if possible", "as well")
# a channel that cannot be used: states, idioms and their causes
_add("BROKEN", "keeps dropping out", "keep dropping out", "keeps dropping", "dropping out", "drops out",
     "keeps cutting out", "keep cutting out", "cutting out", "cuts out", "cut out", "keeps failing",
     "keep failing", "keeps failing on us", "flaky", "unreliable", "intermittent", "useless", "swamped",
     "drowned out", "wiped out", "knocked out", "out of action", "out of commission", "dead in the water",
     "went offline", "gone offline", "has gone offline", "went dark", "has gone dark", "gone dark", "went dead",
     "has gone dead", "dropped off", "has dropped off", "fell over", "has fallen over", "crashed", "has crashed",
     "died", "has died", "is dead", "is gone", "went out", "is toast", "fried",
     "burned out", "burnt out", "is burned out", "unusable right now", "is unusable", "no good", "is no good",
     "not usable", "can't be used", "cannot be used", "can not be used", "is not usable", "swamped by interference",
     "drowned in interference", "drowned in noise", "buried in noise", "full of interference", "being interfered with",
     "is being jammed", "got jammed", "has been jammed", "under attack", "on fire", "overheated", "has overheated",
     "off the air", "off air", "out of service for now", "unserviceable", "inoperable", "inoperative",
     "non functional", "nonfunctional", "not functioning", "not responding", "unresponsive", "has a fault",
     "is faulty", "is broken", "is in for maintenance", "is in for repair", "in for maintenance", "in for repair",
     "being repaired", "is being repaired", "scheduled for maintenance", "taken for maintenance")
_add("LOST", "we lost", "we've lost", "we have lost", "lost", "we lost the link on", "lost the link on",
     "we have no link on", "no link on", "we have no signal on", "no signal on", "lost contact with",
     "we lost contact with", "nothing gets through on", "nothing is getting through on", "we can't use",
     "we cannot use", "we can not use")
_add("FAULT", "fault", "faults", "failure", "failures", "problem", "problems", "issue", "issues", "fire",
     "interference", "jamming", "noise", "a jammer", "jammer", "storm", "rain fade", "fading", "a fade",
     "overheating", "damage", "water damage", "maintenance")
# the cause of a failure ("to an antenna fault", "due to interference"): part of the failure
_faults = ("fault", "faults", "failure", "problem", "issue", "interference", "jamming", "noise", "jammer",
           "storm", "rain fade", "fading", "fade", "overheating", "damage", "water damage", "maintenance", "fire")
_equips = ("", "antenna", "amplifier", "amp", "power amplifier", "hardware", "transceiver", "filter", "mixer",
           "cable", "connector", "oscillator", "front end", "frontend", "feed", "radio", "software", "firmware")
_add("CAUSE", "for maintenance", "for repair", "for repairs", "for servicing", "for an upgrade")
_add("BROKEN", "failed overnight", "died overnight", "went down overnight")
_add("CAUSE", *[f"{_pre} {_art}{_e + ' ' if _e else ''}{_f}"
                for _pre in ("to", "due to", "because of", "from", "after", "with", "thanks to", "owing to")
                for _art in ("", "a ", "an ", "the ", "some ")
                for _e in _equips for _f in _faults])
_add("TURN", "dial", "wind", "scale", "crank")
_add("OFFPART", "off the air", "off air")
_add("OTHERS", "what's left", "what is left", "whatever is left", "whatever's left", "the ones left",
     "those left", "the remainder", "the leftovers", "the survivors", "the ones still on", "the ones that are left")
# enumerators that open a sentence ("First, ... Second, ...")
_add("SEP", "first ,", "second ,", "third ,", "firstly", "secondly", "thirdly", "lastly", "finally",
     "firstly ,", "secondly ,", "thirdly ,", "lastly ,", "finally ,",
     "next ,", "after that ,", "then ,", "step one", "step two")
_add("ASIS", "don't touch", "do not touch", "leave alone", "leave untouched", "as they are", "as it is", "as is",
     "alone", "untouched", "unchanged", "as they stand", "where it is", "where they are")
_add("EXCLUDED", "excluded", "aside", "exempted", "exempt", "excepted", "not included", "left out of it")
_add("SPREAD", *[f"{_v} {_o} {_n} {_p}" for _v in ("move", "shift", "give", "hand", "put", "send", "transfer",
                                                   "pass", "reassign", "reallocate", "redirect", "divert")
                 for _o in ("its", "their", "the") for _n in ("power", "share", "budget", "watts")
                 for _p in ("to", "over to", "onto", "on", "into")])
_add("CURRENT", "the current level", "the present level", "the current setting", "the present setting",
     "the current value", "current setting", "the level now", "the level we have now")
_add("CARRY", "feeds", "supplies", "hosts", "is used by", "are used by", "belongs to", "belong to")
_add("", "until tomorrow", "till tomorrow", "until it is fixed", "until it's fixed", "until fixed",
     "until the repair", "until repaired", "for the next hour", "for the next few hours", "for an hour",
     "for a few hours", "for the rest of the shift", "this shift", "for this shift")
_add("LOST", "we've lost the link on", "we have lost the link on", "we've lost contact with",
     "we have lost contact with", "we've got no link on", "we've got no signal on")
_add("TREAT", "consider", "mark", "regard", "flag", "count as", "handle as")
# what a channel carries (context): payload nouns, and the noun after them
_add("PAYLOAD", "radar", "the radar", "radar feed", "sonar", "lidar", "camera", "imagery", "images",
     "navigation", "nav", "gps", "positioning", "timing", "sync", "synchronization", "synchronisation",
     "audio", "intercom", "weather", "status", "housekeeping", "logs", "logging", "firmware", "updates",
     "beacon", "safety", "medical", "emergency", "command", "the command", "uplink", "downlink", "backhaul",
     "mission", "mission data", "science data", "health data", "heartbeat", "alarms", "alerts", "broadcast",
     "streaming", "internet", "email", "ranging", "tracking", "the tracking", "the video", "the telemetry",
     "the voice", "the radar feed", "sensor", "sensors", "the sensor feed", "the camera",
     "bulk data", "file transfer", "backups", "the backups", "best effort traffic", "best effort")
# why the operator asks: situations that ask nothing
_reasons = []
for _subj in ("power is", "the power is", "the budget is", "energy is", "the battery is", "battery is",
              "power's", "budget's"):
    for _state in ("tight", "short", "low", "limited", "scarce", "running low", "getting low", "precious",
                   "constrained", "at a premium"):
        _reasons.append(f"{_subj} {_state}")
_add("REASON", *_reasons, "we've got headroom", "we have headroom", "we have some headroom", "there is headroom",
     "there's headroom", "we've got spare power", "we have spare power", "we have power to spare",
     "plenty of power", "we have plenty of power", "we're short on power", "we are short on power",
     "we're low on power", "we are low on power", "we're on battery power", "we are on battery power",
     "we're on batteries", "on battery", "on batteries", "battery mode", "we're in battery mode",
     "it's hot", "it is hot", "the amp is hot", "the amplifier is hot", "things are hot", "we're hot",
     "the regulator is watching", "we're being audited", "the link is quiet", "traffic is light",
     "traffic is heavy", "it's busy", "it is busy", "we're busy", "we are busy", "the generator is down",
     "we're on the generator", "we are on the generator", "the solar is weak", "it's night", "it's cloudy",
     "to save power", "to save energy", "to save battery", "to stay cool", "to keep cool", "to cool down",
     "to be careful", "just in case")
# favour / priority: verb x object x preposition
_favour = []
for _verb in ("bias", "tilt", "lean", "skew", "shift", "steer", "slant", "weight", "push", "tip", "swing",
              "move", "nudge"):
    for _obj in ("", "the allocation", "allocation", "the power", "power", "things", "the split", "the balance",
                 "the budget", "the weights", "weights", "the mix", "the distribution", "it", "everything"):
        for _prep in ("towards", "toward", "in favour of", "in favor of"):
            _favour.append(" ".join(w for w in (_verb, _obj, _prep) if w))
_add("PRIO", *_favour, "in favour of", "in favor of", "lean on", "side with", "go easy on the others for",
     "champion", "give a boost to", "give a leg up to", "give an edge to", "give the edge to",
     "weight towards", "weight toward", "give more weight to", "more weight to", "put more weight on",
     "more weight on", "put weight on", "invest in", "pour power into", "put power into",
     "boost up", "help out", "lift up", "pay attention to", "care most about")
for _verb in ("bump", "raise", "increase", "boost", "lift", "up", "push up", "bump up", "elevate"):
    for _what in ("priority", "weight", "weighting", "importance", "share"):
        _add("PRIO", f"{_verb} the {_what} of", f"{_verb} the {_what} on", f"{_verb} the {_what} for",
             f"{_verb} {_what} of", f"{_verb} {_what} on", f"{_verb} {_what} for")
# the opposite: a lighter weight on the channels named
_add("DEPRIO", "deprioritize", "deprioritise", "de prioritize", "de prioritise", "demote", "downweight",
     "down weight", "weight down", "disfavour", "disfavor", "give less weight to", "less weight to",
     "give less power to", "less power to", "go easy on", "put less weight on", "less weight on",
     "care less about", "starve")
for _verb in ("lower", "reduce", "cut", "drop", "decrease", "trim", "bump down", "knock down", "dial down"):
    for _what in ("priority", "weight", "weighting", "importance", "share"):
        _add("DEPRIO", f"{_verb} the {_what} of", f"{_verb} the {_what} on", f"{_verb} the {_what} for",
             f"{_verb} {_what} of", f"{_verb} {_what} on", f"{_verb} {_what} for")
# limits: caps and floors written as states
_add("BELOW", "limited to", "is limited to", "are limited to", "capped at", "capped to", "is capped at",
     "restricted to", "clamped to", "clamped at", "held to", "kept to", "kept under", "kept below",
     "not allowed above", "not allowed over", "no faster than", "no quicker than", "held under",
     "held below", "topping out at", "tops out at", "maxes out at", "at the very most", "not higher than",
     "not over", "nothing above", "nothing over", "nothing more than", "never above", "never over",
     "ceilinged at", "under a cap of", "with a cap of", "with a ceiling of")
_add("ABOVE", "floored at", "is floored at", "no slower than", "nothing below", "nothing under",
     "never below", "never under", "not lower than", "not less than", "with a floor of", "at the very least",
     "guaranteed", "guaranteed at least", "assured", "assured at least", "not dipping below")
_add("NEVER", "shouldn't", "should not", "should never", "must never", "can't", "cannot", "can not", "won't",
     "will not", "may not", "mustn't ever", "shall not", "is not to", "are not to", "isn't to", "aren't to")
_add("RANGE", "range", "window", "bracket", "interval", "corridor", "band")
# fairness and "everywhere"
_add("ACROSS ALL CHAN", "across the board", "everywhere", "on every channel", "on all channels",
     "across all channels", "across every channel", "over the whole band", "over every channel")
_add("EQUALIZE", "even up", "evens out", "level out", "level off", "flatten", "flatten out", "smooth out",
     "even the rates out", "balance out", "make even", "make equal", "line up", "match up", "square up")
_add("MAX", "max out", "maximize out", "crank", "crank out", "squeeze out", "get as much as you can",
     "drive up", "run up")
_add("MAXPOST", "as high as it will go", "as high as they will go", "as far as it will go", "as far as it can go",
     "as far as possible", "as high as you can", "as much as you can", "as much as possible",
     "as high as it can", "as good as it gets", "as high as it gets", "to the max")
# budget verbs: up and down (phrasal too)
_add("SETV:down", "shave off", "slash", "chop", "whittle", "whittle down", "roll back",
     "pull back", "pull down", "tone down", "drop back", "back down", "cut down",
     "reduce down", "lower down", "tighten", "squeeze down", "rein in", "dial it down")
_add("SETV:up", "bump", "top up", "raise up", "hike", "jack up", "pump up", "ramp",
     "open up", "loosen", "widen", "extend", "add on")
_add("WATT", "watt's", "w's")
# relative quantities: "half again", "a bit more", fractions in words
_add("FRAC:0.5", "halfway", "half way", "half of", "fifty fifty")
_add("FRAC:0.125", "an eighth", "one eighth")
_add("FRAC:0.375", "three eighths")
_add("FRAC:0.3", "three tenths")
_add("FRAC:0.7", "seven tenths")
_add("FRAC:0.9", "nine tenths")
# "only" and what the channels left on do
_add("ON", "allowed to transmit", "is allowed to transmit", "are allowed to transmit", "may transmit",
     "can transmit", "should transmit", "to transmit", "stay up", "stays up", "stay on", "stays on",
     "remain on", "remains on", "stay active", "stays active", "remain active", "remains active",
     "stay lit", "stay live", "keep running", "keep transmitting", "keeps transmitting", "on the air", "on air",
     "up and running", "in play", "in the mix", "carry anything", "get power", "gets power", "get any power")
_add("ONLY USE", "we can only afford", "can only afford", "only afford", "we can only spend", "can only spend",
     "we only have", "only have", "all we can spend is", "all we can afford is", "we have only")
_add("USE", "afford", "can afford", "we can afford", "work with", "make do with", "live with", "get by on",
     "manage with", "run with", "operate at", "transmit with", "go with")
_add("USEON", "transmit on", "transmit only on", "send on", "send traffic on", "put traffic on",
     "carry traffic on", "put everything on", "put all the power on", "put all power on", "run traffic on",
     "send everything on", "send everything over", "transmit over", "send over")
_add("NUM:2 CHAN", "pair", "pair of channels", "couple of channels")
_add("NUM:3 CHAN", "trio", "three of them")
for _k in range(1, 21):
    for _w in ([str(_k)] + [w for w, v in NUMBER_WORDS.items() if v == _k]):
        _add(f"RANK:strongest NUM:{_k}", f"top {_w}", f"best {_w}")
        _add(f"RANK:weakest NUM:{_k}", f"bottom {_w}", f"worst {_w}")
_add("RANK:strongest", "top channel", "the top one", "the best one")
_add("RANK:weakest", "bottom channel", "the bottom one", "the worst one")

# -- wider classes: more words for the roles above ----------------------------------------------
# (a phrase already read above keeps its reading)
def _widen(symbols: str, *phrases: str) -> None:
    _add(symbols, *(p for p in phrases if p not in _EN and p not in STOP_WORDS["en"]))


# filler: emphasis, hedges, who asked, time ("no matter what", "from now on", "finance has ...")
_widen("", "no matter what", "whatever happens", "at all times", "at any cost", "always", "from now on",
     "going forward", "from here on", "from here on in", "for good", "either way", "in either direction",
     "ought to", "ought", "supposed to", "is supposed to", "are supposed to", "has to", "have to", "needs to",
     "need to", "got to", "gotta", "there", "there is", "there are", "here", "what", "that", "which", "whatever",
     "been", "has been", "have been", "was", "were", "just", "really", "actually", "okay", "ok", "alright",
     "first and foremost", "above all", "above all else", "most of all", "nearby", "around here", "on site",
     "finance", "management", "the boss", "ops", "operations", "the customer", "the client", "hq",
     "headquarters", "the operator", "the team", "the crew", "someone", "somebody", "they say", "i think",
     "slightly", "somewhat", "quickly", "asap", "straight away",
     "right away", "thanks", "thank you", "cheers", "hey", "hi", "so", "also please", "ideally", "preferably",
     "if you would", "would you", "could you", "can you please", "let's", "lets", "let us", "go ahead",
     "out of that", "out of it", "with that", "on that", "from that", "with it", "through it", "this",
     "yesterday", "tomorrow", "this week", "this evening", "tonight's", "later", "soon", "for today",
     "flowing", "moving", "going", "coming through", "getting through")
_widen("ORMORE", "at the low end", "at the bottom end", "at the lower end", "minimum", "min", "floor",
     "as the floor", "as the minimum", "at a minimum")
_widen("ORLESS", "at the high end", "at the top end", "at the upper end", "ceiling", "max", "maximum",
     "as the ceiling", "as the maximum", "at a maximum", "tops")
_widen("ACROSS", "inside", "inside of", "within a", "in a")
_widen("KEEP", "aim", "aim for", "steer", "pin", "park at", "hold at", "peg", "lock", "settle at", "target")
_widen("EXCEPT", "with the exception of", "bar", "barring", "save", "but for", "excepting", "not counting",
     "leaving out", "other than for", "aside from", "outside of", "short of")
_widen("EXCLUDED", "being the exception", "is the exception", "as the exception", "the exception",
     "as an exception", "is exempt", "stays as is", "excluded from this", "not included")
_widen("AVOID", "route around", "work around", "steer around", "go around", "bypass", "route past", "stay clear of",
     "keep clear of", "forget about", "write off", "give up on", "abandon", "do without")
_widen("OFF", "shutter", "close", "close down", "suspend", "pause", "halt", "black out", "blank out",
     "mothball", "decommission", "zero", "null", "nix", "pull the plug on",
     "unplug", "de energize", "deenergize", "take offline", "take off line", "turn dark",
     "go dark", "off with", "cut", "drop out", "kill off", "stop", "stop transmitting", "shut", "sideline",
     "stand down", "retire", "bench")
_widen("BROKEN", "has been cut", "been cut", "was cut", "is cut", "got cut", "just died", "just failed",
     "just went down", "just dropped", "just dropped out", "just went dark", "went out",
     "has gone", "is gone", "are gone", "has quit", "quit", "is misbehaving", "misbehaving", "acting up",
     "is acting up", "on the blink", "playing up", "is playing up", "glitching", "is glitching",
     "is down for maintenance", "down for maintenance", "is corrupted", "corrupted", "is saturated by noise",
     "is compromised", "compromised", "is unreliable", "keeps dying", "keeps crashing", "stopped working",
     "has stopped working", "won't work", "not responding", "is not responding", "unreachable", "is unreachable",
     "no longer works", "no longer working", "no longer available", "not in service", "out of play",
     "shot", "is shot", "kaput", "is kaput", "busted", "is busted", "bust", "dodgy", "is dodgy",
     "failing", "is failing", "degraded", "is degraded", "severely degraded")
_widen("EQUIP", "feeder", "feeder cable", "feed line", "feedline", "coax", "waveguide", "radio head", "rrh",
     "power supply", "psu", "lna", "transmitter", "receiver", "dac", "adc", "fpga", "board", "card", "port",
     "module", "unit", "chain", "tx chain", "rx chain", "duplexer", "diplexer", "combiner", "splitter",
     "mast", "tower", "dish", "element", "antenna element", "pa")
_widen("FAULT", "outage", "outages", "fault condition", "breakdown", "malfunction", "glitch", "bug",
     "short circuit", "a short", "overload", "overvoltage", "lightning", "lightning strike", "a jammer nearby",
     "a jammer", "jammers", "rfi", "emi", "spurs", "spurious", "intermod", "intermodulation", "multipath",
     "a deep fade", "deep fade", "blockage", "obstruction", "icing", "ice", "snow", "rain", "wind", "heat",
     "a storm", "storm front", "a storm front", "bad weather", "weather", "construction", "an incident",
     "incident", "emergency", "an emergency", "degradation")
_widen("OTHERS", "everyone else", "everybody else", "anyone else", "all the rest", "all the others",
     "the remaining channels", "the remaining ones", "remaining channels", "the rest of them",
     "what the others do", "what the others get", "what the rest get", "the others do", "the rest do",
     "every other channel", "all other channels", "the other channels", "other ones", "the other ones")
_widen("CURRENT", "where we are", "where we are now", "where it is now", "where it stands", "where it stands now",
     "what we are running", "what we run", "what we are running at", "we are running at", "we are running",
     "we run at", "we are at", "we are using", "we use now", "what it is today", "the budget is now",
     "budget is now", "what the budget is now", "what the budget is", "the power is now", "what the power is",
     "what the power is now", "current figure", "the current figure", "today's figure", "the running budget",
     "the live budget",
     "the level in force", "as of now", "right now's", "the existing level")
_widen("POWER", "allowance", "power allowance", "watt budget", "wattage", "power envelope", "envelope",
     "power allocation", "tx budget", "rf budget", "transmit level", "output level", "total draw", "draw",
     "power limit", "power cap", "power ceiling", "total wattage", "power figure", "radio budget")
_widen("PCT", "pc", "per cent of", "percent of", "pct of")
_widen("SETV:down", "take", "remove", "enlève", "knock off", "take off", "chop off", "strip", "bring in",
     "wind back", "dial back", "notch down", "tone it down", "cut it", "ease back", "throttle back",
     "pull in", "lower it", "reduce it", "claw back", "rein back")
_widen("SETV:up", "grow", "boost", "add to", "top up", "raise it", "increase it", "notch up", "dial up", "crank",
     "turn it up", "push", "bump it", "up")
_widen("FACTOR", "a factor of", "by a factor of", "factor of", "factor")
_widen("PRIORITY", "extra weight", "more weight", "additional weight", "a higher weight", "a bigger weight",
     "heavier weight", "a heavier weight", "a larger weight", "more weighting", "extra weighting",
     "the lion's share", "lion share", "the bigger share", "a bigger share", "a larger share", "the most weight",
     "priority treatment", "top billing", "first dibs", "the front of the queue", "front of the queue",
     "head of the queue", "vip treatment", "special treatment", "the most attention")
_widen("WEIGHT", "counts for", "count for", "weighs in at", "worth of", "weighting of", "weighting on",
     "the weighting", "the weighting on", "weighting")
_widen("MAX THROUGHPUT", "equal weights", "equal weighting", "same weights", "uniform weights", "flat weights",
     "even weights", "weights equal", "all weights equal", "no priorities", "no priority", "no favourites",
     "no favorites", "nobody special", "every last bit of", "every last drop of", "every bit of",
     "the most out of the link", "the most out of it", "the most out of the band")
_widen("MAXMIN", "maximise the lowest rate", "maximize the lowest rate", "maximise the minimum rate",
     "maximize the minimum rate", "raise the floor", "lift the floor", "nobody gets left behind",
     "no one gets left behind", "leave no one behind", "leave nobody behind",
     "the worst off first", "maximise the worst", "maximize the worst",
     "maximise the weakest rate", "maximize the weakest rate", "best worst case rate")
_widen("LEAST POWER", "be frugal with power", "frugal", "be frugal", "sparing", "be sparing", "economical",
     "be economical", "economize", "economise", "conserve power", "conserve energy", "thrifty", "lean",
     "go easy on power", "go easy on the power", "easy on the power", "save juice", "save the battery",
     "stretch the battery", "the lowest wattage", "lowest wattage", "the least wattage", "least wattage",
     "lowest power", "the lowest power", "cheapest power", "minimum wattage")
_widen("ASIS", "as before", "as it was", "the same as now", "where it was")
_widen("ON", "senden", "sendet", "transmit", "carrying traffic", "carry the traffic", "in operation", "operating",
     "working", "functioning", "up", "available", "open", "allowed on", "stay open")
_widen("CURRENT", "aktuellen werts", "aktuellen wert", "aktuellen", "aktuelle", "aktuell", "actuel", "actuelle",
     "actual", "actuales")
_widen("NUM:0.5", "a half", "one half")
_widen("ONLY", "nothing but", "none but", "no other than", "exclusive to", "only ever", "alone")
_widen("RANK:weakest", "weakest link", "the weakest link", "worst link", "lowest", "the lowest one", "weakling",
     "the weak one", "weak one", "least good")
_widen("RANK:strongest", "the strongest link", "strongest link", "highest", "the highest one", "the strong one",
     "strong one", "the best link", "best link", "top performer", "the top performer")
_widen("THROUGHPUT", "aggregate rate", "sum throughput", "system throughput", "network throughput",
     "cell throughput", "total data throughput", "the overall rate", "link throughput")
_widen("AT", "rated", "rated at", "rated for", "is rated", "is rated at", "is rated for", "specced at",
       "spec'd at", "good for")
_widen("", "coming", "coming in", "is coming", "is coming in", "on the way", "approaching", "rolling in",
       "find", "work out", "figure out", "determine", "pick")
_widen("", "all day", "all night", "all morning", "all afternoon", "all evening", "all week", "since this morning",
       "since yesterday", "since last night", "for hours", "for days", "lately", "recently", "earlier",
       "earlier today", "again today", "me", "for me", "us", "give me", "get me", "for us please", "kindly do",
       "on the double", "when you can", "as soon as possible")
_widen("BROKEN", "toast", "are toast", "are dead", "are broken", "are faulty", "are unusable", "are offline",
       "are jammed", "are failing", "are out of service", "have died", "have gone down", "have gone dark",
       "are not responding", "are down for maintenance", "are in maintenance", "are under maintenance")
_widen("CAUSE", *[f"for {_art}{_what}" for _art in ("", "a ", "an ", "the ")
                  for _what in ("firmware push", "firmware update", "firmware upgrade", "software update", "update",
                                "upgrade", "test", "testing", "calibration", "inspection", "service", "servicing",
                                "repair work", "swap", "hardware swap", "replacement", "antenna swap", "survey",
                                "site visit", "audit", "outage", "planned outage")])
_widen("AVOID", "nothing on", "nothing to", "no traffic on", "no traffic to", "zero power on", "zero power to",
       "no power for", "nothing for", "nothing over")
_widen("FULL", "of max", "of the max", "of maximum", "of the maximum", "of full", "of full power", "of the full",
       "of the full budget", "of p_max", "of pmax", "of the limit", "of peak", "of peak power", "of rated power")
_widen("", "do", "let's do", "let's go with", "let's go for", "how about", "make it", "make that")
_widen("POWER", "consumption", "power consumption", "usage", "power usage", "energy use", "energy usage",
       "energy consumption", "transmit energy", "the spend", "power spend")
_widen("BROKEN", "noisy", "too noisy", "very noisy", "keep dropping", "keeps dropping", "keep dropping out",
       "is flapping", "flapping", "are flapping", "keeps flapping", "keep flapping", "unstable", "is unstable",
       "are unstable", "erratic", "is erratic", "garbage", "is garbage", "rubbish", "is rubbish", "junk", "is junk")
_widen("WEIGHT", "as heavily", "heavily", "as strongly", "strongly", "as much weight")
_widen("LEAST POWER", "minimum spend", "at minimum spend", "min spend", "at min spend", "lowest spend",
       "at the lowest spend", "least spend", "minimal spend", "at minimal spend", "least cost", "lowest cost",
       "at the lowest cost", "minimum cost", "at minimum cost", "cheaply", "as cheaply as possible",
       "as cheap as possible", "cheapest possible", "at the least power", "on the least power")
_widen("CURRENT", "on top of what it has", "on top of what we have", "on top of what we run",
       "on top of the current budget", "today's setting", "today's level", "today's budget", "today's power",
       "the setting now", "the current draw", "what it's set to", "what it is set to", "what we're set to")
# "reset everything": the weights in force are dropped (equal weights), not kept
_widen("RESET", "undo the previous tweaks", "undo the previous changes", "undo previous changes", "undo the tweaks",
       "undo everything", "reset everything", "reset", "start fresh", "start over", "from scratch",
       "scrap whatever's running", "scrap whatever is running", "scrap that", "scrap the old plan", "clear the slate")
# "nothing else changes": what the policy does not name stays as it is in force
_widen("KEEPREST", "nothing else changes", "everything else stays the same", "nothing else moves", "no other changes",
       "that's the only change", "that is the only change", "the only change", "change nothing else",
       "leave everything else as it is", "leave everything else alone", "everything else as it is",
       "everything else unchanged", "keep everything else as it is", "don't touch anything else",
       "do not touch anything else", "touch nothing else")
_widen("",
       "wins", "is what counts", "is all that counts", "is the goal", "is the aim", "raw", "nothing fancy",
       "keep it simple", "plain", "new", "our new", "the new", "last night", "this morning's", "since the reboot",
       "since the restart", "since the update", "since the upgrade", "since the storm", "since the outage",
       "setting", "settings", "noch", "mehr", "profile", "the profile", "mi profile", "the mi profile")
_widen("PRIORITY", "vip", "a vip", "the vip", "top dog", "the top dog", "the star", "king", "the boss channel",
       "first call", "first call on the power", "dibs")
_widen("PRIO", "pick up the slack", "picks up the slack", "take up the slack", "takes up the slack",
       "carry the load", "carries the load", "take the load", "takes the load", "shoulder the load")
_widen("OFF THEM", "pull it", "pull them", "pull it out", "pull them out", "yank it", "yank them",
       "kill it", "kill them", "drop it", "drop them", "lose it", "lose them", "ditch it", "ditch them", "axe it")
_widen("OFF CHAN", "drop channel", "drop channels", "drop ch", "cut channel", "cut channels", "cut ch",
       "pull channel", "pull channels", "pull ch")
_widen("OFF", "took out", "has taken out", "have taken out", "yank", "lose", "ditch", "dump", "axe", "nuke")
_widen("OFFPART", "from the rotation", "from rotation", "out of rotation", "out of the rotation",
       "off the rotation", "out of the lineup", "from the lineup", "out of the pool", "from the pool")
_widen("EXCEPT", "but spare", "spare", "sparing", "not in", "not among", "outside", "not on", "but not on",
       "not for", "except on", "except for channel", "leaving aside", "setting aside", "with the exception")
_widen("REASON", "we're on solar", "we are on solar", "on solar", "solar power", "on generator", "on the genny",
       "the generator is weak", "running on solar", "running on batteries", "grid power is down", "the grid is down")
_widen("EQUIP", "rf chain", "rf front end", "rf path", "rf", "rf frontend", "radio chain", "signal chain",
       "tx path", "rx path", "the path")
_widen("CHAN", "path", "paths", "lane", "lanes", "stream", "streams", "tone", "tones", "bin", "bins")
_widen("BROKEN", "beyond use", "degraded beyond use", "beyond repair", "no funciona", "funciona mal",
       "kein signal", "kommt kein signal mehr an", "kein signal mehr", "ohne signal", "hors d'usage", "en panne",
       "lagging", "lags", "blocked by", "obstructed", "is obstructed", "shadowed", "is shadowed")
_widen("FAULT", "crane", "a crane", "a crane on the roof", "on the roof", "roof", "building", "a truck", "truck",
       "tree", "trees", "foliage", "scaffolding", "e stop", "the e stop")
_widen("PAYLOAD", "e stop signal", "the e stop signal", "estop", "emergency stop", "the emergency stop",
       "kill switch", "signal", "the signal", "safety signal", "status beacons", "beacons", "pings",
       "the backhaul", "backhaul traffic", "control plane", "management traffic", "voip", "calls")
_widen("WEIGHT", "as heavy", "heavy", "as important", "as much say")
_widen("UP WEIGHT", "heavier", "weighted heavier", "more heavily", "weightier")
_widen("DOWN WEIGHT", "lighter", "weighted lighter", "less heavily")
_widen("NUM:4 TIMES", "quadruple", "quadruplicate", "fourfold", "four fold")
_widen("MULTIPLY", "multiply", "multiply it", "scale it", "times it")
_widen("LEAST POWER", "eco mode", "economy mode", "power saving mode", "save the rest of the power",
       "save the rest", "save whatever is left", "bank the rest", "keep the rest in reserve")
_widen("ABOVE", "lower bound", "lower bound of", "a lower bound of", "low bound", "bottom limit",
       "lower limit", "lower limit of", "a lower limit of")
_widen("BELOW", "upper bound", "upper bound of", "an upper bound of", "high bound", "top limit", "upper limit",
       "upper limit of", "an upper limit of")
_widen("KEEP", "centre", "center", "centre on", "center on", "centre it on", "center it on")
_widen("ALL CHAN", "all eight", "all 8", "all eight channels", "all 8 channels", "the full set", "the lot",
       "all of it")
_widen("ON", "allumés", "allumé", "actifs", "activos", "aktiv", "an")
_widen("PRIORITY", "priorité", "la priorité", "prioridad", "la prioridad", "priorität", "vorrang")
_widen("POWER", "presupuesto", "el presupuesto", "budget total", "potencia total")
_widen("LOST", "no carrier on", "no carrier", "no lock on", "no sync on", "lost lock on", "lost sync on",
       "no rx on", "nothing heard on", "dead air on", "silence on", "no traffic getting through on")
_widen("ORLESS", "no more", "not more", "nothing more", "tops", "at the outside", "max")
_widen("ORMORE", "no less", "not less", "at least that", "minimum")
_widen("RANK:weakest FRAC:0.5", "lower half", "the lower half", "bottom half", "the bottom half", "weaker half",
       "the weaker half", "worse half", "the worse half", "weak half", "the weak half")
_widen("RANK:strongest FRAC:0.5", "upper half", "the upper half", "top half", "the top half", "stronger half",
       "the stronger half", "better half", "the better half", "strong half", "the strong half")
_widen("", "noc here", "ops here", "this is noc", "this is ops", "noc", "noc team", "the noc", "ops team",
       "nothing else matters", "that's all that matters", "is all that matters", "all that matters",
       "till the tech gets there", "until the tech gets there", "until the tech arrives", "till the tech arrives",
       "until we're back on mains", "until we are back on mains", "till we're back on mains", "until mains returns",
       "until power is restored", "till further notice", "for the day", "of the day", "for today only")
_widen("POWER", "allotment", "wattage allotment", "power allotment", "allotted power", "allotted transmit power",
       "the allotted power", "ration", "power ration", "quota", "power quota", "watt allotment", "allowance of power",
       "the whole thing", "whole thing")
_widen("SETV:set", "become", "becomes", "should become", "goes to", "go to", "moves to", "make it")
_widen("CURRENT", "relative to now", "relative to the current", "from now", "compared to now", "vs now",
       "versus now", "where it sits", "where it sits today", "where it is today", "where it sits now",
       "what it is at the moment", "whatever it is at the moment", "whatever it is now", "whatever it is")
_widen("NEED", "is owed", "are owed", "owed", "deserves", "deserve", "is entitled to", "are entitled to",
       "entitled to", "is due", "are due")
_widen("BITS", "bits per symbol", "bit per symbol", "bits/symbol", "bit/symbol", "b/sym", "bits/sym", "b/symbol",
       "bits per sym", "b per symbol", "bit/sym")
_widen("EXCEPT", "though not", "but not for", "just not", "only not")
_widen("BROKEN", "tripped", "has tripped", "tripped on overtemp", "overtemp", "over temperature", "overtemperature",
       "thermal shutdown", "in thermal shutdown", "bricked", "got bricked", "is bricked", "fail loopback",
       "fails loopback", "failed loopback", "failing loopback", "lapsed", "has lapsed", "expired", "has expired",
       "went back to the vendor", "sent back to the vendor", "out for rma", "sent for rma", "for rma", "rma",
       "water got into", "water ingress", "got wet", "flooded", "is flooded", "shorted", "has shorted",
       "blew", "blown", "has blown", "is blown", "popped", "is fried", "melted", "is melted")
_widen("CAUSE", "for a retune", "for retuning", "for a re tune", "for recalibration", "for an rma", "for a swap",
       "for a reboot", "for a restart", "for a firmware flash")
_widen("PAYLOAD", "drone telemetry", "drone video", "drone", "drones", "ambulance bay", "the ambulance bay",
       "hospital", "the hospital", "ambulance", "fire station", "police", "first responders", "the control room",
       "control room", "the gate", "the loading dock", "the depot", "the yard", "the warehouse", "the stadium",
       "the plant", "the mine", "the port", "the harbour", "the harbor", "keep alive", "a keep alive",
       "keepalive", "a keepalive", "heartbeats", "the robots", "robots", "the robot", "the agv", "agvs")
_widen("CARRY", "rides on", "ride on", "runs on", "lives on", "sits on", "travels on", "goes over")
_widen("ORLESS", "is plenty", "is plenty for it", "is enough", "is enough for it", "is all it needs",
       "is all it gets", "will do for it", "suffices", "is sufficient", "is sufficient for it")
_widen("SYSNOUN", "the whole system", "the system")
_widen("FALLBELOW", "sag beneath", "sag under", "sink beneath", "dip beneath", "fall beneath", "slide below",
       "slide under", "slip beneath", "drop lower than", "go lower than")
_widen("ON", "radiating", "radiate", "be radiating", "on the air", "into", "going into")
_widen("WEIGHT", "the say", "say", "a say")
_widen("OTHERS", "a normal one", "a normal channel", "the normal ones", "a regular one", "a regular channel",
       "an ordinary channel", "an ordinary one", "the ordinary ones", "normal ones")
_widen("OVEROTHERS", "ahead of the rest", "ahead of the others", "in front of the rest", "before the rest",
       "above the rest", "over the rest", "ahead of everyone else", "ahead of everybody else")
_widen("MAXPOST", "as far as the power lets us", "as far as power allows", "as high as the power allows",
       "as far as the power allows", "as high as power allows", "as far as we can")
_widen("USE", "burn", "burns", "use up")
_widen("LEAST POWER", "no more power than that takes", "burn no more power than that takes",
       "no more power than it needs", "no more power than they need", "no more than it takes")
_widen("CHAN", "chans", "chan")
_widen("SETV:up", "sube", "subir", "aumenta", "aumentar", "augmente", "augmentez", "erhöhe")
_widen("MATTER", "passe avant", "passe en premier", "passent avant", "va primero", "van primero", "kommt zuerst",
       "hat vorrang")
_widen("", "both", "both of", "both of the", "ever", "at any time", "does it", "that does it", "that does",
       "mode", "pls", "plz", "effective immediately", "effective", "with immediate effect", "handover from nights",
       "handover", "shift handover", "is the only metric", "is the metric", "is our kpi", "our kpi is",
       "that's all", "that is all", "nothing more", "set aside", "earmark")
_widen("NUM:2 RANK:strongest", "both of the strongest", "both strongest", "both the strongest", "both of the best",
       "both best")
_widen("NUM:2 RANK:weakest", "both of the weakest", "both weakest", "both the weakest", "both of the worst",
       "both worst")
_widen("LEAST POWER", *[f"{_pre}{_least} {_noun}"
                        for _pre in ("", "at ", "at the ", "on ", "on the ", "with ", "with the ")
                        for _least in ("minimum", "min", "minimal", "lowest", "least", "smallest", "lowest possible")
                        for _noun in ("draw", "power draw", "consumption", "power consumption", "usage", "output",
                                      "spend", "cost", "wattage", "energy", "juice", "transmit power", "tx power")])
_widen("", "i want", "we want", "want", "i only want", "heads up", "heads up:", "fyi", "note", "please note",
       "for the rest of the watch", "the rest of the watch", "this watch", "is the new target", "the new target",
       "target for", "the whole rig", "whole rig", "rig", "thing", "the only thing changing is",
       "the only thing changing", "works", "will work", "is fine by me", "sharing out the power",
       "when sharing out the power", "when",
       "night mode starts now", "night mode", "from here", "tonight's plan")
_widen("POWER", "tx", "rx", "p", "the tx", "tx allocation", "tx level", "the tx level", "total tx", "the total tx",
       "transmit allocation", "allocation of power", "power allocation", "tx budget", "wattage allocation")
# what is set now: "configured", "its current value" and "the present allocation" name the budget in
# force (a share of them is a share of it, not of P_max)
_widen("CURRENT POWER", "present allocation", "the present allocation", "the configured power",
       "the configured budget", "configured power", "configured budget")
_widen("CURRENT", "configured", "presently configured", "the configured", "the configured value",
       "the present value", "present value")
_widen("CURRENT", "the present allocation", "than presently configured", "than what's configured",
       "than what is configured", "from its current value", "its current value", "the current value",
       "the running budget", "the present tx level", "than configured", "than now configured")
_widen("SETV:down", "lop", "lop off", "shave", "trim down", "pare down", "slim", "slim down", "dial it back")
_widen("SETV:up", "nudge up", "nudge", "edge up", "inch up", "top it up")
_widen("EXCEPT", "minus", "notwithstanding", "not counting", "excluding channel", "with the exception of channel",
       "though not on", "but not on")
_widen("EXCLUDED", "notwithstanding", "excepted", "being excepted")
_widen("OFF", "cease transmission on", "cease transmitting on", "cease", "stop transmission on",
       "halt transmission on", "kill transmission on", "end transmission on")
_widen("PRIORITY", "lifeline", "the lifeline", "our lifeline", "high priority", "high priority traffic",
       "top priority traffic", "priority traffic")
_widen("OVEROTHERS", "above everything", "above everything else", "above all others", "over everything")
_widen("NEED", "clear", "must clear", "sees", "see", "get at least", "hold at least")
_widen("CAP", "capped", "gets capped", "is capped", "are capped")
_widen("", "the rest run free", "run free", "free", "the others run free", "the rest are free")
_widen("WEIGHT", "importance", "the importance", "'s importance", "weighting", "priority weight")
_widen("TIMES", "×", "*")
_widen("NEED BETWEEN", "hovering around", "hover around", "hovering at", "hover at")
_widen("EQUALIZE", "rate parity", "parity", "flat rate profile", "flat rate", "flat profile")
_widen("MAX THROUGHPUT", "sum capacity maximisation", "sum capacity maximization", "plain sum capacity maximisation",
       "sum-capacity maximisation", "optimise the aggregate", "optimize the aggregate", "maximise the aggregate",
       "maximize the aggregate", "optimise throughput", "optimize throughput", "raw throughput")
_widen("MAX", "optimise", "optimize", "optimise for", "optimize for")
_widen("", "our contract says", "the contract says", "contract says", "as per contract", "per the sla",
       "the sla says")
_widen("LEAST POWER", "as cheaply as possible", "as cheaply as we can", "as cheap as we can", "cheaply")
_widen("REACH", "manages it", "that manages it", "manages", "does it", "achieves it")
_widen("BROKEN", "got stolen", "stolen", "was stolen", "is missing", "missing", "shorted", "is shorted",
       "chewed through", "is shadowed", "is shadowing", "shadowing", "quarantined", "is quarantined",
       "quarantined pending", "is being investigated", "under investigation", "flags as failed", "flagged as failed")
_widen("UP", "more", "extra")
_add("MULTIPLY", "scale")  # "scale total power by 0.6" ("scale down / back" stay verbs of the budget)
_widen("TREAT THEM", "treat both as", "treat both of them as", "mark both as", "consider both")
_widen("CURRENT", "the present one", "the current one", "present one", "current one", "from its present setting",
       "from its present level", "from the present setting", "from the present level", "from where it is",
       "from where it is now", "the current figure")
_widen("FRAC:0.16666666666666666", "a sixth", "one sixth")
_widen("FRAC:0.1111111111111111", "a ninth", "one ninth")
_widen("FRAC:0.0625", "a sixteenth", "one sixteenth")
_widen("DOWN", "less", "fewer")
_widen("CURRENT", "than now", "than they have now", "than they've got now", "than they have got now",
       "than we have now", "than it has now", "than it has", "than they have", "than at present")
_widen("ON", "carrying anything", "be carrying anything", "transmitting anything", "doing anything",
       "sending anything", "carry anything at all")
_widen("LEAST", "as low as it can go", "as low as possible", "as low as you can", "as low as it will go")
_widen("POWER", "the watts", "watts used", "the wattage")
_widen("RATE", "speed", "speeds", "data speed", "the same speed", "throughput each", "the relative weight")
_widen("MAXPOST", "as high as that can go", "as high as that will go", "as high as they can go")
_widen("MATTER", "is mission critical", "mission critical", "critical", "outrank", "outranks",
       "outrank the others", "outranks the others", "trump", "trumps")
_widen("PRIORITY", "right of way", "the right of way", "gets right of way", "priority access", "first dibs")
_widen("BELOW", "beneath", "stays beneath", "stay beneath", "kept beneath")
_widen("WEIGHT", "relative weight", "relative weighting")
_widen("LOST", "loss of lock on", "loss of signal on", "loss of sync on", "los on", "lost lock on")
_widen("BROKEN", "cracked", "is cracked", "snapped", "is snapped", "broke", "is broke", "bent", "is bent",
       "corroded", "is corroded", "waterlogged", "iced up", "iced over", "is iced up", "being reflashed",
       "reflashed", "reflashing", "being updated", "being upgraded", "being rebooted", "rebooting",
       "re aimed", "being re aimed", "re aligned", "realigned", "being realigned", "re pointed",
       "being re pointed", "off limits", "are off limits", "is off limits", "out of bounds")
_widen("AVOID", "no rf on", "no rf to", "no rf for", "no transmission on", "no emissions on", "no tx on")
_widen("FALLBELOW", "be starved below", "starved below", "starve below", "be starved under")
_widen("FAIR", "egalitarian", "equal shares", "evenhanded", "even handed split")
_widen("THROUGHPUT", "bits out the door", "bits out of the door", "bits delivered", "bits shipped")
_widen("REASON", "we're over the feed in limit", "over the feed in limit", "shore power is connected",
       "shore power", "on shore power", "mains is back", "we're back on mains", "grid is back",
       "budget's too stingy", "too stingy", "the budget is too stingy")
_widen("PAYLOAD", "fire alarm", "fire alarm panel", "alarm panel", "the fire alarm panel uplink", "alarm panel uplink",
       "surgeon", "the surgeon", "surgery video", "the operating theatre")
_widen("OFFPART", "go quiet", "goes quiet", "go silent", "goes silent", "fall silent")
_widen("OFF", "de energise", "deenergise", "de energize", "power it down", "depower")
_widen("NEED BETWEEN", "float anywhere in", "float anywhere between", "float between", "float within")
_widen("AT", "roughly", "approximately", "approx", "about", "circa", "near", "close to")
_widen("PLUSMINUS", "plus / minus", "+ / -", "plus-minus", "give and take")
_widen("THEM", "' em", "em")
_widen("REACH", "moves", "move", "push through", "carry", "sustain", "keep up", "support")


# freeze 9: the group nouns for the channels, exemption by "let off", ranks said as
# positions ("third from the bottom", "the trailing link"), "+" between clauses, and words
# that mark the focus ("the lone transmitter", "nowhere else")
_widen("ALL CHAN", "the bank", "the whole bank", "whole bank", "the entire bank", "the full bank", "all the bank",
       "the array", "the whole array", "the entire array", "the lineup", "the whole lineup", "the full lineup",
       "the line-up", "the whole line-up")
_widen("EQUIP", "fiber", "fibre", "the fiber", "the fibre", "fiber link", "fibre link")
_widen("CHAN", "of the bank", "in the bank", "of the array", "in the array", "of the lineup", "in the lineup")
_widen("EXCLUDED", "let off", "is let off", "are let off", "let off the hook", "off the hook", "spared",
       "is spared", "are spared", "exempted from it")
_widen("RANK:weakest", "from the bottom", "bottom", "the bottom", "trailing", "the trailing", "lagging",
       "the lagging", "the laggard", "laggard", "at the bottom")
_widen("RANK:strongest", "from the top")
_widen("AND", "+", "plus also")
_widen("ONLY", "lone", "the lone", "sole", "the sole", "nowhere else", "and nowhere else", "no one else",
       "nothing else", "and nothing else", "no others", "and no others",
       "and no other", "and no others", "nobody else", "and nobody else")
_widen("", "exactly", "non-negotiable", "non negotiable", "whichever", "come out", "comes out", "ends up",
       "end up", "quiero", "muss", "bitte")
_widen("MAX THROUGHPUT", "unweighted throughput", "unweighted sum rate", "unweighted sum")
_widen("MAX", "maximisation", "maximization", "maximisation of", "maximization of")
_widen("CAP", "topped out at", "tops out at", "topped at", "top out at", "capped out at")
_widen("ACROSS", "belongs in", "belong in", "belongs in the", "belong in the")
_widen("LEAST POWER", "just enough power", "only enough power", "enough power", "the bare minimum of watts",
       "the bare minimum of power", "bare minimum of watts", "bare minimum power")
_widen("OFF", "qrt", "qrt on", "go qrt on")
_widen("SETV:down", "goes down", "goes down by")
_widen("SETV:up", "goes up", "goes up by")


_DE: dict[str, str] = {}
_add("OFF", "schalte", "schalten", "abschalten", "deaktiviere", "deaktivieren", "abstellen", table=_DE)
_add("BROKEN", "defekt", "kaputt", "gestört", "ausgefallen", "außer betrieb", "ausser betrieb", "gesperrt", table=_DE)
_add("ALL", "alle", "allen", "jeden", "jeder", table=_DE)
_add("EXCEPT", "außer", "ausser", "bis auf", "ausgenommen", table=_DE)
_add("ONLY", "nur", "ausschließlich", table=_DE)
_add("BETWEEN", "zwischen", table=_DE)
_add("USE", "nutze", "verwende", "benutze", table=_DE)
_add("KEEP", "halte", "halten", table=_DE)
_add("BY", "um", table=_DE)
_add("FRAC:0.3333333333333333", "ein drittel", "drittel", table=_DE)
_add("FRAC:0.5", "die hälfte", "hälfte", table=_DE)
_add("FRAC:0.25", "ein viertel", "viertel", table=_DE)
_add("OFFPART", "ab", "aus", table=_DE)
_add("RANK:weakest", "schwächsten", "schwachsten", table=_DE)
_add("NEED", "bekommt", "bekommen", "erhält", "erhalten", table=_DE)
_add("SETV:set", "setze", "setzen", "stelle", "stellen", table=_DE)
_add("AVOID", "nicht mehr benutzen", "nicht benutzen", "nicht verwenden", "nicht mehr verwenden", table=_DE)
_add("PRIORITY", "vorrang", table=_DE)
_add("RANK:strongest", "stärksten", "starksten", table=_DE)
_add("MAX", "maximiere", "maximieren", "maximiert", table=_DE)
_add("THROUGHPUT", "gesamtdurchsatz", "gesamtrate", "summenrate", "durchsatz", table=_DE)
_add("PRIO", "priorisiere", "priorisieren", "bevorzuge", table=_DE)
_add("CHAN", "kanäle", "kanal", "kanälen", "kanals", table=_DE)
_add("POWER", "leistung", "gesamtleistung", "sendeleistung", table=_DE)
_add("SETV:down", "reduziere", "senke", "verringere", "senken", "reduzieren", "verringern", table=_DE)
_add("AND", "und", table=_DE)
_add("TO", "auf", "bis", table=_DE)
_add("SETV:up", "erhöhe", "erhöhen", "steigere", "steigern", "hebe", table=_DE)
_add("SPREAD", "verteile", "verteilen", "verteilt", table=_DE)
_add("OTHERS", "übrigen", "anderen", "restlichen", table=_DE)

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
_add("BY FRAC:0.3333333333333333", "d'un tiers", table=_FR)
_add("BY FRAC:0.25", "d'un quart", table=_FR)
_add("BY FRAC:0.5", "de moitié", table=_FR)
_add("FRAC:0.3333333333333333", "un tiers", "tiers", table=_FR)
_add("FRAC:0.25", "un quart", "quart", table=_FR)
_add("FRAC:0.5", "moitié", "la moitié", table=_FR)
_add("KEEP", "garde", "gardez", "garder", "maintiens", "maintenez", table=_FR)
_add("BETWEEN", "entre", table=_FR)
_add("ONLY", "seulement", "uniquement", table=_FR)
_add("USE", "utilise", "utilisez", "utiliser", table=_FR)
_add("ALL", "tous", "toutes", "chaque", table=_FR)
_add("EXCEPT", "sauf", "excepté", "hormis", table=_FR)
_add("BROKEN", "en panne", "hors service", "défectueux", "brouillé", table=_FR)
_add("BY", "par", table=_FR)
_add("BITS", "bits", table=_FR)
_add("GIVE", "donne", "donnez", "donner", "accorde", "accordez", table=_FR)
_add("", "au", "aux", table=_FR)
_add("TIMES", "fois", "fois plus", table=_FR)
_add("WEIGHT", "poids", "de poids", "plus de poids", table=_FR)
_add("VS", "que", "qu'", table=_FR)
_add("OTHERS", "autres", "les autres", table=_FR)
_add("SETV:set", "passe", "passe à", "passer", "mets", "mettez", table=_FR)
_add("NEVER EXCEED", "ne doit pas dépasser", "ne doit jamais dépasser", "ne pas dépasser", table=_FR)
_add("NEED ABOVE", "doit avoir au moins", "doit recevoir au moins", "doit garder au moins", table=_FR)

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
_add("CHAN", "canal", table=_ES)
_add("USE", "usa", "utiliza", "usen", "utilicen", "usar", "utilizar", table=_ES)
_add("ONLY", "solo", "sólo", "solamente", "únicamente", table=_ES)
_add("ALL", "todos", "todas", "cada", table=_ES)
_add("EXCEPT", "excepto", "salvo", "menos", table=_ES)
_add("BROKEN", "averiado", "roto", "fuera de servicio", "caído", "interferido", table=_ES)
_add("BETWEEN", "entre", table=_ES)
_add("GIVE", "dale", "da", "dé", "asigna", "asígnale", "otorga", table=_ES)
_add("NUM:2 TIMES WEIGHT", "el doble de peso", "doble de peso", table=_ES)
_add("NUM:3 TIMES WEIGHT", "el triple de peso", "triple de peso", table=_ES)
_add("NUM:2 TIMES", "el doble", "doble", table=_ES)
_add("WEIGHT", "peso", table=_ES)
_add("VS", "que", "que a", table=_ES)
_add("OTHERS", "demás", "los demás", "el resto", "resto", table=_ES)
_add("FRAC:0.3333333333333333", "un tercio", "tercio", table=_ES)
_add("FRAC:0.5", "la mitad", "mitad", table=_ES)
_add("BY", "en", table=_ES)
_add("", "deben", "debe", table=_ES)
_add("BY", "un", "una", table=_ES)
_add("PARITY:even", "pares", table=_ES)
_add("PARITY:odd", "impares", table=_ES)
_add("ON", "transmitir", "activos", "encendidos", table=_ES)
_add("NEED", "necesita", "necesitan", table=_ES)
_add("ABOVE", "al menos", "como mínimo", table=_ES)
_add("POINT", "coma", table=_ES)
_add("CAP", "limita", "limitar", "limite", table=_ES)
_add("KEEP", "garantiza", "garantizar", "asegura", "asegurar", table=_ES)

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

# freeze 9
_widen("CURRENT", "what we're on", "what we are on", "what we're running", "what we are running",
       "what we're at", "what we are at", "what's set", "what is set", "what's set now", "what is set now",
       "what's set at the moment", "the live total", "live total", "the live budget", "live budget",
       "the live figure", "the live value", "the active value", "active value", "the active budget",
       "the active setting", "that's live", "that is live", "currently dialled in", "dialled in", "dialed in",
       "currently dialed in", "we're pushing", "we are pushing", "as it stands", "its current value",
       "the present allowance", "present allowance", "the running budget", "running budget",
       "the running total", "what's configured", "what is configured")
_widen("POWER DOWN", "the power down", "the budget down", "the wattage down", "the total down")
_widen("POWER UP", "the power up", "the budget up", "the wattage up", "the total up")
_widen("NUM:1.5 WATT", "a watt and a half", "one and a half watts", "watt and a half")
_widen("POWER", "transmit allowance", "the transmit allowance", "transmit budget", "the transmit budget",
       "tx allocation", "the tx allocation", "tx budget", "the tx budget", "tx total", "the tx total",
       "tx level", "the tx level", "the present tx level")
_widen("SETV:up", "give us back", "give back", "hand back", "hand us back", "give it back")
_widen("SETV:down", "take us down", "bring us down", "take it down", "knock us down")
_widen("SETV:up", "take us up", "bring us up", "take it up")
# "3/4 of the budget": a share written as a fraction of small whole numbers
for _den in range(2, 11):
    for _num_ in range(1, _den):
        _widen(f"FRAC:{_num_ / _den!r}", f"{_num_} / {_den}")
_widen("WEIGHT", "ratio", "weight ratio", "a ratio of", "a weight ratio of", "weighting ratio")
# freeze 10: time said in passing ("about ten minutes ago"), reasons, "can take", "as even as possible"
_AGO_COUNTS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "fifteen", "twenty",
               "thirty", "forty", "forty five", "sixty", "a few", "a couple of", "several")
_AGO_UNITS = ("minutes", "minute", "hours", "hour", "seconds", "days")
_widen("", *[f"{_n} {_u} ago" for _n in _AGO_COUNTS for _u in _AGO_UNITS],
       *[f"about {_n} {_u} ago" for _n in _AGO_COUNTS for _u in ("minutes", "hours")],
       "an hour ago", "about an hour ago", "a minute ago", "a moment ago", "ago", "these days", "wants us to",
       "want us to", "asks us to", "asked us to", "has asked us to", "would like us to")
_widen("REASON", "over on power", "we're over on power", "we are over on power", "over on the power budget")
_widen("NEED", "picking up", "is picking up", "are picking up", "keeps picking up", "keep picking up")
_widen("USE", "can take", "may take", "can handle", "can draw", "may draw")
_widen("EQUALIZE", "as even as possible", "as equal as possible", "even out", "evened out", "evenly")
_widen("MAX THROUGHPUT", "back to equal", "put them back to equal", "put the weights back to equal",
       "back to equal weights", "set them back to equal")
_add("CAP", "limite", "limitez", "limiter", table=_FR)
# "another 5 W", "an extra 5 W": an increment, never the amount to set ("give us another 5 W" is
# 35 at 30 in force, not 5); "forget the old weights": a reset (freeze 8 read all of these as nothing)
_widen("BY", "another", "a further", "an extra", "an additional", "yet another")
_widen("RESET", "forget the old weighting", "forget the old weights", "forget the previous weighting",
       "forget the earlier weighting", "forget the weighting", "forget the old plan", "forget the old settings")
_add("OFF", "aus bleiben", "ausbleiben", table=_DE)
_add("ABOVE", "mindestens", "wenigstens", table=_DE)
_add("SETV:set", "réglez", "règle", "réglez le", table=_FR)
_add("TO", "sur", table=_FR)

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

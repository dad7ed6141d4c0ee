"""Words of a policy -> the grammar's symbols, through the one vocabulary.

:func:`lex` cuts the policy into words (the same cut is applied to the vocabulary's
phrases, so both meet word for word), replaces the longest known phrase at each
position by its symbols, drops stop words, and returns the symbols together with
what could not be read: the unknown words (in runs, as written) and whether a phrase
of :data:`~.vocabulary.INJECTION` occurs.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from steer_ros.system2.backends.reader.vocabulary import VOCABULARY

__all__ = ["Lexed", "Symbol", "lex", "words"]

_CJK = "\u3400-\u9fff\uf900-\ufaff"
_WORD = re.compile(
    rf"[{_CJK}]"  # one CJK character is one word (no spaces between them)
    r"|\d+(?:\.\d+)?(?:st|nd|rd|th)?(?![^\W\d_])"  # 12, 1.5, 2nd
    rf"|[^\W\d{_CJK}]+(?:'[^\W\d{_CJK}]+)?"  # words, don't
    r"|>=|<=|[^\w\s]")
_HYPHEN_IN_WORD = re.compile(r"(?<=[^\W\d_])-(?=[^\W\d_])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")
_NUMBER = re.compile(r"\d+(?:\.\d+)?$")
_RATIO_COLON = re.compile(r"(?<=\d):(?=\d)")
_UNIT_HYPHEN = re.compile(r"(?<=\d)-(?=(?:bits?|b|w|watts?|db|percent|fold|times)\b)")
_NUMBER_THEN_WORD = re.compile(r"(\d)(?!(?:st|nd|rd|th)\b)(?=[^\W\d_])")
#: contractions and possessives read as their words ("we're" -> "we are", "else's" -> "else")
_CLITICS = {"re": ("are",), "ve": ("have",), "ll": ("will",), "d": ("would",), "s": (), "m": ("am",)}
#: inflections tried, in order, on a word the vocabulary lacks ("weights" -> "weight")
_SUFFIXES = (("ies", "y"), ("es", ""), ("s", ""), ("ing", ""), ("ing", "e"), ("ed", ""), ("ed", "e"), ("d", ""),
             ("ly", ""))


@dataclass(frozen=True)
class Symbol:
    """One grammar symbol (``kind`` or ``kind:value``) and the words it came from."""

    text: str
    source: str
    start: int  # index of its first word


@dataclass(frozen=True)
class Lexed:
    symbols: tuple[Symbol, ...]
    unknown: tuple[str, ...]  # runs of unknown words, as written
    injection: bool
    languages: tuple[str, ...]  # non-English vocabulary languages met, in order
    control: bool  # the policy held control or invisible format characters


def normalize(policy: str) -> str:
    text = unicodedata.normalize("NFKC", str(policy)).lower()
    text = text.replace("\u2014", ",")  # an em dash sets off a clause ("cap at 1.5 bits — not on ch 8")
    text = text.replace("\u2019", "'").replace("\u2013", "-").replace("\u2212", "-")
    text = text.replace("\u2265", ">=").replace("\u2264", "<=")
    text = _RATIO_COLON.sub(" to ", text)  # "2:1" is a ratio; a colon with a space ends a sentence
    text = _UNIT_HYPHEN.sub(" ", text)  # "a 1.2-bit ceiling"
    text = _NUMBER_THEN_WORD.sub(r"\1 ", text)  # "27.5W", "1.5x": the number and its unit
    return _HYPHEN_IN_WORD.sub(" ", text)


def words(text: str) -> list[str]:
    """The words of already normalized text."""
    return _WORD.findall(text)


def _table():
    table: dict[tuple[str, ...], tuple[str, str]] = {}
    for phrase, entry in VOCABULARY.items():
        key = tuple(words(normalize(phrase)))
        if key:
            table[key] = entry
    return table, max(len(k) for k in table)


_TABLE, _LONGEST = _table()
_PHRASE_WORDS = frozenset(w for key in _TABLE for w in key)
_STOP = frozenset(w for w, (symbols, _) in VOCABULARY.items() if not symbols and " " not in w)


def _longest(ws: list[str], i: int):
    """The longest vocabulary phrase at word i: (entry, words consumed) or (None, 0).
    Stop words inside a phrase are skipped ("over the others" reads as "over others")."""
    entry, length = None, 0
    for k in range(min(_LONGEST, len(ws) - i), 0, -1):
        found = _TABLE.get(tuple(ws[i:i + k]))
        if found is not None:
            entry, length = found, k
            break
    # the same phrase with stop words left out after its first word
    kept, consumed = [ws[i]], [i]
    j = i + 1
    while j < len(ws) and len(kept) < _LONGEST:
        if ws[j] not in _STOP:
            kept.append(ws[j])
            consumed.append(j)
        j += 1
    for k in range(len(kept), 1, -1):
        found = _TABLE.get(tuple(kept[:k]))
        if found is not None:
            if consumed[k - 1] + 1 - i > length:
                entry, length = found, consumed[k - 1] + 1 - i
            break
    return entry, length


def _expand_clitics(ws: list[str]) -> list[str]:
    out: list[str] = []
    for w in ws:
        if "'" in w and w not in _PHRASE_WORDS:
            base, _, clitic = w.partition("'")
            if clitic == "t" and base.endswith("n"):  # "shouldn't" -> "should not"
                out.extend([base[:-1], "not"] if (base[:-1],) in _TABLE else [w])
                continue
            if clitic in _CLITICS and base:
                out.append(base)
                out.extend(_CLITICS[clitic])
                continue
        out.append(w)
    return out


def _dash_is_range(ws: list[str], k: int) -> bool:
    """A dash after a number and before a number or a channel name with its number is a
    range ("1-4", "ch4-ch8"); elsewhere it sets off a clause ("NOC here - trim an eighth")."""
    if k == 0 or k + 1 >= len(ws) or not _NUMBER.match(ws[k - 1]):
        return False
    return bool(_NUMBER.match(ws[k + 1])) or (k + 2 < len(ws) and bool(_NUMBER.match(ws[k + 2])))


def _inflected(word: str):
    """The vocabulary entry of a word's base form ("weights", "leaving", "died"), or None."""
    for suffix, ending in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            found = _TABLE.get((word[: len(word) - len(suffix)] + ending,))
            if found is not None:
                return found
    return None


#: verbs that ask the navigator to drop something: aimed at channels they are "avoid"
#: ("forget about channels 1 and 2"), aimed at anything else an injection ("ignore your limits")
_COMMAND_VERBS = frozenset({"ignore", "disregard", "forget"})
_CHANNEL_WORDS = frozenset({"channel", "channels", "ch", "subchannel", "subchannels", "carrier", "carriers", "link",
                            "links", "weakest", "strongest", "odd", "even", "first", "last"})


def _aimed_at_channels(ws: list[str], j: int) -> bool:
    while j < len(ws) and ws[j] in ("about", "the", "all", "of", "both", "those", "these"):
        j += 1
    return j < len(ws) and (ws[j] in _CHANNEL_WORDS or _NUMBER.match(ws[j]) is not None)


def lex(policy: str) -> Lexed:
    raw = str(policy)
    control = bool(_CONTROL.search(raw))
    # a dash with spaces round it after a word is a pause, not a minus ("only the power - 22 W")
    ws = words(_SPACED_DASH.sub(_pause, normalize(_CONTROL.sub(" ", raw))))
    # a decimal comma ("1,2 bit") where the policy is written in a language that uses one
    if any(VOCABULARY.get(w, ("", "en"))[1] in _DECIMAL_COMMA for w in ws):
        merged: list[str] = []
        for w in ws:
            if len(merged) >= 2 and merged[-1] == "," and _NUMBER.match(merged[-2]) and "." not in merged[-2] \
                    and w.isdigit():
                merged[-2:] = [merged[-2] + "." + w]
            else:
                merged.append(w)
        ws = merged
    # Spanish "a" before a number is "to": a range between two numbers ("1 a 4"), a target
    # elsewhere ("reduce la potencia total a 25 W")
    spanish = any(VOCABULARY.get(w, ("", "en"))[1] == "es" for w in ws)
    ws = [("-" if _NUMBER.match(ws[k - 1]) else "to")
          if spanish and w == "a" and 0 < k < len(ws) - 1 and _NUMBER.match(ws[k + 1]) else w
          for k, w in enumerate(ws)]
    ws = _expand_clitics(ws)
    # a minus sign: "-" before a number and after no number ("P_total at -5"); between numbers it is "to"
    signed: list[str] = []
    for k, w in enumerate(ws):
        if signed and signed[-1] in ("-", "minus") and _NUMBER.match(w) and (k < 2 or not _NUMBER.match(ws[k - 2])) \
                and not (k >= 2 and ws[k - 2] in ("or", "plus", "/", "+")):  # "plus or minus 0.2" is a tolerance
            signed[-1] = "-" + w
        else:
            signed.append(w)
    ws = signed
    ws = ["," if w == "-" and not _dash_is_range(ws, k) else w for k, w in enumerate(ws)]
    symbols: list[Symbol] = []
    unknown: list[list[str]] = []
    languages: list[str] = []
    injection = False
    last_unknown = -2
    i = 0
    while i < len(ws):
        word = ws[i]
        entry, length = _longest(ws, i)
        if entry is None and word.isalpha():
            entry, length = _inflected(word), 1
            if entry == ("INJECT", "en") or (entry is not None and not entry[0]):
                entry = None  # an inflection reads as a word with a meaning, never as filler
        if entry is None and "'" in word:  # "there's", "we're": the word before the clitic
            base = word.partition("'")[0]
            entry = _TABLE.get((base,)) or (_inflected(base) if base.isalpha() else None)
            length = 1
        if entry is None and word in _COMMAND_VERBS and not _aimed_at_channels(ws, i + 1):
            entry, length = ("INJECT", "en"), 1
        elif entry is None and word in _COMMAND_VERBS:
            entry, length = ("AVOID", "en"), 1
        if entry is None and _NUMBER.match(word.removeprefix("-")):
            entry, length = (f"NUM:{float(word):g}", "en"), 1
        elif entry is None and re.match(r"\d+(st|nd|rd|th)$", word):
            entry, length = (f"ORD:{int(word[:-2])}", "en"), 1
        if entry is None:
            if last_unknown == i - 1 and unknown:
                unknown[-1].append(word)
            else:
                unknown.append([word])
            last_unknown = i
            i += 1
            continue
        symbols_text, lang = entry
        source = " ".join(ws[i:i + length])
        if symbols_text == "INJECT":
            injection = True
        elif symbols_text:
            if lang != "en" and lang not in languages:
                languages.append(lang)
            for part in symbols_text.split():
                symbols.append(Symbol(part, source, i))
        elif unknown and last_unknown == i - 1 and i + length < len(ws) and _TABLE.get((ws[i + length],)) is None \
                and not _NUMBER.match(ws[i + length]):
            # a stop word between two unknown words is quoted with them ("make me a sandwich")
            unknown[-1].append(source)
            last_unknown = i + length - 1
        i += length
    symbols = _numbers(symbols)
    return Lexed(symbols=tuple(symbols), unknown=tuple(" ".join(run) for run in unknown), injection=injection,
                 languages=tuple(languages), control=control)


_DECIMAL_COMMA = frozenset({"de", "fr", "es"})
_TENS = {20, 30, 40, 50, 60, 70, 80, 90}
#: after these a lone "one" is the noun ("the weakest one"), elsewhere the number
_ONE_IS_NOUN = frozenset({"RANK", "FIRST", "LAST", "ORD", "PARITY", "OTHERS", "ALL", "SAME", "MATTER"})


_SPACED_DASH = re.compile(r"(\S+)\s+-\s+(?=\d)")
_BEFORE_A_MINUS = frozenset({"to", "at", "of", "by", "is", "=", "a", "an", "be", "minus"})


def _pause(m: re.Match) -> str:
    """" - " after a word is a pause, unless the word asks for a value ("to - 5 W")."""
    word = m.group(1)
    if word[-1].isdigit() or word.lower() in _BEFORE_A_MINUS:
        return m.group(0)
    return word + " , "
_UNITS_1_9 = tuple(float(k) for k in range(1, 10))


def _value(sym: Symbol) -> float | None:
    if sym.text.startswith("NUM:"):
        return float(sym.text[4:])
    return None


def _numbers(symbols: list[Symbol]) -> list[Symbol]:
    """Numbers written in words made whole: "one" as the number or the noun, "thirty five"
    -> 35, "one point nine" -> 1.9 (digits after "point" one by one)."""
    out: list[Symbol] = []
    for sym in symbols:
        # "twelve and a half", "one and a quarter": a whole number and a fraction below one
        if sym.text.startswith("FRAC:") and len(out) >= 2 and out[-1].text == "AND" \
                and (len(out) < 3 or out[-3].text != "CHAN"):
            whole, share = _value(out[-2]), float(sym.text[5:])
            if whole is not None and whole == int(whole) and 0 < share < 1:
                out[-2:] = [Symbol(f"NUM:{whole + share:g}", f"{out[-2].source} and {sym.source}", out[-2].start)]
                continue
        if sym.text.startswith("FRAC:") and out and _value(out[-1]) in (2.0, 3.0, 4.0, 5.0, 7.0, 9.0) \
                and not out[-1].source[:1].isdigit() and round(1 / float(sym.text[5:])) > _value(out[-1]) \
                and abs(1 / float(sym.text[5:]) - round(1 / float(sym.text[5:]))) < 1e-9:
            # "zwei Drittel", "three eighths": a count of a unit fraction
            share = _value(out[-1]) * float(sym.text[5:])
            out[-1] = Symbol(f"FRAC:{share!r}", f"{out[-1].source} {sym.source}", out[-1].start)
            continue
        if sym.text == "ONE":
            prev = out[-1].text.split(":", 1)[0] if out else ""
            sym = Symbol("CHAN" if prev in _ONE_IS_NOUN else "NUM:1", sym.source, sym.start)
        value = _value(sym)
        worded = value is not None and not sym.source[:1].isdigit()
        if worded and value == 100 and out and _value(out[-1]) in _UNITS_1_9 and not out[-1].source[:1].isdigit():
            # "one hundred", "two hundred"
            out[-1] = Symbol(f"NUM:{_value(out[-1]) * 100:g}", out[-1].source + " " + sym.source, out[-1].start)
            continue
        if worded and 1 <= value <= 99 and len(out) >= 2 and out[-1].text == "AND" \
                and not out[-2].source[:1].isdigit() and (_value(out[-2]) or 0) >= 100 \
                and (_value(out[-2]) or 0) % 100 == 0:
            # "a hundred and fifty"
            out[-2:] = [Symbol(f"NUM:{_value(out[-2]) + value:g}", f"{out[-2].source} and {sym.source}", out[-2].start)]
            continue
        if value is not None and out and not sym.source[:1].isdigit() and 1 <= value <= 9:
            before = _value(out[-1])
            if before in _TENS and not out[-1].source[:1].isdigit() and out[-1].start < sym.start:
                out[-1] = Symbol(f"NUM:{before + value:g}", out[-1].source + " " + sym.source, out[-1].start)
                continue
        if value is not None and len(out) >= 2 and out[-1].text == "POINT" and not sym.source[:1].isdigit() \
                and value == int(value) and 0 <= value <= 9:
            whole = _value(out[-2])
            if whole is not None:
                digits = out[-1].source.split("|")[1] if "|" in out[-1].source else ""
                digits += str(int(value))
                out[-2] = Symbol(f"NUM:{float(str(int(whole)) + '.' + digits):g}", out[-2].source, out[-2].start)
                out[-1] = Symbol("POINT", "point|" + digits, out[-1].start)
                continue
        if sym.text == "POINT" and out and _value(out[-1]) is not None:
            out.append(sym)
            continue
        if out and out[-1].text == "POINT" and "|" in out[-1].source:
            out.pop()  # the digits after "point" are read
        out.append(sym)
    if out and out[-1].text == "POINT" and "|" in out[-1].source:
        out.pop()
    return out

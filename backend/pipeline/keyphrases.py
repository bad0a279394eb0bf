"""Tags a channel owner would keep, without a model: the clip's key phrases (nouns, noun phrases).

RAKE-style: candidate phrases are runs of content words between stop words and punctuation;
verbs and adverbs are cut off by their endings (-ed, -ly) and by a stop list, and a single word
counts as a noun only if a determiner or possessive precedes it somewhere ("the garden", "my
sister") or it recurs. Phrases are ranked by frequency times length. Never a stop word alone,
never a fragment of a word.
"""

from __future__ import annotations

import re
from collections import Counter

STOP = frozenset(
    """
a about above after again against ago all almost also always am among an and another any anybody
anyone anything anyway are around as at away back be became because become been before behind being
below between both but by can cannot could did do does doing done down during each either else
enough even ever every everybody everyone everything few for from further get gets getting give go
goes going gone got great had has have having he her here hers herself him himself his how however i
if in into is it its itself just kind know last later least less let like little lot lots made make
many may maybe me might mine more most much must my myself never new next no nobody none nor not
nothing now of off often oh ok okay on once one only onto or other others our ours ourselves out
over own perhaps please put quite rather really right said same say says see seem she should since
so some somebody someone something sometimes soon still such sure take than that the their theirs
them themselves then there these they thing things think this those though through thus to today
together told tomorrow too toward towards under until up upon us very via want wanted was way we
well went were what whatever when where whether which while who whom whose why will with within
without would yeah yes yet yesterday you your yours yourself yourselves year years day days time
times week weeks month months first second two three four five six seven eight nine ten hundred
thousand gonna wanna actually basically literally
""".split()
)
DETERMINERS = frozenset(
    "a an the my our your his her their this that these those some every each its".split()
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*[A-Za-z]|[A-Za-z]")
_BREAK = re.compile('[.,;:!?()\\[\\]"\u2026\u2013\u2014]')  # also the ellipsis, en and em dash


def _is_content(word: str) -> bool:
    if word in STOP or len(word) < 3:
        return False
    # Past tenses and adverbs are not what a video is about ("walked", "suddenly").
    return not (word.endswith("ed") or word.endswith("ly")) or word in {"bed", "red", "family", "italy"}


def _candidates(text: str) -> tuple[list[tuple[str, ...]], set[str]]:
    phrases, after_determiner = [], set()
    for piece in _BREAK.split(text.lower()):
        words = [w.removesuffix("'s").strip("'-") for w in _WORD.findall(piece)]
        run: list[str] = []
        for index, word in enumerate(words):
            if _is_content(word):
                run.append(word)
                if index and words[index - 1] in DETERMINERS:
                    after_determiner.add(word)
                continue
            if run:
                phrases.append(tuple(run))
            run = []
        if run:
            phrases.append(tuple(run))
    return [p[:3] for p in phrases], after_determiner


def key_phrases(text: str, limit: int = 8) -> list[str]:
    phrases, nouny = _candidates(text)
    counts = Counter(phrases)
    words = Counter(w for p in phrases for w in p)
    kept = [p for p in counts if len(p) > 1 or p[0] in nouny or words[p[0]] > 1]
    ranked = sorted(
        kept, key=lambda p: (-(counts[p] * len(p) + sum(words[w] for w in p) / 10), phrases.index(p))
    )
    out: list[str] = []
    for phrase in ranked:
        tag = " ".join(phrase)
        if not any(tag in chosen.split(" ") or tag in chosen for chosen in out):
            out.append(tag)
        if len(out) == limit:
            break
    return out

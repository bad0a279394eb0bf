"""Word error rate: word-level Levenshtein distance over normalised words / reference length.

Normalised = lowercase, every character but letters, digits and apostrophes turned into a space
(so "self-substantial" is two words on both sides); numbers stay as written ("1" is not "one").
"""

from __future__ import annotations

import re


def words_of(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9' ]+", " ", text.lower()).split()


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(substitutions + deletions + insertions, reference words)."""
    ref, hyp = words_of(reference), words_of(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1], len(ref)


def wer(reference: str, hypothesis: str) -> float:
    errors, words = word_errors(reference, hypothesis)
    return errors / max(words, 1)


def pooled_wer(pairs: list[tuple[str, str]]) -> float:
    """WER over several (reference, hypothesis) recordings: total errors / total reference words."""
    counts = [word_errors(ref, hyp) for ref, hyp in pairs]
    return sum(e for e, _ in counts) / max(sum(n for _, n in counts), 1)

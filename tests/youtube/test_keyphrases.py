from __future__ import annotations

from backend.pipeline.criteria import RankerHints
from backend.pipeline.grounding import Bounds
from backend.pipeline.keyphrases import STOP, key_phrases
from backend.pipeline.ranker import LocalRanker
from backend.pipeline.transcript import Segment, Transcript

STORY = (
    "Nobody believed me. Ten years ago I walked into the garden behind my grandmother's house and found "
    "an old tomato plant. The garden was quiet, and the tomato plant was still growing. Honestly, it "
    "changed how I think about gardening."
)


def test_tags_are_noun_phrases_not_stop_words_or_fragments() -> None:
    tags = key_phrases(STORY)
    assert ("garden" in tags and "old tomato plant" in tags) or "tomato plant" in tags
    assert "grandmother house" in tags
    for bad in ("ago", "nobody", "walked", "believed", "honestly", "me", "still"):
        assert bad not in tags
    for tag in tags:
        assert all(word not in STOP for word in tag.split())
        assert all(word.isalpha() and len(word) >= 3 for word in tag.split())


def test_empty_and_stop_only_text_give_no_tags() -> None:
    assert key_phrases("") == []
    assert key_phrases("Nobody ever really walked there ago, yeah.") == []


def test_the_local_rankers_tags_are_key_phrases() -> None:
    sentences = [part.strip() + "." for part in STORY.split(".") if part.strip()]
    segments = [Segment(i * 6.0, i * 6.0 + 5.5, text) for i, text in enumerate(sentences)]
    hints = {"storytelling": RankerHints(keywords=("nobody", "ago", "walked", "believed"))}
    ranked = LocalRanker(hints).rank(Transcript("en", segments, "captions"), Bounds(5, 40, 1, 0.0))
    tags = ranked[0].tags
    assert tags and "garden" in tags
    assert not {"nobody", "ago", "walked", "believed"} & set(tags)

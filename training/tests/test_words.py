import pytest

from nlu_training.words import Span, bio_to_spans, spans_to_bio, split_words, utf16_offset


def texts(s: str) -> list[str]:
    return [w.text for w in split_words(s)]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("cancel order732201349959 now", ["cancel", "order", "732201349959", "now"]),
        ("where's my refund?!", ["where", "'", "s", "my", "refund", "?", "!"]),
        ("  spaced\tout\n", ["spaced", "out"]),
        ("我想取消订单 123", ["我", "想", "取", "消", "订", "单", "123"]),
        ("thanks 🙂 bye", ["thanks", "🙂", "bye"]),
        ("abc123def", ["abc", "123", "def"]),
        ("Zürich-2", ["Zürich", "-", "2"]),
        ("", []),
    ],
)
def test_split_words_follows_the_model_format_rule(text: str, words: list[str]) -> None:
    assert texts(text) == words


def test_word_offsets_index_the_original_text() -> None:
    text = "  order#A12, Zürich 🙂!"
    for w in split_words(text):
        assert text[w.start : w.end] == w.text


@pytest.mark.parametrize(
    ("text", "spans"),
    [
        ("cancel order732201349959 please", [Span(12, 24, "order_id")]),
        ("bill from David Miller, thanks", [Span(10, 22, "person_name")]),
        ("ship to 東京 today", [Span(8, 10, "delivery_city")]),
        ("refund 🙂 $160 to Ana", [Span(10, 13, "refund_amount"), Span(17, 20, "person_name")]),
        ("invoice A-12/B", [Span(8, 14, "invoice_id")]),
        ("no entities here.", []),
    ],
)
def test_span_bio_round_trip(text: str, spans: list[Span]) -> None:
    words = split_words(text)
    tags, snapped = spans_to_bio(words, spans)
    assert snapped == 0
    assert bio_to_spans(words, tags) == spans


def test_span_inside_a_word_is_snapped_and_counted() -> None:
    text = "open anotherstandard account"
    words = split_words(text)
    tags, snapped = spans_to_bio(words, [Span(12, 20, "account_type")])
    assert snapped == 1
    assert bio_to_spans(words, tags) == [Span(5, 20, "account_type")]


def test_overlapping_spans_are_rejected() -> None:
    words = split_words("David Miller Smith")
    with pytest.raises(ValueError, match="overlaps"):
        spans_to_bio(words, [Span(0, 12, "person_name"), Span(6, 18, "person_name")])


def test_stray_inside_tag_starts_a_new_entity() -> None:
    words = split_words("a b c d")
    spans = bio_to_spans(words, ["I-x", "I-x", "B-y", "I-x"])
    assert spans == [Span(0, 3, "x"), Span(4, 5, "y"), Span(6, 7, "x")]


def test_utf16_offsets_count_astral_characters_twice() -> None:
    text = "🙂 order 12"
    assert utf16_offset(text, 2) == 3
    assert utf16_offset("plain", 3) == 3

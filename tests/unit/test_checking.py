from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bitcode_core.checking import CheckFlags, check_output, parse_flags
from bitcode_core.errors import InvalidQuestion
from tests.strategies import spaced, tokens

DEFAULT = CheckFlags()
TOLERANT = parse_flags("float_tolerance 1e-6")


class TestDefaultValidator:
    @given(st.lists(tokens, min_size=1, max_size=20), st.data())
    def test_accepts_the_same_tokens_whatever_the_whitespace(self, words, data):
        answer = data.draw(spaced(words))
        output = data.draw(spaced(words))

        assert check_output(answer, output, DEFAULT).accepted

    @given(st.lists(tokens, min_size=1, max_size=20))
    def test_ignores_case_by_default(self, words):
        answer = " ".join(words).encode()

        assert check_output(answer, answer.swapcase(), DEFAULT).accepted

    @given(st.lists(tokens, min_size=1, max_size=20), st.data())
    def test_rejects_a_changed_token(self, words, data):
        index = data.draw(st.integers(0, len(words) - 1))
        changed = data.draw(tokens.filter(lambda t: t.lower() != words[index].lower()))
        altered = [*words[:index], changed, *words[index + 1 :]]

        result = check_output(
            " ".join(words).encode(), " ".join(altered).encode(), DEFAULT
        )

        assert not result.accepted
        assert f"token {index + 1}" in result.message

    @given(st.lists(tokens, min_size=1, max_size=10), tokens)
    def test_rejects_extra_or_missing_tokens(self, words, extra):
        answer = " ".join(words).encode()
        longer = answer + b" " + extra.encode()

        assert not check_output(answer, longer, DEFAULT).accepted
        assert not check_output(longer, answer, DEFAULT).accepted

    def test_empty_output_matches_an_empty_answer(self):
        assert check_output(b"\n", b"", DEFAULT).accepted

    def test_judges_invalid_utf8_instead_of_crashing(self):
        result = check_output(b"42\n", b"\xff\xfe\n", DEFAULT)

        assert not result.accepted


class TestCaseSensitive:
    def test_rejects_a_change_of_case(self):
        flags = parse_flags("case_sensitive")

        assert not check_output(b"Yes", b"yes", flags).accepted
        assert check_output(b"Yes", b"Yes\n", flags).accepted


class TestSpaceChangeSensitive:
    @pytest.mark.parametrize(
        ("answer", "output", "accepted"),
        [
            pytest.param(b"1 2\n", b"1 2\n", True, id="identical"),
            pytest.param(b"1 2\n", b"1  2\n", False, id="doubled-space"),
            pytest.param(b"1 2\n", b"1 2", False, id="missing-newline"),
            pytest.param(b"1 2\n", b"1\n2\n", False, id="newline-for-space"),
            pytest.param(b"a b\n", b"A B\n", True, id="case-still-ignored"),
        ],
    )
    def test_whitespace_must_match_exactly(self, answer, output, accepted):
        flags = parse_flags("space_change_sensitive")

        assert check_output(answer, output, flags).accepted is accepted


class TestFloatTolerance:
    @given(
        st.floats(-1e9, 1e9, allow_nan=False),
        st.floats(-0.9e-6, 0.9e-6, allow_nan=False),
    )
    def test_accepts_within_absolute_tolerance(self, value, error):
        answer = repr(value).encode()
        output = repr(value + error).encode()

        assert check_output(answer, output, TOLERANT).accepted

    @given(st.floats(-100, 100, allow_nan=False), st.floats(1e-3, 1e3))
    def test_rejects_beyond_both_tolerances(self, value, error):
        answer = repr(value).encode()
        output = repr(value + error).encode()

        assert not check_output(answer, output, TOLERANT).accepted

    def test_relative_tolerance_scales_with_the_answer(self):
        flags = parse_flags("float_relative_tolerance 1e-6")

        assert check_output(b"1000000000", b"1000000500", flags).accepted
        assert not check_output(b"1", b"1.0001", flags).accepted

    def test_a_word_where_a_number_is_expected_is_wrong(self):
        result = check_output(b"3.14", b"pi", TOLERANT)

        assert not result.accepted
        assert "expected a number" in result.message

    def test_non_numeric_tokens_still_compare_as_text(self):
        assert check_output(b"YES 0.5", b"yes 0.5000001", TOLERANT).accepted

    def test_without_a_tolerance_floats_compare_as_text(self):
        assert not check_output(b"0.5", b"0.50", DEFAULT).accepted

    def test_python_only_number_spellings_are_not_numbers(self):
        assert not check_output(b"1000", b"1_000", TOLERANT).accepted


class TestParseFlags:
    def test_reads_every_flag(self):
        flags = parse_flags(
            "case_sensitive space_change_sensitive "
            "float_absolute_tolerance 1e-3 float_relative_tolerance 1e-4"
        )

        assert flags == CheckFlags(True, True, 1e-3, 1e-4)

    def test_float_tolerance_sets_both(self):
        assert parse_flags(["float_tolerance", "0.5"]) == CheckFlags(
            float_absolute_tolerance=0.5, float_relative_tolerance=0.5
        )

    @pytest.mark.parametrize(
        "words",
        [
            pytest.param("float_tolerance", id="missing-number"),
            pytest.param("float_tolerance abc", id="not-a-number"),
            pytest.param("float_tolerance -1", id="negative"),
            pytest.param("float_tolerance nan", id="nan"),
            pytest.param("ignore_everything", id="unknown-flag"),
        ],
    )
    def test_refuses_malformed_flags(self, words):
        with pytest.raises(InvalidQuestion):
            parse_flags(words)

    @given(st.builds(CheckFlags, st.booleans(), st.booleans()))
    def test_round_trips_through_words(self, flags):
        assert parse_flags(flags.as_words()) == flags

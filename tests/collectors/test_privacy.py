"""Secrets in command lines are masked, real-shaped ones included; ordinary arguments stay."""

from __future__ import annotations

import pytest

from collectors.privacy import mask_arguments
from collectors.shell_words import shell_words
from tests.collectors.masking_corpus import CORPUS


def test_the_corpus_is_large_and_covers_ordinary_command_lines() -> None:
    assert len(CORPUS) >= 100
    assert sum(arguments == masked for arguments, masked in CORPUS) >= 20


@pytest.mark.parametrize(
    ("arguments", "expected"), CORPUS, ids=[" ".join(c[0])[:60] for c in CORPUS]
)
def test_masking_corpus(arguments: list[str], expected: list[str]) -> None:
    assert mask_arguments(arguments) == expected


def test_shell_words_keep_their_spans() -> None:
    text = """sudo sh -c 'mysql -p"x y"' && echo "a\\"b" c\\ d;e"""
    words = shell_words(text)
    assert [w.value for w in words] == [
        "sudo",
        "sh",
        "-c",
        'mysql -p"x y"',
        "&&",
        "echo",
        'a"b',
        "c d",
        ";",
        "e",
    ]
    assert all(text[w.start : w.end].strip() for w in words)
    assert words[3].quote == "'" and words[6].quote == '"' and words[7].quote == ""

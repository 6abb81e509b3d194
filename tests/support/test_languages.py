"""Answers in the asker's language (issue 19): Chinese passages for Chinese questions when the help center has
them, otherwise a plain Chinese note above the English passage."""

import pytest

from suite.support.answers import ONLY_ENGLISH, answer_question
from suite.support.evaluation import SAMPLE_DIR, load_eval, sample_kb_chunks
from suite.support.glossary import expand
from suite.support.ingest import chunk
from suite.support.parsing import parse
from suite.support.retrieval import get_index, is_chinese
from suite.support.service import ask

pytestmark = pytest.mark.slow  # real text models


@pytest.fixture
def bilingual(kb_store):
    """The sample help center plus its Chinese translations (sample_data/support/kb_zh/)."""
    extra = [c for p in sorted((SAMPLE_DIR / "kb_zh").iterdir()) for c in chunk(p.name, parse(p.name, p.read_bytes()))]
    return get_index(kb_store, chunks=sample_kb_chunks() + extra)


def test_chinese_question_on_an_english_help_center_says_so_in_chinese(kb_store):
    answer = ask(kb_store, "如何重置密码？")
    assert answer.answered and answer.language == "zh"
    assert answer.citations[0].source == "reset-password.md"
    assert answer.note == ONLY_ENGLISH and is_chinese(answer.note)


def test_english_question_gets_no_language_note(kb_store):
    assert ask(kb_store, "How do I reset my password?").note == ""


@pytest.mark.parametrize(
    ("question", "source", "words"),
    [
        ("如何重置密码？", "reset-password.zh.md", "忘记密码"),
        ("我的摄像头离线了怎么办？", "device-offline.zh.md", "重启路由器"),
        ("如何取消 Brightwave Plus 订阅？", "brightwave-plus-plans.zh.md", "取消"),
    ],
)
def test_chinese_question_is_answered_from_the_chinese_passage(kb_store, bilingual, question, source, words):
    answer = answer_question(bilingual, question, kb_store.settings)
    assert answer.answered and answer.citations[0].source == source
    assert words in answer.answer and answer.note == ""


def test_chinese_offline_camera_question_finds_the_offline_article(kb_store):
    # Was an unrelated camera-setup passage at "95 %": the glossary lets 离线 meet "offline" in the keyword index.
    answer = ask(kb_store, "我的摄像头离线了怎么办？")
    assert answer.answered and answer.citations[0].source == "device-offline.md"
    assert "Restart your router" in answer.answer and answer.note == ONLY_ENGLISH


def test_glossary_adds_english_words_only_to_chinese_terms():
    assert expand("设备离线了") == "设备离线了 offline"
    assert expand("How do I reset my password?") == "How do I reset my password?"


def test_a_few_translated_articles_do_not_pull_chinese_questions_away_from_the_english_ones(bilingual):
    """The 45 Chinese questions of eval_zh_more.jsonl (39 about articles only in English) on the help center with
    three translations: right article first (a translation counts) 0.556 before the Chinese stopwords, 0.689 now,
    0.844 without the translations."""
    items = load_eval(SAMPLE_DIR / "eval_zh_more.jsonl")
    first = [bilingual.search(i.question, k=1)[0].chunk.source.replace(".zh.md", ".md") for i in items]
    right = sum(source == i.source for source, i in zip(first, items, strict=True)) / len(items)
    assert right >= 0.65

"""The knowledge base: its content and its ranking (pure: no I/O)."""

from __future__ import annotations

from datetime import date

import pytest

from pingan_intake.knowledge.base import KnowledgeBase, KnowledgeEntry, default_knowledge_base

KB = default_knowledge_base()
REQUIRED_TOPICS = [
    "社保",
    "医保",
    "户口迁移",
    "居住证",
    "不动产登记",
    "生育登记",
    "低保",
    "残疾人补贴",
    "高龄补贴",
    "垃圾分类",
    "停水",
    "停电",
    "公积金",
    "营业执照",
    "电动车上牌",
    "疫苗接种",
    "入学报名",
]


def test_the_shipped_base_has_at_least_thirty_complete_entries():
    entries = KB.entries
    assert len(entries) >= 30
    assert len({e.id for e in entries}) == len(entries)
    for entry in entries:
        assert entry.title and entry.answer and entry.department and entry.keywords, entry.id
        assert date(2025, 1, 1) <= entry.updated <= date(2027, 1, 1)


@pytest.mark.parametrize("topic", REQUIRED_TOPICS)
def test_every_required_topic_is_covered(topic):
    assert KB.search(topic, limit=1), topic


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("医保在哪交，什么时候交", "KB-YB-001"),
        ("电动车怎么上牌", "KB-DDC-001"),
        ("孩子上小学怎么报名", "KB-RX-001"),
        ("我爸80岁了有没有补贴", "KB-GL-001"),
        ("小区什么时候停水", "KB-TS-001"),
        ("家里没电了找谁", "KB-TD-001"),
        ("被狗咬了要打什么针", "KB-YM-002"),
        ("公积金租房能取吗", "KB-GJJ-001"),
        ("老板欠我工资不给", "KB-LD-001"),
        ("户口迁过来要啥材料", "KB-HJ-001"),
        ("身份证丢了怎么办", "KB-HJ-003"),
        ("厨余垃圾几点可以扔", "KB-LJ-001"),
        ("生二胎要办准生证吗", "KB-SY-001"),
        ("低保怎么申请", "KB-DB-001"),
    ],
)
def test_colloquial_questions_find_the_right_entry_first(question, expected):
    hits = KB.search(question)
    assert hits[0].entry.id == expected, [(h.entry.id, h.score) for h in hits]


def test_results_are_ranked_best_first_with_a_snippet_from_the_answer():
    hits = KB.search("电动车上牌", limit=3)
    scores = [hit.score for hit in hits]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] > scores[1]
    assert hits[0].snippet in hits[0].entry.answer or hits[0].snippet.endswith("…")
    assert "上牌" in hits[0].snippet


def test_a_question_with_nothing_in_common_finds_nothing():
    assert KB.search("xyzzy") == []
    assert KB.search("？？？") == []


def test_keywords_outrank_a_passing_mention_in_an_answer():
    entries = [
        KnowledgeEntry(
            "A", "停车管理", ("停车",), "小区停车问题，另见充电桩。", "x", date(2026, 1, 1)
        ),
        KnowledgeEntry(
            "B", "充电桩安装", ("充电桩",), "申请安装充电桩的流程。", "x", date(2026, 1, 1)
        ),
    ]
    assert KnowledgeBase(entries).search("充电桩")[0].entry.id == "B"


def test_duplicate_ids_are_refused():
    entry = KnowledgeEntry("A", "t", ("k",), "a", "d", date(2026, 1, 1))
    with pytest.raises(ValueError, match="unique"):
        KnowledgeBase([entry, entry])

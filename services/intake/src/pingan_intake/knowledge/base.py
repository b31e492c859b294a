"""The knowledge base operators answer consultations from (政策咨询, 办事指南), and its search.

Entries live in ``data/knowledge_base.json``. Search is TF-IDF over character unigrams and
bigrams, which needs no word segmenter and copes with colloquial questions ("医保在哪交"):
title and keywords weigh three times the answer, and a keyword found whole in the question adds
a bonus, so "电动车上牌" ranks the plate entry above the charging-safety one.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib.resources import files
from itertools import pairwise

TITLE_WEIGHT = 3.0
KEYWORD_WEIGHT = 3.0
KEYWORD_BONUS = 0.15
SNIPPET_LENGTH = 80
# Characters that carry no meaning for search in a question.
_FILLER = frozenset(
    "的了吗呢啊呀吧哦嘛么我你他她它们在是有这那就都也还要请问想一下个怎么什么哪里如何"
)
_NOT_WORD = re.compile(r"[^\w]|_")
_SENTENCE_END = re.compile(r"(?<=[。；！？])")


@dataclass(frozen=True)
class KnowledgeEntry:
    id: str
    title: str
    keywords: tuple[str, ...]
    answer: str
    department: str
    updated: date


@dataclass(frozen=True)
class SearchHit:
    entry: KnowledgeEntry
    score: float
    snippet: str


def _terms(text: str) -> Counter[str]:
    """Character unigrams and bigrams of the meaningful runs of ``text``."""
    terms: Counter[str] = Counter()
    for run in _NOT_WORD.sub(" ", text.lower()).split():
        chars = [c for c in run if c not in _FILLER]
        terms.update(chars)
        terms.update(a + b for a, b in pairwise(chars))
    return terms


def _entry_terms(entry: KnowledgeEntry) -> dict[str, float]:
    """Term weights of an entry: title and keyword terms count more than the answer's."""
    weighted: defaultdict[str, float] = defaultdict(float)
    for term, count in _terms(entry.title).items():
        weighted[term] += count * TITLE_WEIGHT
    for term, count in _terms(" ".join(entry.keywords)).items():
        weighted[term] += count * KEYWORD_WEIGHT
    for term, count in _terms(entry.answer).items():
        weighted[term] += count
    return dict(weighted)


class KnowledgeBase:
    def __init__(self, entries: list[KnowledgeEntry]) -> None:
        ids = [entry.id for entry in entries]
        if len(set(ids)) != len(ids):
            raise ValueError("knowledge base entry ids must be unique")
        self._entries = {entry.id: entry for entry in entries}
        term_counts = {entry.id: _entry_terms(entry) for entry in entries}
        documents = len(entries)
        frequency = Counter(term for counts in term_counts.values() for term in counts)
        self._idf = {term: math.log(1 + documents / df) for term, df in frequency.items()}
        self._vectors = {
            entry_id: self._normalised({t: c * self._idf[t] for t, c in counts.items()})
            for entry_id, counts in term_counts.items()
        }

    @property
    def entries(self) -> list[KnowledgeEntry]:
        return list(self._entries.values())

    def get(self, entry_id: str) -> KnowledgeEntry | None:
        return self._entries.get(entry_id)

    def search(self, query: str, *, limit: int = 5) -> list[SearchHit]:
        """Entries best matching ``query``, best first; nothing when no term matches."""
        query_terms = _terms(query)
        query_vector = self._normalised(
            {t: c * self._idf[t] for t, c in query_terms.items() if t in self._idf}
        )
        if not query_vector:
            return []
        hits = []
        for entry_id, vector in self._vectors.items():
            entry = self._entries[entry_id]
            score = sum(weight * vector.get(term, 0.0) for term, weight in query_vector.items())
            score += KEYWORD_BONUS * sum(1 for keyword in entry.keywords if keyword in query)
            if score > 0:
                hits.append(SearchHit(entry, round(score, 4), _snippet(entry.answer, query_terms)))
        hits.sort(key=lambda hit: (-hit.score, hit.entry.id))
        return hits[:limit]

    @staticmethod
    def _normalised(vector: dict[str, float]) -> dict[str, float]:
        norm = math.sqrt(sum(v * v for v in vector.values()))
        return {t: v / norm for t, v in vector.items()} if norm else {}


def _snippet(answer: str, query_terms: Counter[str]) -> str:
    """The answer's sentence sharing most terms with the question, cut to a readable length."""
    sentences = [s for s in _SENTENCE_END.split(answer) if s.strip()]
    best = max(sentences, key=lambda s: sum(1 for t in _terms(s) if t in query_terms))
    return best if len(best) <= SNIPPET_LENGTH else best[: SNIPPET_LENGTH - 1] + "…"


def _entry(raw: dict) -> KnowledgeEntry:
    return KnowledgeEntry(
        id=raw["id"],
        title=raw["title"],
        keywords=tuple(raw["keywords"]),
        answer=raw["answer"],
        department=raw["department"],
        updated=date.fromisoformat(raw["updated"]),
    )


def parse_knowledge_base(text: str) -> KnowledgeBase:
    return KnowledgeBase([_entry(raw) for raw in json.loads(text)["entries"]])


@cache
def default_knowledge_base() -> KnowledgeBase:
    """The county's knowledge base shipped with intake (read once, then kept)."""
    text = files("pingan_intake").joinpath("data", "knowledge_base.json").read_text("utf-8")
    return parse_knowledge_base(text)

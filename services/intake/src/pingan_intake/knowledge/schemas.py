"""REST answers of the knowledge base."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class KnowledgeEntryRead(BaseModel):
    id: str = Field(examples=["KB-YB-001"])
    title: str
    keywords: list[str]
    answer: str
    department: str
    updated: date


class KnowledgeHit(BaseModel):
    id: str
    title: str
    department: str
    updated: date
    score: float = Field(description="Relevance; higher is better")
    snippet: str = Field(description="The part of the answer that best fits the question")


class KnowledgeSearchResult(BaseModel):
    query: str
    items: list[KnowledgeHit]

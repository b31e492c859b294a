"""REST bodies of the amendments: a supplement from the caller, an answer to a consultation."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from pingan_intake.inputs.text import CleanText
from pingan_intake.registration.schemas import MAX_ATTACHMENTS, AttachmentIn


class SupplementCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"text": "补充：漏气位置在3号楼二单元门口的燃气表处"}]},
    )

    text: CleanText = Field(min_length=2, max_length=2000)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=MAX_ATTACHMENTS)


class AnswerCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "answer": "城乡居民医保缴费期为9月1日至12月31日，可通过浙里办缴纳。",
                    "knowledge_entry_id": "KB-YB-001",
                }
            ]
        },
    )

    answer: CleanText = Field(min_length=2, max_length=4000)
    knowledge_entry_id: str | None = Field(
        default=None, max_length=32, pattern=r"^[A-Z0-9-]+$", examples=["KB-YB-001"]
    )
    force: bool = Field(
        default=False,
        description="Answer a ticket that is not classified as a consultation (recorded); "
        "never allowed for threats and police matters",
    )

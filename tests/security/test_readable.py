"""The PII scan reads a PDF's text, where a person would see a number, not its raw bytes."""

from __future__ import annotations

import httpx
from fpdf import FPDF

from tests.security.matrix import readable


def _pdf(text: str) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text=text)
    return bytes(pdf.output())


def test_a_number_printed_in_a_pdf_is_read_although_its_stream_is_compressed() -> None:
    response = httpx.Response(
        200, content=_pdf("caller 13911110001"), headers={"content-type": "application/pdf"}
    )
    assert "13911110001" not in response.text  # hidden in a compressed stream
    assert "13911110001" in readable(response)


def test_the_file_identifier_is_not_read_as_text() -> None:
    response = httpx.Response(
        200, content=_pdf("no numbers here"), headers={"content-type": "application/pdf"}
    )
    assert "/ID" in response.text
    assert "/ID" not in readable(response)
    assert readable(response).strip() == "no numbers here"


def test_a_json_body_is_read_as_it_is() -> None:
    response = httpx.Response(200, json={"phone": "139****0001"})
    assert readable(response) == response.text

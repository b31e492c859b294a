"""The mediation agreement (人民调解协议书) as a printable PDF, in Chinese, with fpdf2.

The content and its wording are in ``agreement``; this module only lays them out. It imports
fpdf2, so the route loads it on first use.
"""

from __future__ import annotations

from decimal import Decimal

from fpdf import FPDF

from pingan_common.pdf import cjk_faces
from pingan_common.workdays import to_county_time
from pingan_mediation.documents.agreement import (
    ROLE_LABELS,
    AgreementDocument,
    chinese_date,
    term_text,
    yuan,
)


class _Document(FPDF):
    def __init__(self, case_number: str) -> None:
        super().__init__(format="A4")
        self.case_number = case_number
        regular, bold = cjk_faces()
        self.add_font("cjk", "", str(regular.path), collection_font_number=regular.index)
        self.add_font("cjk", "B", str(bold.path), collection_font_number=bold.index)
        self.set_margins(22, 20, 22)
        self.set_auto_page_break(True, margin=20)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("cjk", "", 9)
        self.cell(0, 6, f"{self.case_number}　第 {self.page_no()} 页", align="C")


def render_agreement(doc: AgreementDocument) -> bytes:
    pdf = _Document(doc.case_number)
    pdf.add_page()
    width = pdf.epw
    pdf.set_font("cjk", "B", 20)
    pdf.cell(width, 14, "人民调解协议书", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", "", 11)
    pdf.cell(width, 8, f"编号：{doc.case_number}", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)

    _heading(pdf, "当事人")
    for party in doc.parties:
        details = [f"{ROLE_LABELS.get(party.role, party.role)}：{party.name}"]
        if party.id_number:
            details.append(f"身份证号：{party.id_number}")
        if party.phone:
            details.append(f"联系电话：{party.phone}")
        _paragraph(pdf, "，".join(details) + "。")
        if party.address:
            _paragraph(pdf, f"住址：{party.address}", indent=8)

    _heading(pdf, "纠纷主要事实、争议事项")
    facts = doc.facts if doc.facts.endswith(("。", "！", "？", ".")) else doc.facts + "。"
    _paragraph(pdf, f"纠纷类型：{doc.dispute_label}。{facts}")

    _heading(pdf, "经调解，双方当事人自愿达成如下协议")
    for number, term in enumerate(doc.terms, 1):
        _paragraph(pdf, term_text(number, term))
    total = sum((t.amount or Decimal(0) for t in doc.terms), Decimal(0))
    if total:
        _paragraph(pdf, f"以上款项合计{yuan(total)}。")

    _heading(pdf, "履行与司法确认")
    _paragraph(
        pdf,
        "本协议自各方当事人签名（盖章或按指印）、人民调解员签名并加盖人民调解委员会印章之日起"
        "生效，对当事人具有法律约束力，当事人应当按照约定履行。人民调解委员会将对协议的履行"
        "情况进行回访。",
    )
    _paragraph(
        pdf,
        "当事人认为有必要的，可以自本协议生效之日起三十日内（即"
        f"{chinese_date(doc.confirmation_due_on)}前）共同向人民法院申请司法确认。",
    )
    _paragraph(pdf, "本协议一式三份，双方当事人各执一份，人民调解委员会留存一份。")

    pdf.ln(6)
    _signatures(pdf, doc)
    return bytes(pdf.output())


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(2)
    pdf.set_font("cjk", "B", 13)
    pdf.cell(pdf.epw, 9, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", "", 12)


def _paragraph(pdf: FPDF, text: str, indent: float = 0) -> None:
    pdf.set_x(pdf.l_margin + indent)
    pdf.multi_cell(pdf.epw - indent, 7.5, text, new_x="LMARGIN", new_y="NEXT")


def _signatures(pdf: FPDF, doc: AgreementDocument) -> None:
    pdf.set_font("cjk", "", 12)
    half = pdf.epw / 2
    for party in doc.parties:
        label = ROLE_LABELS.get(party.role, party.role)
        pdf.cell(half, 12, f"{label}（签名）：________________", new_x="RIGHT", new_y="TOP")
        pdf.cell(half, 12, f"（{party.name}）", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(half, 12, "人民调解员（签名）：______________", new_x="RIGHT", new_y="TOP")
    pdf.cell(half, 12, f"（{doc.mediator_name}）", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.cell(pdf.epw, 9, f"{doc.committee_name}（印章）", align="R", new_x="LMARGIN", new_y="NEXT")
    signed = chinese_date(to_county_time(doc.signed_at).date())
    pdf.cell(pdf.epw, 9, signed, align="R", new_x="LMARGIN", new_y="NEXT")

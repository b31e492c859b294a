"""The 稳定形势分析 report as a PDF in Chinese, laid out like the reports counties publish:
overall situation, calls by category and by township, warnings, key persons, stability
assessments, 会商研判 and bulletins, then the findings (研判意见)."""

from __future__ import annotations

from pingan_common.county_time import county_datetime
from pingan_common.pdf import CjkDocument
from pingan_riskassess.analysis.labels import (
    CONCLUSION_LABELS,
    DECISION_LABELS,
    LEVEL_LABELS,
    LEVELS,
    label,
)
from pingan_riskassess.analysis.report import SituationReport, percent, trend

SECTION_NUMBERS = "一二三四五六七八九十"


def _minutes(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}分钟"


def render_report(report: SituationReport) -> bytes:
    pdf = CjkDocument(report.title)
    pdf.add_page()
    pdf.title_line(report.title, size=18)
    pdf.paragraph(
        f"统计期间：{report.first_day:%Y年%m月%d日}至{report.last_day:%Y年%m月%d日}　"
        f"生成时间：{county_datetime(report.generated_at):%Y-%m-%d %H:%M}",
        size=10,
    )
    sections = iter(SECTION_NUMBERS)

    def section(title: str) -> None:
        pdf.heading(f"{next(sections)}、{title}")

    alerts = report.alerts
    section("总体情况")
    levels = "，".join(f"{LEVEL_LABELS[level]}{alerts.by_level[level]}条" for level in LEVELS)
    pdf.paragraph(
        f"本期共受理群众诉求{report.calls}件，{trend(report.calls_change_rate)}（上期"
        f"{report.previous_calls}件）；生成风险预警{alerts.total}条（{levels}），"
        f"{trend(alerts.change_rate)}。"
    )

    section("诉求分类情况")
    pdf.grid(
        ["类别", "本期（件）", "上期（件）", "环比"],
        [
            [row.label, str(row.calls), str(row.previous), percent(row.change_rate)]
            for row in report.by_category
        ],
        widths=(0.4, 0.2, 0.2, 0.2),
    )

    section("区域分布")
    pdf.grid(
        ["乡镇（街道）", "诉求（件）", "预警（条）"],
        [[row.name, str(row.calls), str(row.alerts)] for row in report.by_township],
        widths=(0.5, 0.25, 0.25),
    )

    section("风险预警处置情况")
    pdf.grid(
        ["预警来源", "数量（条）"],
        [[row.label, str(row.alerts)] for row in alerts.by_source],
        widths=(0.7, 0.3),
    )
    pdf.grid(
        ["及时签收率", "签收用时", "核查用时", "已核查", "误报率", "超时升级"],
        [
            [
                percent(alerts.acknowledged_in_time_rate),
                _minutes(alerts.median_minutes_to_acknowledge),
                _minutes(alerts.median_minutes_to_verify),
                f"{alerts.verified}条",
                percent(alerts.false_alarm_rate),
                f"{alerts.escalations}次",
            ]
        ],
    )
    pdf.paragraph("注：签收、核查用时为自预警生成起的中位数。", size=9)

    section("重点人员管控")
    persons = report.key_persons
    pdf.paragraph(
        f"在册重点人员{persons.registered}人，走访逾期{persons.visits_overdue}人，"
        f"按时走访率{percent(persons.visits_on_time_rate)}，脱管{persons.lost_contact}人"
        "（截至报告生成时）。"
    )
    pdf.grid(
        ["类别", "在册（人）"],
        [[name, str(count)] for name, count in persons.by_category.items()],
        widths=(0.7, 0.3),
    )

    section("重大事项社会稳定风险评估")
    assessed = report.assessments
    conclusions = "，".join(
        f"{label(CONCLUSION_LABELS, c)}{n}项" for c, n in assessed.conclusions.items()
    )
    decisions = "，".join(
        f"{label(DECISION_LABELS, d)}{n}项" for d, n in assessed.decisions.items()
    )
    pdf.paragraph(
        f"本期登记评估事项{assessed.registered}项；评估结论：{conclusions or '无'}；"
        f"决策：{decisions or '无'}。化解措施在办{assessed.mitigations_open}项、"
        f"逾期{assessed.mitigations_overdue}项、已落实{assessed.mitigations_done}项。"
    )

    section("会商研判与预警通报")
    pdf.grid(
        ["日期", "参会人数", "研判事项", "决定事项及责任人"],
        [
            [
                f"{m.held_on:%m月%d日}",
                str(m.attendees),
                "；".join(m.matters),
                "；".join(f"{d['decision']}（{d['owner']}）" for d in m.decisions),
            ]
            for m in report.meetings
        ],
        widths=(0.13, 0.13, 0.34, 0.4),
    )
    pdf.grid(
        ["通报编号", "等级", "标题", "日期"],
        [
            [b.number, label(LEVEL_LABELS, b.level), b.title, f"{b.issued_on:%m月%d日}"]
            for b in report.bulletins
        ],
        widths=(0.26, 0.12, 0.46, 0.16),
    )

    section("研判意见")
    for number, finding in enumerate(report.findings, 1):
        pdf.paragraph(f"{number}. {finding}")
    return bytes(pdf.output())

"""The decision record as a PDF, for a board paper or a review panel (ReportLab, decision 016).

It renders the same ``DecisionRecord`` as the HTML page, section for section. Fonts are the
Bitstream Vera faces shipped inside ReportLab, so £, en dashes and ≥ print on any machine.
"""

from __future__ import annotations

import io
import os
from xml.sax.saxutils import escape

import reportlab
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from commissioning import money, numbers

from .queries.decision_record import DecisionRecord

NHS_BLUE = colors.HexColor("#005eb8")
GREY = colors.HexColor("#d8dde0")
_FONTS = os.path.join(os.path.dirname(reportlab.__file__), "fonts")


def _register_fonts() -> None:
    if "Vera" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("Vera", os.path.join(_FONTS, "Vera.ttf")))
        pdfmetrics.registerFont(TTFont("Vera-Bold", os.path.join(_FONTS, "VeraBd.ttf")))
        pdfmetrics.registerFontFamily("Vera", normal="Vera", bold="Vera-Bold")


BODY = ParagraphStyle("body", fontName="Vera", fontSize=9, leading=12, alignment=TA_LEFT)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=7.5, leading=9.5)
H1 = ParagraphStyle("h1", parent=BODY, fontName="Vera-Bold", fontSize=16, leading=20, spaceAfter=4)
H2 = ParagraphStyle(
    "h2",
    parent=BODY,
    fontName="Vera-Bold",
    fontSize=12,
    leading=15,
    spaceBefore=10,
    spaceAfter=4,
    textColor=NHS_BLUE,
)
H3 = ParagraphStyle("h3", parent=BODY, fontName="Vera-Bold", fontSize=10, leading=13, spaceBefore=6)


def _p(text, style=BODY) -> Paragraph:
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)


def _money(pence: int) -> str:
    return money.pounds(pence)


def _date(value) -> str:
    return f"{value:%-d %b %Y}" if value else ""


def _table(rows, widths, header=True) -> Table:
    cells = [[c if isinstance(c, Paragraph) else _p(c, SMALL) for c in row] for row in rows]
    table = Table(cells, colWidths=widths, repeatRows=1 if header else 0)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.25, GREY),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8edee")))
    table.setStyle(TableStyle(style))
    return table


def _decision(r: DecisionRecord) -> list:
    entry = r.current
    if entry is None:
        return [_p("No decision stands yet.")]
    d = entry.decision
    awarded = "; ".join(
        f"{p.provider.display_name} ({_money(p.total_price_pence)} over the term)"
        for p in d.awarded.all()
    )
    rows = [
        ["Decision", d.outcome_enum.label + (f": {awarded}" if awarded else "")],
        [
            "Decision maker",
            f"{d.decided_by.get_full_name() or d.decided_by.username}, under delegated "
            f"authority on {r.process.budget} up to {_money(d.delegation.limit_pence)}"
            + (f" ({d.delegation.reference})" if d.delegation.reference else ""),
        ],
        ["Date", _date(d.decided_on)],
        ["Value decided", _money(d.value_pence)],
        [
            "Rationale",
            d.rationale
            + (" The award departs from the evaluation ranking." if d.departs_from_ranking else "")
            + (f" {d.withheld_words}" if d.withheld else ""),
        ],
        ["Standstill", entry.state.explanation],
    ]
    return [_table(rows, [35 * mm, 135 * mm], header=False)]


def render_decision_record(r: DecisionRecord) -> bytes:
    _register_fonts()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"Decision record: {r.spec.title}",
        author=r.spec.commissioner.display_name,
    )
    spec, process = r.spec, r.process
    story: list = [
        _p("Decision record under regulation 24 of the Provider Selection Regime", SMALL),
        _p(spec.title, H1),
        _p(
            f"Commissioner: {spec.commissioner.display_name} ({spec.commissioner.code}). "
            "Specification "
            f"{spec.reference} version {spec.version}. Produced on "
            f"{r.generated_at:%-d %B %Y at %H:%M} by "
            f"{r.generated_by} from the platform's records.",
            SMALL,
        ),
        _p("1. The decision", H2),
        *_decision(r),
        _p("2. The process and why it was chosen", H2),
    ]
    story.append(_p(process.route_explained.rstrip(".") + "."))
    story += [_p(f"• {reason[:1].upper()}{reason[1:]}") for reason in process.route_reasons]
    story.append(
        _p(
            f"Budget: {process.budget}."
            + (
                f" Existing provider: {process.incumbent.display_name}."
                if process.incumbent
                else ""
            )
        )
    )

    story += [
        _p("3. What was specified", H2),
        _p(spec.service_description),
        _p(
            f"Population: {spec.population}. Area: {spec.area}. Activity: "
            f"{numbers.figure(spec.annual_activity)} {spec.activity_unit} a year. Financial "
            f"envelope: {_money(spec.financial_envelope_pence)} "
            f"over {spec.term_months} months."
        ),
        Spacer(1, 3),
        _table(
            [["Outcome (NHS Outcomes Framework)", "Baseline", "Target", "By"]]
            + [
                [
                    f"{o.indicator.code} {o.indicator.title} ({o.indicator.unit})",
                    numbers.figure(o.baseline),
                    numbers.figure(o.target),
                    _date(o.target_date),
                ]
                for o in r.outcomes
            ],
            [110 * mm, 20 * mm, 20 * mm, 24 * mm],
        ),
        Spacer(1, 4),
        _table(
            [["Dimension", "Quality requirement", "Threshold"]]
            + [[q.dimension_label, q.requirement, q.threshold] for q in r.requirements],
            [30 * mm, 100 * mm, 44 * mm],
        ),
        _p("4. Clinical advice", H2),
    ]
    for a in r.advice_requests:
        lines = [
            _p(
                f"{a.get_source_display()}: {a.organisation.display_name}"
                + (f" ({a.clinician})" if a.clinician else ""),
                H3,
            ),
            _p(f"Asked {_date(a.requested_at)} by {a.requested_by}: {a.question}"),
        ]
        if a.answered:
            lines.append(
                _p(
                    f"Advice ({_date(a.advice.given_at)}, {a.advice.adviser}): "
                    f"{a.advice.get_recommendation_display()}. {a.advice.summary}"
                )
            )
            lines.append(
                _p(
                    "Considered by the decision maker."
                    if a.advice.pk in r.considered_advice_ids
                    else "Not recorded as considered by a decision.",
                    SMALL,
                )
            )
        else:
            lines.append(_p("No advice was given.", SMALL))
        story.append(KeepTogether(lines))
    if not r.advice_requests:
        story.append(_p("No advice was asked for."))

    story += [
        _p("5. Proposals", H2),
        _table(
            [["Provider", "Submitted", "Status", "Price over the term", "Capacity a year"]]
            + [
                [
                    f"{p.provider.display_name} ({p.provider.code})",
                    _date(p.submitted_at),
                    p.get_status_display(),
                    _money(p.total_price_pence),
                    numbers.figure(p.capacity),
                ]
                for p in r.proposals
            ],
            [64 * mm, 24 * mm, 22 * mm, 34 * mm, 30 * mm],
        ),
        _p("6. Conflicts of interest and how they were managed", H2),
        _table(
            [["Who", "Declared", "Managed"]]
            + [
                [
                    str(d.user),
                    f"{_date(d.declared_at)}: "
                    + (
                        (d.description + (f" ({d.provider.display_name})" if d.provider else ""))
                        if d.has_interest
                        else "no interests"
                    ),
                    (
                        f"{d.get_management_display() or 'not managed'}"
                        + (f": {d.management_note}" if d.management_note else "")
                        + (f" ({d.managed_by}, {_date(d.managed_at)})" if d.managed_by else "")
                    )
                    if d.has_interest
                    else "–",
                ]
                for d in r.declarations
            ],
            [40 * mm, 67 * mm, 67 * mm],
        ),
        _p("7. How the key criteria were applied and weighted", H2),
        _p(
            "Evaluators: "
            + ("; ".join(str(e.user) for e in r.evaluators) or "none")
            + ". Weights: "
            + "; ".join(f"{c.label.lower()} {w}%" for c, w in r.evaluation.weights.items())
            + ". Scores run from 0 to 5; a weighted total is the sum of weight × score ÷ 5."
        ),
    ]
    for pe in r.evaluation.proposals:
        heading = pe.proposal.provider.display_name + (
            f": rank {pe.rank}, {pe.total_percent}" if pe.rank else ""
        )
        rows = [["Criterion", "Each evaluator's score and reason", "Moderated score and rationale"]]
        for c, w in r.evaluation.weights.items():
            each = "\n".join(
                f"{r.evaluation.evaluator_names.get(uid, uid)}: {by_c[c].score}. "
                f"{by_c[c].justification}"
                for uid, by_c in pe.scores.items()
                if c in by_c
            )
            m = pe.moderated.get(c)
            rows.append(
                [f"{c.label} ({w}%)", each, f"{m.score}. {m.rationale}" if m else "Not moderated"]
            )
        story += [_p(heading, H3), _table(rows, [44 * mm, 70 * mm, 60 * mm])]

    story.append(_p("8. Decisions, notices and representations", H2))
    for entry in r.decisions:
        d = entry.decision
        lines = [
            _p(
                f"{_date(d.decided_on)}: {d.outcome_enum.label} ({d.get_status_display().lower()})",
                H3,
            ),
            _p(f"By {d.decided_by}. {d.rationale}"),
        ]
        if d.notice_published_on:
            lines.append(
                _p(
                    f"Notice published {_date(d.notice_published_on)}."
                    + (
                        f" Standstill to the end of {_date(entry.state.last_day)}."
                        if entry.state.last_day
                        else ""
                    )
                )
            )
        for rep in entry.representations:
            lines.append(
                _p(
                    f"Representation from {rep.provider.display_name} ({_date(rep.received_on)}): "
                    f"{rep.grounds} — {rep.get_status_display()}"
                    + (f": {rep.response}" if rep.response else "")
                )
            )
        if d.withdrawn_reason:
            lines.append(_p(f"Withdrawn: {d.withdrawn_reason}"))
        for c in entry.contracts:
            signed = []
            if c.provider_signed_by:
                signed.append(f"signed for the provider by {c.provider_signed_by}")
            if c.commissioner_signed_by:
                signed.append(f"for the commissioners by {c.commissioner_signed_by}")
            lines.append(
                _p(
                    f"Contract {c.reference} with {c.provider.display_name}: "
                    f"{_money(c.value_pence)}, "
                    f"{_date(c.start_date)} to {_date(c.end_date)}; "
                    f"{c.get_status_display().lower()}"
                    + ("; " + "; ".join(signed) if signed else "")
                    + "."
                )
            )
        story.append(KeepTogether(lines))
    if not r.decisions:
        story.append(_p("No decision has been taken."))

    story += [
        _p("9. Dates", H2),
        _table(
            [["Date", "What happened"]] + [[_date(day), what] for day, what in r.timeline],
            [28 * mm, 146 * mm],
        ),
        _p("10. Audit trail", H2),
        _p(
            f"Every change to this specification, its advice, proposals, evaluation, decisions and "
            f"contracts, as recorded when it was made ({len(r.audit)} records). "
            + (
                f"The whole audit trail ({numbers.figure(r.chain.checked)} records) was checked "
                "when this record was produced: no record has been altered or removed."
                if r.chain.ok
                else f"The audit trail failed its check at record {r.chain.first_broken_seq}: "
                f"{r.chain.reason}."
            )
        ),
        _table(
            [["No.", "Recorded", "Who", "What", "Fields changed"]]
            + [
                [e.seq, e.recorded, e.who, e.what[:120], "; ".join(e.changes)]
                for e in r.audit_entries
            ],
            [12 * mm, 26 * mm, 26 * mm, 70 * mm, 40 * mm],
        ),
    ]

    def footer(canvas, doc_):
        canvas.saveState()
        canvas.setFont("Vera", 7)
        canvas.drawString(18 * mm, 10 * mm, f"Decision record: {spec.title} ({spec.reference})")
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"Page {doc_.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()

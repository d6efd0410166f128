"""The pilot's evaluation report: an anonymised PDF with tables and charts, and a CSV.

Both are made from ``services.evaluation.anonymised_tables``, so the PDF and the
CSV show the same figures with the same disclosure control (``present``): a
count from 1 to 4 reads "fewer than 5" in both, and a chart never draws a bar
the table does not show. Charts are ReportLab's own (``reportlab.graphics.charts``:
bar, line and pie charts), not painted by hand, so they stay vector and their
labels stay text. Nothing here reads the store: no name, address, postcode,
date of birth or case reference is ever at hand to print.

Each chart is a function returning a ReportLab ``Drawing`` (``CHARTS`` lists
them in reading order), so the manager dashboard shows the very charts the PDF
prints, as SVG (``chart_svg``), rather than a second set drawn another way.

The package is split by what each part does: ``chart_kinds`` (bar, pie and line
charts), ``charts`` (the report's charts), ``pdf`` (the layout) and ``csv_export``.
"""

from caseworker.reports.evaluation.chart_kinds import (
    CHART_FONT_SIZE,
    bar_chart,
    chart_label,
    cumulative_chart,
    pie_chart,
)
from caseworker.reports.evaluation.charts import (
    CAPITALS,
    CHARTS,
    HOUSEHOLDS,
    PACKAGES,
    REFERRALS,
    REVIEWS,
    SPEND,
    Chart,
    ChartSpec,
    chart_svg,
    evaluation_charts,
    report_tables,
)
from caseworker.reports.evaluation.csv_export import (
    csv_rows,
    write_evaluation_csv,
)
from caseworker.reports.evaluation.pdf import (
    TITLE,
    period_text,
    write_evaluation_pdf,
)

__all__ = [
    "CAPITALS",
    "CHARTS",
    "CHART_FONT_SIZE",
    "HOUSEHOLDS",
    "PACKAGES",
    "REFERRALS",
    "REVIEWS",
    "SPEND",
    "TITLE",
    "Chart",
    "ChartSpec",
    "bar_chart",
    "chart_label",
    "chart_svg",
    "csv_rows",
    "cumulative_chart",
    "evaluation_charts",
    "period_text",
    "pie_chart",
    "report_tables",
    "write_evaluation_csv",
    "write_evaluation_pdf",
]

"""Long texts read whole against their first window, on every row and on the rows longer than the window alone.

A text that fits the window gets the same prediction either way (bit for bit), so only the long rows are scored
twice. `make evaluate` prints this after the main report.
"""

from evaluation.report import Report, report_of, usable_rows
from sentiment_service.predictor.contract import TRUNCATE
from sentiment_service.predictor.scoring_core import ScoringCore


def compare_long_texts(core: ScoringCore, rows: list[dict]) -> dict[str, Report]:
    """Reports keyed "all rows, document", "all rows, truncate", "long rows, document", "long rows, truncate"."""
    usable = usable_rows(core, rows)
    texts = [r["text"] for r in usable]
    document = core.score(texts)
    long = [i for i, encoded in enumerate(core.encode(texts)) if encoded.truncated]
    first_window = dict(zip(long, core.score([texts[i] for i in long], long_text=TRUNCATE)))
    truncate = [first_window.get(i, prediction) for i, prediction in enumerate(document)]
    labels = core.info.labels
    return {
        "all rows, document": report_of(labels, usable, document),
        "all rows, truncate": report_of(labels, usable, truncate),
        "long rows, document": report_of(labels, [usable[i] for i in long], [document[i] for i in long]),
        "long rows, truncate": report_of(labels, [usable[i] for i in long], [truncate[i] for i in long]),
    }


def comparison_table(reports: dict[str, Report]) -> str:
    """One line per report: rows, accuracy, accuracy over the data's labels, macro-F1."""
    lines = [f"{'long texts':<22}{'rows':>7}{'accuracy':>10}{'over data labels':>18}{'macro-F1':>10}"]
    for name, report in reports.items():
        restricted = "-" if report.accuracy_over_data_labels is None else f"{report.accuracy_over_data_labels:.4f}"
        lines.append(f"{name:<22}{report.total:>7}{report.accuracy:>10.4f}{restricted:>18}{report.macro_f1:>10.4f}")
    return "\n".join(lines)

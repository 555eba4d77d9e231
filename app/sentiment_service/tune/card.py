"""MODEL_CARD.md for a fine-tuned model, generated from its manifest so that the card and the manifest agree."""


def _start(start: dict) -> str:
    if "model_dir" in start:
        return (f"the model directory `{start['model_dir']}` ({start['name']} {start['version']}), its weights recovered "
                f"from its int8 export (architecture {start['base_model']})")
    return f"the Hugging Face checkpoint `{start['checkpoint']}` ({start['architecture']})"


def _why_fp32(precision: dict) -> str:
    if precision["int8_missed"]:
        return f"fp32, because int8 missed the export check ({precision['int8_missed']}); "
    return "fp32 (`--precision fp32`); "


def _metrics_table(before: dict, after: dict) -> list[str]:
    lines = ["| measure | before | after |", "|---|---:|---:|"]
    lines += [f"| {key.replace('_', ' ')} | {before[key]:.4f} | {after[key]:.4f} |" for key in ("macro_recall", "accuracy")]
    lines += [f"| recall of `{label}` | {before['recall'].get(label, 0.0):.4f} | {value:.4f} |"
              for label, value in after["recall"].items()]
    return lines


def _calibration(temperature: dict | None) -> str:
    if temperature is None:
        return "Probabilities are the plain softmax (temperature 1.0): no calibration was fitted."
    return (f"The service divides the logits by a temperature of {temperature['value']} before the softmax, fitted on the "
            f"{temperature['rows']:,} validation rows (least negative log-likelihood: {temperature['nll_at_1']} at 1.0, "
            f"{temperature['nll']} fitted). It calibrates the probabilities where those rows come from; elsewhere, measure "
            "before you treat a score as a rate.")


def model_card(manifest: dict) -> str:
    """The card's Markdown text."""
    tuning, evaluation = manifest["tuning"], manifest["metrics"]["evaluation"]
    verification, schedule, run = manifest["verification"], tuning["schedule"], tuning["run"]
    data_rows = [f"| `{f['file']}` | {f['rows']:,} | {', '.join(f'{k} {v:,}' for k, v in f['by_label'].items())} |"
                 for f in tuning["train"]]
    split = tuning["evaluation"]
    lines = [
        f"# Model card: {manifest['name']} {manifest['version']}",
        "",
        f"A single-label text classifier with the labels {', '.join(f'`{label}`' for label in manifest['labels'])}, "
        f"fine-tuned by `python -m sentiment_service.tune` from {_start(tuning['from'])}. `model.onnx` is "
        + ("int8 (weights per channel, activations per token, so a text scores the same whatever shares its batch); "
           if manifest["precision"] == "int8" else _why_fp32(tuning["precision"]))
        + "`manifest.json` holds the file hashes the service checks, and every figure below.",
        "",
        "## Data",
        "",
        "| file | rows | by label |",
        "|---|---:|---|",
        *data_rows,
        "",
        f"Trained on {tuning['rows']['train']:,} rows; {tuning['rows']['validation']:,} more were held out of them for "
        f"validation (early stopping). Evaluation: {split['description']}.",
        *([f"New labels, not in the starting model: {', '.join(tuning['new_labels'])}."] if tuning["new_labels"] else []),
        *([f"Trained over their own labels only (`--partial`): {', '.join(f'`{f}`' for f in tuning['partial'])}."]
          if tuning["partial"] else []),
        "",
        "## Training",
        "",
        f"{run['steps']:,} steps of {schedule['batch_size']} rows ({run['stopped_by']}; the schedule had "
        f"{run['total_steps']:,}), AdamW at a learning rate of {schedule['learning_rate']:g} with linear warm-up and "
        f"decay, seed {schedule['seed']}, {run['train_minutes']:.1f} minutes of training on {run['threads']} CPU threads "
        f"(torch {run['torch']}). The weights kept are those with the best validation macro recall"
        + (f" (step {run['best']['step']}: {run['best']['macro_recall']:.4f})." if run["best"] else "."),
        "",
        "## Evaluation",
        "",
        f"On {evaluation['rows']:,} evaluation rows, the starting model ({evaluation['before']['scored_as']}) and this "
        f"model ({manifest['precision']}, through the service's own scoring code):",
        "",
        *_metrics_table(evaluation["before"], evaluation["after"]),
        "",
        "Macro recall is the mean of the labels' recalls. The evaluation covers this domain only: score the model on "
        "the data it must also keep serving before it replaces another.",
        "",
        "## Export check",
        "",
        f"Against the fine-tuned fp32 checkpoint on {verification['probes']} probes (built-in and from the evaluation "
        f"rows): top label agreement {verification['top_label_agreement']:.2%}, largest probability difference "
        f"{verification['max_abs_probability_diff']:.3f}, batch invariance {verification['batch_invariance_max_abs_diff']:.1e}.",
        "",
        "## Calibration",
        "",
        _calibration(tuning.get("temperature")),
        "",
    ]
    return "\n".join(lines)

//! report.html: the summary tables and every chart of a results folder, in one self-contained
//! page (SVG inline, no scripts, no external files).

use std::fmt::Write as _;
use std::path::Path;

use super::data::{Results, SweepResults, VariantResults};
use super::ReportError;
use crate::experiment::{MetricId, Quantity};
use crate::output::table::HEADLINE;

/// Escapes text for HTML.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// The results' warnings in a box at the top of the page; nothing when there are none.
fn warnings_box(results: &Results) -> String {
    let warnings: Vec<String> = match results {
        Results::Run(variant) => variant.warnings.clone(),
        Results::Compare(variants) => variants
            .iter()
            .flat_map(|variant| {
                variant
                    .warnings
                    .iter()
                    .map(|warning| format!("{}: {warning}", variant.name))
            })
            .collect(),
        Results::Sweep(sweep) => sweep.warnings.clone(),
        Results::Optimize(_) | Results::Ledger(_) => Vec::new(),
    };
    if warnings.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "<div class=\"warnings\" role=\"alert\" style=\"border: 2px solid #b35900; \
background: #fff4e5; padding: 0 1em; margin: 1em 0;\">\n<h2>Warnings</h2>\n<ul>\n",
    );
    for warning in &warnings {
        let _ = writeln!(out, "<li>{}</li>", escape(warning));
    }
    out.push_str("</ul>\n</div>\n");
    out
}

/// `mean ± half-width`, rounded to what the interval supports: the half-width to one
/// significant digit (two when that digit is 1 or 2), the mean to the same decimal place; a
/// mean without an interval (one replication) to four significant digits.
pub(crate) fn rounded(mean: f64, half: Option<f64>) -> String {
    if !mean.is_finite() {
        return "–".to_string();
    }
    match half.filter(|half| half.is_finite()) {
        Some(half) if half > 0.0 => {
            let decimals = interval_decimals(half);
            format!("{mean:.decimals$} ± {half:.decimals$}")
        }
        // Every replication gave the same value.
        Some(_) => format!("{} ± 0", significant(mean, 4)),
        None => significant(mean, 4),
    }
}

/// The decimals that show `half` to one significant digit, two when it starts with 1 or 2.
fn interval_decimals(half: f64) -> usize {
    let exponent = half.log10().floor() as i32;
    let leading = half / 10f64.powi(exponent);
    let digits = if leading < 2.95 { 2 } else { 1 };
    (digits - 1 - exponent).max(0) as usize
}

/// `value` to `digits` significant digits, without trailing zeros after the point.
fn significant(value: f64, digits: i32) -> String {
    if value == 0.0 || !value.is_finite() {
        return format!("{value}");
    }
    let exponent = value.abs().log10().floor() as i32;
    let decimals = (digits - 1 - exponent).max(0) as usize;
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// A table from a header and rows of cells already in HTML; numbers right-aligned (`n`).
fn table(header: &[String], rows: &[Vec<(String, bool)>]) -> String {
    let mut out = String::from("<div class=\"wide\"><table>\n<tr>");
    for heading in header {
        let _ = write!(out, "<th>{heading}</th>");
    }
    out.push_str("</tr>\n");
    for row in rows {
        out.push_str("<tr>");
        for (text, number) in row {
            let class = if *number { " class=\"n\"" } else { "" };
            let _ = write!(out, "<td{class}>{text}</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table></div>\n");
    out
}

fn text_cell(text: &str) -> (String, bool) {
    (escape(text), false)
}

fn number_cell(text: String) -> (String, bool) {
    (escape(&text), true)
}

/// The port-wide metrics of the variants side by side, and each variant's paired difference
/// from the first with the change in percent.
fn metrics_table(variants: &[VariantResults]) -> String {
    let mut header = vec!["metric".to_string()];
    header.extend(variants.iter().map(|v| escape(&v.name)));
    for variant in variants.iter().skip(1) {
        header.push(format!("Δ {}", escape(&variant.name)));
        header.push(format!("change, {}", escape(&variant.name)));
    }
    let mut rows = Vec::new();
    // The trucks lost, where some variant can lose trucks.
    let losses = Quantity::LOSSES.into_iter().filter(|&quantity| {
        variants.iter().any(|variant| {
            variant
                .experiment
                .metric(&MetricId::port(quantity))
                .is_some()
        })
    });
    for quantity in Quantity::PORT.into_iter().chain(losses) {
        let id = MetricId::port(quantity);
        let mut row = vec![text_cell(&id.label())];
        for variant in variants {
            row.push(metric_cell(variant, &id));
        }
        let base = variants[0].experiment.metric(&id);
        for variant in variants.iter().skip(1) {
            let difference = variant.differences.iter().find(|d| d.id == id);
            row.push(number_cell(difference.map_or_else(
                || "–".to_string(),
                |d| rounded(d.estimate.mean, d.estimate.half_width),
            )));
            let change = match (difference, base) {
                (Some(d), Some(base)) if base.estimate.mean != 0.0 => {
                    let scale = 100.0 / base.estimate.mean.abs();
                    let half = d.estimate.half_width.map(|half| half * scale);
                    format!("{}%", rounded(d.estimate.mean * scale, half))
                }
                _ => "–".to_string(),
            };
            row.push(number_cell(change));
        }
        rows.push(row);
    }
    table(&header, &rows)
}

/// Each truck class's headline results, a row per class (and variant).
fn classes_table(variants: &[VariantResults]) -> String {
    let several = variants.len() > 1;
    let quantities = [
        Quantity::ClearedPerDay,
        Quantity::DwellMean,
        Quantity::DwellP95,
        Quantity::ToRelease,
        Quantity::RedShare,
    ];
    let mut header = first_headings(several, "class");
    header.extend(quantities.map(|quantity| MetricId::port(quantity).label()));
    let mut rows = Vec::new();
    for variant in variants {
        for class in &variant.classes {
            let mut row = first_cells(several, &variant.name, &escape(class));
            for quantity in quantities {
                row.push(metric_cell(
                    variant,
                    &MetricId::port(quantity).of_class(class),
                ));
            }
            rows.push(row);
        }
    }
    table(&header, &rows)
}

/// The value of `id` in `variant`, rounded to its interval; a dash where it is not measured.
fn metric_cell(variant: &VariantResults, id: &MetricId) -> (String, bool) {
    number_cell(variant.experiment.metric(id).map_or_else(
        || "–".to_string(),
        |metric| rounded(metric.estimate.mean, metric.estimate.half_width),
    ))
}

/// The stages whose queue is a road, whose trucks turn away or book slots: a row per stage (and
/// variant) with the road's length, the trucks turned away and lost, and the wait for a slot;
/// empty when no variant has such a stage.
fn roads_table(variants: &[VariantResults]) -> String {
    let several = variants.len() > 1;
    let quantities = [
        Quantity::RoadKmMean,
        Quantity::RoadKmMax,
        Quantity::DivertedPerDay,
        Quantity::GaveUpPerDay,
        Quantity::NoShowsPerDay,
        Quantity::SlotWait,
    ];
    let mut rows = Vec::new();
    for variant in variants {
        for stage in &variant.stages {
            let ids = quantities.map(|quantity| MetricId::stage(stage, quantity));
            if ids.iter().all(|id| variant.experiment.metric(id).is_none()) {
                continue;
            }
            let mut row = first_cells(several, &variant.name, &escape(stage));
            row.extend(ids.iter().map(|id| metric_cell(variant, id)));
            rows.push(row);
        }
    }
    if rows.is_empty() {
        return String::new();
    }
    let mut header = first_headings(several, "stage");
    header.extend(
        quantities.map(|quantity| format!("{}{}", quantity.label(), quantity.unit().suffix())),
    );
    table(&header, &rows)
}

/// Each port (side of a border) of `[ports]`: its time to cross and its trucks a day; empty
/// without ports.
fn ports_table(variants: &[VariantResults]) -> String {
    let several = variants.len() > 1;
    let quantities = [
        Quantity::CrossMean,
        Quantity::CrossP95,
        Quantity::CrossedPerDay,
    ];
    let mut rows = Vec::new();
    for variant in variants {
        let Some(run) = variant.experiment.runs.first() else {
            continue;
        };
        for side in &run.sides {
            let mut row = first_cells(several, &variant.name, &escape(&side.port));
            for quantity in quantities {
                row.push(metric_cell(variant, &MetricId::side(&side.port, quantity)));
            }
            rows.push(row);
        }
        if !run.sides.is_empty() {
            // The whole border: a truck's first queue in a port to leaving its last port.
            let mut row = first_cells(several, &variant.name, "the whole border");
            for quantity in Quantity::BORDER {
                row.push(metric_cell(variant, &MetricId::port(quantity)));
            }
            row.push(number_cell(String::new()));
            rows.push(row);
        }
    }
    if rows.is_empty() {
        return String::new();
    }
    let mut header = first_headings(several, "port");
    header.extend(
        quantities.map(|quantity| format!("{}{}", quantity.label(), quantity.unit().suffix())),
    );
    table(&header, &rows)
}

/// The first cells of a row of a stage, class or port: the variant (when there are several) and
/// what the row is of (`what`, in HTML).
fn first_cells(several: bool, variant: &str, what: &str) -> Vec<(String, bool)> {
    let mut row = Vec::new();
    if several {
        row.push(text_cell(variant));
    }
    row.push((what.to_string(), false));
    row
}

/// The headings of [`first_cells`]: the variant's (when there are several) and `what`'s.
fn first_headings(several: bool, what: &str) -> Vec<String> {
    let mut header = Vec::new();
    if several {
        header.push("variant".to_string());
    }
    header.push(what.to_string());
    header
}

/// Each stage's offered load, mean wait, utilization and longest queue, for each variant.
fn stages_table(variants: &[VariantResults]) -> String {
    let several = variants.len() > 1;
    let mut header = first_headings(several, "stage");
    header.extend(
        [
            "offered load",
            "mean wait (h)",
            "utilization",
            "longest queue (trucks)",
        ]
        .map(String::from),
    );
    let mut rows = Vec::new();
    for variant in variants {
        for stage in &variant.stages {
            let mut row = first_cells(several, &variant.name, &escape(stage));
            let load = variant
                .offered_loads
                .iter()
                .find(|load| load.stage == *stage)
                .map_or_else(
                    || "–".to_string(),
                    |load| format!("{:.3}", load.offered_load),
                );
            row.push(number_cell(load));
            for quantity in Quantity::STAGE {
                row.push(metric_cell(variant, &MetricId::stage(stage, quantity)));
            }
            rows.push(row);
        }
    }
    table(&header, &rows)
}

/// Where the time goes: hours per truck at each stage in each part, and the total.
fn breakdown_table(variants: &[VariantResults]) -> String {
    let several = variants.len() > 1;
    let down = variants.iter().any(VariantResults::has_failures);
    let mut header = first_headings(several, "stage");
    header.extend(Quantity::time_parts(down).map(|part| part.heading().to_string()));
    header.push("total".to_string());
    header.extend(["cost of the hours", "CO2 of idling (kg)"].map(String::from));
    let mut rows = Vec::new();
    for variant in variants {
        let mut dwell = 0.0;
        for stage in &variant.stages {
            let mut row = first_cells(several, &variant.name, &escape(stage));
            let parts: Vec<f64> = Quantity::time_parts(down)
                .map(|part| variant.mean(&MetricId::stage(stage, part)))
                .collect();
            let total: f64 = parts.iter().sum();
            dwell += total;
            for part in parts.iter().chain([&total]) {
                row.push(number_cell(format!("{part:.3}")));
            }
            // What the hours cost and emit there (absent from an older landport's files).
            for quantity in Quantity::STAGE_COSTS {
                row.push(number_cell(
                    variant
                        .metric(&MetricId::stage(stage, quantity))
                        .map_or_else(|| "–".to_string(), |metric| format!("{:.2}", metric.mean)),
                ));
            }
            rows.push(row);
        }
        let mut row = first_cells(
            several,
            &variant.name,
            "<strong>all stages (= mean dwell)</strong>",
        );
        row.extend(Quantity::time_parts(down).map(|_| (String::new(), false)));
        row.push((format!("<strong>{dwell:.3}</strong>"), true));
        row.extend((0..Quantity::STAGE_COSTS.len()).map(|_| (String::new(), false)));
        rows.push(row);
    }
    table(&header, &rows)
}

/// What made the results: input files with their hashes, seeds, replications, the command that
/// makes them again.
fn inputs_list(variants: &[VariantResults], compare: bool) -> String {
    let mut out = String::from("<ul>\n");
    for variant in variants {
        let experiment = &variant.experiment;
        let files: Vec<String> = variant
            .inputs
            .iter()
            .map(|input| {
                format!(
                    "<code>{}</code> (FNV-1a <code>{}</code>)",
                    escape(&input.file.display().to_string()),
                    escape(&input.fnv1a_64)
                )
            })
            .collect();
        let files = if files.is_empty() {
            variant.file.as_ref().map_or_else(
                || "not recorded".to_string(),
                |file| format!("<code>{}</code>", escape(&file.display().to_string())),
            )
        } else {
            files.join(", extending ")
        };
        let _ =
            writeln!(
            out,
            "<li>{}: {files}; base seed {}, {} replication{} (replication <i>i</i> seeded from \
the base seed and <i>i</i>), warm-up {:.0} h, horizon {:.0} h</li>",
            escape(&variant.name),
            experiment.base_seed,
            experiment.replications,
            if experiment.replications == 1 { "" } else { "s" },
            variant.warmup_hours,
            variant.horizon_hours
        );
    }
    let first = &variants[0].experiment;
    let scenario_files: Vec<String> = variants
        .iter()
        .map(|variant| {
            variant
                .file
                .as_ref()
                .map_or_else(|| variant.name.clone(), |f| f.display().to_string())
        })
        .collect();
    let command = if compare {
        format!(
            "landport compare {} --seed {} --replications {}",
            scenario_files.join(" "),
            first.base_seed,
            first.replications
        )
    } else if first.first_replication > 0 {
        format!(
            "landport run {} --seed {} --replication {}",
            scenario_files[0], first.base_seed, first.first_replication
        )
    } else {
        format!(
            "landport run {} --seed {} --replications {}",
            scenario_files[0], first.base_seed, first.replications
        )
    };
    let _ = writeln!(
        out,
        "<li>the same results again (on any number of threads): <code>{}</code></li>\n</ul>",
        escape(&command)
    );
    out
}

/// The sweep's points: the varied values, whether the point is stable, the headline metrics.
fn sweep_table(sweep: &SweepResults) -> String {
    let mut header = vec!["point".to_string()];
    header.extend(sweep.keys.iter().map(|key| {
        format!(
            "<span title=\"{}\">{}</span>",
            escape(key),
            escape(super::series::short_key(key))
        )
    }));
    header.push("stable".to_string());
    let metrics = HEADLINE.map(MetricId::port);
    header.extend(metrics.iter().map(|metric| escape(&metric.label())));
    let rows: Vec<Vec<(String, bool)>> = sweep
        .points
        .iter()
        .enumerate()
        .map(|(k, point)| {
            let mut row = vec![number_cell(k.to_string())];
            row.extend(point.values.iter().map(|value| number_cell(value.clone())));
            row.push(text_cell(match point.stable {
                Some(true) => "yes",
                Some(false) => "no",
                None => "–",
            }));
            for metric in &metrics {
                row.push(number_cell(point.metric(metric).map_or_else(
                    || "–".to_string(),
                    |row| rounded(row.mean, row.ci95_half_width),
                )));
            }
            row
        })
        .collect();
    table(&header, &rows)
}

/// The sections of a ledger: for each metric, the base, all reforms, the change, and each
/// reform's Shapley share beside its effect alone and taken out last; the largest interactions;
/// the inputs.
fn ledger_sections(out: &mut String, file: &crate::output::json::LedgerFile) {
    let _ = writeln!(
        out,
        "<h2>Which reform bought which hours</h2>\n<p>Every combination of the {} reforms ({} \
scenarios) ran {} replications on the same seeds. A reform's <b>Shapley share</b> is the average, \
over every order in which the reforms could be added, of what adding it changes; it is computed \
replication by replication, so the shares add up to the change from the base to all reforms \
exactly. Beside it: the reform <b>alone</b> on the base, and <b>last</b>, taken out of all the \
others. Where these three differ, the order in which reforms are counted matters: the reforms \
interact.</p>",
        file.reforms.len(),
        1usize << file.reforms.len(),
        file.replications
    );
    for ledger in &file.metrics {
        let _ = writeln!(
            out,
            "<h3>{}</h3>\n<p>Base {}, all reforms {}, change {}.</p>",
            escape(&ledger.metric.label()),
            rounded(ledger.base.mean, ledger.base.half_width),
            rounded(ledger.all.mean, ledger.all.half_width),
            rounded(ledger.total.mean, ledger.total.half_width)
        );
        let header = [
            "reform",
            "Shapley share",
            "alone on the base",
            "taken out last",
        ]
        .map(String::from);
        let rows: Vec<Vec<(String, bool)>> = ledger
            .reforms
            .iter()
            .map(|share| {
                vec![
                    text_cell(&share.reform),
                    number_cell(rounded(share.shapley.mean, share.shapley.half_width)),
                    number_cell(rounded(share.alone.mean, share.alone.half_width)),
                    number_cell(rounded(share.last.mean, share.last.half_width)),
                ]
            })
            .collect();
        out.push_str(&table(&header, &rows));
        if let Some(top) = ledger.interactions.first() {
            let _ = writeln!(
                out,
                "<p>Largest interaction on the base: {} × {}, {}.</p>",
                escape(&top.reforms[0]),
                escape(&top.reforms[1]),
                rounded(top.estimate.mean, top.estimate.half_width)
            );
        }
    }
    let _ = writeln!(
        out,
        "<h2>Inputs</h2>\n<ul>\n<li>ledger file <code>{}</code> over base scenario <code>{}</code> \
(FNV-1a <code>{}</code> of the landport version, the ledger file, the merged base, the reforms and \
the arrival traces); base seed {}, {} replications a combination; every combination's results are \
in sweep.csv</li>\n<li>the same results again (on any number of threads): <code>landport ledger \
{}</code></li>\n</ul>",
        escape(&file.file.display().to_string()),
        escape(&file.scenario.display().to_string()),
        escape(&file.inputs_fnv1a_64),
        file.base_seed,
        file.replications,
        escape(&file.file.display().to_string())
    );
}

/// A key path escaped, with a line break allowed after each dot and before each index, so that a
/// long key heads a narrow column.
fn breakable(key: &str) -> String {
    escape(key).replace('.', ".<wbr>").replace('[', "<wbr>[")
}

/// The sections of an optimisation: the chosen decisions, its constraints in the search and in
/// the confirmation, the cheapest points run, and the inputs.
fn optimize_sections(out: &mut String, file: &crate::output::json::OptimizeFile) {
    let number = |x: f64, decimals: usize| {
        if x.is_finite() {
            format!("{x:.decimals$}")
        } else {
            "–".to_string()
        }
    };
    let _ = writeln!(
        out,
        "<h2>Chosen</h2>\n<p>The search ran {} of the {} combinations of the decisions ({:.1}%), \
{} replications each, and refused {} more without a run because a stage would be at an offered \
load of 1 or more; the {} cheapest that met every constraint ran {} more replications, not \
used by the search, and the cheapest that passed again is chosen.</p>",
        file.evaluated_points,
        file.grid_points,
        100.0 * file.evaluated_points as f64 / file.grid_points.max(1) as f64,
        file.search_replications,
        file.unstable_points,
        file.evaluations
            .iter()
            .filter(|evaluation| evaluation.confirm.is_some())
            .count(),
        file.confirm_replications
    );
    let Some(chosen) = file.chosen() else {
        out.push_str("<p>No point was chosen.</p>\n");
        return;
    };
    let header = [
        "decision",
        "chosen",
        "range",
        "lower bound (stability)",
        "cost of a unit a day",
    ]
    .map(String::from);
    let rows: Vec<Vec<(String, bool)>> = file
        .decisions
        .iter()
        .zip(&chosen.values)
        .map(|(decision, value)| {
            vec![
                text_cell(&decision.key),
                number_cell(value.to_string()),
                number_cell(format!("{}–{}", decision.from, decision.to)),
                number_cell(decision.lower_bound.to_string()),
                number_cell(number(decision.unit_cost_per_day, 2)),
            ]
        })
        .collect();
    out.push_str(&table(&header, &rows));
    let _ = writeln!(
        out,
        "<p>Cost per day: <b>{}</b>.</p>\n<h2>Constraints</h2>\n<p>Each constraint is tested \
on a one-sided Student t bound of its mean over replications: at its own confidence in the \
search, at a confidence adjusted for the number of candidates (Bonferroni) in the confirmation, \
so that the chance that the chosen point misses a constraint is at most one minus the \
confidence asked.</p>",
        number(chosen.cost, 2)
    );
    let header = [
        "metric",
        "limit",
        "search mean",
        "search bound",
        "confirmation mean",
        "confirmation bound",
        "confidence (search, confirmation)",
    ]
    .map(String::from);
    let confirm = chosen.confirm.as_deref().unwrap_or_default();
    let rows: Vec<Vec<(String, bool)>> = file
        .constraints
        .iter()
        .enumerate()
        .map(|(k, constraint)| {
            let confirmed = confirm.get(k);
            vec![
                text_cell(&constraint.metric.to_string()),
                text_cell(&constraint.limit.describe()),
                number_cell(number(chosen.search[k].mean, 3)),
                number_cell(number(chosen.search[k].bound, 3)),
                number_cell(confirmed.map_or("–".into(), |c| number(c.mean, 3))),
                number_cell(confirmed.map_or("–".into(), |c| number(c.bound, 3))),
                number_cell(format!(
                    "{:.1}%, {:.2}%",
                    100.0 * constraint.confidence,
                    100.0 * file.confirm_confidence.get(k).copied().unwrap_or(f64::NAN)
                )),
            ]
        })
        .collect();
    out.push_str(&table(&header, &rows));
    const SHOWN: usize = 20;
    let _ = writeln!(
        out,
        "<h2>Points run</h2>\n<p>The {} cheapest points the search ran, by cost; every point, \
with those it refused as unstable, is in optimize.csv.</p>",
        SHOWN.min(file.evaluated_points)
    );
    let mut header: Vec<String> = file
        .decisions
        .iter()
        .map(|decision| {
            format!(
                "<span title=\"{}\">{}</span>",
                escape(&decision.key),
                breakable(super::series::short_key(&decision.key))
            )
        })
        .collect();
    header.push("cost per day".into());
    header.push("meets the constraints".into());
    header.extend(
        file.constraints
            .iter()
            .map(|constraint| breakable(&format!("{} (mean)", constraint.metric))),
    );
    let mut order: Vec<&crate::optimize::Evaluation> = file
        .evaluations
        .iter()
        .filter(|evaluation| evaluation.stable)
        .collect();
    order.sort_by(|a, b| a.cost.total_cmp(&b.cost).then(a.point.cmp(&b.point)));
    let rows: Vec<Vec<(String, bool)>> = order
        .iter()
        .take(SHOWN)
        .map(|evaluation| {
            let mut row: Vec<(String, bool)> = evaluation
                .values
                .iter()
                .map(|value| number_cell(value.to_string()))
                .collect();
            row.push(number_cell(number(evaluation.cost, 2)));
            row.push(text_cell(match evaluation.confirmed() {
                Some(true) => "yes, confirmed",
                Some(false) => "yes, not confirmed",
                None if evaluation.feasible() => "yes",
                None => "no",
            }));
            row.extend(
                evaluation
                    .search
                    .iter()
                    .map(|check| number_cell(number(check.mean, 3))),
            );
            row
        })
        .collect();
    out.push_str(&table(&header, &rows));
    let _ = writeln!(
        out,
        "<h2>Inputs</h2>\n<ul>\n<li>optimisation file <code>{}</code> over scenario \
<code>{}</code> (FNV-1a <code>{}</code> of the landport version, the optimisation file, the \
merged scenario and its arrival traces); base seed {}, the same replication seeds at every \
point</li>\n<li>the same results again (on any number of threads): <code>landport optimize \
{}</code></li>\n</ul>",
        escape(&file.file.display().to_string()),
        escape(&file.scenario.display().to_string()),
        escape(&file.inputs_fnv1a_64),
        file.base_seed,
        escape(&file.file.display().to_string())
    );
}

/// The sections of a run (one variant) or a comparison: the metrics (with the paired
/// differences), the stages, where the time goes and the inputs.
fn variant_sections(out: &mut String, variants: &[VariantResults]) {
    let compare = variants.len() > 1;
    if compare {
        out.push_str(
            "<h2>Comparison</h2>\n<p>Each variant's mean; Δ is its difference from the first \
variant, paired replication by replication (common random numbers), with the interval of the \
difference; change is Δ relative to the first variant's mean.</p>\n",
        );
    } else {
        out.push_str("<h2>Results</h2>\n");
    }
    out.push_str(&metrics_table(variants));
    if variants.iter().any(|variant| !variant.classes.is_empty()) {
        out.push_str(
            "<h2>Truck classes</h2>\n<p>The port-wide results over the trucks of each class \
only (mean ± the half-width of its 95% interval); every class metric is in metrics.csv, named \
<code>&lt;class&gt;/&lt;metric&gt;</code>.</p>\n",
        );
        out.push_str(&classes_table(variants));
    }
    out.push_str(
        "<h2>Stages</h2>\n<p>Offered load: trucks arriving × mean service ÷ mean servers on \
duty; at 1 or more the queue grows without bound.</p>\n",
    );
    out.push_str(&stages_table(variants));
    let roads = roads_table(variants);
    if !roads.is_empty() {
        out.push_str(
            "<h2>Roads and electronic queues</h2>\n<p>The length of each queue that is a road \
(time average and longest), the trucks a day that turned away to another stage, gave up or booked \
a slot and never came (the last two are lost to the port), and the mean wait for a booked slot; \
roads.csv has them day by day.</p>\n",
        );
        out.push_str(&roads);
    }
    let ports = ports_table(variants);
    if !ports.is_empty() {
        out.push_str(
            "<h2>Ports</h2>\n<p>Each side of the border (<code>[ports]</code>): the CAREC CPMM \
time to cross it, from coming to its first queue to leaving its last stage, and the trucks that \
crossed it a day.</p>\n",
        );
        out.push_str(&ports);
    }
    out.push_str(
        "<h2>Where the time goes</h2>\n<p>Hours per truck at each stage, means over \
replications; the stages add up to the mean dwell. The last two columns are what those hours \
cost at the scenario's truck-hour rate, and the CO2 of idling while waiting there, per truck \
(<code>[costs]</code>).</p>\n",
    );
    out.push_str(&breakdown_table(variants));
    out.push_str("<h2>Inputs</h2>\n");
    out.push_str(&inputs_list(variants, compare));
}

/// The page: a heading, warnings, the results as tables people read, the inputs, then the
/// charts with captions.
pub fn page(
    dir: &Path,
    results: &Results,
    charts: &[(String, String, String)],
) -> Result<String, ReportError> {
    let title = format!("landport: {}", results.title());
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n\
<style>\nbody {{ font-family: 'DejaVu Sans', Verdana, sans-serif; margin: 2em auto; max-width: 1180px; padding: 0 1em; color: #222; line-height: 1.4; }}\n\
table {{ border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0 1em; }}\nth, td {{ border: 1px solid #ccc; padding: 0.2em 0.5em; }}\n\
th {{ background: #f2f2f2; text-align: left; }}\ntd.n {{ text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }}\n\
.wide {{ max-width: 100%; overflow-x: auto; }}\nfigure {{ margin: 2em 0; }}\nfigcaption {{ max-width: 60em; }}\n\
svg {{ max-width: 100%; height: auto; }}\n</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        escape(&title),
        escape(&title)
    );
    let _ = writeln!(
        out,
        "<p>Results in <code>{}</code>, written by landport {}. Times are in hours. A figure \
<i>m</i> ± <i>h</i> is the mean over replications with the half-width of its 95% Student t \
interval, rounded to what the interval supports; every digit is in the CSV files beside this \
page.</p>",
        escape(&dir.display().to_string()),
        env!("CARGO_PKG_VERSION")
    );
    out.push_str(&warnings_box(results));
    match results {
        Results::Ledger(file) => ledger_sections(&mut out, file),
        Results::Optimize(file) => optimize_sections(&mut out, file),
        Results::Run(variant) => variant_sections(&mut out, std::slice::from_ref(&**variant)),
        Results::Compare(variants) => variant_sections(&mut out, variants),
        Results::Sweep(sweep) => {
            out.push_str("<h2>Sweep points</h2>\n<p>The main metrics at each point, mean ± the half-width of its 95% interval; every metric, to every digit, is in sweep.csv. A point is not stable where a stage is at an offered load of 1 or more: its queue grows for as long as the run lasts.</p>\n");
            out.push_str(&sweep_table(sweep));
            let _ = writeln!(
                out,
                "<h2>Inputs</h2>\n<ul>\n<li>sweep file <code>{}</code> over scenario <code>{}</code>{}; \
base seed {}, {} replications a point, the same seeds at every point</li>\n\
<li>the same results again (on any number of threads): <code>landport sweep {}</code></li>\n</ul>",
                escape(&sweep.sweep_file.display().to_string()),
                escape(&sweep.scenario_file.display().to_string()),
                if sweep.inputs_hash.is_empty() {
                    String::new()
                } else {
                    format!(
                        " (FNV-1a <code>{}</code> of the landport version, the sweep file, the \
merged scenario and its arrival traces)",
                        escape(&sweep.inputs_hash)
                    )
                },
                sweep.base_seed,
                sweep.replications,
                escape(&sweep.sweep_file.display().to_string())
            );
        }
    }
    out.push_str("<h2>Charts</h2>\n");
    for (title, caption, svg) in charts {
        // The SVG document without its XML declaration, inline.
        let body = svg.find("<svg").map_or(svg.as_str(), |at| &svg[at..]);
        let _ = write!(
            out,
            "<figure aria-label=\"{}\">\n{body}\n<figcaption>{}</figcaption>\n</figure>\n",
            escape(title),
            escape(caption)
        );
    }
    out.push_str("</body>\n</html>\n");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_rounded_to_what_their_interval_supports() {
        assert_eq!(rounded(72.514, Some(0.52)), "72.5 ± 0.5");
        assert_eq!(rounded(4.7283, Some(0.0213)), "4.728 ± 0.021");
        assert_eq!(rounded(111.3, Some(8.6)), "111 ± 9");
        assert_eq!(rounded(-67.79, Some(0.51)), "-67.8 ± 0.5");
        assert_eq!(rounded(1305.2, Some(74.0)), "1305 ± 74");
        assert_eq!(rounded(0.0, Some(0.0)), "0 ± 0");
        assert_eq!(rounded(3.0, Some(0.0)), "3 ± 0");
        assert_eq!(rounded(12.3456, None), "12.35");
        assert_eq!(rounded(f64::NAN, Some(1.0)), "–");
    }
}

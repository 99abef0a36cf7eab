//! Policy variants side by side: the same replication seeds for every variant (common random
//! numbers), each metric with its interval, and each variant's paired difference from the first.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::PathBuf;

use serde::Serialize;

use crate::experiment::{
    paired_differences, Difference, Experiment, MetricEstimate, WarmupCheck, TIME_PARTS,
};
use crate::model::Scenario;
use crate::output::{decimal, with_interval};

/// One variant of a comparison.
#[derive(Debug, Clone)]
pub struct Variant {
    pub name: String,
    pub file: PathBuf,
    pub experiment: Experiment,
}

/// Variants run with the same seeds, and the differences of each from the first.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub base_seed: u64,
    pub replications: u32,
    pub variants: Vec<Variant>,
    /// For each variant after the first: its paired differences from the first.
    pub differences: Vec<Vec<Difference>>,
}

impl Comparison {
    /// Runs every scenario with replications `0..replications` of `base_seed` (on rayon's current
    /// pool) and pairs each with the first; with `records`, each variant's first replication keeps
    /// its truck records.
    pub fn run(
        scenarios: &[(PathBuf, Scenario)],
        base_seed: u64,
        replications: u32,
        records: bool,
    ) -> Comparison {
        let variants: Vec<Variant> = scenarios
            .iter()
            .map(|(file, scenario)| Variant {
                name: scenario.name().to_string(),
                file: file.clone(),
                experiment: Experiment::run(scenario, base_seed, replications, records),
            })
            .collect();
        let differences = match variants.split_first() {
            Some((base, others)) => others
                .iter()
                .map(|variant| paired_differences(&base.experiment, &variant.experiment))
                .collect(),
            None => Vec::new(),
        };
        Comparison {
            base_seed,
            replications,
            variants,
            differences,
        }
    }

    /// Every metric name, in the first variant's order, then any only later variants measure.
    pub fn metric_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for variant in &self.variants {
            for metric in &variant.experiment.metrics {
                if !names.contains(&metric.name.as_str()) {
                    names.push(&metric.name);
                }
            }
        }
        names
    }

    fn difference(&self, variant: usize, name: &str) -> Option<&Difference> {
        let differences = self.differences.get(variant.checked_sub(1)?)?;
        differences
            .iter()
            .find(|difference| difference.name == name)
    }

    /// The output folder's name: `compare-<first>-vs-<second>...`.
    pub fn folder_name(&self) -> String {
        let names: Vec<&str> = self.variants.iter().map(|v| v.name.as_str()).collect();
        format!("compare-{}", names.join("-vs-"))
    }
}

/// Whether a metric is one of the parts of where the time goes (shown in its own table).
fn is_time_part(name: &str) -> bool {
    TIME_PARTS
        .iter()
        .any(|(suffix, _)| name.ends_with(&format!(".{suffix}")))
}

/// The comparison printed by `landport compare`.
pub fn comparison_table(comparison: &Comparison) -> String {
    let mut out = String::new();
    let variants = &comparison.variants;
    let _ = writeln!(
        out,
        "{} variants, {} replications each with the same seeds (base seed {}); mean ± 95% interval",
        variants.len(),
        comparison.replications,
        comparison.base_seed
    );
    for variant in variants {
        let _ = writeln!(
            out,
            "  {}: {}",
            variant.name,
            crate::output::warmup_line(&variant.experiment)
        );
    }
    let width = variants
        .iter()
        .map(|variant| variant.name.chars().count() + 2)
        .max()
        .unwrap_or(0)
        .max(16);
    let _ = write!(out, "\n{:<30}", "metric");
    for variant in variants {
        let _ = write!(out, " {:>width$}", variant.name);
    }
    for variant in variants.iter().skip(1) {
        let _ = write!(
            out,
            " {:>width$} {:>8}",
            format!("Δ {}", variant.name),
            "change"
        );
    }
    out.push_str("\n(Δ: paired difference from the first variant, mean ± 95% interval)\n");
    for name in comparison.metric_names() {
        if is_time_part(name) {
            continue;
        }
        let _ = write!(out, "{name:<30}");
        for variant in variants {
            let cell = variant.experiment.metric(name).map_or_else(
                || "-".to_string(),
                |metric| with_interval(&metric.estimate, 2),
            );
            let _ = write!(out, " {cell:>width$}");
        }
        for v in 1..variants.len() {
            let (cell, change) = match comparison.difference(v, name) {
                Some(difference) => (
                    with_interval(&difference.estimate, 2),
                    difference
                        .change_percent
                        .map_or_else(|| "-".to_string(), |p| format!("{p:+.1}%")),
                ),
                None => ("-".to_string(), "-".to_string()),
            };
            let _ = write!(out, " {cell:>width$} {change:>8}");
        }
        out.push('\n');
    }
    let experiments: Vec<&Experiment> = variants.iter().map(|v| &v.experiment).collect();
    out.push_str(&crate::output::time_breakdown(&experiments));
    out
}

/// compare.csv: one row per metric and variant: its mean and interval, and for variants after
/// the first, the paired difference from the first with its interval and the change in percent.
pub fn write_compare_csv(writer: impl Write, comparison: &Comparison) -> io::Result<()> {
    let mut csv = csv::Writer::from_writer(writer);
    csv.write_record([
        "metric",
        "variant",
        "mean",
        "ci95_half_width",
        "ci95_low",
        "ci95_high",
        "difference",
        "difference_ci95_half_width",
        "difference_ci95_low",
        "difference_ci95_high",
        "change_percent",
    ])?;
    for name in comparison.metric_names() {
        for (v, variant) in comparison.variants.iter().enumerate() {
            let Some(metric) = variant.experiment.metric(name) else {
                continue;
            };
            let estimate = &metric.estimate;
            let interval = estimate.interval();
            let mut record = vec![
                name.to_string(),
                variant.name.clone(),
                decimal(Some(estimate.mean)),
                decimal(estimate.half_width),
                decimal(interval.map(|(low, _)| low)),
                decimal(interval.map(|(_, high)| high)),
            ];
            match comparison.difference(v, name) {
                Some(difference) => {
                    let interval = difference.estimate.interval();
                    record.extend([
                        decimal(Some(difference.estimate.mean)),
                        decimal(difference.estimate.half_width),
                        decimal(interval.map(|(low, _)| low)),
                        decimal(interval.map(|(_, high)| high)),
                        decimal(difference.change_percent),
                    ]);
                }
                None => record.extend((0..5).map(|_| String::new())),
            }
            csv.write_record(&record)?;
        }
    }
    csv.flush()
}

#[derive(Serialize)]
struct VariantJson<'a> {
    name: &'a str,
    file: &'a PathBuf,
    seeds: &'a [u64],
    warmup: &'a WarmupCheck,
    metrics: &'a [MetricEstimate],
    /// Paired differences from the first variant; empty for the first.
    differences: &'a [Difference],
}

#[derive(Serialize)]
struct ComparisonJson<'a> {
    landport_version: &'a str,
    units: &'a str,
    base_seed: u64,
    replications: u32,
    variants: Vec<VariantJson<'a>>,
}

/// compare.json: every variant's metrics (with each replication's value) and paired differences.
pub fn write_compare_json(mut writer: impl Write, comparison: &Comparison) -> io::Result<()> {
    let variants = comparison
        .variants
        .iter()
        .enumerate()
        .map(|(v, variant)| VariantJson {
            name: &variant.name,
            file: &variant.file,
            seeds: &variant.experiment.seeds,
            warmup: &variant.experiment.warmup,
            metrics: &variant.experiment.metrics,
            differences: v
                .checked_sub(1)
                .and_then(|i| comparison.differences.get(i))
                .map_or(&[], Vec::as_slice),
        })
        .collect();
    let json = ComparisonJson {
        landport_version: env!("CARGO_PKG_VERSION"),
        units: "times in hours (names ending _h); intervals are 95% Student t over replications; \
differences are paired by replication seed (variant minus first variant)",
        base_seed: comparison.base_seed,
        replications: comparison.replications,
        variants,
    };
    serde_json::to_writer_pretty(&mut writer, &json)?;
    writer.write_all(b"\n")
}

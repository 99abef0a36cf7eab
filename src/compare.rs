//! Policy variants side by side: the same replication seeds for every variant (common random
//! numbers), each metric with its interval, and each variant's paired difference from the first.

use std::path::PathBuf;

use crate::experiment::{paired_differences, Difference, Experiment, MetricId};
use crate::model::Scenario;

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
        Comparison::of(variants, base_seed, replications)
    }

    /// Pairs each variant with the first; every variant must have run replications
    /// `0..replications` of `base_seed`.
    pub fn of(variants: Vec<Variant>, base_seed: u64, replications: u32) -> Comparison {
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
    pub fn metric_ids(&self) -> Vec<&MetricId> {
        let mut ids: Vec<&MetricId> = Vec::new();
        for variant in &self.variants {
            for metric in &variant.experiment.metrics {
                if !ids.contains(&&metric.id) {
                    ids.push(&metric.id);
                }
            }
        }
        ids
    }

    pub fn difference(&self, variant: usize, id: &MetricId) -> Option<&Difference> {
        let differences = self.differences.get(variant.checked_sub(1)?)?;
        differences.iter().find(|difference| difference.id == *id)
    }

    /// The output folder's name: `compare-<first>-vs-<second>...`.
    pub fn folder_name(&self) -> String {
        let names: Vec<&str> = self.variants.iter().map(|v| v.name.as_str()).collect();
        format!("compare-{}", names.join("-vs-"))
    }
}

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
    /// pool) and pairs each with the first; each variant's first replication hands its records to
    /// its sink (one a variant, in order) as it runs.
    pub fn run_into<'a>(
        scenarios: &[(PathBuf, Scenario)],
        base_seed: u64,
        replications: u32,
        sinks: Vec<&mut (dyn crate::model::RecordSink + 'a)>,
    ) -> Comparison {
        let variants: Vec<Variant> = scenarios
            .iter()
            .zip(sinks)
            .map(|((file, scenario), sink)| Variant {
                name: scenario.name().to_string(),
                file: file.clone(),
                experiment: Experiment::run_into(scenario, base_seed, replications, sink),
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

    /// The output folder's name: `compare-<first>-vs-<second>...`, or, when that would be longer
    /// than 150 characters (many variants), `compare-<first>-vs-<N>-variants-<hash of the names>`.
    pub fn folder_name(&self) -> String {
        let names: Vec<&str> = self.variants.iter().map(|v| v.name.as_str()).collect();
        folder_name(&names)
    }
}

/// The output folder's name for variants of these names: `compare-<a>-vs-<b>...`, bounded.
pub fn folder_name(names: &[&str]) -> String {
    let whole = format!("compare-{}", names.join("-vs-"));
    if whole.len() <= 150 {
        return whole;
    }
    let hash = crate::engine::fnv1a(names.join("\n").bytes());
    format!(
        "compare-{}-vs-{}-variants-{:08x}",
        names[0],
        names.len() - 1,
        hash >> 32
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_name_stays_short_with_many_variants() {
        assert_eq!(
            folder_name(&["legacy", "reformed"]),
            "compare-legacy-vs-reformed"
        );
        let long: Vec<String> = (0..20)
            .map(|k| format!("variant-{k}-{}", "x".repeat(80)))
            .collect();
        let names: Vec<&str> = long.iter().map(String::as_str).collect();
        let folder = folder_name(&names);
        assert!(folder.len() < 150 + 100, "{folder}");
        assert!(
            folder.starts_with(&format!("compare-{}-vs-19-variants-", names[0])),
            "{folder}"
        );
        let mut other = names.clone();
        other.swap(1, 2);
        assert_ne!(
            folder_name(&other),
            folder,
            "the hash tells other sets apart"
        );
    }
}

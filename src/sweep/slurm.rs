//! A sweep as a Slurm job array: a script whose task I runs shard I of N with `--shard I/N`, and
//! the `landport merge` command that combines the shards afterwards.

use std::path::Path;

/// What the job asks of the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlurmOptions {
    /// Tasks in the array: the number of shards.
    pub shards: u32,
    pub partition: Option<String>,
    /// Time limit of each task, in a form sbatch takes (`01:00:00`, `2-00:00:00`, `90`).
    pub time: String,
    pub cpus_per_task: u32,
}

impl SlurmOptions {
    /// Checks the options that end up in the script, so nothing but a value can get into it.
    pub fn check(&self) -> Result<(), String> {
        if self.time.is_empty()
            || !self
                .time
                .chars()
                .all(|c| c.is_ascii_digit() || c == ':' || c == '-')
        {
            return Err(format!(
                "--time: expected a Slurm time limit such as 01:00:00 or 2-00:00:00, got '{}'",
                self.time
            ));
        }
        if let Some(partition) = &self.partition {
            let fine = !partition.is_empty()
                && partition
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ','));
            if !fine {
                return Err(format!(
                    "--partition: expected a partition name (letters, digits, _ - . ,), got '{partition}'"
                ));
            }
        }
        Ok(())
    }
}

/// A path or word quoted for bash.
pub fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The folder of shard `index` of `count` inside the sweep's results folder.
pub fn shard_folder(dir: &Path, index: &str, count: u32) -> String {
    format!("{}/shard-{index}-of-{count}", dir.display())
}

/// The merge command to run once every task has finished.
pub fn merge_command(landport: &Path, dir: &Path, count: u32) -> String {
    format!(
        "{} merge {}/shard-*-of-{count} --out {}",
        quote(&landport.display().to_string()),
        quote(&dir.display().to_string()),
        quote(&dir.display().to_string())
    )
}

/// The sbatch script: a job array of `options.shards` tasks run from `workdir`, task I running
/// `landport sweep SWEEP --shard I/N` into `DIR/shard-I-of-N` (resuming, so that a requeued task
/// goes on where it stopped).
pub fn script(
    landport: &Path,
    workdir: &Path,
    sweep_file: &Path,
    name: &str,
    dir: &Path,
    options: &SlurmOptions,
) -> String {
    let count = options.shards;
    let exe = quote(&landport.display().to_string());
    let mut lines = vec![
        "#!/bin/bash".to_string(),
        format!("# landport sweep '{name}' as a Slurm job array: task I runs shard I of {count}."),
        format!("# Submit:  sbatch {}", dir.join("sweep.sbatch").display()),
        format!("# Then:    {}", merge_command(landport, dir, count)),
        format!("#SBATCH --job-name=landport-{name}"),
        format!("#SBATCH --array=1-{count}"),
        format!("#SBATCH --cpus-per-task={}", options.cpus_per_task),
        format!("#SBATCH --time={}", options.time),
    ];
    if let Some(partition) = &options.partition {
        lines.push(format!("#SBATCH --partition={partition}"));
    }
    lines.extend([
        format!("#SBATCH --chdir={}", workdir.display()),
        format!("#SBATCH --output={}/slurm-%A_%a.out", dir.display()),
        "set -euo pipefail".to_string(),
        format!(
            "exec {exe} sweep {} --shard \"${{SLURM_ARRAY_TASK_ID}}/{count}\" \
--threads \"${{SLURM_CPUS_PER_TASK:-{}}}\" --out {}\"${{SLURM_ARRAY_TASK_ID}}\"{} --resume --quiet --no-plots",
            quote(&sweep_file.display().to_string()),
            options.cpus_per_task,
            quote(&format!("{}/shard-", dir.display())),
            quote(&format!("-of-{count}")),
        ),
    ]);
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_survives_a_quote_in_a_path() {
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), r"'it'\''s'");
    }

    #[test]
    fn options_refuse_anything_but_values() {
        let mut options = SlurmOptions {
            shards: 4,
            partition: Some("short".into()),
            time: "01:00:00".into(),
            cpus_per_task: 2,
        };
        assert_eq!(options.check(), Ok(()));
        options.time = "1h\n#SBATCH --mem=1T".into();
        assert!(options.check().unwrap_err().contains("--time"));
        options.time = "2-00:00:00".into();
        options.partition = Some("a b".into());
        assert!(options.check().unwrap_err().contains("--partition"));
    }
}

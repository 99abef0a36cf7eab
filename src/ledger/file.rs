//! Ledger files: a base scenario and the reforms, each a named file, read with the sweep file's
//! reader and checked whole (every combination's scenario) before anything runs.

use std::path::Path;

use crate::scenario::locate::KeyPath;
use crate::scenario::raw::Fields;
use crate::scenario::{check_output_name, InputError, Reform};
use crate::sweep::file::{
    assemble_reforms, load_with, Checked, Checker, Common, Frame, NamedReform,
};
use crate::sweep::Sweep;

/// Most reforms a ledger takes: 2^10 = 1,024 combinations, each with every replication. More
/// would be a sweep of many thousands of scenarios whose shares few could read.
pub const MAX_REFORMS: usize = 10;

/// Reads and validates a ledger file, its reforms and every combination of them.
pub fn load(path: &Path) -> Result<Sweep, InputError> {
    load_with(path, "ledger file", check)
}

struct RawLedger {
    common: Common,
    reforms: Option<Vec<RawReform>>,
}

impl RawLedger {
    const KEYS: &'static [&'static str] = &["scenario", "name", "seed", "replications", "reforms"];

    fn read(fields: &mut Fields<'_, '_>) -> RawLedger {
        let common = Common::read(fields);
        let reforms = fields.tables("reforms", RawReform::KEYS, RawReform::read);
        RawLedger {
            reforms: fields.require("reforms", reforms),
            common: common.finish(fields),
        }
    }
}

struct RawReform {
    name: Option<String>,
    file: Option<String>,
}

impl RawReform {
    const KEYS: &'static [&'static str] = &["name", "file"];

    fn read(fields: &mut Fields<'_, '_>) -> RawReform {
        let name = fields.string("name", "a name in quotes");
        let file = fields.string("file", "a file name in quotes");
        RawReform {
            name: fields.require("name", name),
            file: fields.require("file", file),
        }
    }
}

fn check(checker: &mut Checker<'_>, path: &Path) -> Option<Sweep> {
    let raw = checker.read_top(RawLedger::KEYS, RawLedger::read, |_, _| {});
    let Checked {
        base,
        name,
        seed,
        replications,
    } = checker.common(path, &raw.common, 2);
    let raw_reforms = raw.reforms.unwrap_or_default();
    if raw_reforms.len() > MAX_REFORMS {
        let location = checker.top_location("reforms");
        checker.report(
            location,
            "reforms",
            format!(
                "{} reforms: a ledger takes at most {MAX_REFORMS} (2^{MAX_REFORMS} = 1,024 \
combinations); group reforms that go together into one",
                raw_reforms.len()
            ),
        );
        return None;
    }
    if raw_reforms.is_empty() {
        let location = checker.top_location("reforms");
        checker.report(location, "reforms", "names no reform");
        return None;
    }
    let mut reforms: Vec<NamedReform> = Vec::new();
    let mut ok = true;
    for (i, raw) in raw_reforms.into_iter().enumerate() {
        let at = KeyPath::default().key("reforms").index(i);
        let location = checker.at(&at);
        let (Some(name), Some(file)) = (raw.name, raw.file) else {
            ok = false;
            continue;
        };
        let name_path = at.key("name");
        if let Err(why) = check_output_name(&name).and_then(|()| {
            if name.contains('.') {
                Err(format!("a reform's name has no dot, got \"{name}\""))
            } else {
                Ok(())
            }
        }) {
            checker.report(checker.at(&name_path), &name_path.to_string(), why);
            ok = false;
            continue;
        }
        if reforms.iter().any(|named| named.name == name) {
            checker.report(
                checker.at(&name_path),
                &name_path.to_string(),
                format!("a second reform named \"{name}\": give each its own name"),
            );
            ok = false;
            continue;
        }
        let reform_path = path.parent().unwrap_or(Path::new("")).join(&file);
        match Reform::read(&reform_path) {
            Ok(reform) => reforms.push(NamedReform {
                name,
                reform,
                location,
            }),
            Err(InputError::Read { source, .. }) => {
                let file_path = at.key("file");
                checker.report(
                    checker.at(&file_path),
                    &file_path.to_string(),
                    format!("cannot read reform {}: {source}", reform_path.display()),
                );
                ok = false;
            }
            Err(error) => {
                for problem in error.problems() {
                    checker.report(
                        crate::scenario::Location {
                            file: problem.file.clone(),
                            line: problem.line,
                            column: problem.column,
                        },
                        &problem.key,
                        problem.message.clone(),
                    );
                }
                ok = false;
            }
        }
    }
    let base = base?;
    if !ok {
        return None;
    }
    assemble_reforms(
        checker,
        path,
        base,
        Frame {
            name,
            seed,
            replications: replications.map(|n| n as u32),
            check_every_point: true,
        },
        reforms,
    )
}

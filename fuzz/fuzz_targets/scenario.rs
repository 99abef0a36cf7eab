//! Scenario parsing and validation on arbitrary input, and a short run of every scenario that
//! passes: nothing may panic, hang or grow without bound.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(scenario) = landport::scenario::parse(text, Path::new("fuzz.toml")) else {
        return;
    };
    let _ = scenario.offered_loads();
    // A valid scenario runs, held to a few thousand events so that an input with a long
    // horizon or a huge rate is still fast: the limit is part of what is checked.
    let limited = format!("{text}\n[limits]\nevents = 5000\n");
    if let Ok(scenario) = landport::scenario::parse(&limited, Path::new("fuzz.toml")) {
        let _ = landport::run_summary(&scenario, 1);
    }
});

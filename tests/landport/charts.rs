//! Charts and report pages: valid PNG and SVG files of the set size with their titles and axis
//! labels, the data behind each chart checked against the results it came from, and `plot`
//! redrawing a folder byte for byte.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use landport::experiment::Estimate;
use landport::report::data::{Results, VariantResults};
use landport::report::series::{self, TimeAxis};

fn landport() -> Command {
    Command::cargo_bin("landport").unwrap()
}

/// `landport run SCENARIO -n 2` into `dir`.
fn run_into(scenario: &str, dir: &Path) {
    landport()
        .args(["run", scenario, "-n", "2", "--out"])
        .arg(dir)
        .assert()
        .success();
}

/// Legacy against reformed Alashankou, 3 replications, into `dir`.
fn compare_into(dir: &Path) {
    landport()
        .args([
            "compare",
            "scenarios/alashankou-legacy.toml",
            "scenarios/alashankou-reformed.toml",
            "-n",
            "3",
            "--out",
        ])
        .arg(dir)
        .assert()
        .success();
}

/// A two-key sweep of an M/M/c desk (servers × mean service), 3 replications a point.
fn sweep_into(dir: &Path) -> tempfile::TempDir {
    let files = tempfile::tempdir().unwrap();
    fs::write(
        files.path().join("desk.toml"),
        super::mmc(10.0, 10.0, 2, 1, 5),
    )
    .unwrap();
    fs::write(
        files.path().join("desks.toml"),
        r#"scenario = "desk.toml"
replications = 3
[grid]
"stages.desk.servers" = { from = 2, to = 4 }
"stages.desk.service.mean" = ["8 min", "10 min"]
"#,
    )
    .unwrap();
    landport()
        .arg("sweep")
        .arg(files.path().join("desks.toml"))
        .arg("--out")
        .arg(dir)
        .assert()
        .success();
    files
}

/// The text of every `<text>` element of an SVG document.
fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|piece| {
            let start = piece.find('>')? + 1;
            let end = piece.find("</text>")?;
            Some(piece[start..end].to_string())
        })
        .collect()
}

/// Decodes a PNG file: (width, height, RGB bytes).
fn decode_png(path: &Path) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb, "{}", path.display());
    pixels.truncate(info.buffer_size());
    (info.width, info.height, pixels)
}

/// Checks one chart's PNG and SVG: size, not blank, and the texts it must show.
fn check_chart(dir: &Path, stem: &str, texts: &[&str]) {
    let (width, height, pixels) = decode_png(&dir.join(format!("{stem}.png")));
    assert_eq!((width, height), (1200, 800), "{stem}.png");
    let luminance: Vec<f64> = pixels
        .chunks(3)
        .map(|p| (u32::from(p[0]) + u32::from(p[1]) + u32::from(p[2])) as f64 / 3.0)
        .collect();
    let (mean, _) = super::mean_and_standard_error(&luminance);
    let variance =
        luminance.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / luminance.len() as f64;
    let drawn = luminance.iter().filter(|&&l| l < 250.0).count() as f64 / luminance.len() as f64;
    println!(
        "{stem}.png: luminance variance {variance:.0}, {:.1}% of pixels drawn",
        drawn * 100.0
    );
    assert!(
        variance > 200.0,
        "{stem}.png looks blank: variance {variance}"
    );
    assert!(drawn > 0.03, "{stem}.png looks blank: {drawn} drawn");
    // Dark pixels in the title band: the title text rendered with the bundled font.
    let title_ink = pixels[..(1200 * 40 * 3)]
        .chunks(3)
        .filter(|p| p.iter().all(|&c| c < 100))
        .count();
    assert!(
        title_ink > 500,
        "{stem}.png: no title text drawn ({title_ink} dark pixels)"
    );

    let svg = fs::read_to_string(dir.join(format!("{stem}.svg"))).unwrap();
    assert!(
        svg.contains(r#"width="1200""#) && svg.contains(r#"height="800""#),
        "{stem}.svg size"
    );
    let shown = svg_texts(&svg);
    for text in texts {
        assert!(
            shown.iter().any(|t| t.contains(text)),
            "{stem}.svg has no text '{text}': {shown:?}"
        );
    }
}

#[test]
fn every_chart_is_a_png_and_an_svg_with_its_title_and_axis_labels() {
    let out = tempfile::tempdir().unwrap();
    let compare = out.path().join("compare");
    compare_into(&compare);
    check_chart(
        &compare,
        "dwell-distribution",
        &[
            "Dwell time, arrival to exit: alashankou-legacy vs alashankou-reformed",
            "dwell time, arrival to exit (h, logarithmic scale)",
            "trucks per bar (%)",
            "trucks out by then (%)",
            "alashankou-legacy (",
            "trucks): p50",
        ],
    );
    check_chart(
        &compare,
        "time-breakdown",
        &[
            "Where the time goes, by stage",
            "hours per truck",
            "waiting",
            "closed",
            "service",
            "blocked",
            "travel",
            "declaration",
            "smart-gate",
        ],
    );
    check_chart(
        &compare,
        "queues",
        &[
            "Trucks waiting, first replication",
            "trucks waiting",
            "simulated time (days)",
            "exit-gate",
            "closed (strip under the axis)",
        ],
    );
    check_chart(
        &compare,
        "utilization",
        &[
            "Utilization by stage",
            "utilization: busy servers over servers on duty (%)",
            "alashankou-legacy",
            "xray",
        ],
    );
    check_chart(
        &compare,
        "cleared-per-day",
        &[
            "Trucks cleared per day",
            "day of the run (simulated days)",
            "trucks per day",
            "warm-up",
            "alashankou-reformed: cleared (mean, 95% band)",
        ],
    );

    let sweep = out.path().join("sweep");
    let _files = sweep_into(&sweep);
    check_chart(
        &sweep,
        "sweep-dwell_mean_h",
        &[
            "mean dwell time (h)",
            "desk.servers",
            "desk.service.mean = 8 min",
        ],
    );
    check_chart(
        &sweep,
        "sweep-cleared_per_day",
        &["trucks cleared per day", "desk.servers"],
    );
    check_chart(
        &sweep,
        "sweep-heatmap-dwell_mean_h",
        &[
            "mean dwell time (h)",
            "desk.servers",
            "desk.service.mean",
            "8 min",
        ],
    );

    for (dir, charts) in [(&compare, 5), (&sweep, 4)] {
        let page = fs::read_to_string(dir.join("report.html")).unwrap();
        assert_eq!(page.matches("<svg").count(), charts, "{}", dir.display());
        assert!(!page.contains("<script"), "no JavaScript");
        assert!(page.contains("<table>") && page.contains("mean dwell time (h)"));
        // Tables people read: no raw CSV columns.
        for raw in ["ci95_half_width", "difference_ci95_low", "dwell_mean_h"] {
            assert!(!page.contains(raw), "{raw} in {}", dir.display());
        }
    }
}

/// Reads a CSV file into rows of named fields.
fn rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    reader
        .records()
        .map(|record| {
            header
                .iter()
                .cloned()
                .zip(record.unwrap().iter().map(String::from))
                .collect()
        })
        .collect()
}

fn number(row: &BTreeMap<String, String>, column: &str) -> f64 {
    row[column].parse().unwrap()
}

fn variants(dir: &Path) -> Vec<VariantResults> {
    match Results::read(dir).unwrap() {
        Results::Compare(variants) => variants,
        other => panic!("expected a comparison, got {other:?}"),
    }
}

#[test]
fn the_data_behind_each_chart_is_the_results() {
    let out = tempfile::tempdir().unwrap();
    let compare = out.path().join("compare");
    compare_into(&compare);
    for variant in variants(&compare) {
        let dir = &variant.dir;
        let summary: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
        let runs = summary["runs"].as_array().unwrap();
        let name = &variant.name;

        // Histogram and CDF: every counted truck of every replication, once.
        let bins = variant.dwell_bins.as_deref().unwrap();
        let binned: u64 = bins.iter().map(|bin| bin.trucks).sum();
        let counted: u64 = runs
            .iter()
            .map(|run| run["dwell"]["trucks"].as_u64().unwrap())
            .sum();
        assert_eq!(binned, counted, "{name}: trucks in the histogram");
        let bars = series::histogram(bins, TimeAxis::Log, f64::INFINITY);
        let shares: f64 = bars.iter().map(|bar| bar.share).sum();
        assert!(
            (shares - 1.0).abs() < 1e-9,
            "{name}: log bars sum to {shares}"
        );
        let cdf = series::cdf(bins);
        assert_eq!(cdf.first().unwrap().1, 0.0);
        assert!((cdf.last().unwrap().1 - 1.0).abs() < 1e-12);
        assert!(cdf.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1));
        // The pooled median against the mean of the replications' medians (which the chart
        // marks): within one fine bin (2.3%) and the spread of the replications' medians.
        let pooled = series::bin_quantile(bins, 0.5).unwrap();
        let p50 = variant.metric(&crate::id("dwell_p50_h")).unwrap();
        let allowed = 0.024 * p50.mean + 3.0 * p50.ci95_half_width.unwrap();
        println!(
            "{name}: pooled median {pooled:.3} h, mean median {:.3} h",
            p50.mean
        );
        assert!(
            (pooled - p50.mean).abs() < allowed,
            "{name}: {pooled} vs {}",
            p50.mean
        );

        // Daily counts: arrivals add up to each replication's arrivals, and the trucks cleared
        // after warm-up to its cleared per day.
        let daily = variant.daily.as_deref().unwrap();
        let replications = rows(&dir.join("replications.csv"));
        for (k, run) in runs.iter().enumerate() {
            let days: Vec<_> = daily
                .iter()
                .filter(|row| row.replication == k as u32)
                .collect();
            let arrived: u64 = days.iter().map(|row| u64::from(row.arrived)).sum();
            assert_eq!(
                arrived,
                run["trucks"]["arrived"].as_u64().unwrap(),
                "{name} {k}"
            );
            let exited: u64 = days.iter().map(|row| u64::from(row.cleared)).sum();
            assert_eq!(
                exited,
                run["trucks"]["exited"].as_u64().unwrap(),
                "{name} {k}"
            );
            let after_warmup: u32 = days
                .iter()
                .filter(|row| !row.warmup)
                .map(|row| row.cleared)
                .sum();
            let per_day = f64::from(after_warmup) / (variant.horizon_hours / 24.0);
            let expected = number(&replications[k], "cleared_per_day");
            assert!(
                (per_day - expected).abs() < 1e-6,
                "{name} {k}: {per_day} vs {expected}"
            );
        }
        // The chart's daily means and bands are the replications' mean and Student t interval.
        let points = series::daily_means(daily, variant.warmup_hours + variant.horizon_hours);
        assert_eq!(
            points.len() as f64,
            (variant.warmup_hours + variant.horizon_hours) / 24.0
        );
        for point in points.iter().step_by(7) {
            let cleared: Vec<f64> = daily
                .iter()
                .filter(|row| row.day == point.day)
                .map(|row| f64::from(row.cleared))
                .collect();
            let estimate = Estimate::of(&cleared);
            assert_eq!(point.cleared, estimate.mean);
            assert_eq!(point.cleared_half_width, estimate.half_width.unwrap());
        }

        // Queue traces: their mean after warm-up is the first replication's mean queue.
        let stages = rows(&dir.join("stages.csv"));
        let traces = variant.queues.as_deref().unwrap();
        let warmup = variant.warmup_hours as usize;
        for trace in traces {
            let after: &[f64] = &trace.queue[warmup..];
            let mean = after.iter().sum::<f64>() / after.len() as f64;
            let row = stages
                .iter()
                .find(|row| row["replication"] == "0" && row["stage"] == trace.stage)
                .unwrap();
            let expected = number(row, "mean_queue");
            assert!(
                (mean - expected).abs() < 1e-3 * expected.max(1.0),
                "{name} {}: trace mean {mean} vs mean queue {expected}",
                trace.stage
            );
        }
        // Closed hours: the reformed exit opens 12 hours a day, the smart gate never closes.
        if name == "alashankou-reformed" {
            let closed = |stage: &str| {
                let trace = traces.iter().find(|t| t.stage == stage).unwrap();
                trace.closed.iter().sum::<f64>() / trace.closed.len() as f64
            };
            assert!(
                (closed("exit-gate") - 0.5).abs() < 1e-9,
                "{}",
                closed("exit-gate")
            );
            assert_eq!(closed("smart-gate"), 0.0);
        }
    }
}

#[test]
fn sweep_charts_hold_the_sweep_results() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("sweep");
    let _files = sweep_into(&dir);
    let Results::Sweep(sweep) = Results::read(&dir).unwrap() else {
        panic!("expected a sweep")
    };
    let csv = rows(&dir.join("sweep.csv"));
    let lines = series::sweep_lines(&sweep, &crate::id("dwell_mean_h"));
    assert_eq!(lines.len(), 2, "one line per mean service");
    for line in &lines {
        assert_eq!(line.points.len(), 3, "servers 2, 3, 4");
        for &(servers, mean, half) in &line.points {
            let service = line.label.trim_start_matches("desk.service.mean = ");
            let row = csv
                .iter()
                .find(|row| {
                    number(row, "stages.desk.servers") == servers
                        && row["stages.desk.service.mean"] == service
                })
                .unwrap();
            assert_eq!(mean, number(row, "dwell_mean_h"));
            assert_eq!(half, number(row, "dwell_mean_h_ci95"));
        }
    }
    let assert = landport()
        .args(["plot", "--metric", "dwell_p42_h"])
        .arg(&dir)
        .assert()
        .code(2);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.contains("dwell_p42_h: no such metric in the sweep"),
        "{stderr}"
    );
    let grid = series::sweep_grid(&sweep, &crate::id("dwell_mean_h")).unwrap();
    assert_eq!(grid.columns, ["2", "3", "4"]);
    assert_eq!(grid.rows, ["8 min", "10 min"]);
    for (r, row) in grid.cells.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let point = csv
                .iter()
                .find(|p| {
                    p["stages.desk.servers"] == grid.columns[c]
                        && p["stages.desk.service.mean"] == grid.rows[r]
                })
                .unwrap();
            assert_eq!(*cell, number(point, "dwell_mean_h"));
        }
    }
}

/// Every chart, page and their bytes in a folder.
fn drawn_files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.extension()
                .is_some_and(|ext| ext == "png" || ext == "svg" || ext == "html")
        })
        .map(|path| (path.clone(), fs::read(&path).unwrap()))
        .collect()
}

#[test]
fn plot_redraws_a_results_folder_byte_for_byte_and_older_folders_too() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("reformed");
    run_into("scenarios/alashankou-reformed.toml", &dir);
    let drawn = drawn_files(&dir);
    assert_eq!(drawn.len(), 11, "5 charts as PNG and SVG, and report.html");
    for path in drawn.keys() {
        fs::remove_file(path).unwrap();
    }
    landport().arg("plot").arg(&dir).assert().success();
    assert_eq!(drawn_files(&dir), drawn, "plot redraws the same bytes");

    // A folder as landport 0.1 wrote it before charts: no histogram, daily counts or traces.
    for file in ["dwell_histogram.csv", "daily.csv", "queues.csv"] {
        fs::remove_file(dir.join(file)).unwrap();
    }
    for path in drawn.keys() {
        fs::remove_file(path).unwrap();
    }
    landport().arg("plot").arg(&dir).assert().success();
    let older: Vec<String> = drawn_files(&dir)
        .keys()
        .map(|path| path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        older,
        [
            "report.html",
            "time-breakdown.png",
            "time-breakdown.svg",
            "utilization.png",
            "utilization.svg"
        ]
    );
    for file in ["time-breakdown.svg", "utilization.png"] {
        assert_eq!(
            fs::read(dir.join(file)).unwrap(),
            drawn[&dir.join(file)],
            "{file} is the same from the older folder"
        );
    }
}

#[test]
fn no_plots_writes_no_charts_and_plot_refuses_a_folder_without_results() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("plain");
    landport()
        .args([
            "run",
            "scenarios/alashankou-reformed.toml",
            "-n",
            "2",
            "--no-plots",
            "--out",
        ])
        .arg(&dir)
        .assert()
        .success();
    assert!(drawn_files(&dir).is_empty());
    let assert = landport().arg("plot").arg(out.path()).assert().code(2);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.contains("not a results folder: it has no sweep.json, optimize.json, compare.json or metrics.csv"),
        "{stderr}"
    );
}

#[test]
fn a_run_and_a_compare_with_truck_classes_draw_them_side_by_side() {
    let dir = tempfile::tempdir().unwrap();
    run_into("scenarios/variants/horgos-green-lane.toml", dir.path());
    check_chart(
        dir.path(),
        "dwell-distribution-by-class",
        &["Dwell time by truck class", "general", "fresh"],
    );
    check_chart(
        dir.path(),
        "time-breakdown-by-class",
        &[
            "Where the time goes, by truck class",
            "hours per truck",
            "exit-gate",
        ],
    );
    // Each class's bins hold its trucks, and they make the port's.
    let bins = rows(&dir.path().join("dwell_histogram_by_class.csv"));
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("summary.json")).unwrap())
            .unwrap();
    let runs = summary["runs"].as_array().unwrap();
    let mut port = 0.0;
    for class in ["general", "fresh"] {
        let binned: f64 = bins
            .iter()
            .filter(|row| row["class"] == class)
            .map(|row| number(row, "trucks"))
            .sum();
        let counted: f64 = runs
            .iter()
            .map(|run| {
                let classes = run["classes"].as_array().unwrap();
                let found = classes.iter().find(|c| c["class"] == class).unwrap();
                found["dwell"]["trucks"].as_f64().unwrap()
            })
            .sum();
        assert_eq!(binned, counted, "{class}");
        port += binned;
    }
    let all: f64 = rows(&dir.path().join("dwell_histogram.csv"))
        .iter()
        .map(|row| number(row, "trucks"))
        .sum();
    assert_eq!(port, all);

    // A compare: each variant's classes, a row of panels per variant.
    let compare = tempfile::tempdir().unwrap();
    landport()
        .args([
            "compare",
            "scenarios/variants/horgos-fresh-goods.toml",
            "scenarios/variants/horgos-green-lane.toml",
            "-n",
            "2",
            "--out",
        ])
        .arg(compare.path())
        .assert()
        .success();
    check_chart(
        compare.path(),
        "time-breakdown-by-class",
        &["horgos-fresh-goods: general", "horgos-green-lane: fresh"],
    );
}

#[test]
fn the_corridor_draws_its_roads_in_km_and_the_trucks_turned_away_each_day() {
    let dir = tempfile::tempdir().unwrap();
    run_into("scenarios/corridor/dostyk-closed.toml", dir.path());
    check_chart(
        dir.path(),
        "turned-away-per-day",
        &[
            "Trucks turned away and lost per day",
            "trucks per day",
            "nur-zholy-gate",
            "dostyk-gate",
            "turned away to another stage",
            "lost (gave up or never came)",
        ],
    );
    check_chart(
        dir.path(),
        "queues",
        &[
            "km of road (33 m a truck)",
            "nur-zholy-gate",
            "trucks waiting",
        ],
    );
    // The chart's data: roads.csv's days, each stage's turned away summing to its metric.
    let days = rows(&dir.path().join("roads.csv"));
    let metrics = rows(&dir.path().join("metrics.csv"));
    let metric = |name: &str| {
        metrics
            .iter()
            .find(|row| row["metric"] == name)
            .map(|row| number(row, "mean"))
            .unwrap()
    };
    for stage in ["nur-zholy-gate", "dostyk-gate"] {
        let measured: f64 = days
            .iter()
            .filter(|row| row["stage"] == stage && row["warmup"] == "0")
            .map(|row| number(row, "diverted"))
            .sum();
        // Two replications of 90 measured days after a warm-up of whole days; metrics.csv has
        // six decimals.
        let per_day = metric(&format!("{stage}.diverted_per_day"));
        assert!(
            (measured / 2.0 / 90.0 - per_day).abs() <= 5e-7,
            "{stage}: {measured} turned away in the file against {per_day} a day"
        );
    }
}

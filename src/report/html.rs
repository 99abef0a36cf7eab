//! report.html: the summary tables and every chart of a results folder, in one self-contained
//! page (SVG inline, no scripts, no external files).

use std::fmt::Write as _;
use std::path::Path;

use super::data::Results;
use super::ReportError;
use crate::experiment::MetricId;
use crate::output::csv::{half_width_column, WideTable};
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

/// A table cell: numbers to at most four decimals, text as it is.
fn cell(text: &str) -> String {
    match text.parse::<f64>() {
        Ok(number) if text.contains('.') => {
            let shown = format!("{number:.4}");
            shown
                .trim_end_matches('0')
                .trim_end_matches('.')
                .to_string()
        }
        _ => escape(text),
    }
}

/// An HTML table of the columns `keep` picks from a CSV file, or a note when it is missing.
fn csv_table(path: &Path, keep: &dyn Fn(&str) -> bool) -> Result<String, ReportError> {
    let Some(WideTable { header, rows, .. }) = WideTable::read(path)? else {
        return Ok(format!(
            "<p>{} is missing.</p>\n",
            escape(&path.display().to_string())
        ));
    };
    let columns: Vec<usize> = (0..header.len()).filter(|&k| keep(&header[k])).collect();
    let mut out = String::from("<div class=\"scroll\"><table>\n<tr>");
    for &k in &columns {
        let _ = write!(out, "<th>{}</th>", escape(&header[k]));
    }
    out.push_str("</tr>\n");
    for row in &rows {
        out.push_str("<tr>");
        for &k in &columns {
            let text = row.get(k).map_or("", String::as_str);
            let class = if text.parse::<f64>().is_ok() {
                " class=\"n\""
            } else {
                ""
            };
            let _ = write!(out, "<td{class}>{}</td>", cell(text));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table></div>\n");
    Ok(out)
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

/// The page: a heading, the summary tables of the result, then the charts.
pub fn page(
    dir: &Path,
    results: &Results,
    charts: &[(String, String)],
) -> Result<String, ReportError> {
    let title = format!("landport: {}", results.title());
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n\
<style>\nbody {{ font-family: 'DejaVu Sans', Verdana, sans-serif; margin: 2em auto; max-width: 1240px; color: #222; }}\n\
table {{ border-collapse: collapse; font-size: 0.85em; }}\nth, td {{ border: 1px solid #ccc; padding: 0.2em 0.5em; }}\n\
th {{ background: #f2f2f2; }}\ntd.n {{ text-align: right; font-variant-numeric: tabular-nums; }}\n\
.scroll {{ overflow-x: auto; max-height: 40em; overflow-y: auto; }}\nfigure {{ margin: 2em 0; }}\n\
svg {{ max-width: 100%; height: auto; }}\n</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        escape(&title),
        escape(&title)
    );
    let _ = writeln!(
        out,
        "<p>Results in <code>{}</code>, written by landport {}. Times are in hours; intervals are 95% \
Student t over replications.</p>",
        escape(&dir.display().to_string()),
        env!("CARGO_PKG_VERSION")
    );
    out.push_str(&warnings_box(results));
    match results {
        Results::Run(variant) => {
            out.push_str("<h2>Metrics (mean over replications)</h2>\n");
            out.push_str(&csv_table(&variant.dir.join("metrics.csv"), &|_| true)?);
        }
        Results::Compare(_) => {
            out.push_str(
                "<h2>Comparison (differences paired by replication seed, variant minus the first)</h2>\n",
            );
            out.push_str(&csv_table(&dir.join("compare.csv"), &|_| true)?);
        }
        Results::Sweep(sweep) => {
            out.push_str("<h2>Sweep points (main metrics; every metric is in sweep.csv)</h2>\n");
            let keys = sweep.keys.clone();
            let keep = move |column: &str| {
                column == "point"
                    || column == "replications"
                    || column == "stable"
                    || keys.iter().any(|key| key == column)
                    || HEADLINE.map(MetricId::port).iter().any(|metric| {
                        column == metric.to_string() || column == half_width_column(metric)
                    })
            };
            out.push_str(&csv_table(&dir.join("sweep.csv"), &keep)?);
        }
    }
    out.push_str("<h2>Charts</h2>\n");
    for (title, svg) in charts {
        // The SVG document without its XML declaration, inline.
        let body = svg.find("<svg").map_or(svg.as_str(), |at| &svg[at..]);
        let _ = write!(
            out,
            "<figure>\n{body}\n<figcaption>{}</figcaption>\n</figure>\n",
            escape(title)
        );
    }
    out.push_str("</body>\n</html>\n");
    Ok(out)
}

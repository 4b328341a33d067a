//! The deck (`--deck`) and saved analyses (`--save-analysis`, `report
//! NAME.kohorte`), run as a user would run them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn demo(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/demo")
        .join(name)
}

fn kohorte(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kohorte"))
        .args(args)
        .output()
        .expect("run kohorte")
}

fn ok(run: &Output) -> String {
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    String::from_utf8_lossy(&run.stderr).to_string()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The full demo run: orders, programme, event log and survey.
fn demo_args(out: &Path) -> Vec<String> {
    [
        "report",
        path(&demo("orders.csv")),
        "--loyalty",
        path(&demo("programme.toml")),
        "--events",
        path(&demo("events.csv")),
        "--survey",
        path(&demo("survey.csv")),
        "--out",
        path(out),
    ]
    .map(String::from)
    .to_vec()
}

fn run(args: &[String]) -> Output {
    kohorte(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

/// The chart files (PNG) a report wrote.
fn charts_written(out: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(out)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".png"))
        .collect();
    names.sort();
    names
}

#[test]
fn the_deck_has_a_slide_per_chart_and_a_page_without_outside_references() {
    let out = tempfile::tempdir().unwrap();
    let mut args = demo_args(out.path());
    args.push("--deck".into());
    ok(&run(&args));
    let deck = out.path().join("kohorte-deck.pptx");
    let html = std::fs::read_to_string(out.path().join("kohorte-report.html")).unwrap();
    let charts = charts_written(out.path());
    assert!(charts.len() >= 18, "{charts:?}");
    // The page: every chart inline, the key tables, nothing fetched.
    assert_eq!(html.matches("<svg").count(), charts.len());
    for outside in ["src=", "href=", "<link", "@import", "url(", "<script"] {
        assert!(!html.contains(outside), "the page references '{outside}'");
    }
    assert!(html.contains("<h2>Key figures: December 2025</h2>"));
    assert!(html.contains("<td>Purchase frequency</td><td class=\"n\">1.23</td>"));
    assert!(html.contains("<h2>RFM segments</h2>"));
    // The deck: a zip whose slides a real client reads.
    let bytes = std::fs::read(&deck).unwrap();
    assert_eq!(&bytes[..2], b"PK");
    match python_pptx() {
        Some(python) => check_with_python_pptx(&python, &deck, &charts),
        None => eprintln!(
            "SKIPPED the python-pptx check of the deck: no Python 3 with venv and pip here (CI runs it)"
        ),
    }
}

/// A Python with python-pptx, in a venv made once under the target folder;
/// `None` when there is no Python to make it with. In CI a Python that
/// cannot install python-pptx fails the test instead.
fn python_pptx() -> Option<PathBuf> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let venv = target.join("python-pptx-venv");
    let python = venv.join("bin/python");
    let has_pptx = |python: &Path| {
        Command::new(python)
            .args(["-c", "import pptx"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if has_pptx(&python) {
        return Some(python);
    }
    let system = Command::new("python3").arg("--version").output();
    if !system.is_ok_and(|o| o.status.success()) {
        return None;
    }
    let made = Command::new("python3")
        .args(["-m", "venv", path(&venv)])
        .output()
        .is_ok_and(|o| o.status.success())
        && Command::new(&python)
            .args(["-m", "pip", "install", "--quiet", "python-pptx==1.0.2"])
            .output()
            .is_ok_and(|o| o.status.success());
    if made && has_pptx(&python) {
        return Some(python);
    }
    assert!(
        std::env::var("CI").is_err(),
        "could not install python-pptx into {}",
        venv.display()
    );
    None
}

fn check_with_python_pptx(python: &Path, deck: &Path, charts: &[String]) {
    let script = r#"
import json, sys
from pptx import Presentation
from pptx.util import Emu
deck = Presentation(sys.argv[1])
slides = []
for slide in deck.slides:
    title = slide.shapes.title
    pictures = [s for s in slide.shapes if s.shape_type == 13]
    slides.append({
        "title": title.text if title is not None else None,
        "pictures": len(pictures),
        "ratio": [p.width / p.height for p in pictures],
        "tables": sum(1 for s in slide.shapes if s.has_table),
        "texts": [s.text_frame.text for s in slide.shapes if s.has_text_frame and s != title],
    })
print(json.dumps({"width": deck.slide_width, "height": deck.slide_height, "slides": slides}))
"#;
    let run = Command::new(python)
        .args(["-c", script, path(deck)])
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "python-pptx could not read the deck: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let read: Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(read["width"], 12_192_000);
    assert_eq!(read["height"], 6_858_000);
    let slides = read["slides"].as_array().unwrap();
    for slide in slides {
        let title = slide["title"].as_str().unwrap_or_default();
        assert!(!title.is_empty(), "a slide without a title: {slide}");
    }
    assert!(slides[0]["title"].as_str().unwrap().contains("orders.csv"));
    assert!(
        slides[0]["texts"][0]
            .as_str()
            .unwrap()
            .contains("As of 2026-01-01")
    );
    let pictures: Vec<&Value> = slides.iter().filter(|s| s["pictures"] == 1).collect();
    assert_eq!(pictures.len(), charts.len(), "one slide per chart written");
    for slide in &pictures {
        let ratio = slide["ratio"][0].as_f64().unwrap();
        assert!((ratio - 16.0 / 9.0).abs() < 0.01, "{slide}");
        assert!(!slide["texts"][0].as_str().unwrap().is_empty(), "a caption");
    }
    let tables: Vec<&Value> = slides.iter().filter(|s| s["tables"] == 1).collect();
    assert!(
        tables
            .iter()
            .any(|s| s["title"].as_str().unwrap().starts_with("Key figures"))
    );
    assert_eq!(slides.len(), 1 + tables.len() + pictures.len());
    let titles: Vec<&str> = slides.iter().filter_map(|s| s["title"].as_str()).collect();
    assert!(titles.contains(&"Retention curves from period 1"));
    assert!(titles.contains(&"Demo Rewards: share of members in the upper tiers"));
}

/// Every table and JSON file of a run, except the timing the CLV model
/// records.
fn tables(out: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(out)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv" || e == "json"))
        .map(|p| {
            let mut text = std::fs::read_to_string(&p).unwrap();
            if p.ends_with("clv_model.json") {
                let mut json: Value = serde_json::from_str(&text).unwrap();
                json["fit_and_score_ms"] = Value::Null;
                text = json.to_string();
            }
            (p.file_name().unwrap().to_string_lossy().to_string(), text)
        })
        .collect();
    files.sort();
    files
}

#[test]
fn a_saved_analysis_reruns_to_the_same_tables() {
    let dir = tempfile::tempdir().unwrap();
    let (first, second) = (dir.path().join("d1"), dir.path().join("d2"));
    let analysis = dir.path().join("a.kohorte");
    let mut args = demo_args(&first);
    args.extend(
        [
            "--cohort",
            "week",
            "--breakdown",
            "RFM segment",
            "--clv-model",
            "paretonbd",
            "--active-window-months",
            "6",
            "--save-analysis",
            path(&analysis),
        ]
        .map(String::from),
    );
    ok(&run(&args));
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&analysis).unwrap()).unwrap();
    assert_eq!(saved["kohorte_analysis"], 1);
    assert_eq!(
        saved["settings"]["as_of"], "2026-01-01",
        "the as-of date is fixed"
    );
    assert_eq!(saved["settings"]["cohorts"]["granularity"], "week");
    assert_eq!(saved["data"]["sha256"].as_str().unwrap().len(), 64);
    assert!(
        saved["privacy"]
            .as_str()
            .unwrap()
            .contains("no customer data")
    );
    // No customer id of the data is in the file.
    let text = std::fs::read_to_string(&analysis).unwrap();
    assert!(!text.contains("00010083"));
    ok(&kohorte(&[
        "report",
        path(&analysis),
        "--out",
        path(&second),
    ]));
    let (a, b) = (tables(&first), tables(&second));
    assert!(a.len() >= 15);
    assert_eq!(
        a.iter().map(|t| &t.0).collect::<Vec<_>>(),
        b.iter().map(|t| &t.0).collect::<Vec<_>>()
    );
    for ((name, left), (_, right)) in a.iter().zip(&b) {
        assert!(
            left == right,
            "{name} differs between the run and its rerun"
        );
    }
}

#[test]
fn a_saved_analysis_finds_its_data_in_a_moved_folder_and_says_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let before = dir.path().join("june");
    std::fs::create_dir(&before).unwrap();
    let data = before.join("orders.csv");
    std::fs::copy(demo("orders.csv"), &data).unwrap();
    let analysis = before.join("retention.kohorte");
    ok(&kohorte(&[
        "report",
        path(&data),
        "--out",
        path(&dir.path().join("d1")),
        "--only",
        "kpis",
        "--save-analysis",
        path(&analysis),
    ]));
    // The folder moves; the data is found beside the analysis.
    let after = dir.path().join("july");
    std::fs::rename(&before, &after).unwrap();
    let moved = after.join("retention.kohorte");
    let same = ok(&kohorte(&[
        "report",
        path(&moved),
        "--out",
        path(&dir.path().join("d2")),
        "--only",
        "kpis",
    ]));
    assert!(!same.contains("changed"), "{same}");
    // Next month's export: a late order in an old month, one more row.
    let mut text = std::fs::read_to_string(after.join("orders.csv")).unwrap();
    let last_line = text.lines().last().unwrap().to_string();
    let fields: Vec<&str> = last_line.split(',').collect();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let late: Vec<String> = header
        .iter()
        .zip(&fields)
        .map(|(column, value)| match *column {
            "order_id" => "LATE-1".to_string(),
            "order_date" => "2025-06-15".to_string(),
            _ => value.to_string(),
        })
        .collect();
    text.push_str(&late.join(","));
    text.push('\n');
    std::fs::write(after.join("orders.csv"), text).unwrap();
    let changed = ok(&kohorte(&[
        "report",
        path(&moved),
        "--out",
        path(&dir.path().join("d3")),
        "--only",
        "kpis",
    ]));
    assert!(
        changed.contains("changed since the analysis was saved"),
        "{changed}"
    );
    assert!(changed.contains("Rows used 35,342 → 35,343"), "{changed}");
    assert_eq!(changed.lines().count(), 1, "one warning line: {changed}");
    // Gone altogether: exit code 2 and one line saying where it looked.
    std::fs::remove_file(after.join("orders.csv")).unwrap();
    let missing = kohorte(&[
        "report",
        path(&moved),
        "--out",
        path(&dir.path().join("d4")),
    ]);
    assert_eq!(missing.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(stderr.contains("was not found at"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1);
}

#[test]
fn a_newer_or_foreign_file_is_refused_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let newer = dir.path().join("newer.kohorte");
    std::fs::write(&newer, r#"{"kohorte_analysis": 99}"#).unwrap();
    let run = kohorte(&["report", path(&newer), "--out", path(dir.path())]);
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("saved by a newer Kohorte"));
    let foreign = dir.path().join("notes.kohorte");
    std::fs::write(&foreign, "my notes").unwrap();
    let run = kohorte(&["report", path(&foreign), "--out", path(dir.path())]);
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("is not a Kohorte analysis"));
}

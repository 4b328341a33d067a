//! Saved analyses: `NAME.kohorte`, a JSON file with every choice that makes
//! an analysis (the data file and how it is read, every setting, the side
//! files, the window's view) and a summary of the data it was made on, so
//! that next month's export can be opened the same way and compared. It
//! holds no customer data: it can be shared without personal data.

use rust_i18n::t;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::analysis::Settings;
use crate::analysis::kpis::Overview;
use crate::analysis::side_sources::SideSettings;
use crate::data::{Dataset, ImportOptions};
use crate::format::{format_number, group_thousands};

pub const EXTENSION: &str = "kohorte";
/// The format's version; files of a newer one are refused with a message.
pub const FORMAT_VERSION: u32 = 1;
pub const PRIVACY_NOTE: &str = "Settings only: this file names the data file but holds no customer data, so it can be shared without personal data.";

/// Whether `path` names a saved analysis.
pub fn is_saved_analysis(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case(EXTENSION))
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SavedAnalysis {
    /// Says what the file is, with its format version.
    pub kohorte_analysis: u32,
    pub saved_with: String,
    pub privacy: String,
    pub data: DataFile,
    /// The dialect and column choices made by hand.
    pub import: ImportOptions,
    pub settings: Settings,
    pub side: SideSettings,
    pub events: Option<FileRef>,
    pub survey: Option<FileRef>,
    /// The window's view choices and open tab, as the window wrote them;
    /// the report leaves them alone.
    #[serde(default)]
    pub window: serde_json::Value,
}

/// A file an analysis reads, relative to the .kohorte file (which moves
/// with it in a shared folder) and absolute.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FileRef {
    pub relative: Option<PathBuf>,
    pub absolute: PathBuf,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DataFile {
    /// `None` for the built-in demo shop.
    pub file: Option<FileRef>,
    pub size_bytes: u64,
    pub sha256: String,
    pub summary: DataSummary,
}

/// What the data held when the analysis was saved, to say what changed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DataSummary {
    pub rows: usize,
    pub customers: usize,
    pub orders: usize,
    pub revenue: Option<f64>,
    pub first_date: Option<NaiveDate>,
    pub last_date: Option<NaiveDate>,
    pub as_of: Option<NaiveDate>,
    /// The Overview's KPIs at the as-of date.
    pub kpis: Vec<SavedKpi>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SavedKpi {
    pub key: String,
    pub name: String,
    pub value: Option<f64>,
    pub unit: crate::chart::Unit,
}

impl DataSummary {
    pub fn of(dataset: &Dataset, as_of: NaiveDate, overview: Option<&Overview>) -> DataSummary {
        let report = &dataset.report;
        DataSummary {
            rows: report.rows_used,
            customers: report.customers,
            orders: report.orders,
            revenue: report.total_amount,
            first_date: report.first_date,
            last_date: report.last_date,
            as_of: Some(as_of),
            kpis: overview.map(kpis_of).unwrap_or_default(),
        }
    }
}

pub fn kpis_of(overview: &Overview) -> Vec<SavedKpi> {
    overview
        .kpis
        .iter()
        .map(|k| SavedKpi {
            key: k.key.to_string(),
            name: k.name.to_string(),
            value: k.value,
            unit: k.unit,
        })
        .collect()
}

/// One line of "what changed": a figure then and now.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    pub what: String,
    pub then: String,
    pub now: String,
    /// An Overview KPI at the saved as-of date, rather than a figure of
    /// the whole file.
    pub kpi: bool,
}

impl Change {
    pub fn differs(&self) -> bool {
        self.then != self.now
    }
}

/// The data's figures and the KPIs at the saved as-of date, then and now.
pub fn what_changed(then: &DataSummary, now: &DataSummary) -> Vec<Change> {
    let count = |n: usize| group_thousands(n);
    let day = |d: Option<NaiveDate>| d.map_or_else(|| "–".to_string(), crate::i18n::format_day);
    let money = |v: Option<f64>| v.map_or_else(|| "–".to_string(), |v| format_number(v, 2));
    let file = |what: &str, then: String, now: String| Change {
        what: what.into(),
        then,
        now,
        kpi: false,
    };
    let mut changes = vec![
        file(&t!("Rows used"), count(then.rows), count(now.rows)),
        file(
            &t!("Customers"),
            count(then.customers),
            count(now.customers),
        ),
        file(&t!("Orders"), count(then.orders), count(now.orders)),
        file(&t!("Revenue"), money(then.revenue), money(now.revenue)),
        file(
            &t!("First order"),
            day(then.first_date),
            day(now.first_date),
        ),
        file(&t!("Last order"), day(then.last_date), day(now.last_date)),
    ];
    for kpi in &then.kpis {
        let format = |v: Option<f64>| v.map_or_else(|| "–".to_string(), |v| kpi.unit.format(v));
        let current = now
            .kpis
            .iter()
            .find(|k| k.key == kpi.key)
            .and_then(|k| k.value);
        changes.push(Change {
            what: kpi.name.clone(),
            then: format(kpi.value),
            now: format(current),
            kpi: true,
        });
    }
    changes
}

/// The size and SHA-256 (lower-case hex) of a file, read in blocks.
pub fn fingerprint(path: &Path) -> std::io::Result<(u64, String)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        size += read as u64;
        hasher.update(&buffer[..read]);
    }
    let hex = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok((size, hex))
}

impl FileRef {
    /// `target` as the analysis saved at `analysis` refers to it.
    pub fn new(target: &Path, analysis: &Path) -> FileRef {
        let absolute = absolute(target);
        let relative = absolute_parent(analysis).and_then(|base| relative_path(&absolute, &base));
        FileRef { relative, absolute }
    }

    /// Where the file is now (see [`FileRef::locate`]), or a message
    /// naming the `what` and where it was looked for.
    pub fn find(&self, analysis: &Path, what: &str) -> Result<PathBuf, String> {
        self.locate(analysis).ok_or_else(|| {
            t!(
                "the %{what} of this analysis was not found at '%{path}' nor beside '%{analysis}'",
                what = what,
                path = self.absolute.display(),
                analysis = analysis.display()
            )
            .into_owned()
        })
    }

    /// Where the file is now: at its absolute path, else at its relative
    /// path from the analysis, else under its name beside the analysis
    /// (a folder moved or mailed whole); `None` when none exists.
    pub fn locate(&self, analysis: &Path) -> Option<PathBuf> {
        let beside = absolute_parent(analysis)?;
        let candidates = [
            Some(self.absolute.clone()),
            self.relative.as_ref().map(|r| beside.join(r)),
            self.absolute.file_name().map(|name| beside.join(name)),
        ];
        candidates.into_iter().flatten().find(|p| p.is_file())
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

fn absolute_parent(path: &Path) -> Option<PathBuf> {
    absolute(path).parent().map(Path::to_path_buf)
}

/// `target` relative to the folder `base`, both absolute; `None` across
/// drives (Windows), where no relative path exists.
fn relative_path(target: &Path, base: &Path) -> Option<PathBuf> {
    let target: Vec<Component> = target.components().collect();
    let base: Vec<Component> = base.components().collect();
    if target.first() != base.first() {
        return None;
    }
    let common = target.iter().zip(&base).take_while(|(a, b)| a == b).count();
    let mut relative = PathBuf::new();
    for _ in common..base.len() {
        relative.push("..");
    }
    for part in &target[common..] {
        relative.push(part.as_os_str());
    }
    Some(relative)
}

/// Why a saved analysis could not be read.
#[derive(Debug)]
pub enum SavedError {
    Read { path: String, reason: String },
    NotAnAnalysis { path: String, reason: String },
    Newer { path: String, version: u32 },
}

impl std::fmt::Display for SavedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&match self {
            SavedError::Read { path, reason } => t!(
                "could not read the analysis '%{path}': %{reason}",
                path = path,
                reason = reason
            ),
            SavedError::NotAnAnalysis { path, reason } => t!(
                "'%{path}' is not a Kohorte analysis (%{reason}); open order logs as CSV or Parquet files",
                path = path,
                reason = reason
            ),
            SavedError::Newer { path, version } => t!(
                "'%{path}' was saved by a newer Kohorte (analysis format %{version}); update Kohorte to open it",
                path = path,
                version = version
            ),
        })
    }
}

impl std::error::Error for SavedError {}

impl SavedAnalysis {
    pub fn read(path: &Path) -> Result<SavedAnalysis, SavedError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| SavedError::Read {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| SavedError::NotAnAnalysis {
                path: shown.clone(),
                reason: e.to_string(),
            })?;
        let version = value
            .get("kohorte_analysis")
            .and_then(serde_json::Value::as_u64)
            .ok_or_else(|| SavedError::NotAnAnalysis {
                path: shown.clone(),
                reason: "no \"kohorte_analysis\" version".into(),
            })?;
        if version > u64::from(FORMAT_VERSION) {
            return Err(SavedError::Newer {
                path: shown,
                version: u32::try_from(version).unwrap_or(u32::MAX),
            });
        }
        serde_json::from_value(value).map_err(|e| SavedError::NotAnAnalysis {
            path: shown,
            reason: e.to_string(),
        })
    }

    /// Writes the analysis atomically, as indented JSON.
    pub fn write(&self, path: &Path) -> Result<(), crate::export::ExportError> {
        crate::export::write_json(path, self)
    }

    /// The data file, where it is now; `None` for the demo shop. The error
    /// names where it was looked for.
    pub fn data_path(&self, analysis: &Path) -> Result<Option<PathBuf>, String> {
        self.data
            .file
            .as_ref()
            .map(|file| file.find(analysis, &t!("data file")))
            .transpose()
    }

    /// An analysis of `parts`, to be saved at `path`: its files referred
    /// to from there, its as-of date fixed to the summary's so that next
    /// month's export opens on the same period. The data file's size and
    /// SHA-256 come with [`SavedAnalysis::save`].
    pub fn new(path: &Path, parts: AnalysisParts<'_>) -> SavedAnalysis {
        let mut settings = parts.settings;
        settings.as_of = parts.summary.as_of.or(settings.as_of);
        let refer = |file: Option<&Path>| file.map(|f| FileRef::new(f, path));
        SavedAnalysis {
            kohorte_analysis: FORMAT_VERSION,
            saved_with: format!("Kohorte {}", env!("CARGO_PKG_VERSION")),
            privacy: PRIVACY_NOTE.into(),
            data: DataFile {
                file: refer(parts.data),
                size_bytes: 0,
                sha256: String::new(),
                summary: parts.summary,
            },
            import: parts.import,
            settings,
            side: parts.side,
            events: refer(parts.events),
            survey: refer(parts.survey),
            window: parts.window,
        }
    }

    /// Fingerprints the data file (read whole: seconds for a large export,
    /// so the window calls this in the background) and writes the analysis
    /// to `path`, atomically.
    pub fn save(mut self, path: &Path) -> Result<(), String> {
        if let Some(file) = &self.data.file {
            let (size, sha256) = fingerprint(&file.absolute).map_err(|e| {
                t!(
                    "could not read '%{name}': %{reason}",
                    name = file.absolute.display(),
                    reason = e
                )
                .into_owned()
            })?;
            self.data.size_bytes = size;
            self.data.sha256 = sha256;
        }
        self.write(path).map_err(|e| e.to_string())
    }
}

/// What a saved analysis is made of: the files it reads (`data` `None` for
/// the demo shop), the data's summary, and every choice.
pub struct AnalysisParts<'a> {
    pub data: Option<&'a Path>,
    pub summary: DataSummary,
    pub import: ImportOptions,
    pub settings: Settings,
    pub side: SideSettings,
    pub events: Option<&'a Path>,
    pub survey: Option<&'a Path>,
    /// The window's view and open tab; null from the report.
    pub window: serde_json::Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_climb_and_descend() {
        assert_eq!(
            relative_path(Path::new("/a/data/x.csv"), Path::new("/a/reports")),
            Some(PathBuf::from("../data/x.csv"))
        );
        assert_eq!(
            relative_path(Path::new("/a/x.csv"), Path::new("/a")),
            Some(PathBuf::from("x.csv"))
        );
    }

    #[test]
    fn fingerprint_is_sha256() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("abc.txt");
        std::fs::write(&path, "abc").unwrap();
        let (size, hex) = fingerprint(&path).unwrap();
        assert_eq!(size, 3);
        assert_eq!(
            hex,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn no_quote_character_survives_the_json() {
        let mut import = ImportOptions::default();
        import.dialect.quote = Some(None);
        let text = serde_json::to_string(&import).unwrap();
        let back: ImportOptions = serde_json::from_str(&text).unwrap();
        assert_eq!(back.dialect.quote, Some(None), "{text}");
        import.dialect.quote = Some(Some('\''));
        let text = serde_json::to_string(&import).unwrap();
        let back: ImportOptions = serde_json::from_str(&text).unwrap();
        assert_eq!(back.dialect.quote, Some(Some('\'')));
        let detect: ImportOptions = serde_json::from_str("{}").unwrap();
        assert_eq!(detect.dialect.quote, None);
    }

    #[test]
    fn a_moved_file_is_found_beside_the_analysis() {
        let dir = tempfile::tempdir().unwrap();
        let analysis = dir.path().join("june.kohorte");
        let reference = FileRef {
            relative: Some(PathBuf::from("exports/orders.csv")),
            absolute: PathBuf::from("/nowhere/orders.csv"),
        };
        assert_eq!(reference.locate(&analysis), None);
        std::fs::write(dir.path().join("orders.csv"), "x").unwrap();
        assert_eq!(
            reference.locate(&analysis),
            Some(dir.path().join("orders.csv"))
        );
    }
}

//! Writing files the safe way: to a temporary file beside the target, then
//! renamed into place, so a crash or a full disk never leaves half a file
//! and never touches the user's input.

use rust_i18n::t;
use std::io::Write;
use std::path::{Path, PathBuf};

use polars::prelude::*;

#[derive(Debug)]
pub struct ExportError {
    pub path: PathBuf,
    pub reason: String,
}

impl std::fmt::Display for ExportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&t!(
            "could not write '%{path}': %{reason}",
            path = self.path.display(),
            reason = self.reason
        ))
    }
}

impl std::error::Error for ExportError {}

impl ExportError {
    pub fn new(path: &Path, reason: impl ToString) -> Self {
        ExportError {
            path: path.to_path_buf(),
            reason: reason.to_string(),
        }
    }
}

/// Creates a temporary file in the target's folder (same file system, so the
/// rename is atomic), lets `fill` write it, then moves it over `path`.
/// `suffix` is kept on the temporary name for writers that look at it.
pub fn write_atomically(
    path: &Path,
    suffix: &str,
    fill: impl FnOnce(&Path, &mut std::fs::File) -> Result<(), String>,
) -> Result<(), ExportError> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".kohorte-").suffix(suffix);
    // Created like any other file (0666 less the umask), not 0600, so a
    // colleague or a shared folder can open what was exported.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut temp = builder
        .tempfile_in(&dir)
        .map_err(|e| ExportError::new(path, e))?;
    let temp_path = temp.path().to_path_buf();
    fill(&temp_path, temp.as_file_mut()).map_err(|e| ExportError::new(path, e))?;
    temp.as_file_mut()
        .sync_all()
        .map_err(|e| ExportError::new(path, e))?;
    temp.persist(path)
        .map_err(|e| ExportError::new(path, e.error))?;
    Ok(())
}

pub fn write_bytes(path: &Path, bytes: &[u8]) -> Result<(), ExportError> {
    write_atomically(path, ".tmp", |_, file| {
        file.write_all(bytes).map_err(|e| e.to_string())
    })
}

pub fn write_json(path: &Path, value: &impl serde::Serialize) -> Result<(), ExportError> {
    let text = serde_json::to_string_pretty(value).map_err(|e| ExportError::new(path, e))?;
    write_bytes(path, format!("{text}\n").as_bytes())
}

/// Writes a table as CSV: comma-separated, decimal point, ISO dates, so any
/// tool reads it back.
pub fn write_csv(path: &Path, frame: &DataFrame) -> Result<(), ExportError> {
    let mut frame = frame.clone();
    write_atomically(path, ".csv", |_, file| {
        CsvWriter::new(file)
            .include_header(true)
            .with_datetime_format(Some("%Y-%m-%d %H:%M:%S".into()))
            .with_date_format(Some("%Y-%m-%d".into()))
            .finish(&mut frame)
            .map_err(|e| e.to_string())
    })
}

/// Writes a table as an Excel workbook (one sheet, columns fitted), for
/// e-mail and ads tools that want .xlsx.
pub fn write_xlsx(path: &Path, frame: &DataFrame) -> Result<(), ExportError> {
    let mut workbook = polars_excel_writer::PolarsExcelWriter::new();
    workbook.set_autofit(true);
    workbook
        .write_dataframe(frame)
        .map_err(|e| ExportError::new(path, e))?;
    let bytes = workbook
        .save_to_buffer()
        .map_err(|e| ExportError::new(path, e))?;
    write_bytes(path, &bytes)
}

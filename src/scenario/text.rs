//! Reading scenario and sweep files: text of bounded size, UTF-8, with a place for what is not.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use super::{locate, Problem};

/// The largest scenario or sweep file read: a port described in a megabyte of TOML is a mistake
/// (a data file named by accident), not a port.
pub const MAX_FILE_BYTES: u64 = 1 << 20;

/// Why a file's text could not be had.
#[derive(Debug)]
pub(crate) enum TextError {
    /// It could not be read at all.
    Io(io::Error),
    /// It was read but is not a scenario's text: too large, or not UTF-8.
    Invalid(Problem),
}

/// Reads the file at `path` as UTF-8 text of at most [`MAX_FILE_BYTES`].
pub(crate) fn read_text(path: &Path) -> Result<String, TextError> {
    let problem = |line, column, message: String| {
        TextError::Invalid(Problem {
            file: path.to_path_buf(),
            line,
            column,
            key: String::new(),
            message,
        })
    };
    // Before opening: opening a FIFO waits for a writer that may never come.
    let metadata = std::fs::metadata(path).map_err(TextError::Io)?;
    if metadata.is_dir() {
        return Err(TextError::Io(io::Error::new(
            io::ErrorKind::InvalidInput,
            "it is a folder, not a file",
        )));
    }
    if !metadata.is_file() {
        return Err(TextError::Io(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file (a FIFO or a device)",
        )));
    }
    let file = File::open(path).map_err(TextError::Io)?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(TextError::Io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(problem(
            0,
            0,
            format!(
                "more than {MAX_FILE_BYTES} bytes (1 MiB): too large for a scenario or sweep file"
            ),
        ));
    }
    String::from_utf8(bytes).map_err(|error| {
        let valid = error.utf8_error().valid_up_to();
        let bytes = error.as_bytes();
        let before = String::from_utf8_lossy(&bytes[..valid]);
        let (line, column) = locate::line_column(&before, before.len());
        problem(
            line,
            column,
            format!(
                "not UTF-8 text (byte 0x{:02X}): save the file as UTF-8",
                bytes[valid]
            ),
        )
    })
}

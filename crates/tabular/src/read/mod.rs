//! Reading an uploaded spreadsheet into a checked [`Table`].

pub(crate) mod csv;
pub(crate) mod xlsx;

use crate::format::{OLE_MAGIC, ZIP_MAGIC};
use crate::{Format, Limits, Table, TabularError};

/// Reads a spreadsheet in `format` and checks it: size, encoding, structure, header row.
///
/// The content overrules `format` where it is unmistakable: a zip archive is read as .xlsx and
/// an Excel 97-2003 compound document is reported as [`TabularError::LegacyXls`], whatever
/// the file was called.
pub fn read<'a>(
    bytes: &'a [u8],
    format: Format,
    limits: &Limits,
) -> Result<Table<'a>, TabularError> {
    check_size(bytes, limits)?;
    if bytes.starts_with(OLE_MAGIC) {
        return Err(TabularError::LegacyXls);
    }
    if bytes.starts_with(ZIP_MAGIC) {
        return xlsx::read_xlsx(bytes, limits);
    }
    match format {
        Format::Csv => csv::read_csv(bytes, limits),
        Format::Xlsx => Err(TabularError::NotASpreadsheet),
    }
}

/// Reads an upload by its file name and content: [`Format::detect`], then [`read`].
pub fn read_file<'a>(
    file_name: &str,
    bytes: &'a [u8],
    limits: &Limits,
) -> Result<Table<'a>, TabularError> {
    // Size first: a huge upload is refused for its size before anything looks inside it.
    check_size(bytes, limits)?;
    let format = Format::detect(file_name, bytes).ok_or(TabularError::NotASpreadsheet)?;
    read(bytes, format, limits)
}

fn check_size(bytes: &[u8], limits: &Limits) -> Result<(), TabularError> {
    if bytes.len() > limits.max_bytes {
        return Err(TabularError::TooLarge {
            bytes: bytes.len(),
            limit: limits.max_bytes,
        });
    }
    Ok(())
}

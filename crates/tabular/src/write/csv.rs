//! CSV export: UTF-8, CRLF line ends, fields quoted where needed.

use std::io::Write;

use crate::write::{cell_text, guarded};
use crate::{Cell, TabularError};

/// Writes `headers` and then `rows` as CSV to `out`, and returns the number of data rows.
///
/// With `bom` the file starts with a UTF-8 byte-order mark, without which Excel on a Chinese
/// system reads UTF-8 as GBK and shows garbage: pass `true` for files people will open, `false`
/// for machine consumers that do not expect one. Text cells are guarded against formula
/// injection (see [`Cell::Text`]); for progress reports, count rows as the iterator yields them.
pub fn write_csv<W: Write>(
    headers: &[&str],
    rows: impl IntoIterator<Item = Vec<Cell>>,
    mut out: W,
    bom: bool,
) -> Result<u64, TabularError> {
    if bom {
        out.write_all(b"\xEF\xBB\xBF")?;
    }
    let mut writer = csv::WriterBuilder::new()
        // CRLF is what Excel writes and what RFC 4180 specifies.
        .terminator(csv::Terminator::CRLF)
        .flexible(true)
        .from_writer(out);
    for header in headers {
        writer
            .write_field(guarded(header).as_bytes())
            .map_err(io_error)?;
    }
    end_record(&mut writer)?;
    let mut count = 0u64;
    for row in rows {
        for cell in &row {
            writer
                .write_field(cell_text(cell).as_bytes())
                .map_err(io_error)?;
        }
        end_record(&mut writer)?;
        count += 1;
    }
    writer.flush()?;
    Ok(count)
}

/// Ends the record whose fields were written one by one (the `csv` crate's idiom).
fn end_record<W: Write>(writer: &mut csv::Writer<W>) -> Result<(), TabularError> {
    writer.write_record(None::<&[u8]>).map_err(io_error)
}

fn io_error(error: csv::Error) -> TabularError {
    TabularError::Io {
        detail: error.to_string(),
    }
}

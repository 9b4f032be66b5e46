//! How much input a read accepts, so one upload cannot exhaust the server.

/// Bounds on what [`read`](crate::read) accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest input, in bytes (of the file as uploaded, before decompression).
    pub max_bytes: usize,
    /// The most data rows (rows below the header that are not blank).
    pub max_rows: usize,
}

impl Default for Limits {
    /// 200 MiB and 1,100,000 rows: room for a full worksheet (1,048,575 data rows) or a
    /// million-row CSV of a province's registry, with some slack.
    fn default() -> Self {
        Limits {
            max_bytes: 200 * 1024 * 1024,
            max_rows: 1_100_000,
        }
    }
}

/// The most columns of a row: Excel's own limit (column XFD). Wider rows come only from
/// damaged or hostile files, and would cost memory in every row.
pub(crate) const MAX_COLUMNS: usize = 16_384;

//! Everything that can go wrong reading or writing a spreadsheet, as data.
//!
//! Variants carry numbers and names rather than sentences, so the user interface can say them
//! in the user's language; [`TabularError::message`] gives the wording in Chinese and English,
//! each message saying what is wrong and what to do next.

/// The language of a message shown to a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Simplified Chinese (简体中文), the default for users in China.
    Zh,
    /// English.
    En,
}

/// Why a spreadsheet could not be read or written.
///
/// Rows are spreadsheet row numbers as the user sees them (the header is usually row 1);
/// columns are letters as Excel shows them ("A", "B", … "AA").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message(Lang::En))]
pub enum TabularError {
    /// The input is larger than [`Limits::max_bytes`](crate::Limits::max_bytes).
    TooLarge {
        /// Size of the input in bytes.
        bytes: usize,
        /// The largest size accepted, in bytes.
        limit: usize,
    },
    /// The input has more data rows than [`Limits::max_rows`](crate::Limits::max_rows).
    TooManyRows {
        /// The most data rows accepted.
        limit: usize,
    },
    /// A row has more columns than any spreadsheet program makes.
    TooManyColumns {
        /// The most columns accepted.
        limit: usize,
    },
    /// There is nothing to read: no header row.
    Empty,
    /// A text file is in none of the encodings we read (UTF-8, UTF-16 with BOM, GB18030/GBK).
    Encoding {
        /// 1-based line of the text file where the first undecodable byte is.
        line: usize,
    },
    /// The file is damaged: a corrupt or truncated workbook, or an unreadable row.
    Malformed {
        /// Spreadsheet row where the damage was found, when it is known.
        row: Option<usize>,
        /// What the underlying reader reported, for support staff (not translated).
        detail: String,
    },
    /// A CSV field opens a double quote that is never closed, so the rest of the file is one
    /// cell.
    UnclosedQuote {
        /// Spreadsheet row where the unclosed field starts.
        row: usize,
    },
    /// A data row has a value in a column that has no header, so it cannot be attributed to a
    /// field (in CSV, usually a value with an unquoted comma that shifted the row).
    ValueWithoutHeader {
        /// Spreadsheet row of the value.
        row: usize,
        /// Column letter of the value.
        column: String,
    },
    /// Two header cells have the same name, so a column lookup would be ambiguous.
    DuplicateHeader {
        /// The header name as written in the first of the two columns.
        name: String,
        /// Column letter of the first occurrence.
        first: String,
        /// Column letter of the second occurrence.
        second: String,
    },
    /// A column the caller requires is not in the header row.
    MissingColumn {
        /// The accepted names of the column, the preferred one first.
        names: Vec<String>,
    },
    /// The input is neither an .xlsx workbook nor a text (CSV) file.
    NotASpreadsheet,
    /// The input is an Excel 97-2003 (.xls) workbook or an encrypted workbook, which are
    /// compound documents rather than .xlsx zip packages.
    LegacyXls,
    /// An .xlsx export was asked to hold more data rows than a worksheet can.
    XlsxRowLimit {
        /// The most data rows one worksheet holds (below its header row).
        rows: usize,
    },
    /// A text value is longer than an .xlsx cell holds.
    CellTooLong {
        /// Spreadsheet row of the cell.
        row: usize,
        /// Column letter of the cell.
        column: String,
        /// The most characters a cell holds.
        limit: usize,
    },
    /// Writing the output failed (disk full, closed connection, temporary directory missing).
    Io {
        /// What the operating system or writer reported (not translated).
        detail: String,
    },
}

impl TabularError {
    /// The spreadsheet row and column letter the error names, where it names them.
    pub fn place(&self) -> (Option<usize>, Option<String>) {
        match self {
            Self::Malformed { row, .. } => (*row, None),
            Self::UnclosedQuote { row } => (Some(*row), None),
            Self::ValueWithoutHeader { row, column } | Self::CellTooLong { row, column, .. } => {
                (Some(*row), Some(column.clone()))
            }
            _ => (None, None),
        }
    }

    /// A message for the user in `lang`: what is wrong and what to do next.
    pub fn message(&self, lang: Lang) -> String {
        match lang {
            Lang::Zh => self.message_zh(),
            Lang::En => self.message_en(),
        }
    }

    fn message_zh(&self) -> String {
        match self {
            Self::TooLarge { bytes, limit } => {
                let (bytes, limit) = sizes(*bytes, *limit);
                format!(
                    "文件过大（{bytes}），超过了 {limit} 的上限。请把数据拆分为几个文件分批导入，或删除不需要的工作表和列后再试。"
                )
            }
            Self::TooManyRows { limit } => format!(
                "数据行数超过上限（最多 {} 行）。请把数据拆分为几个文件分批导入。",
                thousands(*limit)
            ),
            Self::TooManyColumns { limit } => format!(
                "列数超过上限（最多 {} 列）。请删除多余的列后再导入。",
                thousands(*limit)
            ),
            Self::Empty => "文件中没有内容：找不到表头行。请确认文件不是空白的，且第一行是列名（如“单位名称”）。".to_string(),
            Self::Encoding { line } => format!(
                "文件第 {line} 行含有无法识别的字符：文件编码既不是 UTF-8，也不是 GBK/GB18030。请在 Excel 中“另存为” CSV UTF-8（逗号分隔）或 .xlsx 工作簿后再导入。"
            ),
            Self::Malformed { row: None, detail } => format!(
                "文件不是有效的 .xlsx 工作簿（可能已损坏或未完整上传）。请在 Excel 中重新保存为 .xlsx 后再导入。（技术信息：{detail}）"
            ),
            Self::Malformed { row: Some(row), detail } => format!(
                "第 {row} 行附近的内容无法读取，文件可能已损坏。请在 Excel 中打开文件，重新保存为 .xlsx 后再导入。（技术信息：{detail}）"
            ),
            Self::UnclosedQuote { row } => format!(
                "第 {row} 行：某个单元格以英文双引号（\"）开头，但这个引号直到文件末尾都没有闭合，之后的内容无法分行。请检查该行的引号，或用 Excel 打开后另存为 CSV UTF-8 再导入。"
            ),
            Self::ValueWithoutHeader { row, column } => format!(
                "第 {row} 行 {column} 列有内容，但该列没有列名。请在表头行为该列填写列名，或删除这个内容后再导入。CSV 文件中含英文逗号的内容须用英文双引号括起来。"
            ),
            Self::DuplicateHeader { name, first, second } => format!(
                "表头中“{name}”出现了两次（{first} 列和 {second} 列）。请删除或重命名其中一列后再导入。"
            ),
            Self::MissingColumn { names } => {
                let (wanted, others) = split_names(names);
                let also = if others.is_empty() {
                    String::new()
                } else {
                    format!("（也可命名为：{}）", others.join("、"))
                };
                format!("缺少“{wanted}”列{also}。请在表头行中添加该列后再导入。")
            }
            Self::NotASpreadsheet => "无法识别文件格式：只能导入 .xlsx 工作簿和 .csv 文本文件。请在 Excel 中“另存为” .xlsx 或 CSV UTF-8 后再导入。".to_string(),
            Self::LegacyXls => "这是旧版 Excel 97-2003 工作簿（.xls）或设置了密码的工作簿，无法直接导入。请在 Excel 或 WPS 中打开，取消密码保护后“另存为” .xlsx 工作簿再导入。".to_string(),
            Self::XlsxRowLimit { rows } => format!(
                "一个 .xlsx 工作表最多容纳 {} 行数据，本次导出超出了这个上限。请改为导出 CSV，或缩小导出范围。",
                thousands(*rows)
            ),
            Self::CellTooLong { row, column, limit } => format!(
                "第 {row} 行 {column} 列的内容超过 {} 个字符，超出了 .xlsx 单元格的容量。请改为导出 CSV。",
                thousands(*limit)
            ),
            Self::Io { detail } => format!(
                "写出文件时失败（{detail}）。请检查磁盘空间和网络连接后重试。"
            ),
        }
    }

    fn message_en(&self) -> String {
        match self {
            Self::TooLarge { bytes, limit } => {
                let (bytes, limit) = sizes(*bytes, *limit);
                format!(
                    "The file is too large ({bytes}); the limit is {limit}. Split the data into several files and import them one by one, or remove unneeded sheets and columns."
                )
            }
            Self::TooManyRows { limit } => format!(
                "The file has more than {} data rows. Split the data into several files and import them one by one.",
                thousands(*limit)
            ),
            Self::TooManyColumns { limit } => format!(
                "The file has more than {} columns. Delete the extra columns and import again.",
                thousands(*limit)
            ),
            Self::Empty => "The file has no content: no header row was found. Make sure the file is not blank and its first row holds the column names.".to_string(),
            Self::Encoding { line } => format!(
                "Line {line} of the file has characters that cannot be decoded: the file is neither UTF-8 nor GBK/GB18030. In Excel, use Save As with \"CSV UTF-8 (comma delimited)\" or .xlsx, then import again."
            ),
            Self::Malformed { row: None, detail } => format!(
                "The file is not a valid .xlsx workbook (it may be damaged or incompletely uploaded). Open it in Excel, save it again as .xlsx, then import again. (Technical detail: {detail})"
            ),
            Self::Malformed { row: Some(row), detail } => format!(
                "The content near row {row} cannot be read; the file may be damaged. Open it in Excel, save it again as .xlsx, then import again. (Technical detail: {detail})"
            ),
            Self::UnclosedQuote { row } => format!(
                "Row {row}: a cell starts with a double quote (\") that is never closed, so the rest of the file cannot be split into rows. Check the quotes in that row, or open the file in Excel and save it again as CSV UTF-8."
            ),
            Self::ValueWithoutHeader { row, column } => format!(
                "Row {row}, column {column} has a value but the column has no name. Name the column in the header row, or delete the value, then import again. In a CSV file, a value containing a comma must be enclosed in double quotes."
            ),
            Self::DuplicateHeader { name, first, second } => format!(
                "The column name \"{name}\" appears twice (columns {first} and {second}). Delete or rename one of them and import again."
            ),
            Self::MissingColumn { names } => {
                let (wanted, others) = split_names(names);
                let also = if others.is_empty() {
                    String::new()
                } else {
                    format!(" (it may also be named {})", others.join(", "))
                };
                format!("The column \"{wanted}\"{also} is missing. Add it to the header row and import again.")
            }
            Self::NotASpreadsheet => "The file format is not recognised: only .xlsx workbooks and .csv text files can be imported. In Excel, use Save As with .xlsx or \"CSV UTF-8\", then import again.".to_string(),
            Self::LegacyXls => "This is an Excel 97-2003 workbook (.xls) or a password-protected workbook, which cannot be imported directly. Open it in Excel or WPS, remove the password, save it as an .xlsx workbook, then import again.".to_string(),
            Self::XlsxRowLimit { rows } => format!(
                "An .xlsx worksheet holds at most {} data rows and this export has more. Export to CSV instead, or narrow the export.",
                thousands(*rows)
            ),
            Self::CellTooLong { row, column, limit } => format!(
                "The value in row {row}, column {column} is longer than {} characters, more than an .xlsx cell holds. Export to CSV instead.",
                thousands(*limit)
            ),
            Self::Io { detail } => format!(
                "Writing the file failed ({detail}). Check free disk space and the connection, then try again."
            ),
        }
    }
}

impl From<std::io::Error> for TabularError {
    fn from(error: std::io::Error) -> Self {
        Self::Io {
            detail: error.to_string(),
        }
    }
}

/// The preferred name and the alternatives of a required column.
fn split_names(names: &[String]) -> (&str, Vec<&str>) {
    match names.split_first() {
        Some((first, rest)) => (first.as_str(), rest.iter().map(String::as_str).collect()),
        None => ("", Vec::new()),
    }
}

/// `1048575` → `"1,048,575"`: large limits are easier to read grouped.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let groups: Vec<&str> = digits
        .as_bytes()
        .rchunks(3)
        .rev()
        // Chunks of ASCII digits are valid UTF-8.
        .map(|chunk| std::str::from_utf8(chunk).unwrap_or(""))
        .collect();
    groups.join(",")
}

/// A size and the limit it exceeds, as people say them, or in bytes where the rounded sizes
/// would read the same (`200.0 MiB` over `200.0 MiB`).
fn sizes(bytes: usize, limit: usize) -> (String, String) {
    let (a, b) = (human_size(bytes), human_size(limit));
    if a == b {
        (
            format!("{} B", thousands(bytes)),
            format!("{} B", thousands(limit)),
        )
    } else {
        (a, b)
    }
}

/// A byte count as people say it (`"200.0 MiB"`), exact below one KiB.
fn human_size(bytes: usize) -> String {
    const KIB: f64 = 1024.0;
    // Precision loss above 2^53 bytes does not matter for a size shown to one decimal.
    let b = bytes as f64;
    if b < KIB {
        format!("{bytes} B")
    } else if b < KIB * KIB {
        format!("{:.1} KiB", b / KIB)
    } else if b < KIB * KIB * KIB {
        format!("{:.1} MiB", b / (KIB * KIB))
    } else {
        format!("{:.1} GiB", b / (KIB * KIB * KIB))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_numbers_are_grouped_by_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_048_575), "1,048,575");
    }

    #[test]
    fn a_size_just_over_its_limit_is_shown_in_bytes() {
        let limit = 200 * 1024 * 1024;
        assert_eq!(
            sizes(limit + 218, limit),
            ("209,715,418 B".to_string(), "209,715,200 B".to_string())
        );
        assert_eq!(
            sizes(300 << 20, limit),
            ("300.0 MiB".to_string(), "200.0 MiB".to_string())
        );
    }

    #[test]
    fn sizes_are_shown_in_binary_units() {
        assert_eq!(human_size(512), "512 B");
        assert_eq!(human_size(200 * 1024 * 1024), "200.0 MiB");
    }

    #[test]
    fn display_is_the_english_message() {
        let error = TabularError::Encoding { line: 3 };
        assert_eq!(error.to_string(), error.message(Lang::En));
    }
}

//! Mapping a file's header row (表头) to a list's columns.

use super::columns::ColumnSpec;
use super::error::{ListError, Reason};
use super::ListKind;

/// Where each column of a list is in a file, found from the file's header row by
/// [`map_headers`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderMap {
    kind: ListKind,
    /// Per column of `kind.columns()`, in that order: its index in the file's rows and the
    /// header text as the file spells it.
    found: Vec<Option<(usize, String)>>,
    ignored: Vec<IgnoredColumn>,
}

/// A column of the file that matched no column of the list and is ignored; the UI shows it as a
/// warning, since a misspelt header of an optional column lands here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoredColumn {
    /// Position in the file's rows, 0-based.
    pub index: usize,
    /// The header as in the file.
    pub header: String,
}

impl HeaderMap {
    /// The map of a file laid out like the template: every column, in template order, under its
    /// Chinese header. [`crate::lists::Record::to_cells`] writes rows in this layout.
    pub fn template(kind: ListKind) -> HeaderMap {
        HeaderMap {
            kind,
            found: kind
                .columns()
                .iter()
                .enumerate()
                .map(|(i, c)| Some((i, c.header_zh.to_owned())))
                .collect(),
            ignored: Vec::new(),
        }
    }

    /// The list the map was made for.
    pub fn kind(&self) -> ListKind {
        self.kind
    }

    /// The file's columns that are ignored.
    pub fn ignored(&self) -> &[IgnoredColumn] {
        &self.ignored
    }

    fn slot(&self, key: &str) -> Option<&(usize, String)> {
        let position = self.kind.columns().iter().position(|c| c.key == key)?;
        self.found.get(position)?.as_ref()
    }

    /// The 0-based position in the file's rows of the column with field key `key`, when the
    /// file has it.
    pub fn index_of(&self, key: &str) -> Option<usize> {
        self.slot(key).map(|&(index, _)| index)
    }

    /// The header of the column with field key `key` as the file spells it, when the file has
    /// it.
    pub fn header_of(&self, key: &str) -> Option<&str> {
        self.slot(key).map(|(_, header)| header.as_str())
    }

    /// The header to name the column by in a message: as the file spells it, or the template's
    /// when the file lacks the column.
    pub(crate) fn column_name(&self, key: &str) -> String {
        self.header_of(key)
            .or_else(|| self.kind.column(key).map(|c| c.header_zh))
            .unwrap_or(key)
            .to_owned()
    }

    /// The cell of the column `key` in `cells`, trimmed; empty when the file lacks the column or
    /// the row is short (spreadsheets drop trailing empty cells).
    pub(crate) fn cell<'a>(&self, key: &str, cells: &'a [String]) -> &'a str {
        self.index_of(key)
            .and_then(|i| cells.get(i))
            .map_or("", |c| c.trim())
    }
}

/// Markers templates put on headers to flag required or optional columns; they are not part of
/// the column's name. Compared after [`header_key`]'s folding, so full-width brackets match too.
const HEADER_MARKERS: &[&str] = &[
    "(必填)",
    "(必填项)",
    "(选填)",
    "(可选)",
    "(非必填)",
    "【必填】",
    "【选填】",
    "(required)",
    "(optional)",
];

/// The form of a header that matching compares: full-width ASCII folded to half width, all
/// whitespace (including line breaks inside a wrapped header cell) removed, ASCII lower-cased,
/// and a leading or trailing `*` and a `(必填)` marker dropped.
pub(crate) fn header_key(header: &str) -> String {
    let mut key: String = header
        .chars()
        .map(fold_full_width)
        .filter(|c| !c.is_whitespace() && *c != '\u{FEFF}')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    loop {
        let before = key.len();
        key = key.trim_matches('*').to_owned();
        for marker in HEADER_MARKERS {
            if let Some(rest) = key.strip_suffix(marker) {
                key = rest.to_owned();
            }
        }
        if key.len() == before {
            return key;
        }
    }
}

/// Full-width ASCII (U+FF01-U+FF5E) to half width, the ideographic space to a space.
pub(crate) fn fold_full_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

fn matches(column: &ColumnSpec, key: &str) -> bool {
    column.names().any(|name| header_key(name) == key)
}

/// Maps the header row of a file to the columns of `kind`.
///
/// A header matches a column when it equals the column's key, Chinese or English header or an
/// alias, ignoring surrounding and inner whitespace, full or half width, ASCII case, and a `*` or
/// `(必填)` marker. Headers matching nothing are ignored and listed in
/// [`HeaderMap::ignored`]; empty headers are skipped silently. Errors: one per missing required
/// column, and one per header that names a column an earlier header already named.
pub fn map_headers(kind: ListKind, headers: &[String]) -> Result<HeaderMap, Vec<ListError>> {
    let columns = kind.columns();
    let mut found: Vec<Option<(usize, String)>> = vec![None; columns.len()];
    let mut ignored = Vec::new();
    let mut errors = Vec::new();
    for (index, header) in headers.iter().enumerate() {
        let key = header_key(header);
        if key.is_empty() {
            continue;
        }
        let Some(position) = columns.iter().position(|c| matches(c, &key)) else {
            ignored.push(IgnoredColumn {
                index,
                header: header.trim().to_owned(),
            });
            continue;
        };
        match &found[position] {
            Some((_, first)) => errors.push(ListError {
                row: None,
                column: Some(header.trim().to_owned()),
                reason: Reason::DuplicateColumn {
                    other: first.clone(),
                },
            }),
            None => found[position] = Some((index, header.trim().to_owned())),
        }
    }
    for (column, slot) in columns.iter().zip(&found) {
        if column.required && slot.is_none() {
            errors.push(ListError {
                row: None,
                column: Some(column.header_zh.to_owned()),
                reason: Reason::MissingColumn,
            });
        }
    }
    if errors.is_empty() {
        Ok(HeaderMap {
            kind,
            found,
            ignored,
        })
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_keys_fold_width_case_space_and_markers() {
        assert_eq!(header_key(" *统一社会信用代码（必填）"), "统一社会信用代码");
        assert_eq!(header_key("统一社会\n信用代码*"), "统一社会信用代码");
        assert_eq!(
            header_key("Unified Social Credit Code"),
            "unifiedsocialcreditcode"
        );
        assert_eq!(header_key("ＵＳＣＣ"), "uscc");
        assert_eq!(header_key("经度（°）"), "经度(°)");
        assert_eq!(header_key("*"), "");
    }
}

//! An .xlsx upload, checked as a table and run through the checks of every list.
//!
//! An input that starts like a zip archive is read as the whole file, which fuzzes the archive
//! layer. Any other input is the parts of a workbook, separated by NUL bytes: the worksheet XML,
//! then optionally the shared strings, the styles and the workbook XML. They are packed into a
//! valid archive, so the fuzzer reaches the XML and the cell values without having to forge zip
//! checksums.

#![no_main]

use std::io::{Cursor, Write};

use libfuzzer_sys::fuzz_target;
use spotcheck_fuzz::{check_upload, let_reader_panics_unwind};
use spotcheck_tabular::Format;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>"#;

const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;

const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#;

const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#;

/// Packs the NUL-separated parts into an .xlsx archive (stored entries, no compression).
fn workbook(data: &[u8]) -> Vec<u8> {
    let mut parts = data.splitn(4, |&b| b == 0);
    let sheet = parts.next().unwrap_or_default();
    let shared = parts.next();
    let styles = parts.next();
    let workbook = parts.next().unwrap_or(WORKBOOK.as_bytes());
    let mut files: Vec<(&str, &[u8])> = vec![
        ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        ("_rels/.rels", ROOT_RELS.as_bytes()),
        ("xl/workbook.xml", workbook),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.as_bytes()),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    // A missing part is left out of the archive, as in a workbook without shared strings.
    files.extend(shared.map(|part| ("xl/sharedStrings.xml", part)));
    files.extend(styles.map(|part| ("xl/styles.xml", part)));
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    for (name, content) in files {
        zip.start_file(name, options).expect("writing to memory");
        zip.write_all(content).expect("writing to memory");
    }
    zip.finish().expect("writing to memory").into_inner()
}

fuzz_target!(init: let_reader_panics_unwind(), |data: &[u8]| {
    if data.starts_with(b"PK\x03\x04") {
        check_upload(data, Format::Xlsx, "list.xlsx");
    } else {
        check_upload(&workbook(data), Format::Xlsx, "list.xlsx");
    }
});

//! How fast big lists go out and come back in: a 1,000,000-row CSV and a 200,000-row .xlsx of
//! firms (7 columns, Chinese text) are written to memory, then read and iterated.
//!
//! Run with `cargo bench -p spotcheck-tabular --bench read_1m`. Sizes are of the files as
//! stored (an .xlsx is compressed, about a twentieth of its CSV).

use std::hint::black_box;
use std::io::Write as _;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use spotcheck_tabular::{read, write_csv, write_xlsx, Cell, Format, Limits, TabularError};

const CSV_ROWS: usize = 1_000_000;
const XLSX_ROWS: usize = 200_000;
const PROGRESS_EVERY: usize = 100_000;

const HEADERS: [&str; 7] = [
    "统一社会信用代码",
    "单位名称",
    "详细地址",
    "行政区划代码",
    "行业类别",
    "监管类别",
    "纳入名录日期",
];

/// A plausible firm: every value differs from row to row so nothing compresses unrealistically.
fn firm(i: usize) -> Vec<Cell> {
    let districts = ["鼓楼区", "台江区", "仓山区", "马尾区", "晋安区", "长乐区"];
    let industries = [
        "C2614 有机化学原料制造",
        "C1713 棉印染精加工",
        "D4411 火力发电",
    ];
    let day = NaiveDate::from_ymd_opt(2020, 1, 1)
        .and_then(|d| d.checked_add_days(chrono::Days::new((i % 1500) as u64)));
    vec![
        Cell::Text(format!("91350100MA{i:08}")),
        Cell::Text(format!("福州市第{i}号环保科技有限公司")),
        Cell::Text(format!(
            "福建省福州市{}工业路{}号",
            districts[i % 6],
            i % 997
        )),
        Cell::Text(format!("3501{:02}", 2 + i % 6)),
        Cell::Text(industries[i % 3].to_string()),
        Cell::Text(
            if i % 10 == 7 {
                "重点排污单位"
            } else {
                "一般排污单位"
            }
            .to_string(),
        ),
        day.map_or(Cell::Empty, Cell::Date),
    ]
}

/// The rows, printing a progress line as they are produced.
fn firms(count: usize, label: &'static str) -> impl Iterator<Item = Vec<Cell>> {
    (0..count).map(move |i| {
        if at_step(i + 1) {
            progress(label, i + 1, count);
        }
        firm(i)
    })
}

/// Whether `done` rows completes a step of the progress line.
fn at_step(done: usize) -> bool {
    done / PROGRESS_EVERY != (done - 1) / PROGRESS_EVERY
}

fn progress(label: &str, done: usize, total: usize) {
    eprint!("\r  {label}: {done:>9} / {total} rows");
    if done == total {
        eprintln!();
    }
    let _ = std::io::stderr().flush();
}

fn report(what: &str, rows: usize, bytes: usize, took: Duration) {
    let seconds = took.as_secs_f64();
    println!(
        "{what:<34} {rows:>9} rows  {:>7.1} MB  {seconds:>6.2} s  {:>10.0} rows/s  {:>6.1} MB/s",
        bytes as f64 / 1e6,
        rows as f64 / seconds,
        bytes as f64 / 1e6 / seconds,
    );
}

/// Reads `file`, walks every row, and reports the two phases.
fn read_back(
    label: &'static str,
    file: &[u8],
    format: Format,
    expected: usize,
) -> Result<(), TabularError> {
    reset_peak_memory();
    let started = Instant::now();
    let table = read(file, format, &Limits::default())?;
    let checked = started.elapsed();
    report(
        &format!("{label}: read and check"),
        table.row_count(),
        file.len(),
        checked,
    );

    let started = Instant::now();
    let mut cells = 0usize;
    let mut seen = 0usize;
    for row in table.rows() {
        seen += 1;
        if at_step(seen) {
            progress(label, seen, expected);
        }
        cells += row.cells.iter().filter(|cell| !cell.is_empty()).count();
    }
    let iterated = started.elapsed();
    assert_eq!(seen, expected);
    black_box(cells);
    report(
        &format!("{label}: iterate rows"),
        seen,
        file.len(),
        iterated,
    );
    report(
        &format!("{label}: total"),
        seen,
        file.len(),
        checked + iterated,
    );
    if let Some(peak) = peak_memory() {
        println!("{label}: peak resident memory while reading, the input included: {peak}");
    }
    Ok(())
}

/// Starts measuring peak memory afresh, where the system allows it (Linux).
fn reset_peak_memory() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Peak resident memory of this process since the last reset, where the system tells it.
fn peak_memory() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    Some(line.trim_start_matches("VmHWM:").trim().to_string())
}

fn main() -> Result<(), TabularError> {
    println!("{CSV_ROWS} data rows of 7 columns per firm\n");

    let started = Instant::now();
    let mut csv = Vec::new();
    write_csv(&HEADERS, firms(CSV_ROWS, "write csv"), &mut csv, true)?;
    report("CSV: write", CSV_ROWS, csv.len(), started.elapsed());
    read_back("CSV (UTF-8)", &csv, Format::Csv, CSV_ROWS)?;

    // The same file as Excel in China saves "CSV (comma delimited)": GBK, no byte-order mark.
    let utf8 =
        String::from_utf8_lossy(csv.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&csv)).into_owned();
    drop(csv);
    let gbk = encoding_rs::GBK.encode(&utf8).0.into_owned();
    drop(utf8);
    println!();
    read_back("CSV (GBK)", &gbk, Format::Csv, CSV_ROWS)?;
    drop(gbk);

    println!();
    let started = Instant::now();
    let mut xlsx = Vec::new();
    write_xlsx(
        "企业名录",
        &HEADERS,
        firms(XLSX_ROWS, "write xlsx"),
        &mut xlsx,
    )?;
    report(
        "xlsx: write (constant memory)",
        XLSX_ROWS,
        xlsx.len(),
        started.elapsed(),
    );
    read_back("xlsx", &xlsx, Format::Xlsx, XLSX_ROWS)?;
    Ok(())
}

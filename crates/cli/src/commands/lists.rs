//! `spotcheck import` and `spotcheck export`: the registry lists as files.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context};
use spotcheck_core::lists::{Lang, ListKind};
use spotcheck_store::import::{self, ImportInput, Rejection};
use spotcheck_store::{agency, export, Db};
use spotcheck_tabular::{Format, Limits};

fn kind_of(kind: &str) -> anyhow::Result<ListKind> {
    ListKind::parse(kind).with_context(|| {
        format!("unknown list {kind:?}: use officers, firms, projects, penalties, complaints or problems")
    })
}

/// What `spotcheck import` is asked to do.
pub struct ImportRequest<'a> {
    pub kind: &'a str,
    pub file: &'a Path,
    pub agency_code: &'a str,
    pub dry_run: bool,
    pub errors_out: Option<&'a Path>,
    pub lang: &'a str,
}

pub async fn import(
    db: &Db,
    rules: &spotcheck_core::rules::RulesConfig,
    request: &ImportRequest<'_>,
) -> anyhow::Result<ExitCode> {
    let &ImportRequest {
        kind,
        file,
        agency_code,
        dry_run,
        errors_out,
        lang,
    } = request;
    let kind = kind_of(kind)?;
    let lang = if lang.starts_with("en") {
        Lang::En
    } else {
        Lang::Zh
    };
    let Some(agency) = agency::by_code(db, agency_code).await? else {
        bail!("no agency {agency_code:?}: use a code such as 650100 or 650102");
    };
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let file_name = file
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("list.csv");
    let input = ImportInput {
        kind,
        agency: &agency,
        file_name,
        bytes: &bytes,
        today: rules.today(),
        limits: Limits::default(),
    };
    // The file is read and every row checked before the first is written: a spinner that turns
    // meanwhile, then the rows as they are written.
    let progress = super::archive::spinner(match lang {
        Lang::Zh => "{spinner} {msg} {pos} 行 {per_sec}",
        Lang::En => "{spinner} {msg} {pos} rows {per_sec}",
    });
    progress.set_message(match (lang, dry_run) {
        (Lang::Zh, true) => "检查",
        (Lang::Zh, false) => "导入",
        (Lang::En, true) => "checking",
        (Lang::En, false) => "importing",
    });
    let outcome = import::run(db, "cli", &input, !dry_run, &|n| progress.inc(n)).await?;
    progress.finish_and_clear();
    match outcome {
        Ok(s) => {
            match lang {
                Lang::Zh => {
                    let verb = if dry_run { "将导入" } else { "已导入" };
                    println!(
                        "{verb} {} 行{}（{}）：新增 {}，变更 {}，未变 {}",
                        s.rows,
                        kind.name_zh(),
                        agency.code,
                        s.new,
                        s.changed,
                        s.unchanged
                    );
                }
                Lang::En => {
                    let verb = if dry_run { "would import" } else { "imported" };
                    println!(
                        "{verb} {} rows of {kind} for {}: {} new, {} changed, {} unchanged",
                        s.rows, agency.code, s.new, s.changed, s.unchanged
                    );
                }
            }
            for c in &s.ignored_columns {
                match lang {
                    Lang::Zh => println!("已忽略的列：{c}"),
                    Lang::En => println!("column ignored: {c}"),
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(rejection) => {
            let mut err = std::io::stderr().lock();
            let lines: Vec<export::ReportLine> = match rejection {
                Rejection::File(e) => {
                    let line = export::ReportLine::of_file(&e, lang);
                    writeln!(err, "{}", line.message)?;
                    vec![line]
                }
                Rejection::Rows { errors, rows } => {
                    for e in errors.iter().take(50) {
                        writeln!(err, "{}", e.message(lang))?;
                    }
                    let more = errors.len().saturating_sub(50);
                    if more > 0 {
                        match lang {
                            Lang::Zh => writeln!(err, "……另有 {more} 处问题")?,
                            Lang::En => writeln!(err, "… {more} more")?,
                        }
                    }
                    if rows > 0 {
                        let n = errors.len();
                        match lang {
                            Lang::Zh => writeln!(err, "{rows} 行中共 {n} 处问题，未导入任何数据。请更正文件后重新导入。")?,
                            Lang::En => writeln!(err, "{n} problems in {rows} rows: nothing was imported. Correct the file and import it again.")?,
                        }
                    }
                    errors
                        .iter()
                        .map(|e| export::ReportLine::of(e, lang))
                        .collect()
                }
            };
            // The report is written whenever the file is refused, as a whole or row by row.
            if let Some(path) = errors_out {
                std::fs::write(path, export::error_report(&lines, lang, Format::Xlsx)?)
                    .with_context(|| format!("writing {}", path.display()))?;
                match lang {
                    Lang::Zh => writeln!(err, "错误报告：{}", path.display())?,
                    Lang::En => writeln!(err, "error report: {}", path.display())?,
                }
            }
            Ok(ExitCode::from(1))
        }
    }
}

pub async fn export(
    db: &Db,
    kind: &str,
    format: &str,
    out: Option<&Path>,
    agency_code: Option<&str>,
    template: bool,
) -> anyhow::Result<ExitCode> {
    let kind = kind_of(kind)?;
    let format = match format {
        "csv" => Format::Csv,
        "xlsx" => Format::Xlsx,
        other => bail!("unknown format {other:?}: use csv or xlsx"),
    };
    let bytes = if template {
        export::template(kind, format)?
    } else {
        let path = super::path_of(db, agency_code).await?;
        // The rows as they are read, and a turning spinner while the file is written after.
        let progress = super::archive::spinner("{spinner} exporting {pos} rows {per_sec}");
        let bytes = export::list(db, kind, &path, format, &|n| progress.inc(n)).await?;
        progress.finish_and_clear();
        bytes
    };
    match out {
        Some(path) => {
            std::fs::write(path, &bytes).with_context(|| format!("writing {}", path.display()))?
        }
        None => std::io::stdout().lock().write_all(&bytes)?,
    }
    Ok(ExitCode::SUCCESS)
}

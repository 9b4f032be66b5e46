//! Turning a row of text into a record, with every problem of the row at once.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::cells::{
    parse_choice, parse_coordinate, parse_count, parse_date, parse_measures, parse_quarter,
    parse_year,
};
use super::columns::key;
use super::error::{ListError, Reason};
use super::headers::{fold_full_width, map_headers, HeaderMap, IgnoredColumn};
use super::records::{
    ApprovingLevel, ComplaintRecord, EiaForm, FirmRecord, FirmStatus, OfficerRecord, PenaltyRecord,
    ProblemRecord, ProjectRecord, Record, UnitCategory,
};
use super::{ListKind, CHINA_LATITUDE, CHINA_LONGITUDE, MAX_NAME_CHARS, MAX_SUMMARY_CHARS};
use crate::agency::urumqi_agencies;
use crate::credit_code::CreditCode;
use crate::division::{DivisionCode, URUMQI_CITY, URUMQI_DISTRICTS};
use crate::industry::IndustryTable;
use crate::period::{Quarter, Year};

/// What a row is checked against: the importing agency's territory and sub-agencies, the
/// industry classification, and the day of the import.
#[derive(Debug, Clone)]
pub struct ValidationContext<'a> {
    /// The districts and counties of the agency's territory (from the agency tree), with their
    /// Chinese names. A firm's 所在区县 must be one of them, given by code (`650102`), name
    /// (`天山区`) or branch name (`天山区分局`).
    pub districts: Vec<(DivisionCode, String)>,
    /// The industry classification, GB/T 4754-2017, possibly with the classes the agency loaded.
    pub industry: &'a IndustryTable,
    /// The key-unit directory year (重点排污单位名录年度) of a key unit whose row gives none.
    pub default_year: Year,
    /// The day of the import: approvals and decisions cannot be later, quarters cannot begin
    /// later.
    pub today: NaiveDate,
    /// The code of the importing agency; an officer whose 所属机构 is empty serves there.
    pub agency: String,
    /// The agencies an officer of the import may serve in (code and Chinese name): the
    /// importing agency and those under it.
    pub agencies: Vec<(String, String)>,
}

impl ValidationContext<'static> {
    /// The context of an import by the Urumqi city detachment on `today`: all eight districts
    /// and the county, the embedded GB/T 4754-2017 divisions, the year of `today` as the
    /// directory year, and the whole Urumqi agency tree.
    pub fn urumqi(today: NaiveDate) -> ValidationContext<'static> {
        ValidationContext {
            districts: URUMQI_DISTRICTS
                .iter()
                .map(|&(code, zh, _)| (code, zh.to_owned()))
                .collect(),
            industry: IndustryTable::gbt4754_2017(),
            default_year: Year::containing(today),
            today,
            agency: URUMQI_CITY.0.to_string(),
            agencies: urumqi_agencies()
                .into_iter()
                .map(|a| (a.code.to_owned(), a.name_zh.to_owned()))
                .collect(),
        }
    }
}

impl ValidationContext<'_> {
    /// Resolves a district given by code or name against the territory.
    fn district(&self, text: &str) -> Result<DivisionCode, Reason> {
        let allowed = || {
            self.districts
                .iter()
                .map(|(_, name)| name.clone())
                .collect()
        };
        let unknown = || Reason::UnknownDistrict {
            value: text.to_owned(),
            allowed: allowed(),
        };
        if text
            .chars()
            .map(fold_full_width)
            .all(|c| c.is_ascii_digit() || c.is_whitespace())
        {
            let code = DivisionCode::parse(text).map_err(Reason::InvalidDivision)?;
            // A territory may be a whole city (the detachment's own list): its districts are in.
            return if self.districts.iter().any(|(d, _)| code.is_within(d)) {
                Ok(code)
            } else {
                Err(unknown())
            };
        }
        let name = text.strip_suffix("分局").unwrap_or(text);
        if let Some((code, _)) = self.districts.iter().find(|(_, n)| n == name) {
            return Ok(*code);
        }
        // `乌鲁木齐市天山区`: a name ending in exactly one district's name.
        let mut ends_with = self
            .districts
            .iter()
            .filter(|(_, n)| name.ends_with(n.as_str()));
        match (ends_with.next(), ends_with.next()) {
            (Some((code, _)), None) => Ok(*code),
            _ => Err(unknown()),
        }
    }

    /// Resolves an officer's agency given by code or name; empty means the importing agency.
    fn officer_agency(&self, text: &str) -> Result<String, Reason> {
        if text.is_empty() || text == self.agency {
            return Ok(self.agency.clone());
        }
        self.agencies
            .iter()
            .find(|(code, name)| code == text || name == text)
            .map(|(code, _)| code.clone())
            .ok_or_else(|| Reason::UnknownAgency {
                value: text.to_owned(),
                allowed: self.agencies.iter().map(|(_, name)| name.clone()).collect(),
            })
    }
}

/// Reads the cells of one row, remembering every problem.
struct RowReader<'a> {
    map: &'a HeaderMap,
    row: usize,
    cells: &'a [String],
    /// Columns whose cell a workbook holds as a number ([`FileRow::numeric`]).
    numeric: &'a [usize],
    errors: Vec<ListError>,
}

impl<'a> RowReader<'a> {
    fn cell(&self, key: &str) -> &'a str {
        self.map.cell(key, self.cells)
    }

    /// Whether the cell of `key` was a number in a workbook.
    fn is_number(&self, key: &str) -> bool {
        self.map
            .index_of(key)
            .is_some_and(|i| self.numeric.contains(&i))
    }

    fn fail(&mut self, key: &str, reason: Reason) {
        self.errors.push(ListError {
            row: Some(self.row),
            column: Some(self.map.column_name(key)),
            reason,
        });
    }

    /// A required cell: empty is an error.
    fn required<T>(
        &mut self,
        key: &str,
        read: impl FnOnce(&str) -> Result<T, Reason>,
    ) -> Option<T> {
        let text = self.cell(key);
        if text.is_empty() {
            self.fail(key, Reason::Required);
            return None;
        }
        if self.long_number(key, text) {
            return None;
        }
        self.check(key, read(text))
    }

    /// Whether the cell is a workbook number of 16 digits or more (then refused as
    /// [`Reason::LongNumber`]): whatever it was typed as, Excel kept 15 of its digits.
    fn long_number(&mut self, key: &str, text: &str) -> bool {
        let long = self.is_number(key) && text.bytes().filter(u8::is_ascii_digit).count() >= 16;
        if long {
            self.fail(key, Reason::LongNumber);
        }
        long
    }

    /// An optional cell: `Some(None)` when empty, `None` when given but wrong.
    fn optional<T>(
        &mut self,
        key: &str,
        read: impl FnOnce(&str) -> Result<T, Reason>,
    ) -> Option<Option<T>> {
        let text = self.cell(key);
        if text.is_empty() {
            return Some(None);
        }
        if self.long_number(key, text) {
            return None;
        }
        self.check(key, read(text)).map(Some)
    }

    fn check<T>(&mut self, key: &str, result: Result<T, Reason>) -> Option<T> {
        result.map_err(|reason| self.fail(key, reason)).ok()
    }

    /// Unless the row had problems, the record `build` makes of the values read; `build` sees
    /// every value present when no problem was recorded.
    fn finish(self, build: impl FnOnce() -> Option<Record>) -> Result<Record, Vec<ListError>> {
        match build() {
            Some(record) if self.errors.is_empty() => Ok(record),
            _ => Err(self.errors),
        }
    }
}

/// Text of at most `max` characters; surrounding whitespace is already trimmed.
fn text(max: usize) -> impl Fn(&str) -> Result<String, Reason> {
    move |s| {
        let length = s.chars().count();
        if length > max {
            Err(Reason::TooLong { max, length })
        } else {
            Ok(s.to_owned())
        }
    }
}

fn credit_code(s: &str) -> Result<CreditCode, Reason> {
    CreditCode::parse(s).map_err(Reason::InvalidCreditCode)
}

fn not_after(today: NaiveDate) -> impl Fn(&str) -> Result<NaiveDate, Reason> {
    move |s| {
        let date = parse_date(s)?;
        if date > today {
            Err(Reason::DateInFuture { date, today })
        } else {
            Ok(date)
        }
    }
}

fn begun_by(today: NaiveDate) -> impl Fn(&str) -> Result<Quarter, Reason> {
    move |s| {
        let quarter = parse_quarter(s)?;
        if quarter.first_day() > today {
            Err(Reason::QuarterInFuture { quarter, today })
        } else {
            Ok(quarter)
        }
    }
}

/// Whether every cell of a row is empty: such rows (often left below a table) are skipped, not
/// refused.
pub fn is_blank_row(cells: &[String]) -> bool {
    cells.iter().all(|c| c.trim().is_empty())
}

/// Words that begin the notes people put under a table: totals, who filled it in and checked
/// it, remarks.
const NOTE_WORDS: &[&str] = &[
    "合计",
    "总计",
    "小计",
    "填表人",
    "填报人",
    "制表人",
    "制表",
    "审核人",
    "负责人",
    "联系人",
    "联系电话",
    "填表日期",
    "填报日期",
    "备注",
    "注：",
    "注:",
    "说明",
];

/// Whether a row is a note under the table ("合计 12", "填表人：张三 审核人：李四") rather than
/// a record: at most two values, the first beginning with one of [`NOTE_WORDS`].
fn is_note_row(cells: &[String]) -> bool {
    let mut values = cells.iter().map(|c| c.trim()).filter(|c| !c.is_empty());
    let first = values.next();
    let rest = values.count();
    rest <= 1 && first.is_some_and(|f| NOTE_WORDS.iter().any(|w| f.starts_with(w)))
}

/// Parses one row of a list into a record, or returns every problem of the row.
///
/// `map` comes from [`map_headers`] for `kind` (or [`HeaderMap::template`]); `row_number` is the
/// spreadsheet row number that messages show. Cells are read as text; surrounding whitespace is
/// ignored and full-width digits and letters are accepted.
pub fn parse_row(
    kind: ListKind,
    map: &HeaderMap,
    row_number: usize,
    cells: &[String],
    ctx: &ValidationContext<'_>,
) -> Result<Record, Vec<ListError>> {
    parse_file_row(kind, map, row_number, cells, &[], ctx)
}

/// [`parse_row`] of a file's row, knowing which of its cells were numbers in a workbook.
fn parse_file_row(
    kind: ListKind,
    map: &HeaderMap,
    row_number: usize,
    cells: &[String],
    numeric: &[usize],
    ctx: &ValidationContext<'_>,
) -> Result<Record, Vec<ListError>> {
    debug_assert_eq!(kind, map.kind(), "the header map belongs to another list");
    let reader = RowReader {
        map,
        row: row_number,
        cells,
        numeric,
        errors: Vec::new(),
    };
    match kind {
        ListKind::Officers => officer(reader, ctx),
        ListKind::Firms => firm(reader, ctx),
        ListKind::Projects => project(reader, ctx),
        ListKind::Penalties => penalty(reader, ctx),
        ListKind::Complaints => complaint(reader, ctx),
        ListKind::Problems => problem(reader, ctx),
    }
}

/// R-LIST-1, R-LIST-7: officers on the staff list, with their certificate.
fn officer(mut r: RowReader<'_>, ctx: &ValidationContext<'_>) -> Result<Record, Vec<ListError>> {
    let name = r.required(key::NAME, text(MAX_NAME_CHARS));
    let certificate_no = r.required(key::CERTIFICATE_NO, text(MAX_NAME_CHARS));
    let certified_until = r.required(key::CERTIFIED_UNTIL, parse_date);
    let on_duty = r.optional(key::ON_DUTY, |s| {
        parse_choice(
            s,
            &[
                (true, &["是", "在岗", "y", "yes", "true", "1", "√"]),
                (
                    false,
                    &["否", "不在岗", "离岗", "n", "no", "false", "0", "×"],
                ),
            ],
        )
    });
    let agency_text = r.cell(key::AGENCY);
    let agency = r.check(key::AGENCY, ctx.officer_agency(agency_text));
    r.finish(|| {
        Some(Record::Officer(OfficerRecord {
            name: name?,
            certificate_no: certificate_no?,
            certified_until: certified_until?,
            on_duty: on_duty?.unwrap_or(true),
            agency: agency?,
        }))
    })
}

const CATEGORY_WORDS: &[(bool, &[&str])] = &[
    (true, &["重点", "重点排污单位", "重点单位", "key"]),
    (false, &["一般", "一般排污单位", "一般单位", "general"]),
];

const STATUS_WORDS: &[(FirmStatus, &[&str])] = &[
    (
        FirmStatus::Active,
        &["在产", "正常", "运行", "生产", "营业", "active"],
    ),
    (
        FirmStatus::Closed,
        &["关闭", "停产", "注销", "关停", "closed"],
    ),
];

/// R-LIST-2: a pollution source of the agency's territory, key or general.
fn firm(mut r: RowReader<'_>, ctx: &ValidationContext<'_>) -> Result<Record, Vec<ListError>> {
    let credit_code = r.required(key::CREDIT_CODE, credit_code);
    let name = r.required(key::NAME, text(MAX_NAME_CHARS));
    // Jurisdiction (属地管理): a source outside the agency's territory is not its to list.
    let division = r.required(key::DISTRICT, |s| ctx.district(s));
    let address = r.required(key::ADDRESS, text(MAX_NAME_CHARS));
    // A four-digit class of divisions 01-09 typed into a number cell has lost its zero (0313,
    // pig farming, is kept as 313, which reads as a group of division 31, steel).
    let zero_lost = r.is_number(key::INDUSTRY);
    let industry = r.required(key::INDUSTRY, |s| {
        if zero_lost && s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Reason::LeadingZeroLost {
                value: s.to_owned(),
            });
        }
        ctx.industry.parse_code(s).map_err(Reason::InvalidIndustry)
    });
    let is_key = r.required(key::CATEGORY, |s| parse_choice(s, CATEGORY_WORDS));
    // Read even for a general unit, so that a wrong year is reported; it is then not kept.
    let directory_year = r.optional(key::DIRECTORY_YEAR, parse_year);
    let category = match (is_key, directory_year) {
        (Some(true), Some(year)) => Some(UnitCategory::Key {
            directory_year: year.unwrap_or(ctx.default_year),
        }),
        (Some(false), _) => Some(UnitCategory::General),
        _ => None,
    };
    let coordinates = coordinates(&mut r);
    let status = r.optional(key::STATUS, |s| parse_choice(s, STATUS_WORDS));
    r.finish(|| {
        let (lon, lat) = coordinates?;
        Some(Record::Firm(FirmRecord {
            credit_code: credit_code?,
            name: name?,
            address: address?,
            division: division?,
            industry: industry?,
            category: category?,
            lon,
            lat,
            status: status?.unwrap_or(FirmStatus::Active),
        }))
    })
}

/// Both coordinates or neither, inside China's bounding box.
fn coordinates(r: &mut RowReader<'_>) -> Option<(Option<f64>, Option<f64>)> {
    let lon = r.optional(key::LONGITUDE, parse_coordinate);
    let lat = r.optional(key::LATITUDE, parse_coordinate);
    match (lon?, lat?) {
        (None, None) => Some((None, None)),
        (Some(_), None) => {
            r.fail(key::LATITUDE, Reason::OnlyOneCoordinate);
            None
        }
        (None, Some(_)) => {
            r.fail(key::LONGITUDE, Reason::OnlyOneCoordinate);
            None
        }
        (Some(lon), Some(lat)) => {
            if CHINA_LONGITUDE.contains(&lon) && CHINA_LATITUDE.contains(&lat) {
                return Some((Some(lon), Some(lat)));
            }
            let column = if CHINA_LONGITUDE.contains(&lon) {
                key::LATITUDE
            } else {
                key::LONGITUDE
            };
            r.fail(column, Reason::OutOfChina { lon, lat });
            None
        }
    }
}

const APPROVING_LEVEL_WORDS: &[(ApprovingLevel, &[&str])] = &[
    (
        ApprovingLevel::National,
        &["国家", "国家级", "生态环境部", "环境保护部", "national"],
    ),
    (
        ApprovingLevel::Region,
        &["自治区", "自治区级", "省", "省级", "region", "province"],
    ),
    (ApprovingLevel::City, &["市", "市级", "city"]),
    (
        ApprovingLevel::District,
        &[
            "区县",
            "区县级",
            "区",
            "县",
            "区级",
            "县级",
            "district",
            "county",
        ],
    ),
];

const EIA_FORM_WORDS: &[(EiaForm, &[&str])] = &[
    (EiaForm::Report, &["报告书", "环境影响报告书", "report"]),
    (EiaForm::Table, &["报告表", "环境影响报告表", "table"]),
    (
        EiaForm::Registration,
        &["登记表", "环境影响登记表", "registration"],
    ),
];

/// R-LIST-3, R-LIST-10: a project approved (or, for a registration form, filed) by then.
fn project(mut r: RowReader<'_>, ctx: &ValidationContext<'_>) -> Result<Record, Vec<ListError>> {
    let name = r.required(key::NAME, text(MAX_NAME_CHARS));
    let developer = r.optional(key::DEVELOPER, text(MAX_NAME_CHARS));
    let credit_code = r.optional(key::CREDIT_CODE, credit_code);
    let approving_level = r.required(key::APPROVING_LEVEL, |s| {
        parse_choice(s, APPROVING_LEVEL_WORDS)
    });
    let approval_no = r.required(key::APPROVAL_NO, text(MAX_NAME_CHARS));
    let approved_on = r.required(key::APPROVED_ON, not_after(ctx.today));
    let eia_form = r.required(key::EIA_FORM, |s| parse_choice(s, EIA_FORM_WORDS));
    r.finish(|| {
        Some(Record::Project(ProjectRecord {
            name: name?,
            developer: developer?,
            credit_code: credit_code?,
            approving_level: approving_level?,
            approval_no: approval_no?,
            approved_on: approved_on?,
            eia_form: eia_form?,
        }))
    })
}

/// R-LIST-4, R-LIST-9: a decided penalty case, with the measures of R-INSP-3 it used.
fn penalty(mut r: RowReader<'_>, ctx: &ValidationContext<'_>) -> Result<Record, Vec<ListError>> {
    let credit_code = r.required(key::CREDIT_CODE, credit_code);
    let decision_no = r.required(key::DECISION_NO, text(MAX_NAME_CHARS));
    let decided_on = r.required(key::DECIDED_ON, not_after(ctx.today));
    let violation = r.required(key::VIOLATION, text(MAX_SUMMARY_CHARS));
    let measures = r.optional(key::MEASURES, parse_measures);
    r.finish(|| {
        Some(Record::Penalty(PenaltyRecord {
            credit_code: credit_code?,
            decision_no: decision_no?,
            decided_on: decided_on?,
            violation: violation?,
            measures: measures?.unwrap_or_default(),
        }))
    })
}

/// R-LIST-5, R-LIST-8: a complaint received in a quarter that has begun.
fn complaint(mut r: RowReader<'_>, ctx: &ValidationContext<'_>) -> Result<Record, Vec<ListError>> {
    let credit_code = r.required(key::CREDIT_CODE, credit_code);
    let quarter = r.required(key::QUARTER, begun_by(ctx.today));
    let times_received = r.required(key::TIMES_RECEIVED, |s| parse_count(s, 1));
    let summary = r.required(key::SUMMARY, text(MAX_SUMMARY_CHARS));
    r.finish(|| {
        Some(Record::Complaint(ComplaintRecord {
            credit_code: credit_code?,
            quarter: quarter?,
            times_received: times_received?,
            summary: summary?,
        }))
    })
}

/// R-LIST-6, R-LIST-11: another key problem of a quarter that has begun.
fn problem(mut r: RowReader<'_>, ctx: &ValidationContext<'_>) -> Result<Record, Vec<ListError>> {
    let credit_code = r.required(key::CREDIT_CODE, credit_code);
    let quarter = r.required(key::QUARTER, begun_by(ctx.today));
    let summary = r.required(key::SUMMARY, text(MAX_SUMMARY_CHARS));
    let reported_by = r.optional(key::REPORTED_BY, text(MAX_NAME_CHARS));
    r.finish(|| {
        Some(Record::Problem(ProblemRecord {
            credit_code: credit_code?,
            quarter: quarter?,
            summary: summary?,
            reported_by: reported_by?,
        }))
    })
}

/// The template headers of a list's identifying columns.
fn key_headers(kind: ListKind) -> Vec<&'static str> {
    kind.key_columns()
        .iter()
        .filter_map(|k| kind.column(k).map(|c| c.header_zh))
        .collect()
}

/// Rows that repeat an earlier row's identifying columns ([`Record::natural_key`]): one error
/// per repeat, on the later row, naming the first.
pub fn find_duplicates(records: &[(usize, Record)]) -> Vec<ListError> {
    let mut first_rows: HashMap<(ListKind, String), usize> = HashMap::new();
    let mut errors = Vec::new();
    for (row, record) in records {
        let kind = record.kind();
        match first_rows.get(&(kind, record.natural_key())) {
            Some(&first_row) => {
                let columns = key_headers(kind);
                errors.push(ListError {
                    row: Some(*row),
                    column: columns.first().map(|c| (*c).to_owned()),
                    reason: Reason::DuplicateInFile { first_row, columns },
                });
            }
            None => {
                first_rows.insert((kind, record.natural_key()), *row);
            }
        }
    }
    errors
}

/// Records already on another agency's list: `owner_elsewhere` gives, for a record's natural
/// key, the name of the other agency holding it, if any. Jurisdiction (属地管理) puts each
/// source on one agency's list only, so a branch cannot list its neighbour's firm.
pub fn find_claimed_elsewhere(
    records: &[(usize, Record)],
    mut owner_elsewhere: impl FnMut(&str) -> Option<String>,
) -> Vec<ListError> {
    records
        .iter()
        .filter_map(|(row, record)| {
            let agency = owner_elsewhere(&record.natural_key())?;
            let kind = record.kind();
            Some(ListError {
                row: Some(*row),
                column: kind
                    .key_columns()
                    .first()
                    .and_then(|k| kind.column(k))
                    .map(|c| c.header_zh.to_owned()),
                reason: Reason::ClaimedElsewhere { agency },
            })
        })
        .collect()
}

/// The outcome of checking a whole file.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedTable {
    /// The rows that parsed, with their row numbers, in file order.
    pub records: Vec<(usize, Record)>,
    /// Every problem of the rows, in row order; repeats come last.
    pub errors: Vec<ListError>,
    /// The file's columns that were ignored.
    pub ignored: Vec<IgnoredColumn>,
}

impl ParsedTable {
    /// Whether the file can be imported as it is.
    pub fn is_clean(&self) -> bool {
        self.errors.is_empty()
    }
}

/// One data row of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRow {
    /// The spreadsheet row number.
    pub number: usize,
    pub cells: Vec<String>,
    /// The columns whose cell a workbook holds as a number (a code typed there has lost its
    /// leading zeros); empty for text files.
    pub numeric: Vec<usize>,
}

impl From<(usize, Vec<String>)> for FileRow {
    fn from((number, cells): (usize, Vec<String>)) -> Self {
        FileRow {
            number,
            cells,
            numeric: Vec::new(),
        }
    }
}

/// Checks a whole file: maps its header, parses every non-blank row and looks for repeats.
/// `rows` are the data rows with their spreadsheet row numbers. Header problems stop the check,
/// since no cell can be read without the columns.
pub fn parse_table<R: Into<FileRow>>(
    kind: ListKind,
    headers: &[String],
    rows: impl IntoIterator<Item = R>,
    ctx: &ValidationContext<'_>,
) -> Result<ParsedTable, Vec<ListError>> {
    let map = map_headers(kind, headers)?;
    let mut records = Vec::new();
    let mut errors = Vec::new();
    for row in rows {
        let FileRow {
            number: row,
            cells,
            numeric,
        } = row.into();
        if is_blank_row(&cells) {
            continue;
        }
        if is_note_row(&cells) {
            errors.push(ListError {
                row: Some(row),
                column: None,
                reason: Reason::NoteRow,
            });
            continue;
        }
        match parse_file_row(kind, &map, row, &cells, &numeric, ctx) {
            Ok(record) => records.push((row, record)),
            Err(mut row_errors) => errors.append(&mut row_errors),
        }
    }
    errors.extend(find_duplicates(&records));
    Ok(ParsedTable {
        records,
        errors,
        ignored: map.ignored().to_vec(),
    })
}

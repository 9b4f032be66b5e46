//! What can be wrong with an imported list, and how to tell the user in their language.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{CHINA_LATITUDE, CHINA_LONGITUDE};
use crate::credit_code::CreditCodeError;
use crate::division::DivisionCodeError;
use crate::industry::IndustryCodeError;
use crate::period::Quarter;

/// The language of a message (界面语言): Simplified Chinese or English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Lang {
    /// Simplified Chinese (简体中文), the users' language.
    #[default]
    #[serde(rename = "zh-CN")]
    Zh,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    /// The language tag (`zh-CN`, `en`).
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The language of a tag such as `en-GB` or `zh-Hans-CN`: English for `en…`, otherwise
    /// Chinese, the users' language.
    pub fn from_tag(tag: &str) -> Lang {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or("");
        if primary.eq_ignore_ascii_case("en") {
            Lang::En
        } else {
            Lang::Zh
        }
    }
}

/// One problem of an imported file (导入错误): where it is and why.
#[derive(Debug, Clone, PartialEq)]
pub struct ListError {
    /// The spreadsheet row number as the user sees it; `None` for a problem of the header row.
    pub row: Option<usize>,
    /// The column's header as the file spells it, or the template's header when the file lacks
    /// the column.
    pub column: Option<String>,
    pub reason: Reason,
}

/// Why a header or cell was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    /// A required column is not in the header row.
    MissingColumn,
    /// Two headers of the file name the same column; `other` is the first.
    DuplicateColumn {
        other: String,
    },
    /// A required cell is empty.
    Required,
    InvalidCreditCode(CreditCodeError),
    InvalidDivision(DivisionCodeError),
    /// A district that is not in the agency's territory; `allowed` are the names that are.
    UnknownDistrict {
        value: String,
        allowed: Vec<String>,
    },
    /// An agency that is not the importing agency or one under it.
    UnknownAgency {
        value: String,
        allowed: Vec<String>,
    },
    InvalidIndustry(IndustryCodeError),
    InvalidDate {
        value: String,
    },
    /// A date of something done (an approval, a decision) after the day of the import.
    DateInFuture {
        date: NaiveDate,
        today: NaiveDate,
    },
    InvalidYear {
        value: String,
    },
    InvalidQuarter {
        value: String,
    },
    /// A quarter that has not begun on the day of the import.
    QuarterInFuture {
        quarter: Quarter,
        today: NaiveDate,
    },
    InvalidNumber {
        value: String,
    },
    CountTooSmall {
        min: u32,
    },
    InvalidCoordinate {
        value: String,
    },
    /// A point outside China's bounding box.
    OutOfChina {
        lon: f64,
        lat: f64,
    },
    /// Longitude without latitude or the other way round; the error names the empty column.
    OnlyOneCoordinate,
    /// A value that is not one of the column's words; `allowed` are the template's words.
    InvalidChoice {
        value: String,
        allowed: Vec<&'static str>,
    },
    TooLong {
        max: usize,
        length: usize,
    },
    /// The row repeats the identifying columns (`columns`, template headers) of `first_row`.
    DuplicateInFile {
        first_row: usize,
        columns: Vec<&'static str>,
    },
    /// The record is already on the list of another agency (`agency`, its name): each source
    /// belongs to one jurisdiction (属地管理).
    ClaimedElsewhere {
        agency: String,
    },
    /// A case, complaint or problem names a firm (`code`) that is not on the source list of the
    /// importing agency's jurisdiction.
    UnknownFirm {
        code: String,
    },
    /// The file has a header but no data row (an empty template uploaded).
    NoRows,
    /// A code held as a number by the workbook, one digit short: its leading zero was dropped,
    /// or it is a group code; which one cannot be told.
    LeadingZeroLost {
        value: String,
    },
    /// A number of 16 digits or more held by the workbook: Excel keeps 15 significant digits,
    /// so a long code typed there (an all-digit credit code) was already changed.
    LongNumber,
    /// A note under the table ("合计", "填表人：…") rather than a record.
    NoteRow,
}

impl Reason {
    /// A stable key naming the kind of problem, for logs, tests and translated messages
    /// (`lists.<key>`).
    pub fn key(&self) -> &'static str {
        match self {
            Reason::MissingColumn => "missing_column",
            Reason::DuplicateColumn { .. } => "duplicate_column",
            Reason::Required => "required",
            Reason::InvalidCreditCode(_) => "invalid_credit_code",
            Reason::InvalidDivision(_) => "invalid_division",
            Reason::UnknownDistrict { .. } => "unknown_district",
            Reason::UnknownAgency { .. } => "unknown_agency",
            Reason::InvalidIndustry(_) => "invalid_industry",
            Reason::InvalidDate { .. } => "invalid_date",
            Reason::DateInFuture { .. } => "date_in_future",
            Reason::InvalidYear { .. } => "invalid_year",
            Reason::InvalidQuarter { .. } => "invalid_quarter",
            Reason::QuarterInFuture { .. } => "quarter_in_future",
            Reason::InvalidNumber { .. } => "invalid_number",
            Reason::CountTooSmall { .. } => "count_too_small",
            Reason::InvalidCoordinate { .. } => "invalid_coordinate",
            Reason::OutOfChina { .. } => "out_of_china",
            Reason::OnlyOneCoordinate => "only_one_coordinate",
            Reason::InvalidChoice { .. } => "invalid_choice",
            Reason::TooLong { .. } => "too_long",
            Reason::DuplicateInFile { .. } => "duplicate_in_file",
            Reason::ClaimedElsewhere { .. } => "claimed_elsewhere",
            Reason::UnknownFirm { .. } => "unknown_firm",
            Reason::NoRows => "no_rows",
            Reason::LeadingZeroLost { .. } => "leading_zero_lost",
            Reason::LongNumber => "long_number",
            Reason::NoteRow => "note_row",
        }
    }
}

impl ListError {
    /// The problem as a sentence a user can act on: where, what is wrong and what to do.
    ///
    /// `第 17 行“统一社会信用代码”列：校验位错误，应为 X（现为 Y）。请核对营业执照上的代码。`
    /// / `Row 17, column 统一社会信用代码: wrong check character, expected X (found Y). Check
    /// the code on the business licence.`
    pub fn message(&self, lang: Lang) -> String {
        let column = self.column.as_deref().unwrap_or("");
        // Problems that concern the whole header or two rows read better as their own sentence.
        match (&self.reason, lang) {
            (Reason::MissingColumn, Lang::Zh) => {
                return format!("缺少必填列“{column}”。请在表头中加入该列，或下载模板对照列名。")
            }
            (Reason::MissingColumn, Lang::En) => {
                return format!(
                    "The required column {column} is missing. Add it to the header row, or \
                     compare the header with the downloadable template."
                )
            }
            (Reason::NoRows, Lang::Zh) => {
                return "文件只有表头，没有数据行，未导入任何内容。请在表头下填写数据后再导入；\
                        如果本期确实没有记录，请在“清单报备”页面点“报备当前清单”。"
                    .to_owned()
            }
            (Reason::NoRows, Lang::En) => {
                return "The file has a header but no data rows; nothing was imported. Fill in \
                        the rows under the header and import again; if there is nothing to \
                        list this time, use “File the current list” on the Filing of lists page."
                    .to_owned()
            }
            (Reason::DuplicateColumn { other }, Lang::Zh) => {
                return format!("“{column}”列与“{other}”列是同一项。请删除其中一列。")
            }
            (Reason::DuplicateColumn { other }, Lang::En) => {
                return format!(
                    "The columns {other} and {column} are the same field. Delete one of them."
                )
            }
            (Reason::DuplicateInFile { first_row, columns }, lang) => {
                let row = self.row.unwrap_or(0);
                return match lang {
                    Lang::Zh => format!(
                        "第 {row} 行与第 {first_row} 行的“{}”重复。请删除其中一行或更正。",
                        columns.join("、")
                    ),
                    Lang::En => format!(
                        "Row {row} repeats the {} of row {first_row}. Delete one of the two \
                         rows or correct it.",
                        columns.join(", ")
                    ),
                };
            }
            _ => {}
        }
        let place = match (self.row, self.column.as_deref(), lang) {
            (Some(row), Some(column), Lang::Zh) => format!("第 {row} 行“{column}”列："),
            (Some(row), None, Lang::Zh) => format!("第 {row} 行："),
            (None, Some(column), Lang::Zh) => format!("“{column}”列："),
            (Some(row), Some(column), Lang::En) => format!("Row {row}, column {column}: "),
            (Some(row), None, Lang::En) => format!("Row {row}: "),
            (None, Some(column), Lang::En) => format!("Column {column}: "),
            (None, None, _) => String::new(),
        };
        let body = match lang {
            Lang::Zh => zh(&self.reason),
            Lang::En => en(&self.reason),
        };
        place + &body
    }
}

/// The English message, for logs and `?` in tests.
impl fmt::Display for ListError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl std::error::Error for ListError {}

const CHECK_LICENCE_ZH: &str = "请核对营业执照上的代码。";
const CHECK_LICENCE_EN: &str = "Check the code on the business licence.";

fn zh(reason: &Reason) -> String {
    match reason {
        Reason::MissingColumn => "缺少该列。请下载模板对照列名。".to_owned(),
        Reason::DuplicateColumn { other } => format!("与“{other}”列是同一项。请删除其中一列。"),
        Reason::Required => "不能为空。请填写该项。".to_owned(),
        Reason::InvalidCreditCode(e) => format!("{}{CHECK_LICENCE_ZH}", credit_code_zh(e)),
        Reason::InvalidDivision(e) => format!(
            "{}请填写区县名称（如 天山区）或 6 位行政区划代码（如 650102）。",
            division_zh(e)
        ),
        Reason::UnknownDistrict { value, allowed } => format!(
            "“{value}”不在本机构辖区内。请填写以下区县之一（名称或代码）：{}。",
            allowed.join("、")
        ),
        Reason::UnknownAgency { value, allowed } => format!(
            "“{value}”不是本机构或其下属机构。请填写以下机构之一（名称或代码），或留空表示本机构：{}。",
            allowed.join("、")
        ),
        Reason::InvalidIndustry(e) => format!(
            "{}请按《国民经济行业分类》（GB/T 4754-2017）填写 2 至 4 位行业代码，如 4430。",
            industry_zh(e)
        ),
        Reason::InvalidDate { value } => {
            format!("“{value}”不是有效日期。请按 2026-03-05 的格式填写。")
        }
        Reason::DateInFuture { date, today } => {
            format!("日期 {date} 晚于今天（{today}）。请核对日期。")
        }
        Reason::InvalidYear { value } => {
            format!("“{value}”不是有效年度。请填写四位年份，如 2026。")
        }
        Reason::InvalidQuarter { value } => format!(
            "“{value}”不是有效季度。请按 2026Q1 或 2026年第一季度 的格式填写。"
        ),
        Reason::QuarterInFuture { quarter, today } => {
            format!("季度 {quarter} 在今天（{today}）尚未开始。请核对季度。")
        }
        Reason::InvalidNumber { value } => {
            format!("“{value}”不是整数。请填写阿拉伯数字，如 3。")
        }
        Reason::CountTooSmall { min } => format!("至少应为 {min}。请核对次数。"),
        Reason::InvalidCoordinate { value } => format!(
            "“{value}”不是有效坐标。请填写以度为单位的小数，如 87.6177。"
        ),
        Reason::OutOfChina { lon, lat } => format!(
            "坐标（经度 {lon}，纬度 {lat}）不在中国境内（经度 {}–{}，纬度 {}–{}）。请检查经纬度是否填反、小数点位置是否正确。",
            CHINA_LONGITUDE.start(),
            CHINA_LONGITUDE.end(),
            CHINA_LATITUDE.start(),
            CHINA_LATITUDE.end()
        ),
        Reason::OnlyOneCoordinate => {
            "只填写了经度、纬度中的一项。请同时填写经度和纬度，或两项都留空。".to_owned()
        }
        Reason::InvalidChoice { value, allowed } => format!(
            "“{value}”不是可选值。请填写以下之一：{}。",
            allowed.join("、")
        ),
        Reason::TooLong { max, length } => {
            format!("内容过长（{length} 字），最多 {max} 字。请精简。")
        }
        Reason::DuplicateInFile { first_row, columns } => format!(
            "与第 {first_row} 行的“{}”重复。请删除其中一行或更正。",
            columns.join("、")
        ),
        Reason::ClaimedElsewhere { agency } => format!(
            "已在“{agency}”的名录中。每个污染源只属于一个辖区；如已迁入本辖区，请联系该机构移出。"
        ),
        Reason::UnknownFirm { code } => format!(
            "代码为 {code} 的单位不在本辖区的污染源清单中。请先在污染源清单中添加该单位，或核对代码。"
        ),
        // Said whole by `ListError::message`; kept for completeness.
        Reason::NoRows => "没有数据行。".to_owned(),
        Reason::LeadingZeroLost { value } => format!(
            "该单元格是数字 {value}：可能是 Excel 去掉了开头的 0 的小类代码 0{value}，也可能是中类代码 {value}，\
             无法区分。请把该列设置为“文本”格式，重新输入所指的代码后再导入。"
        ),
        Reason::NoteRow => "这一行像是表格下方的说明（如“合计”“填表人”），不是一条记录。\
             请删除表格下方的说明行后再导入。"
            .to_owned(),
        Reason::LongNumber => "该单元格是 16 位以上的数字：Excel 只保留 15 位有效数字，这样的长代码\
             （如统一社会信用代码）在数字格式下已被改变。请把该列设置为“文本”格式，按原件重新输入后再导入。"
            .to_owned(),
    }
}

fn credit_code_zh(e: &CreditCodeError) -> String {
    match e {
        CreditCodeError::WrongLength { length } => {
            format!("统一社会信用代码应为 18 位，此处为 {length} 位。")
        }
        CreditCodeError::InvalidCharacter { position, found } => format!(
            "第 {position} 位“{found}”不是有效字符（只用数字和除 I、O、S、V、Z 以外的大写字母）。"
        ),
        CreditCodeError::DivisionNotDigit { position, found } => {
            format!("第 {position} 位“{found}”应为数字（第 3 至 8 位是行政区划码）。")
        }
        CreditCodeError::InvalidOrganisationCheck { expected, found } => {
            format!("组织机构代码校验位（第 17 位）错误，应为 {expected}（现为 {found}）。")
        }
        CreditCodeError::InvalidCheckCharacter { expected, found } => {
            format!("校验位错误，应为 {expected}（现为 {found}）。")
        }
        CreditCodeError::WrongPartLength { part, length } => format!(
            "{}应为 {} 位，此处为 {length} 位。",
            match part {
                crate::credit_code::CreditCodePart::Division => "行政区划码",
                crate::credit_code::CreditCodePart::OrganisationCodeBody => "组织机构代码本体",
            },
            part.length()
        ),
    }
}

fn en(reason: &Reason) -> String {
    match reason {
        Reason::MissingColumn => {
            "the column is missing. Compare the header with the template.".to_owned()
        }
        Reason::DuplicateColumn { other } => {
            format!("the same field as column {other}. Delete one of them.")
        }
        Reason::Required => "must not be empty. Fill it in.".to_owned(),
        Reason::InvalidCreditCode(e) => format!("{} {CHECK_LICENCE_EN}", credit_code_en(e)),
        Reason::InvalidDivision(e) => format!(
            "{} Give the district's name (such as 天山区) or its 6-digit division code (such as \
             650102).",
            division_en(e)
        ),
        Reason::UnknownDistrict { value, allowed } => format!(
            "“{value}” is not in this agency's territory. Use one of these districts (name or \
             code): {}.",
            allowed.join(", ")
        ),
        Reason::UnknownAgency { value, allowed } => format!(
            "“{value}” is neither this agency nor one under it. Use one of these (name or code), \
             or leave it empty for this agency: {}.",
            allowed.join(", ")
        ),
        Reason::InvalidIndustry(e) => format!(
            "{} Use a 2- to 4-digit code of GB/T 4754-2017, such as 4430.",
            industry_en(e)
        ),
        Reason::InvalidDate { value } => {
            format!("“{value}” is not a date. Write it as 2026-03-05.")
        }
        Reason::DateInFuture { date, today } => {
            format!("the date {date} is after today ({today}). Check the date.")
        }
        Reason::InvalidYear { value } => {
            format!("“{value}” is not a year. Write four digits, such as 2026.")
        }
        Reason::InvalidQuarter { value } => {
            format!("“{value}” is not a quarter. Write it as 2026Q1 or 2026年第一季度.")
        }
        Reason::QuarterInFuture { quarter, today } => {
            format!("the quarter {quarter} has not begun by today ({today}). Check the quarter.")
        }
        Reason::InvalidNumber { value } => {
            format!("“{value}” is not a whole number. Write digits, such as 3.")
        }
        Reason::CountTooSmall { min } => format!("must be at least {min}. Check the count."),
        Reason::InvalidCoordinate { value } => {
            format!("“{value}” is not a coordinate. Write decimal degrees, such as 87.6177.")
        }
        Reason::OutOfChina { lon, lat } => format!(
            "the point (longitude {lon}, latitude {lat}) is outside China (longitude {}–{}, \
             latitude {}–{}). Check whether longitude and latitude are swapped or a decimal \
             point is misplaced.",
            CHINA_LONGITUDE.start(),
            CHINA_LONGITUDE.end(),
            CHINA_LATITUDE.start(),
            CHINA_LATITUDE.end()
        ),
        Reason::OnlyOneCoordinate => "only one of longitude and latitude is given. Give both, \
                                      or leave both empty."
            .to_owned(),
        Reason::InvalidChoice { value, allowed } => format!(
            "“{value}” is not one of the allowed values. Use one of: {}.",
            allowed.join(", ")
        ),
        Reason::TooLong { max, length } => {
            format!("too long ({length} characters), at most {max}. Shorten it.")
        }
        Reason::DuplicateInFile { first_row, columns } => format!(
            "repeats the {} of row {first_row}. Delete one of the two rows or correct it.",
            columns.join(", ")
        ),
        Reason::ClaimedElsewhere { agency } => format!(
            "already on the list of {agency}. A source belongs to one jurisdiction only; if it \
             has moved here, ask that agency to remove it from its list."
        ),
        Reason::UnknownFirm { code } => format!(
            "no firm with the code {code} is on the source list of this jurisdiction. Add the firm \
             to the source list first, or check the code."
        ),
        Reason::NoRows => "no data rows.".to_owned(),
        Reason::LeadingZeroLost { value } => format!(
            "the cell holds the number {value}: a class code whose leading zero Excel dropped \
             (0{value}) or the group code {value}; which one cannot be told. Format the column \
             as Text, type the code you mean, then import again."
        ),
        Reason::NoteRow => "this row looks like a note under the table (a total, who filled it \
             in), not a record. Delete the notes under the table, then import again."
            .to_owned(),
        Reason::LongNumber => "the cell holds a number of 16 digits or more: Excel keeps only 15 \
             significant digits, so a long code typed as a number (such as a credit code) was \
             changed. Format the column as Text, type the codes again from the originals, then \
             import again."
            .to_owned(),
    }
}

fn credit_code_en(e: &CreditCodeError) -> String {
    match e {
        CreditCodeError::WrongLength { length } => {
            format!("a unified social credit code has 18 characters, this one has {length}.")
        }
        CreditCodeError::InvalidCharacter { position, found } => format!(
            "character {position} ('{found}') is not allowed; a credit code uses digits and the \
             capital letters except I, O, S, V and Z."
        ),
        CreditCodeError::DivisionNotDigit { position, found } => format!(
            "character {position} ('{found}') must be a digit; characters 3 to 8 are the \
             division code."
        ),
        CreditCodeError::InvalidOrganisationCheck { expected, found } => format!(
            "wrong organisation code check digit (character 17), expected {expected} (found \
             {found})."
        ),
        CreditCodeError::InvalidCheckCharacter { expected, found } => {
            format!("wrong check character, expected {expected} (found {found}).")
        }
        CreditCodeError::WrongPartLength { part, length } => format!(
            "the {part} must have {} characters, this one has {length}.",
            part.length()
        ),
    }
}

fn division_zh(e: &DivisionCodeError) -> String {
    match e {
        DivisionCodeError::WrongLength { length } => {
            format!("行政区划代码应为 6 位数字，此处为 {length} 位。")
        }
        DivisionCodeError::NotDigit { position, found } => {
            format!("行政区划代码第 {position} 位“{found}”不是数字。")
        }
        DivisionCodeError::UnknownProvince { province } => {
            format!("{province:02} 不是省级行政区划代码。")
        }
    }
}

fn division_en(e: &DivisionCodeError) -> String {
    match e {
        DivisionCodeError::WrongLength { length } => {
            format!("a division code has 6 digits, this one has {length} characters.")
        }
        DivisionCodeError::NotDigit { position, found } => {
            format!("character {position} ('{found}') of the division code is not a digit.")
        }
        DivisionCodeError::UnknownProvince { province } => {
            format!("{province:02} is not a province-level division code.")
        }
    }
}

fn industry_zh(e: &IndustryCodeError) -> String {
    match e {
        IndustryCodeError::WrongLength { length } => {
            format!("行业代码应为 2 至 4 位数字，此处为 {length} 位。")
        }
        IndustryCodeError::NotDigit { position, found } => {
            format!("行业代码第 {position} 位“{found}”不是数字。")
        }
        IndustryCodeError::UnknownDivision { division } => {
            format!("{division} 不是 GB/T 4754-2017 的行业大类。")
        }
        IndustryCodeError::NotInTable { code } => format!("{code} 不在已加载的行业分类表中。"),
    }
}

fn industry_en(e: &IndustryCodeError) -> String {
    match e {
        IndustryCodeError::WrongLength { length } => {
            format!("an industry code has 2 to 4 digits, this one has {length} characters.")
        }
        IndustryCodeError::NotDigit { position, found } => {
            format!("character {position} ('{found}') of the industry code is not a digit.")
        }
        IndustryCodeError::UnknownDivision { division } => {
            format!("{division} is not a division of GB/T 4754-2017.")
        }
        IndustryCodeError::NotInTable { code } => {
            format!("{code} is not in the loaded industry classification.")
        }
    }
}

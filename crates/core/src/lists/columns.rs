//! The columns of each list: template headers, the other names real files give them, and an
//! example value for the template's sample row.

use super::ListKind;

/// One column of a list (列).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnSpec {
    /// Stable field key (`credit_code`); a header equal to it also maps, for files written by
    /// programs.
    pub key: &'static str,
    /// The template's header (`统一社会信用代码`).
    pub header_zh: &'static str,
    /// The header in English (`Unified social credit code`); it maps too.
    pub header_en: &'static str,
    /// Other headers real files use for the column (`信用代码`, `社会信用代码`, ...).
    pub aliases: &'static [&'static str],
    /// Whether a file without the column is refused, and an empty cell is an error.
    pub required: bool,
    /// A valid value for the template's example row.
    pub example: &'static str,
}

impl ColumnSpec {
    /// Every header that maps to the column: key, Chinese and English header, aliases.
    pub fn names(&self) -> impl Iterator<Item = &'static str> {
        [self.key, self.header_zh, self.header_en]
            .into_iter()
            .chain(self.aliases.iter().copied())
    }
}

/// Field keys, shared by the column tables and the row parsers so that a typo cannot make a
/// column unreachable.
pub(crate) mod key {
    pub const CREDIT_CODE: &str = "credit_code";
    pub const NAME: &str = "name";
    pub const DISTRICT: &str = "district";
    pub const ADDRESS: &str = "address";
    pub const INDUSTRY: &str = "industry";
    pub const CATEGORY: &str = "category";
    pub const DIRECTORY_YEAR: &str = "directory_year";
    pub const LONGITUDE: &str = "lon";
    pub const LATITUDE: &str = "lat";
    pub const STATUS: &str = "status";
    pub const CERTIFICATE_NO: &str = "certificate_no";
    pub const CERTIFIED_UNTIL: &str = "certified_until";
    pub const ON_DUTY: &str = "on_duty";
    pub const AGENCY: &str = "agency";
    pub const DEVELOPER: &str = "developer";
    pub const APPROVING_LEVEL: &str = "approving_level";
    pub const APPROVAL_NO: &str = "approval_no";
    pub const APPROVED_ON: &str = "approved_on";
    pub const EIA_FORM: &str = "eia_form";
    pub const DECISION_NO: &str = "decision_no";
    pub const DECIDED_ON: &str = "decided_on";
    pub const VIOLATION: &str = "violation";
    pub const MEASURES: &str = "measures";
    pub const QUARTER: &str = "quarter";
    pub const TIMES_RECEIVED: &str = "times_received";
    pub const SUMMARY: &str = "summary";
    pub const REPORTED_BY: &str = "reported_by";
}

/// A valid credit code for the examples (built with its check characters).
const EXAMPLE_CREDIT_CODE: &str = "91650102MA78UR2K0A";

/// The other headers of a firm's credit code, shared by every list that names a firm by it.
const CREDIT_CODE_ALIASES: &[&str] = &[
    "信用代码",
    "社会信用代码",
    "统一代码",
    "统一社会信用代码证号",
    "单位统一社会信用代码",
    "企业统一社会信用代码",
    "当事人统一社会信用代码",
    "Credit code",
    "USCC",
];

const fn credit_code_column() -> ColumnSpec {
    ColumnSpec {
        key: key::CREDIT_CODE,
        header_zh: "统一社会信用代码",
        header_en: "Unified social credit code",
        aliases: CREDIT_CODE_ALIASES,
        required: true,
        example: EXAMPLE_CREDIT_CODE,
    }
}

const fn quarter_column() -> ColumnSpec {
    ColumnSpec {
        key: key::QUARTER,
        header_zh: "季度",
        header_en: "Quarter",
        aliases: &["所属季度", "统计季度", "报送季度"],
        required: true,
        example: "2026Q1",
    }
}

/// R-LIST-1, R-LIST-7.
const OFFICERS: &[ColumnSpec] = &[
    ColumnSpec {
        key: key::NAME,
        header_zh: "姓名",
        header_en: "Name",
        aliases: &["执法人员姓名", "人员姓名", "执法人员"],
        required: true,
        example: "王伟",
    },
    ColumnSpec {
        key: key::CERTIFICATE_NO,
        header_zh: "执法证号",
        header_en: "Certificate number",
        aliases: &[
            "执法证编号",
            "执法证件号",
            "执法证件号码",
            "执法证件编号",
            "执法证号码",
            "证件号",
            "证号",
            "Certificate no",
        ],
        required: true,
        example: "65010220210001",
    },
    ColumnSpec {
        key: key::CERTIFIED_UNTIL,
        header_zh: "执法证有效期至",
        header_en: "Certificate valid until",
        aliases: &[
            "有效期至",
            "执法证有效期",
            "证件有效期",
            "证件有效期至",
            "有效期",
            "有效期限",
            "Valid until",
        ],
        required: true,
        example: "2028-12-31",
    },
    ColumnSpec {
        key: key::ON_DUTY,
        header_zh: "在岗",
        header_en: "On duty",
        aliases: &["是否在岗", "在岗状态", "在岗情况"],
        required: false,
        example: "是",
    },
    ColumnSpec {
        key: key::AGENCY,
        header_zh: "所属机构",
        header_en: "Agency",
        aliases: &["所属单位", "所在单位", "工作单位", "执法机构", "机构"],
        required: false,
        example: "天山区分局",
    },
];

/// R-LIST-2.
const FIRMS: &[ColumnSpec] = &[
    credit_code_column(),
    ColumnSpec {
        key: key::NAME,
        header_zh: "单位名称",
        header_en: "Name",
        aliases: &[
            "企业名称",
            "污染源名称",
            "排污单位名称",
            "名称",
            "Firm name",
            "Unit name",
        ],
        required: true,
        example: "乌鲁木齐天山鑫源热力有限公司",
    },
    ColumnSpec {
        key: key::DISTRICT,
        header_zh: "所在区县",
        header_en: "District",
        aliases: &[
            "区县",
            "所属区县",
            "所在区域",
            "行政区划",
            "行政区划代码",
            "区县代码",
            "District code",
        ],
        required: true,
        example: "天山区",
    },
    ColumnSpec {
        key: key::ADDRESS,
        header_zh: "详细地址",
        header_en: "Address",
        aliases: &["地址", "单位地址", "生产经营场所地址", "经营地址"],
        required: true,
        example: "乌鲁木齐市天山区解放南路100号",
    },
    ColumnSpec {
        key: key::INDUSTRY,
        header_zh: "行业代码",
        header_en: "Industry code",
        aliases: &[
            "行业类别代码",
            "行业分类代码",
            "国民经济行业代码",
            "国民经济行业分类代码",
        ],
        required: true,
        example: "4430",
    },
    ColumnSpec {
        key: key::CATEGORY,
        header_zh: "监管类别",
        header_en: "Supervision category",
        aliases: &["监管类型", "单位类别", "污染源类别", "类别", "Category"],
        required: true,
        example: "重点",
    },
    ColumnSpec {
        key: key::DIRECTORY_YEAR,
        header_zh: "重点名录年度",
        header_en: "Key directory year",
        aliases: &["名录年度", "重点排污单位名录年度", "Directory year"],
        required: false,
        example: "2026",
    },
    ColumnSpec {
        key: key::LONGITUDE,
        header_zh: "经度",
        header_en: "Longitude",
        aliases: &["经度(°)", "经度(度)", "东经", "lng"],
        required: false,
        example: "87.6177",
    },
    ColumnSpec {
        key: key::LATITUDE,
        header_zh: "纬度",
        header_en: "Latitude",
        aliases: &["纬度(°)", "纬度(度)", "北纬"],
        required: false,
        example: "43.7928",
    },
    ColumnSpec {
        key: key::STATUS,
        header_zh: "状态",
        header_en: "Status",
        aliases: &["生产状态", "运行状态", "经营状态"],
        required: false,
        example: "在产",
    },
];

/// R-LIST-3, R-LIST-10.
const PROJECTS: &[ColumnSpec] = &[
    ColumnSpec {
        key: key::NAME,
        header_zh: "项目名称",
        header_en: "Project name",
        aliases: &["建设项目名称", "名称"],
        required: true,
        example: "乌鲁木齐天山鑫源热力有限公司燃煤锅炉清洁能源改造项目",
    },
    ColumnSpec {
        key: key::DEVELOPER,
        header_zh: "建设单位",
        header_en: "Developer",
        aliases: &["建设单位名称", "单位名称"],
        required: false,
        example: "乌鲁木齐天山鑫源热力有限公司",
    },
    ColumnSpec {
        key: key::CREDIT_CODE,
        header_zh: "建设单位统一社会信用代码",
        header_en: "Developer's unified social credit code",
        aliases: &[
            "统一社会信用代码",
            "建设单位信用代码",
            "信用代码",
            "社会信用代码",
            "Credit code",
        ],
        required: false,
        example: EXAMPLE_CREDIT_CODE,
    },
    ColumnSpec {
        key: key::APPROVING_LEVEL,
        header_zh: "审批级别",
        header_en: "Approving level",
        aliases: &["审批层级", "审批部门级别", "审批机关级别"],
        required: true,
        example: "市",
    },
    ColumnSpec {
        key: key::APPROVAL_NO,
        header_zh: "审批文号",
        header_en: "Approval number",
        aliases: &["批复文号", "环评批复文号", "审批文号/备案号", "备案号"],
        required: true,
        example: "乌环评审〔2025〕12号",
    },
    ColumnSpec {
        key: key::APPROVED_ON,
        header_zh: "审批日期",
        header_en: "Approval date",
        aliases: &["批复日期", "审批时间", "批复时间", "备案日期"],
        required: true,
        example: "2025-06-18",
    },
    ColumnSpec {
        key: key::EIA_FORM,
        header_zh: "环评类别",
        header_en: "EIA form",
        aliases: &[
            "环评类型",
            "环评文件类型",
            "环评文件类别",
            "环境影响评价文件类型",
        ],
        required: true,
        example: "报告表",
    },
];

/// R-LIST-4, R-LIST-9.
const PENALTIES: &[ColumnSpec] = &[
    credit_code_column(),
    ColumnSpec {
        key: key::DECISION_NO,
        header_zh: "处罚决定书文号",
        header_en: "Decision number",
        aliases: &[
            "行政处罚决定书文号",
            "决定书文号",
            "处罚文号",
            "处罚决定文号",
        ],
        required: true,
        example: "乌环罚〔2026〕3号",
    },
    ColumnSpec {
        key: key::DECIDED_ON,
        header_zh: "决定日期",
        header_en: "Decision date",
        aliases: &["处罚日期", "处罚决定日期", "决定时间", "作出处罚决定日期"],
        required: true,
        example: "2026-02-10",
    },
    ColumnSpec {
        key: key::VIOLATION,
        header_zh: "违法行为",
        header_en: "Violation",
        aliases: &["违法事实", "主要违法事实", "违法行为类型", "案由"],
        required: true,
        example: "超标排放大气污染物",
    },
    ColumnSpec {
        key: key::MEASURES,
        header_zh: "执法措施",
        header_en: "Enforcement measures",
        aliases: &["配套办法", "适用配套办法", "适用措施", "Measures"],
        required: false,
        example: "按日连续处罚、查封扣押",
    },
];

/// R-LIST-5, R-LIST-8.
const COMPLAINTS: &[ColumnSpec] = &[
    credit_code_column(),
    quarter_column(),
    ColumnSpec {
        key: key::TIMES_RECEIVED,
        header_zh: "投诉次数",
        header_en: "Times received",
        aliases: &["信访次数", "投诉件数", "信访件数", "受理次数", "次数"],
        required: true,
        example: "3",
    },
    ColumnSpec {
        key: key::SUMMARY,
        header_zh: "问题概述",
        header_en: "Summary",
        aliases: &["投诉内容", "信访内容", "反映问题", "问题描述", "主要问题"],
        required: true,
        example: "夜间生产噪声扰民",
    },
];

/// R-LIST-6, R-LIST-11.
const PROBLEMS: &[ColumnSpec] = &[
    credit_code_column(),
    quarter_column(),
    ColumnSpec {
        key: key::SUMMARY,
        header_zh: "问题概述",
        header_en: "Summary",
        aliases: &["问题描述", "主要问题", "问题内容"],
        required: true,
        example: "在线监测数据异常",
    },
    ColumnSpec {
        key: key::REPORTED_BY,
        header_zh: "报送科室",
        header_en: "Reported by",
        aliases: &["报送单位", "报送部门", "来源科室"],
        required: false,
        example: "法制督查科",
    },
];

pub(super) fn columns(kind: ListKind) -> &'static [ColumnSpec] {
    match kind {
        ListKind::Officers => OFFICERS,
        ListKind::Firms => FIRMS,
        ListKind::Projects => PROJECTS,
        ListKind::Penalties => PENALTIES,
        ListKind::Complaints => COMPLAINTS,
        ListKind::Problems => PROBLEMS,
    }
}

pub(super) fn key_columns(kind: ListKind) -> &'static [&'static str] {
    match kind {
        ListKind::Officers => &[key::CERTIFICATE_NO],
        ListKind::Firms => &[key::CREDIT_CODE],
        ListKind::Projects => &[key::APPROVAL_NO],
        ListKind::Penalties => &[key::DECISION_NO],
        ListKind::Complaints | ListKind::Problems => {
            &[key::CREDIT_CODE, key::QUARTER, key::SUMMARY]
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::super::headers::header_key;
    use super::*;

    #[test]
    fn no_two_columns_of_a_list_share_a_name_or_key() {
        for kind in ListKind::ALL {
            let mut seen: HashMap<String, &str> = HashMap::new();
            for column in kind.columns() {
                for name in column.names() {
                    if let Some(other) = seen.insert(header_key(name), column.key) {
                        assert_eq!(other, column.key, "{kind}: {name} names two columns");
                    }
                }
            }
        }
    }

    #[test]
    fn key_columns_are_required_columns_of_their_list() {
        for kind in ListKind::ALL {
            for key in kind.key_columns() {
                assert!(kind.column(key).is_some_and(|c| c.required), "{kind} {key}");
            }
        }
    }
}

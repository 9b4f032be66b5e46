//! A deterministic synthetic data set (演示数据) for the Urumqi demo and for scale tests.
//!
//! Everything follows from a `u64` seed through a small generator of our own (SplitMix64), so the
//! same seed gives the same data on every machine and in every version of the dependencies.
//! Firms are generated one at a time from the seed and their index: a million of them stream in
//! seconds without being held in memory, [`firm`] regenerates any one of them directly, and the
//! first `n` firms of a larger stream are the `n` firms of a smaller one.
//!
//! The names, addresses and numbers are invented; any likeness to a real firm or person is
//! coincidence.

use std::collections::HashSet;

use chrono::{Days, NaiveDate};
use serde::Serialize;

use crate::credit_code::{CreditCode, ALPHABET};
use crate::division::{DivisionCode, URUMQI_CITY, URUMQI_DISTRICTS};
use crate::industry::IndustryCode;
// The enums moved to the lists they describe; re-exported so `demo::FirmStatus` still works.
pub use crate::lists::{ApprovingLevel, EiaForm, FirmStatus};
use crate::period::{Quarter, Year};
use crate::rules::EnforcementMeasure;

/// What to generate. [`DemoParams::default`] is the Urumqi demo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemoParams {
    pub seed: u64,
    /// Number of firms (污染源).
    pub firms: usize,
    /// Number of enforcement officers (执法人员).
    pub officers: usize,
    /// The day the data set describes: certificates expire relative to it and the lists of the
    /// quarter before it are filled. A parameter, never the clock, so the data stays the same.
    pub reference_date: NaiveDate,
}

impl Default for DemoParams {
    /// Seed 2020 (the year of the plan), 3,000 firms, 150 officers, as of 10 April 2026: the lists
    /// of 2026Q1 are in and its disclosure is due soon.
    fn default() -> DemoParams {
        DemoParams {
            seed: 2020,
            firms: 3_000,
            officers: 150,
            reference_date: NaiveDate::from_ymd_opt(2026, 4, 10).expect("10 April 2026 exists"),
        }
    }
}

impl DemoParams {
    /// The firms of the data set.
    pub fn firms(&self) -> impl Iterator<Item = DemoFirm> {
        firms(self.seed, self.firms)
    }

    /// The officers of the data set.
    pub fn officers(&self) -> impl Iterator<Item = DemoOfficer> {
        officers(self.seed, self.officers, self.reference_date)
    }

    /// Construction projects approved in `year` (R-LIST-3 lists the previous year's).
    pub fn projects(&self, year: Year) -> impl Iterator<Item = DemoProject> {
        projects(self.seed, self.firms, year)
    }

    /// Prominent complaints of `quarter` (R-LIST-5).
    pub fn complaints(&self, quarter: Quarter) -> impl Iterator<Item = DemoComplaint> {
        complaints(self.seed, self.firms, quarter)
    }

    /// Penalty cases decided in `quarter` (R-LIST-4).
    pub fn penalty_cases(&self, quarter: Quarter) -> impl Iterator<Item = DemoPenaltyCase> {
        penalty_cases(self.seed, self.firms, quarter)
    }

    /// Other key problems of `quarter` (R-LIST-6).
    pub fn key_problems(&self, quarter: Quarter) -> impl Iterator<Item = DemoKeyProblem> {
        key_problems(self.seed, self.firms, quarter)
    }
}

/// A synthetic pollution source (污染源).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DemoFirm {
    /// Position in the stream; other lists refer to firms by it.
    pub index: usize,
    /// Valid and unique across the stream.
    pub credit_code: CreditCode,
    pub name: String,
    pub address: String,
    /// One of the 8 Urumqi districts and county.
    pub division: DivisionCode,
    /// A 4-digit GB/T 4754-2017 class of a polluting trade.
    pub industry: IndustryCode,
    /// On the key discharge unit directory (重点排污单位), about 10%.
    pub key_unit: bool,
    /// Longitude (WGS 84, degrees east).
    pub lon: f64,
    /// Latitude (WGS 84, degrees north).
    pub lat: f64,
    /// About 3% closed.
    pub status: FirmStatus,
}

/// A synthetic enforcement officer (执法人员).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemoOfficer {
    pub index: usize,
    /// A Han name or a Uyghur name in Chinese transliteration (艾力·买买提).
    pub name: String,
    /// Enforcement certificate number (执法证号): agency code, year of issue, serial.
    pub certificate_no: String,
    /// The agency's code: a district or county code, or `650100` for the city detachment.
    pub agency: DivisionCode,
    /// Last day the certificate is valid; about 5% have expired before the reference date.
    pub certified_until: NaiveDate,
    /// About 95% on duty (在岗).
    pub on_duty: bool,
}

/// A synthetic construction project (建设项目), R-LIST-3.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemoProject {
    pub name: String,
    pub firm_index: usize,
    pub approving_level: ApprovingLevel,
    /// Approval document number (批复文号), or the filing number of a registration form.
    pub approval_no: String,
    pub approved_on: NaiveDate,
    pub eia_form: EiaForm,
}

/// A synthetic prominent complaint (突出信访问题), R-LIST-5.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemoComplaint {
    pub firm_index: usize,
    pub quarter: Quarter,
    /// How often it was received in the quarter; at least 2, since the list holds repeated ones.
    pub times_received: u32,
    pub summary: String,
}

/// A synthetic administrative penalty case (行政处罚案件), R-LIST-4.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemoPenaltyCase {
    pub firm_index: usize,
    /// Decision document number (处罚决定书文号).
    pub decision_no: String,
    pub decided_on: NaiveDate,
    pub violation: String,
    pub fine_yuan: u32,
    /// The measures of R-INSP-3 applied, usually none.
    pub measures: Vec<EnforcementMeasure>,
}

/// A synthetic other key environmental problem (其他重点环境问题), R-LIST-6.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemoKeyProblem {
    pub firm_index: usize,
    pub quarter: Quarter,
    pub summary: String,
    /// The section or brigade that reported it.
    pub reported_by: String,
}

/// SplitMix64: tiny, fast, and statistically good enough for invented data; its output is fixed
/// by its definition, unlike a library generator that may change between versions.
struct DemoRng(u64);

impl DemoRng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0); the bias of the multiply-shift is below 2^-32 for
    /// the small ranges used here.
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.below(high - low + 1)
    }

    /// True with probability `percent` / 100.
    fn percent(&mut self, percent: u32) -> bool {
        self.below(100) < u64::from(percent)
    }

    /// A number in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// An item of a non-empty constant list.
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }

    /// An item of a non-empty constant list, with the given weights.
    fn weighted<'a, T>(&mut self, items: &'a [T], weight: impl Fn(&T) -> u32) -> &'a T {
        let total: u64 = items.iter().map(|i| u64::from(weight(i))).sum();
        let mut ticket = self.below(total);
        for item in items {
            let w = u64::from(weight(item));
            if ticket < w {
                return item;
            }
            ticket -= w;
        }
        &items[items.len() - 1]
    }
}

/// Independent generators per kind of record, so adding a field to officers does not change
/// the firms.
#[derive(Clone, Copy)]
enum Stream {
    Firm = 1,
    Officer = 2,
    Project = 3,
    Complaint = 4,
    Penalty = 5,
    KeyProblem = 6,
}

fn rng_for(seed: u64, stream: Stream, index: u64) -> DemoRng {
    let mut mixer = DemoRng(seed ^ (stream as u64).wrapping_mul(0xD6E8_FEB8_6659_FD93));
    let base = mixer.next_u64();
    let mut rng = DemoRng(base ^ DemoRng(index).next_u64());
    rng.next_u64(); // decorrelate neighbouring indices further
    rng
}

/// What makes a district look like itself: its share of the sources, place names, roads and a
/// rough bounding box. Same order as [`URUMQI_DISTRICTS`].
struct DistrictProfile {
    /// Share of the city's pollution sources, in percent: Midong (petrochemicals) and Toutunhe
    /// (the economic development zone) hold the most, the mountain districts the fewest.
    weight: u32,
    places: &'static [&'static str],
    roads: &'static [&'static str],
    lon: (f64, f64),
    lat: (f64, f64),
}

const DISTRICT_PROFILES: [DistrictProfile; 8] = [
    DistrictProfile {
        weight: 9,
        places: &["天山", "红山", "碾子沟", "延安路"],
        roads: &[
            "解放南路",
            "新华北路",
            "延安路",
            "和平南路",
            "胜利路",
            "光明路",
        ],
        lon: (87.60, 87.72),
        lat: (43.75, 43.82),
    },
    DistrictProfile {
        weight: 12,
        places: &["沙依巴克", "西山", "雅玛里克", "炉院街"],
        roads: &["西虹东路", "友好南路", "克拉玛依西街", "奇台路", "黄河路"],
        lon: (87.50, 87.60),
        lat: (43.75, 43.83),
    },
    DistrictProfile {
        weight: 15,
        places: &["新市", "北京路", "二工", "高新"],
        roads: &["北京南路", "长春中路", "苏州东街", "河北东路", "鲤鱼山路"],
        lon: (87.52, 87.65),
        lat: (43.83, 43.95),
    },
    DistrictProfile {
        weight: 10,
        places: &["水磨沟", "七道湾", "六道湾", "南湖"],
        roads: &["南湖东路", "七道湾路", "会展大道", "温泉西路", "昆明路"],
        lon: (87.62, 87.75),
        lat: (43.80, 43.88),
    },
    DistrictProfile {
        weight: 20,
        places: &["头屯河", "经开", "王家沟", "三坪"],
        roads: &["乌昌公路", "头屯河路", "嵩山街", "维泰南路", "阿里山街"],
        lon: (87.35, 87.48),
        lat: (43.82, 43.95),
    },
    DistrictProfile {
        weight: 6,
        places: &["达坂城", "盐湖", "柴窝堡", "东沟"],
        roads: &["盐湖路", "达坂城大街", "东沟路", "柴窝堡路"],
        lon: (87.85, 88.00),
        lat: (43.50, 43.60),
    },
    DistrictProfile {
        weight: 22,
        places: &["米东", "古牧地", "铁厂沟", "甘泉堡", "羊毛工"],
        roads: &["米东大道", "古牧地路", "石化路", "府前路", "米泉路"],
        lon: (87.62, 87.85),
        lat: (43.90, 44.15),
    },
    DistrictProfile {
        weight: 6,
        places: &["永丰", "板房沟", "萨尔达坂", "水西沟", "托里"],
        roads: &[
            "永丰镇永丰路",
            "板房沟镇板房沟路",
            "水西沟镇水西沟路",
            "甘沟乡甘沟路",
        ],
        lon: (87.30, 87.55),
        lat: (43.50, 43.70),
    },
];

/// A polluting trade: its GB/T 4754-2017 class, its share of the sources, how likely one of its
/// firms is a key unit, and the words that name such a firm.
struct Trade {
    industry: &'static str,
    weight: u32,
    key_percent: u32,
    words: &'static [&'static str],
    suffixes: &'static [&'static str],
}

const COMPANY: &[&str] = &["有限公司", "有限责任公司"];
const COMPANY_OR_WORKS: &[&str] = &["有限公司", "有限责任公司", "厂"];

/// Weighted so that about 10% of all firms are key units: heavy industry mostly is, repair shops
/// and filling stations almost never are.
#[rustfmt::skip]
const TRADES: &[Trade] = &[
    Trade { industry: "8111", weight: 20, key_percent: 0, words: &["汽车维修", "汽车服务", "机动车维修"], suffixes: COMPANY },
    Trade { industry: "5265", weight: 10, key_percent: 0, words: &["加油站", "石油销售"], suffixes: COMPANY },
    Trade { industry: "4430", weight: 10, key_percent: 5, words: &["热力", "供热"], suffixes: COMPANY },
    Trade { industry: "3021", weight: 6, key_percent: 2, words: &["混凝土", "水泥制品", "建材"], suffixes: COMPANY_OR_WORKS },
    Trade { industry: "3031", weight: 4, key_percent: 2, words: &["新型墙材", "砖瓦", "建材"], suffixes: COMPANY_OR_WORKS },
    Trade { industry: "3011", weight: 2, key_percent: 30, words: &["水泥"], suffixes: COMPANY_OR_WORKS },
    Trade { industry: "2511", weight: 2, key_percent: 30, words: &["石化", "石油化工", "炼化"], suffixes: COMPANY },
    Trade { industry: "2614", weight: 2, key_percent: 25, words: &["化工", "精细化工"], suffixes: COMPANY_OR_WORKS },
    Trade { industry: "2621", weight: 1, key_percent: 50, words: &["化肥", "化工"], suffixes: COMPANY_OR_WORKS },
    Trade { industry: "2641", weight: 2, key_percent: 10, words: &["涂料", "化工"], suffixes: COMPANY_OR_WORKS },
    Trade { industry: "2710", weight: 1, key_percent: 30, words: &["制药", "药业"], suffixes: COMPANY_OR_WORKS },
    Trade { industry: "2922", weight: 4, key_percent: 0, words: &["塑业", "管业", "塑料制品"], suffixes: COMPANY_OR_WORKS },
    Trade { industry: "1391", weight: 2, key_percent: 10, words: &["淀粉", "食品"], suffixes: COMPANY_OR_WORKS },
    Trade { industry: "1351", weight: 4, key_percent: 5, words: &["肉联", "清真肉食", "牧业"], suffixes: COMPANY_OR_WORKS },
    Trade { industry: "1440", weight: 2, key_percent: 10, words: &["乳业", "乳品"], suffixes: COMPANY },
    Trade { industry: "1512", weight: 1, key_percent: 5, words: &["酒业", "酿酒"], suffixes: COMPANY_OR_WORKS },
    Trade { industry: "1713", weight: 1, key_percent: 15, words: &["印染", "纺织"], suffixes: COMPANY_OR_WORKS },
    Trade { industry: "3120", weight: 1, key_percent: 60, words: &["钢铁", "特钢"], suffixes: COMPANY_OR_WORKS },
    Trade { industry: "3130", weight: 2, key_percent: 15, words: &["钢材", "轧钢"], suffixes: COMPANY_OR_WORKS },
    Trade { industry: "3216", weight: 1, key_percent: 60, words: &["铝业"], suffixes: COMPANY },
    Trade { industry: "3360", weight: 2, key_percent: 15, words: &["电镀", "表面处理"], suffixes: COMPANY_OR_WORKS },
    Trade { industry: "0610", weight: 2, key_percent: 20, words: &["煤业", "矿业"], suffixes: COMPANY },
    Trade { industry: "4411", weight: 2, key_percent: 60, words: &["热电", "发电"], suffixes: COMPANY_OR_WORKS },
    Trade { industry: "4511", weight: 2, key_percent: 5, words: &["燃气", "天然气"], suffixes: COMPANY },
    Trade { industry: "4610", weight: 2, key_percent: 5, words: &["供水", "自来水"], suffixes: COMPANY },
    Trade { industry: "4620", weight: 3, key_percent: 40, words: &["水务", "污水处理", "再生水"], suffixes: COMPANY_OR_WORKS },
    Trade { industry: "7724", weight: 2, key_percent: 40, words: &["环保科技", "危废处置"], suffixes: COMPANY },
    Trade { industry: "7820", weight: 2, key_percent: 15, words: &["环卫", "垃圾处理"], suffixes: COMPANY },
    Trade { industry: HOSPITAL, weight: 4, key_percent: 5, words: &["人民医院", "中医医院", "中心医院", "职工医院"], suffixes: &[""] },
];

/// General hospitals (综合医院) are public institutions (事业单位): registered by the
/// establishment authority (1) as an institution (2), and named after their district.
const HOSPITAL: &str = "8411";

const BRANDS: &[&str] = &[
    "鑫源", "华泰", "天恒", "宏达", "金泰", "恒信", "新丰", "瑞丰", "博达", "天润", "西域", "丝路",
    "天盛", "泰和", "汇通", "晨光", "嘉禾", "国鑫", "宏远", "万隆", "永盛", "德润", "荣昌", "金石",
    "昌盛", "兴达", "润泽", "安达",
];

/// Firms whose index is below this can get an old-style all-digit organisation code; above it
/// the digit space would run out.
const DIGIT_STYLE_LIMIT: u64 = 100_000_000;

/// 31^6: the organisation code bodies of one `M?` block.
const BLOCK: u64 = 887_503_681;

/// Letters that can follow the `M` of a new-style organisation code body (alphabet positions
/// 10-30); each gives a block of [`BLOCK`] codes.
const BLOCK_LETTERS: u64 = 21;

/// Multipliers of the permutations of the organisation code bodies; each must be coprime to its
/// modulus, which the build checks.
const DIGIT_MULTIPLIER: u64 = 48_271_029;
const BLOCK_MULTIPLIER: u64 = 477_777_773;
const _: () = assert!(
    gcd(DIGIT_MULTIPLIER, DIGIT_STYLE_LIMIT) == 1
        && gcd(BLOCK_MULTIPLIER, BLOCK) == 1
        && BLOCK == 31u64.pow(6)
        && 10 + BLOCK_LETTERS as usize == ALPHABET.len()
);

const fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        let r = a % b;
        a = b;
        b = r;
    }
    a
}

/// The most firms one stream can hold with unique credit codes (about 18.6 billion).
pub const MAX_FIRMS: usize = (BLOCK * BLOCK_LETTERS) as usize;

/// The firms `0..count` of the stream for `seed` (at most [`MAX_FIRMS`]).
pub fn firms(seed: u64, count: usize) -> impl Iterator<Item = DemoFirm> {
    (0..count.min(MAX_FIRMS)).map(move |index| firm(seed, index))
}

/// Firm number `index` of the stream for `seed`, without generating the others.
pub fn firm(seed: u64, index: usize) -> DemoFirm {
    let mut rng = rng_for(seed, Stream::Firm, index as u64);
    let district_slot = rng.weighted(&[0, 1, 2, 3, 4, 5, 6, 7], |&i| DISTRICT_PROFILES[i].weight);
    let (division, district_zh, _) = URUMQI_DISTRICTS[*district_slot];
    let profile = &DISTRICT_PROFILES[*district_slot];
    let trade = rng.weighted(TRADES, |t| t.weight);
    let industry = IndustryCode::parse(trade.industry)
        .expect("the demo trades are GB/T 4754-2017 classes; a test checks them");
    let key_unit = rng.percent(trade.key_percent);
    let status = if rng.below(1000) < 30 {
        FirmStatus::Closed
    } else {
        FirmStatus::Active
    };
    let hospital = trade.industry == HOSPITAL;
    let credit_code = demo_credit_code(&mut rng, seed, index as u64, division, hospital);
    let place = rng.pick(profile.places);
    let word = rng.pick(trade.words);
    let name = if hospital {
        format!("乌鲁木齐市{district_zh}{word}")
    } else {
        let brand = rng.pick(BRANDS);
        let suffix = rng.pick(trade.suffixes);
        if rng.percent(70) {
            format!("乌鲁木齐{place}{brand}{word}{suffix}")
        } else {
            format!("新疆{brand}{word}{suffix}")
        }
    };
    let road = rng.pick(profile.roads);
    let number = rng.between(1, 999);
    let address = format!("{}{district_zh}{road}{number}号", URUMQI_CITY.1);
    let lon = round6(profile.lon.0 + rng.unit() * (profile.lon.1 - profile.lon.0));
    let lat = round6(profile.lat.0 + rng.unit() * (profile.lat.1 - profile.lat.0));
    DemoFirm {
        index,
        credit_code,
        name,
        address,
        division,
        industry,
        key_unit,
        lon,
        lat,
        status,
    }
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// A credit code whose organisation code body is an injective function of the index, so codes
/// never repeat within a stream: either the new style `M` + letter + 6 characters (the letter
/// numbers the block of 31^6 indices, the 6 characters a permutation of the index within it), or
/// for some indices below 10^8 an old-style 8-digit code (a permutation of the index). The two
/// styles cannot collide: one starts with `M`, the other with a digit.
fn demo_credit_code(
    rng: &mut DemoRng,
    seed: u64,
    index: u64,
    district: DivisionCode,
    hospital: bool,
) -> CreditCode {
    let (registration, org_type) = if hospital { ('1', '2') } else { ('9', '1') };
    // Most firms register with the city's market regulator, the rest with their district's.
    let division = if rng.percent(40) {
        URUMQI_CITY.0
    } else {
        district
    };
    let old_style = index < DIGIT_STYLE_LIMIT && rng.percent(20);
    let body = if old_style {
        let permuted = affine(
            index,
            48_271_029,
            DemoRng(seed).next_u64(),
            DIGIT_STYLE_LIMIT,
        );
        format!("{permuted:08}")
    } else {
        let alphabet = ALPHABET.as_bytes();
        let block = index / BLOCK;
        let mut permuted = affine(
            index % BLOCK,
            BLOCK_MULTIPLIER,
            DemoRng(seed).next_u64(),
            BLOCK,
        );
        let mut body = [b'M', alphabet[10 + block as usize], 0, 0, 0, 0, 0, 0];
        for slot in body[2..].iter_mut().rev() {
            *slot = alphabet[(permuted % 31) as usize];
            permuted /= 31;
        }
        body.iter().map(|&b| char::from(b)).collect()
    };
    CreditCode::from_parts(registration, org_type, division.as_str(), &body)
        .expect("demo code parts come from the credit-code alphabet and have the right lengths")
}

/// `(x * multiplier + offset) mod modulus`: a permutation of `0..modulus` when the multiplier is
/// coprime to the modulus.
fn affine(x: u64, multiplier: u64, offset: u64, modulus: u64) -> u64 {
    ((u128::from(x) * u128::from(multiplier) + u128::from(offset)) % u128::from(modulus)) as u64
}

const HAN_SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹",
];
const HAN_GIVEN: &[&str] = &[
    "伟", "军", "勇", "涛", "明", "斌", "强", "磊", "洋", "静", "丽", "敏", "燕", "娟", "霞", "红",
    "建华", "海燕", "志刚", "新民", "晓东", "立新", "国庆", "玉梅", "春花", "建新", "文华", "瑞",
    "鹏", "杰", "琳", "雪", "婷", "浩", "宇", "志强", "丽娜", "小龙",
];
const UYGHUR_MALE: &[&str] = &[
    "艾力",
    "买买提",
    "阿不都热合曼",
    "吐尔逊",
    "艾尔肯",
    "阿迪力",
    "伊力哈木",
    "麦麦提",
    "玉苏甫",
    "艾克拜尔",
    "库尔班",
    "亚森",
    "努尔买买提",
    "阿布都拉",
    "热合曼",
    "依明",
    "艾山",
];
const UYGHUR_FEMALE: &[&str] = &[
    "古丽",
    "阿依古丽",
    "迪丽努尔",
    "热依拉",
    "帕提古丽",
    "米热古丽",
    "祖丽胡玛尔",
    "努尔比亚",
    "阿依努尔",
    "再努尔",
];

fn officer_name(rng: &mut DemoRng) -> String {
    if rng.percent(35) {
        // Uyghur names: given name, middle dot, father's given name.
        let given = if rng.percent(60) {
            rng.pick(UYGHUR_MALE)
        } else {
            rng.pick(UYGHUR_FEMALE)
        };
        let father = rng.pick(UYGHUR_MALE);
        format!("{given}·{father}")
    } else {
        format!("{}{}", rng.pick(HAN_SURNAMES), rng.pick(HAN_GIVEN))
    }
}

/// The officers `0..count` of the stream for `seed`, as of `reference_date`. Of every ten, two
/// serve at the city detachment and one at each of the eight district branches, so 150 officers
/// are 30 at the city and 15 per district.
pub fn officers(
    seed: u64,
    count: usize,
    reference_date: NaiveDate,
) -> impl Iterator<Item = DemoOfficer> {
    (0..count).map(move |index| officer(seed, index, reference_date))
}

fn officer(seed: u64, index: usize, reference_date: NaiveDate) -> DemoOfficer {
    let mut rng = rng_for(seed, Stream::Officer, index as u64);
    let agency = match index % 10 {
        slot @ 2..=9 => URUMQI_DISTRICTS[slot - 2].0,
        _ => URUMQI_CITY.0,
    };
    let reference_year = Year::containing(reference_date).value();
    let issued = i64::from(reference_year) - rng.between(1, 9) as i64;
    let certificate_no = format!("{agency}{issued:04}{:04}", index + 1);
    let certified_until = if rng.percent(5) {
        reference_date
            .checked_sub_days(Days::new(rng.between(1, 365)))
            .unwrap_or(reference_date)
    } else {
        reference_date
            .checked_add_days(Days::new(rng.between(30, 3 * 365)))
            .unwrap_or(reference_date)
    };
    let on_duty = rng.percent(95);
    let name = officer_name(&mut rng);
    DemoOfficer {
        index,
        name,
        certificate_no,
        agency,
        certified_until,
        on_duty,
    }
}

/// `count` distinct active firms in random order, by rejection sampling: only the picks are
/// remembered, so lists stream whatever the number of firms. Closed firms are left out (nobody
/// complains about or fines a firm that is gone); the attempts are bounded so that a tiny
/// population of closed firms ends the list instead of looping.
fn distinct_active_firms(
    seed: u64,
    mut picker: DemoRng,
    firm_count: usize,
    count: usize,
) -> impl Iterator<Item = usize> {
    let mut picked = HashSet::new();
    let mut attempts_left = firm_count.saturating_mul(20).saturating_add(100);
    std::iter::from_fn(move || {
        while picked.len() < count && attempts_left > 0 {
            attempts_left -= 1;
            let index = picker.index(firm_count);
            if !picked.contains(&index) && firm(seed, index).status == FirmStatus::Active {
                picked.insert(index);
                return Some(index);
            }
        }
        None
    })
}

/// One record per `per` firms, at least one when there are firms.
fn list_length(firm_count: usize, per: usize) -> usize {
    if firm_count == 0 {
        0
    } else {
        (firm_count / per).max(1)
    }
}

/// A number that tells quarters apart, to seed each quarter's lists differently.
fn quarter_salt(quarter: Quarter) -> u64 {
    (i64::from(quarter.year().value()) * 4 + i64::from(quarter.q())) as u64
}

/// A random day in the `k`-th of `count` equal slices of `first..=last`, so that records
/// numbered in list order are also dated in that order.
fn day_in_slice(
    rng: &mut DemoRng,
    first: NaiveDate,
    last: NaiveDate,
    k: usize,
    count: usize,
) -> NaiveDate {
    let span = ((last - first).num_days().max(0) + 1) as u64;
    let count = count.max(1) as u64;
    let start = span * k as u64 / count;
    let end = (span * (k as u64 + 1) / count).max(start + 1);
    first
        .checked_add_days(Days::new(start + rng.below(end - start)))
        .unwrap_or(first)
}

const PROJECT_KINDS: &[&str] = &[
    "技术改造项目",
    "扩建项目",
    "燃煤锅炉清洁能源改造项目",
    "污水处理设施提标改造项目",
    "新建生产线项目",
    "搬迁改造项目",
    "挥发性有机物治理项目",
];

/// Short names of the district authorities in document numbers, in the order of
/// [`URUMQI_DISTRICTS`].
const DISTRICT_ABBREVIATIONS: [&str; 8] = ["天", "沙", "新", "水", "头", "达", "米", "乌县"];

/// Construction projects approved in `year`: one per 20 firms, each for a different firm.
pub fn projects(seed: u64, firm_count: usize, year: Year) -> impl Iterator<Item = DemoProject> {
    let mut picker = rng_for(seed, Stream::Project, year.value() as u64);
    let mut rng = DemoRng(picker.next_u64());
    let count = list_length(firm_count, 20);
    distinct_active_firms(seed, picker, firm_count, count)
        .enumerate()
        .map(move |(k, firm_index)| {
            let f = firm(seed, firm_index);
            let approving_level = rng
                .weighted(
                    &[
                        (ApprovingLevel::National, 2),
                        (ApprovingLevel::Region, 10),
                        (ApprovingLevel::City, 40),
                        (ApprovingLevel::District, 48),
                    ],
                    |&(_, w)| w,
                )
                .0;
            let eia_form = match (approving_level, rng.below(10)) {
                (ApprovingLevel::National | ApprovingLevel::Region, _) => EiaForm::Report,
                (_, 0..=1) => EiaForm::Report,
                (_, 2..=7) => EiaForm::Table,
                _ => EiaForm::Registration,
            };
            let approved_on = day_in_slice(&mut rng, year.first_day(), year.last_day(), k, count);
            let y = year.value();
            let n = k + 1;
            let approval_no = match (eia_form, approving_level) {
                (EiaForm::Registration, _) => format!("{y}{}{n:08}", f.division),
                (_, ApprovingLevel::National) => format!("环审〔{y}〕{n}号"),
                (_, ApprovingLevel::Region) => format!("新环审〔{y}〕{n}号"),
                (_, ApprovingLevel::City) => format!("乌环评审〔{y}〕{n}号"),
                (_, ApprovingLevel::District) => {
                    let slot = URUMQI_DISTRICTS
                        .iter()
                        .position(|d| d.0 == f.division)
                        .unwrap_or(0);
                    format!("乌{}环评审〔{y}〕{n}号", DISTRICT_ABBREVIATIONS[slot])
                }
            };
            let name = format!("{}{}", f.name, rng.pick(PROJECT_KINDS));
            DemoProject {
                name,
                firm_index,
                approving_level,
                approval_no,
                approved_on,
                eia_form,
            }
        })
}

const COMPLAINT_SUMMARIES: &[&str] = &[
    "夜间生产噪声扰民",
    "生产异味扰民，周边居民反映强烈",
    "锅炉烟囱冒黑烟",
    "废水排入市政管网，周边有刺激性气味",
    "物料露天堆放，扬尘污染严重",
    "危险废物随意堆放",
    "喷漆废气未经处理直接排放",
    "运输车辆进出扬尘严重",
];

/// Prominent complaints of `quarter`: one per 100 firms, each about a different firm.
pub fn complaints(
    seed: u64,
    firm_count: usize,
    quarter: Quarter,
) -> impl Iterator<Item = DemoComplaint> {
    let mut picker = rng_for(seed, Stream::Complaint, quarter_salt(quarter));
    let mut rng = DemoRng(picker.next_u64());
    distinct_active_firms(seed, picker, firm_count, list_length(firm_count, 100)).map(
        move |firm_index| {
            // Most issues come back a few times, a few many times.
            let times_received = 2
                + rng.below(4) as u32
                + if rng.percent(10) {
                    rng.below(10) as u32
                } else {
                    0
                };
            let summary = (*rng.pick(COMPLAINT_SUMMARIES)).to_owned();
            DemoComplaint {
                firm_index,
                quarter,
                times_received,
                summary,
            }
        },
    )
}

const VIOLATIONS: &[&str] = &[
    "未按规定运行大气污染防治设施",
    "超标排放大气污染物",
    "通过暗管排放水污染物",
    "建设项目未批先建",
    "配套环境保护设施未经验收即投入生产",
    "危险废物贮存不符合规范",
    "未按排污许可证规定排放污染物",
    "无排污许可证排放污染物",
];

/// Penalty cases decided in `quarter`: one per 150 firms, each against a different firm,
/// numbered through the year (乌环罚〔2026〕45号).
pub fn penalty_cases(
    seed: u64,
    firm_count: usize,
    quarter: Quarter,
) -> impl Iterator<Item = DemoPenaltyCase> {
    let mut picker = rng_for(seed, Stream::Penalty, quarter_salt(quarter));
    let mut rng = DemoRng(picker.next_u64());
    let per_quarter = list_length(firm_count, 150);
    let first_number = per_quarter * (quarter.q() as usize - 1) + 1;
    distinct_active_firms(seed, picker, firm_count, per_quarter)
        .enumerate()
        .map(move |(k, firm_index)| {
            let decision_no = format!("乌环罚〔{}〕{}号", quarter.year(), first_number + k);
            let decided_on = day_in_slice(
                &mut rng,
                quarter.first_day(),
                quarter.last_day(),
                k,
                per_quarter,
            );
            let violation = (*rng.pick(VIOLATIONS)).to_owned();
            let fine_yuan = rng.between(10, 500) as u32 * 1_000;
            // Most cases end with a fine; about one in six also uses the measures of R-INSP-3.
            let mut measures = Vec::new();
            if rng.percent(15) {
                for (measure, percent) in [
                    (EnforcementMeasure::DailyContinuousPenalty, 40),
                    (EnforcementMeasure::Seizure, 40),
                    (EnforcementMeasure::ProductionLimit, 30),
                    (EnforcementMeasure::TransferForDetention, 10),
                ] {
                    if rng.percent(percent) {
                        measures.push(measure);
                    }
                }
                if measures.is_empty() {
                    measures.push(EnforcementMeasure::ProductionLimit);
                }
            }
            DemoPenaltyCase {
                firm_index,
                decision_no,
                decided_on,
                violation,
                fine_yuan,
                measures,
            }
        })
}

const KEY_PROBLEMS: &[&str] = &[
    "环保督察交办问题整改未完成",
    "在线监测数据异常",
    "环境风险隐患排查发现问题",
    "重污染天气应急减排措施落实不到位",
    "排污许可证执行报告未按时提交",
    "未按要求开展自行监测",
];

const REPORTING_UNITS: &[&str] = &[
    "支队一大队",
    "支队二大队",
    "支队三大队",
    "投诉举报科",
    "法制督查科",
];

/// Other key problems of `quarter`: one per 300 firms, each at a different firm.
pub fn key_problems(
    seed: u64,
    firm_count: usize,
    quarter: Quarter,
) -> impl Iterator<Item = DemoKeyProblem> {
    let mut picker = rng_for(seed, Stream::KeyProblem, quarter_salt(quarter));
    let mut rng = DemoRng(picker.next_u64());
    distinct_active_firms(seed, picker, firm_count, list_length(firm_count, 300)).map(
        move |firm_index| DemoKeyProblem {
            firm_index,
            quarter,
            summary: (*rng.pick(KEY_PROBLEMS)).to_owned(),
            reported_by: (*rng.pick(REPORTING_UNITS)).to_owned(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_trade_is_a_valid_industry_class() {
        for trade in TRADES {
            let code = IndustryCode::parse(trade.industry).expect(trade.industry);
            assert_eq!(code.as_str().len(), 4);
            assert!(!trade.words.is_empty() && !trade.suffixes.is_empty());
        }
    }

    #[test]
    fn distinct_firms_are_distinct_and_cover_small_lists() {
        for n in [1usize, 2, 3, 10, 97] {
            let mut picked: Vec<usize> = distinct_active_firms(1, DemoRng(7), n, n).collect();
            let len = picked.len();
            let active = (0..n)
                .filter(|&i| firm(1, i).status == FirmStatus::Active)
                .count();
            assert_eq!(
                len, active,
                "every active firm is found when all are asked for"
            );
            picked.sort_unstable();
            picked.dedup();
            assert_eq!(picked.len(), len);
            assert!(picked.iter().all(|&i| i < n));
        }
    }
}

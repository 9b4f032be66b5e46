//! Enforcement agencies (执法机构) and the organisational tree they form.
//!
//! Jurisdiction (属地管理) follows the tree: a city detachment oversees its district and county
//! branches; each branch draws and inspects the sources of its own territory.

use serde::{Deserialize, Serialize};

/// What kind of unit an agency node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgencyKind {
    /// City enforcement detachment (市环境监察支队).
    CityDetachment,
    /// District branch (区分局) with its enforcement brigade.
    DistrictBranch,
    /// County branch (县分局).
    CountyBranch,
    /// Development zone branch (开发区分局); zones are added by an administrator.
    ZoneBranch,
    /// A section of the city detachment (科室), e.g. the legal supervision section.
    Section,
    /// An enforcement brigade (大队) inside a detachment or branch.
    Brigade,
}

impl AgencyKind {
    pub const ALL: [AgencyKind; 6] = [
        AgencyKind::CityDetachment,
        AgencyKind::DistrictBranch,
        AgencyKind::CountyBranch,
        AgencyKind::ZoneBranch,
        AgencyKind::Section,
        AgencyKind::Brigade,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AgencyKind::CityDetachment => "city_detachment",
            AgencyKind::DistrictBranch => "district_branch",
            AgencyKind::CountyBranch => "county_branch",
            AgencyKind::ZoneBranch => "zone_branch",
            AgencyKind::Section => "section",
            AgencyKind::Brigade => "brigade",
        }
    }

    pub fn parse(s: &str) -> Option<AgencyKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// A jurisdictional agency owns territory and lists; sections and brigades work inside one.
    pub fn is_jurisdiction(self) -> bool {
        !matches!(self, AgencyKind::Section | AgencyKind::Brigade)
    }

    /// City level for the staff-to-object ratio of R-DRAW-GEN-2 (1:5 city, 1:10 district/county).
    pub fn is_city_level(self) -> bool {
        matches!(self, AgencyKind::CityDetachment)
    }
}

/// One agency of the initial tree, before it gets a database id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgencySeed {
    /// Stable code: the GB/T 2260 code for a jurisdiction, `<parent>-<suffix>` for a section or brigade.
    pub code: &'static str,
    pub parent: Option<&'static str>,
    pub kind: AgencyKind,
    /// GB/T 2260 administrative division code of the territory.
    pub division_code: &'static str,
    pub name_zh: &'static str,
    pub name_en: &'static str,
}

const fn seed(
    code: &'static str,
    parent: Option<&'static str>,
    kind: AgencyKind,
    division_code: &'static str,
    name_zh: &'static str,
    name_en: &'static str,
) -> AgencySeed {
    AgencySeed {
        code,
        parent,
        kind,
        division_code,
        name_zh,
        name_en,
    }
}

/// The Urumqi agency tree of the 2020 plan: the detachment, its sections and brigades, and the
/// seven district and one county branches (codes per RULES.md, "Actors").
pub fn urumqi_agencies() -> Vec<AgencySeed> {
    use AgencyKind::*;
    const CITY: Option<&str> = Some("650100");
    vec![
        seed(
            "650100",
            None,
            CityDetachment,
            "650100",
            "乌鲁木齐市环境监察支队",
            "Urumqi Environmental Enforcement Detachment",
        ),
        seed(
            "650100-office",
            CITY,
            Section,
            "650100",
            "支队办公室",
            "Detachment office",
        ),
        seed(
            "650100-complaints",
            CITY,
            Section,
            "650100",
            "投诉举报科",
            "Complaints section",
        ),
        seed(
            "650100-legal",
            CITY,
            Section,
            "650100",
            "法制督查科",
            "Legal supervision section",
        ),
        seed(
            "650100-b1",
            CITY,
            Brigade,
            "650100",
            "支队一大队",
            "Detachment brigade 1",
        ),
        seed(
            "650100-b2",
            CITY,
            Brigade,
            "650100",
            "支队二大队",
            "Detachment brigade 2",
        ),
        seed(
            "650100-b3",
            CITY,
            Brigade,
            "650100",
            "支队三大队",
            "Detachment brigade 3",
        ),
        seed(
            "650102",
            CITY,
            DistrictBranch,
            "650102",
            "天山区分局",
            "Tianshan District branch",
        ),
        seed(
            "650103",
            CITY,
            DistrictBranch,
            "650103",
            "沙依巴克区分局",
            "Saybag District branch",
        ),
        seed(
            "650104",
            CITY,
            DistrictBranch,
            "650104",
            "新市区分局",
            "Xinshi District branch",
        ),
        seed(
            "650105",
            CITY,
            DistrictBranch,
            "650105",
            "水磨沟区分局",
            "Shuimogou District branch",
        ),
        seed(
            "650106",
            CITY,
            DistrictBranch,
            "650106",
            "头屯河区分局",
            "Toutunhe District branch",
        ),
        seed(
            "650107",
            CITY,
            DistrictBranch,
            "650107",
            "达坂城区分局",
            "Dabancheng District branch",
        ),
        seed(
            "650109",
            CITY,
            DistrictBranch,
            "650109",
            "米东区分局",
            "Midong District branch",
        ),
        seed(
            "650121",
            CITY,
            CountyBranch,
            "650121",
            "乌鲁木齐县分局",
            "Urumqi County branch",
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn urumqi_tree_has_one_root_and_eight_branches_whose_parents_exist() {
        let tree = urumqi_agencies();
        let codes: HashSet<_> = tree.iter().map(|a| a.code).collect();
        assert_eq!(codes.len(), tree.len(), "codes are unique");
        assert_eq!(tree.iter().filter(|a| a.parent.is_none()).count(), 1);
        assert!(tree
            .iter()
            .filter_map(|a| a.parent)
            .all(|p| codes.contains(p)));
        let branches = tree
            .iter()
            .filter(|a| a.kind.is_jurisdiction() && a.parent.is_some())
            .count();
        assert_eq!(branches, 8);
    }

    #[test]
    fn kinds_round_trip_through_their_names() {
        for k in AgencyKind::ALL {
            assert_eq!(AgencyKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(AgencyKind::parse("ministry"), None);
    }
}

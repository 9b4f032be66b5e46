//! The synthetic Urumqi data set.

use std::collections::HashSet;

use chrono::NaiveDate;
use spotcheck_core::credit_code::CreditCode;
use spotcheck_core::demo::{self, ApprovingLevel, DemoParams, EiaForm, FirmStatus};
use spotcheck_core::division::{URUMQI_CITY, URUMQI_DISTRICTS};
use spotcheck_core::industry::{IndustryLevel, IndustryTable};
use spotcheck_core::period::{Quarter, Year};

fn q(s: &str) -> Quarter {
    Quarter::parse(s).unwrap()
}

#[test]
fn the_default_is_the_urumqi_demo() {
    let params = DemoParams::default();
    assert_eq!(
        (params.seed, params.firms, params.officers),
        (2020, 3_000, 150)
    );
    assert_eq!(params.firms().count(), 3_000);
    assert_eq!(params.officers().count(), 150);
}

#[test]
fn the_same_seed_gives_the_same_data() {
    let params = DemoParams::default();
    assert_eq!(
        params.firms().collect::<Vec<_>>(),
        params.firms().collect::<Vec<_>>()
    );
    assert_eq!(
        params.officers().collect::<Vec<_>>(),
        params.officers().collect::<Vec<_>>()
    );
    let q1 = q("2026Q1");
    assert_eq!(
        params.complaints(q1).collect::<Vec<_>>(),
        params.complaints(q1).collect::<Vec<_>>()
    );
    assert_eq!(
        params.penalty_cases(q1).collect::<Vec<_>>(),
        params.penalty_cases(q1).collect::<Vec<_>>()
    );
}

#[test]
fn another_seed_gives_other_data() {
    let a: Vec<_> = demo::firms(1, 50).map(|f| f.credit_code).collect();
    let b: Vec<_> = demo::firms(2, 50).map(|f| f.credit_code).collect();
    assert_ne!(a, b);
}

#[test]
fn a_smaller_stream_is_the_start_of_a_larger_one_and_any_firm_can_be_regenerated() {
    let small: Vec<_> = demo::firms(7, 20).collect();
    let large: Vec<_> = demo::firms(7, 200).take(20).collect();
    assert_eq!(small, large);
    assert_eq!(demo::firm(7, 13), small[13]);
}

#[test]
fn credit_codes_are_valid_and_unique_over_100000_firms() {
    let mut seen = HashSet::new();
    for firm in demo::firms(2020, 100_000) {
        assert_eq!(
            CreditCode::parse(firm.credit_code.as_str()).as_ref(),
            Ok(&firm.credit_code)
        );
        assert!(
            seen.insert(firm.credit_code),
            "duplicate code at firm {}",
            firm.index
        );
    }
    assert_eq!(seen.len(), 100_000);
}

#[test]
fn firms_look_like_urumqi_pollution_sources() {
    let firms: Vec<_> = demo::firms(2020, 20_000).collect();
    let share = |n: usize| n as f64 / firms.len() as f64;

    let key = share(firms.iter().filter(|f| f.key_unit).count());
    assert!((0.08..=0.12).contains(&key), "key units {key:.3}");
    let closed = share(
        firms
            .iter()
            .filter(|f| f.status == FirmStatus::Closed)
            .count(),
    );
    assert!((0.02..=0.04).contains(&closed), "closed {closed:.3}");

    let table = IndustryTable::gbt4754_2017();
    for firm in &firms {
        let district = URUMQI_DISTRICTS.iter().find(|d| d.0 == firm.division);
        let (_, district_zh, _) = district.expect("one of the 8 districts");
        assert!(
            firm.credit_code.division_code() == firm.division.as_str()
                || firm.credit_code.division_code() == URUMQI_CITY.0.as_str()
        );
        assert_eq!(firm.industry.level(), IndustryLevel::Class);
        assert!(table.division_name(&firm.industry).is_some());
        assert!((87.3..=88.0).contains(&firm.lon) && (43.5..=44.2).contains(&firm.lat));
        assert!(
            firm.name.starts_with("乌鲁木齐") || firm.name.starts_with("新疆"),
            "{}",
            firm.name
        );
        assert!(
            firm.address
                .starts_with(&format!("乌鲁木齐市{district_zh}")),
            "{}",
            firm.address
        );
        assert!(firm.address.ends_with('号'));
    }

    // Every district has firms, Midong (petrochemicals) more than mountainous Dabancheng.
    let in_district = |code: &str| firms.iter().filter(|f| f.division.as_str() == code).count();
    for (code, _, _) in URUMQI_DISTRICTS {
        assert!(in_district(code.as_str()) > 0);
    }
    assert!(in_district("650109") > 2 * in_district("650107"));
}

#[test]
fn officers_are_spread_over_the_city_and_its_districts() {
    let params = DemoParams::default();
    let officers: Vec<_> = params.officers().collect();
    let at = |code: &str| {
        officers
            .iter()
            .filter(|o| o.agency.as_str() == code)
            .count()
    };
    assert_eq!(at("650100"), 30);
    for (code, _, _) in URUMQI_DISTRICTS {
        assert_eq!(at(code.as_str()), 15, "{code}");
    }
    let certificates: HashSet<_> = officers.iter().map(|o| &o.certificate_no).collect();
    assert_eq!(certificates.len(), officers.len());
    for officer in &officers {
        assert_eq!(officer.certificate_no.len(), 14);
        assert!(officer.certificate_no.starts_with(officer.agency.as_str()));
        assert!(officer.certificate_no.bytes().all(|b| b.is_ascii_digit()));
    }
    let expired = officers
        .iter()
        .filter(|o| o.certified_until < params.reference_date)
        .count();
    assert!((1..=20).contains(&expired), "{expired} expired");
    let off_duty = officers.iter().filter(|o| !o.on_duty).count();
    assert!((1..=20).contains(&off_duty), "{off_duty} off duty");
    assert!(
        officers.iter().any(|o| o.name.contains('·')),
        "Uyghur names"
    );
    assert!(officers.iter().any(|o| !o.name.contains('·')), "Han names");
}

#[test]
fn projects_are_approved_in_the_year_for_distinct_firms() {
    let params = DemoParams::default();
    let year = Year::new(2025).unwrap();
    let projects: Vec<_> = params.projects(year).collect();
    assert_eq!(projects.len(), 150);
    let firms: HashSet<_> = projects.iter().map(|p| p.firm_index).collect();
    assert_eq!(firms.len(), projects.len());
    let numbers: HashSet<_> = projects.iter().map(|p| &p.approval_no).collect();
    assert_eq!(numbers.len(), projects.len());
    for p in &projects {
        assert!(p.firm_index < params.firms);
        assert!(year.first_day() <= p.approved_on && p.approved_on <= year.last_day());
        assert!(p.name.ends_with("项目"));
        match p.eia_form {
            EiaForm::Registration => assert!(p.approval_no.starts_with("2025650")),
            _ => assert!(p.approval_no.contains("〔2025〕"), "{}", p.approval_no),
        }
    }
    assert!(projects
        .iter()
        .any(|p| p.approval_no.starts_with("乌环评审〔2025〕")));
    assert!(projects
        .iter()
        .any(|p| p.approving_level == ApprovingLevel::District));
}

#[test]
fn complaints_are_repeated_issues_of_distinct_active_firms() {
    let params = DemoParams::default();
    let complaints: Vec<_> = params.complaints(q("2026Q1")).collect();
    assert_eq!(complaints.len(), 30);
    let firms: HashSet<_> = complaints.iter().map(|c| c.firm_index).collect();
    assert_eq!(firms.len(), complaints.len());
    for c in &complaints {
        assert_eq!(c.quarter, q("2026Q1"));
        assert!(c.times_received >= 2);
        assert!(!c.summary.is_empty());
        assert_eq!(
            demo::firm(params.seed, c.firm_index).status,
            FirmStatus::Active
        );
    }
    let next: Vec<_> = params
        .complaints(q("2026Q2"))
        .map(|c| c.firm_index)
        .collect();
    assert_ne!(
        next,
        complaints.iter().map(|c| c.firm_index).collect::<Vec<_>>()
    );
}

#[test]
fn penalty_cases_are_numbered_through_the_year_and_decided_in_their_quarter() {
    let params = DemoParams::default();
    let q2 = q("2026Q2");
    let cases: Vec<_> = params.penalty_cases(q2).collect();
    assert_eq!(cases.len(), 20);
    assert_eq!(cases[0].decision_no, "乌环罚〔2026〕21号");
    assert_eq!(cases[19].decision_no, "乌环罚〔2026〕40号");
    for case in &cases {
        assert!(q2.contains(case.decided_on));
        assert!(case.fine_yuan >= 10_000 && case.fine_yuan % 1_000 == 0);
        let distinct: HashSet<_> = case.measures.iter().collect();
        assert_eq!(distinct.len(), case.measures.len());
    }
    let with_measures = (2020..2030)
        .flat_map(|y| Year::new(y).unwrap().quarters())
        .flat_map(|quarter| params.penalty_cases(quarter))
        .filter(|c| !c.measures.is_empty())
        .count();
    assert!(with_measures > 0, "some cases use the measures of R-INSP-3");
}

#[test]
fn key_problems_name_the_reporting_unit() {
    let problems: Vec<_> = DemoParams::default().key_problems(q("2026Q1")).collect();
    assert_eq!(problems.len(), 10);
    assert!(problems
        .iter()
        .all(|p| !p.reported_by.is_empty() && !p.summary.is_empty()));
}

#[test]
fn lists_of_tiny_and_empty_populations_are_well_formed() {
    assert_eq!(demo::firms(1, 0).count(), 0);
    assert_eq!(demo::complaints(1, 0, q("2026Q1")).count(), 0);
    assert!(demo::penalty_cases(1, 3, q("2026Q1")).count() <= 1);
    let reference = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    assert_eq!(demo::officers(1, 3, reference).count(), 3);
}

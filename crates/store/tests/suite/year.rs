//! A whole year of one district on every available backend: the general draw before the year,
//! then each quarter's key and special draws by their due dates, with the drawn firms inspected
//! between the draws. At the end every key unit has been drawn (R-DRAW-KEY-3), every draw met its
//! rule (R-DRAW-KEY-2, R-DRAW-SPC-2, R-DRAW-GEN-2), and what was found in one quarter fed the next
//! quarter's special draw (R-DRAW-SPC-1).

use std::collections::BTreeSet;

use chrono::NaiveDate;
use spotcheck_core::calendar::Duty;
use spotcheck_core::inspection::{CheckItem, Finding, Verdict};
use spotcheck_core::lists::{ListKind, Record, UnitCategory};
use spotcheck_core::period::{Quarter, Year};
use spotcheck_core::rules::RulesConfig;
use spotcheck_draw::{DrawInput, DrawOutput};
use spotcheck_store::agency::Agency;
use spotcheck_store::draws::{self, PlanKind, Standing};
use spotcheck_store::testing::{self, all_backends};
use spotcheck_store::{agency, audit, inspections, lists, tasks, Db};

/// Draws (different dice each time, as thrown before the witnesses); checks the record
/// verifies; returns the frozen input, the output and the draw's id.
async fn draw(
    db: &Db,
    a: &Agency,
    kind: PlanKind,
    period: &str,
    today: NaiveDate,
) -> (DrawInput, DrawOutput, i64) {
    let dice = format!(
        "dice:{:0>24}",
        period.replace('Q', "0") + kind.as_str().len().to_string().as_str()
    );
    let done = testing::drawn(db, a, kind, period, today, &dice).await;
    let record = draws::export(&done).unwrap().unwrap();
    assert_eq!(
        spotcheck_draw::verify_json(&record.to_string()).unwrap(),
        spotcheck_draw::Verification::Agrees,
        "{period} {kind:?} verifies"
    );
    (
        serde_json::from_str(&done.input).unwrap(),
        serde_json::from_str(done.output.as_deref().unwrap()).unwrap(),
        done.id,
    )
}

/// The on-site form of a task as its team fills it in on `day`; `violation` records one.
async fn inspect(db: &Db, task_id: i64, day: NaiveDate, violation: bool) {
    let mut form = testing::completed_form(db, task_id, day).await;
    if violation {
        let waste = form
            .items
            .iter_mut()
            .find(|c| c.item == CheckItem::HazardousWaste)
            .unwrap();
        waste.verdict = Verdict::NonCompliant;
        waste.remark = "危废贮存场所不规范".into();
    }
    if violation {
        form.findings.push(Finding {
            item: Some(CheckItem::HazardousWaste),
            violation: "危险废物未按规定贮存".into(),
            order_to_correct: Some("米环责改〔2026〕1号".into()),
            case_filed: None,
            measures: Vec::new(),
        });
    }
    let done = inspections::submit(db, "officer", task_id, &form, &format!("task-{task_id}"), 2)
        .await
        .unwrap()
        .unwrap();
    inspections::review(db, "midong", done.id, true, "")
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn a_year_of_draws_and_inspections_covers_every_key_unit_and_meets_every_rule() {
    for t in all_backends().await {
        let db = &t.db;
        testing::with_demo(db).await;
        let midong = agency::by_code(db, "650109").await.unwrap().unwrap();
        let rules = RulesConfig::default();
        let year = Year::new(2026).unwrap();

        // The general draw by 31 December of the year before (R-DRAW-GEN-1).
        let general_due = Duty::GeneralDraw(year).due_date(&rules);
        let (general_in, general_out, general_draw) =
            draw(db, &midong, PlanKind::General, "2026", general_due).await;
        assert_eq!(
            general_out.count,
            (general_in.officers.len() as u64 * 10).min(general_in.population.len() as u64),
            "R-DRAW-GEN-2: ten objects per district officer"
        );

        let mut key_drawn: BTreeSet<String> = BTreeSet::new();
        let mut inspected_elsewhere: BTreeSet<String> = BTreeSet::new();
        let mut key_units: BTreeSet<String> = BTreeSet::new();
        let mut found_in_q1: Option<String> = None;
        let mut promoted: Option<String> = None;
        let mut key_drawn_before_q2: BTreeSet<String> = BTreeSet::new();
        for q in year.quarters() {
            let period = q.to_string();
            let due = Duty::KeyDraw(q.into()).due_date(&rules);
            let (key_in, key_out, key_draw) = draw(db, &midong, PlanKind::Key, &period, due).await;
            key_units = key_in.population.iter().map(|u| u.id.clone()).collect();
            // R-DRAW-KEY-3: units drawn earlier this year, or inspected on another plan's task.
            let flagged: BTreeSet<String> = key_in
                .population
                .iter()
                .filter(|u| u.inspected_this_year)
                .map(|u| u.id.clone())
                .collect();
            let expected: BTreeSet<String> = key_drawn
                .union(&inspected_elsewhere)
                .filter(|c| key_units.contains(*c))
                .cloned()
                .collect();
            assert_eq!(flagged, expected, "{period}: inspected this year");
            let flagged = flagged.clone();
            let n = key_in.population.len() as u64;
            assert!(key_out.count >= n.div_ceil(5), "{period}: at least 20%");
            key_drawn.extend(key_out.selected.iter().map(|a| a.unit.clone()));

            let (special_in, special_out, special_draw) =
                draw(db, &midong, PlanKind::Special, &period, due).await;
            if let Some(code) = &found_in_q1 {
                if q.q() == 2 {
                    assert!(
                        special_in.population.iter().any(|u| &u.id == code),
                        "the violation found in Q1 makes {code} a special source in Q2"
                    );
                }
            }
            let m = special_in.population.len() as u64;
            assert!(special_out.count >= m.div_ceil(2), "{period}: at least 50%");

            // Between the draws the teams inspect the drawn firms within the quarter.
            let day = q.first_day() + chrono::Days::new(20);
            for (i, task) in tasks::of_draw(db, key_draw)
                .await
                .unwrap()
                .iter()
                .enumerate()
            {
                let violation = q.q() == 1 && i == 0;
                if violation {
                    found_in_q1 = Some(task.credit_code.clone());
                }
                inspect(db, task.id, day, violation).await;
            }
            for task in tasks::of_draw(db, special_draw).await.unwrap() {
                inspect(db, task.id, day, false).await;
                inspected_elsewhere.insert(task.credit_code.clone());
            }
            if q.q() == 1 {
                // A general unit inspected on the general plan becomes a key unit in the spring
                // (the lists change during the year): it counts as inspected this year.
                let task = tasks::of_draw(db, general_draw).await.unwrap().remove(0);
                inspect(db, task.id, day, false).await;
                inspected_elsewhere.insert(task.credit_code.clone());
                let stored = lists::get(db, ListKind::Firms, task.firm_id)
                    .await
                    .unwrap()
                    .unwrap();
                let Record::Firm(mut firm) = stored.record else {
                    panic!("a firm")
                };
                firm.category = UnitCategory::Key {
                    directory_year: year,
                };
                let mut tx = db.begin().await.unwrap();
                lists::upsert(
                    &mut tx,
                    "midong",
                    stored.agency_id,
                    &Record::Firm(firm),
                    spotcheck_store::now(),
                )
                .await
                .unwrap();
                tx.commit().await.unwrap();
                promoted = Some(task.credit_code.clone());
            }
            if q.q() == 2 {
                let code = promoted.as_ref().unwrap();
                assert!(key_units.contains(code), "{code} is a key unit now");
                assert!(
                    flagged.contains(code),
                    "inspected on the general plan in Q1"
                );
                assert!(!key_drawn_before_q2.contains(code));
            }
            if q.q() == 1 {
                key_drawn_before_q2 = key_drawn.clone();
            }
        }
        assert!(found_in_q1.is_some());

        // The year's end: every key unit was drawn, every rule met, nothing left undrawn.
        // R-DRAW-KEY-3: every key unit drawn in the year, but for the one inspected on the
        // general plan before it became a key unit, which counts as covered.
        let not_drawn: BTreeSet<String> = key_units.difference(&key_drawn).cloned().collect();
        assert_eq!(not_drawn, BTreeSet::from([promoted.clone().unwrap()]));
        assert!(key_units
            .iter()
            .all(|c| key_drawn.contains(c) || inspected_elsewhere.contains(c)));
        let table = draws::compliance(db, &midong, year, &rules, "2026-12-31".parse().unwrap())
            .await
            .unwrap();
        for row in &table.rows {
            assert_eq!(row.standing, Standing::Met, "{:?} {}", row.kind, row.period);
        }
        assert!(table.key_not_drawn.is_empty(), "{:?}", table.key_not_drawn);
        assert_eq!(table.key_units as usize, key_units.len());

        // Every key and special task of the year was inspected and accepted.
        let detail = inspections::results_detail(
            db,
            &midong.path,
            Quarter::parse("2026Q1").unwrap().first_day(),
            Quarter::parse("2026Q4").unwrap().last_day(),
        )
        .await
        .unwrap();
        let checked = detail
            .iter()
            .filter(|r| r.plan_kind != "general")
            .all(|r| r.result.as_str() != "not_checked" && r.task_status == "accepted");
        assert!(checked);
        assert_eq!(
            detail
                .iter()
                .filter(|r| r.result.as_str() == "violation")
                .count(),
            1
        );
        assert!(matches!(
            audit::verify(db).await.unwrap(),
            audit::ChainCheck::Intact { .. }
        ));
    }
}

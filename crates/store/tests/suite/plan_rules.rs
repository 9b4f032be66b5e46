//! The rules around a draw, on every available backend: plan parameters that would break a rule
//! are refused, randomness must follow the freeze, declared conflicts keep an officer away from
//! a firm, a task changes hands only at random with a reason, and the compliance table measures
//! the year against the rules.

use spotcheck_core::period::Year;
use spotcheck_core::rules::RulesConfig;
use spotcheck_draw::{DrawInput, DrawOutput};
use spotcheck_store::agency::Agency;
use spotcheck_store::conflicts::{self, ConflictRefusal};
use spotcheck_store::draws::{self, PlanKind, PlanParams, Refusal, Standing};
use spotcheck_store::tasks::{self, ReassignRefusal};
use spotcheck_store::testing::{self, all_backends};
use spotcheck_store::{agency, audit, Db};

const DICE: &str = "dice:38172645091827364510";

async fn agency_of(db: &Db, code: &str) -> Agency {
    agency::by_code(db, code).await.unwrap().unwrap()
}

/// Draws the plan of `kind` for `period` (frozen on `today`): the frozen input and the output.
async fn run(
    db: &Db,
    a: &Agency,
    kind: PlanKind,
    period: &str,
    today: &str,
) -> (DrawInput, DrawOutput) {
    let done = testing::drawn(db, a, kind, period, today.parse().unwrap(), DICE).await;
    (
        serde_json::from_str(&done.input).unwrap(),
        serde_json::from_str(done.output.as_deref().unwrap()).unwrap(),
    )
}

#[tokio::test]
async fn plans_may_be_stricter_than_the_rules_but_never_looser() {
    for t in all_backends().await {
        testing::with_demo(&t.db).await;
        let midong = agency_of(&t.db, "650109").await;
        let city = agency_of(&t.db, "650100").await;
        let rules = RulesConfig::default();
        let create = |a: Agency, kind: PlanKind, period: &'static str, params: PlanParams| {
            let db = t.db.clone();
            let rules = rules.clone();
            async move {
                draws::create_plan(&db, "admin", &a, kind, period, &rules, &params)
                    .await
                    .unwrap()
            }
        };
        let rate = |r| PlanParams {
            rate_percent: Some(r),
            ..PlanParams::default()
        };
        assert_eq!(
            create(midong.clone(), PlanKind::Key, "2026Q1", rate(15)).await,
            Err(Refusal::BelowMinimum {
                rule: "R-DRAW-KEY-2",
                minimum: 20,
                given: 15
            })
        );
        let strict = create(midong.clone(), PlanKind::Key, "2026Q1", rate(30))
            .await
            .unwrap();
        assert!(
            strict.rule.contains("\"rate_percent\":30"),
            "{}",
            strict.rule
        );
        assert_eq!(
            create(midong.clone(), PlanKind::Special, "2026Q1", rate(40)).await,
            Err(Refusal::BelowMinimum {
                rule: "R-DRAW-SPC-2",
                minimum: 50,
                given: 40
            })
        );
        assert_eq!(
            create(midong.clone(), PlanKind::Special, "2026Q1", rate(70)).await,
            Err(Refusal::AboveMaximum {
                rule: "R-DRAW-SPC-2",
                maximum: 60,
                given: 70
            })
        );
        let per_officer = |n| PlanParams {
            objects_per_officer: Some(n),
            ..PlanParams::default()
        };
        assert_eq!(
            create(midong.clone(), PlanKind::General, "2026", per_officer(8)).await,
            Err(Refusal::BelowMinimum {
                rule: "R-DRAW-GEN-2",
                minimum: 10,
                given: 8
            }),
            "1:10 at district level"
        );
        let city_plan = create(city.clone(), PlanKind::General, "2026", per_officer(8))
            .await
            .unwrap();
        assert!(
            city_plan.rule.contains("\"objects_per_officer\":8"),
            "1:5 at city level"
        );
        let team = PlanParams {
            team_size: Some(1),
            ..PlanParams::default()
        };
        assert_eq!(
            create(midong.clone(), PlanKind::Key, "2026Q2", team).await,
            Err(Refusal::TeamTooSmall {
                minimum: 2,
                given: 1
            })
        );
        assert_eq!(draws::plans(&t.db, &midong.path).await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn a_period_that_is_over_takes_no_freeze_nor_redraw() {
    let over = |period: &str, last_day: &str| Refusal::PeriodOver {
        period: period.into(),
        last_day: last_day.parse().unwrap(),
    };
    let day = |d: &str| d.parse::<chrono::NaiveDate>().unwrap();
    // The last day of a period is still in it; a general plan runs for its year.
    assert_eq!(
        draws::check_period_open(PlanKind::Key, "2026Q1", day("2026-03-31")),
        Ok(())
    );
    assert_eq!(
        draws::check_period_open(PlanKind::Special, "2026Q1", day("2026-04-01")),
        Err(over("2026Q1", "2026-03-31"))
    );
    assert_eq!(
        draws::check_period_open(PlanKind::General, "2026", day("2026-12-31")),
        Ok(())
    );
    assert_eq!(
        draws::check_period_open(PlanKind::General, "2026", day("2027-01-01")),
        Err(over("2026", "2026-12-31"))
    );
    for t in all_backends().await {
        testing::with_demo(&t.db).await;
        let midong = agency_of(&t.db, "650109").await;
        let p = testing::plan(&t.db, "admin", &midong, PlanKind::Key, "2026Q1").await;
        let refused = draws::freeze(&t.db, "admin", &p, &midong, day("2026-04-01"))
            .await
            .unwrap();
        assert_eq!(refused.unwrap_err(), over("2026Q1", "2026-03-31"));
        assert!(draws::latest_draw(&t.db, p.id).await.unwrap().is_none());

        // Drawn in time, it cannot be redrawn once the quarter is over.
        let (_, _) = run(&t.db, &midong, PlanKind::Key, "2026Q1", "2026-03-20").await;
        let redraw = draws::redraw(
            &t.db,
            "midong",
            &p,
            &midong,
            day("2026-04-02"),
            "见证人未到场",
            "legal",
            draws::Approval::Operator,
        )
        .await
        .unwrap();
        assert_eq!(redraw.unwrap_err(), over("2026Q1", "2026-03-31"));
    }
}

#[tokio::test]
async fn a_freeze_without_enough_certified_officers_is_refused() {
    for t in all_backends().await {
        testing::with_demo(&t.db).await;
        let midong = agency_of(&t.db, "650109").await;
        let p = testing::plan(&t.db, "admin", &midong, PlanKind::Key, "2040Q1").await;
        // By 2040 every certificate of the demo has expired.
        let refused = draws::freeze(&t.db, "admin", &p, &midong, "2040-01-01".parse().unwrap())
            .await
            .unwrap();
        assert_eq!(
            refused.unwrap_err(),
            Refusal::TooFewOfficers {
                officers: 0,
                team_size: 2
            }
        );
        assert!(draws::latest_draw(&t.db, p.id).await.unwrap().is_none());
    }
}

#[tokio::test]
async fn a_beacon_round_must_be_published_after_the_freeze() {
    const QUICKNET: &str = "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971";
    for t in all_backends().await {
        testing::with_demo(&t.db).await;
        let midong = agency_of(&t.db, "650109").await;
        let p = testing::plan(&t.db, "admin", &midong, PlanKind::Key, "2026Q2").await;
        let frozen = draws::freeze(&t.db, "admin", &p, &midong, "2026-03-20".parse().unwrap())
            .await
            .unwrap()
            .unwrap();
        let value = "ab".repeat(32);
        let seed = |randomness: String| {
            let db = t.db.clone();
            let p = p.clone();
            async move {
                draws::seed(&db, "admin", &p, &randomness, &["w".into()])
                    .await
                    .unwrap()
            }
        };
        let round_1000 = seed(format!("drand:{QUICKNET}:1000:{value}")).await;
        assert!(
            matches!(round_1000, Err(Refusal::RoundBeforeFreeze(at)) if at.timestamp() == 1_692_803_367 + 999 * 3),
            "{round_1000:?}"
        );
        let unknown = seed(format!("drand:{}:5:{value}", "cd".repeat(32))).await;
        assert!(matches!(unknown, Err(Refusal::UnknownChain(_))));
        let far = seed(format!("drand:{QUICKNET}:999999999:{value}")).await;
        assert!(matches!(far, Err(Refusal::RoundInFuture(_))), "{far:?}");

        let (chain, round, at) = draws::drand_rounds_after(frozen.frozen_at)
            .into_iter()
            .find(|(c, ..)| *c == QUICKNET)
            .unwrap();
        assert!(at > frozen.frozen_at);
        assert!(at.timestamp() - frozen.frozen_at.timestamp() <= 3);
        let seeded = seed(format!("drand:{chain}:{round}:{value}"))
            .await
            .unwrap();
        assert!(seeded.randomness.unwrap().contains(&round.to_string()));
        let done = draws::execute(&t.db, "admin", &p).await.unwrap().unwrap();
        let record = draws::export(&done).unwrap().unwrap();
        assert_eq!(
            spotcheck_draw::verify_json(&record.to_string()).unwrap(),
            spotcheck_draw::Verification::Agrees
        );
    }
}

#[tokio::test]
async fn a_declared_conflict_keeps_the_officer_away_from_the_firm() {
    for t in all_backends().await {
        testing::with_demo(&t.db).await;
        let midong = agency_of(&t.db, "650109").await;
        let tianshan = agency_of(&t.db, "650102").await;
        // Learn Midong's officers and key units from a frozen plan of another year.
        let probe = testing::plan(&t.db, "admin", &midong, PlanKind::Key, "2027Q1").await;
        let probe = draws::freeze(
            &t.db,
            "admin",
            &probe,
            &midong,
            "2026-12-20".parse().unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
        let input: DrawInput = serde_json::from_str(&probe.input).unwrap();
        assert!(input.conflicts.is_empty());
        let officer = input.officers[0].id.clone();
        // Every key unit conflicts with this officer: none may be assigned to them.
        for unit in &input.population {
            conflicts::declare(
                &t.db,
                "midong",
                &midong.path,
                &officer,
                &unit.id,
                "其配偶在该企业任职",
            )
            .await
            .unwrap()
            .unwrap();
        }
        let again = conflicts::declare(
            &t.db,
            "midong",
            &midong.path,
            &officer,
            &input.population[0].id,
            "again",
        )
        .await
        .unwrap();
        assert_eq!(again.unwrap_err(), ConflictRefusal::AlreadyDeclared);
        let foreign = conflicts::declare(
            &t.db,
            "x",
            &tianshan.path,
            &officer,
            &input.population[0].id,
            "x",
        )
        .await
        .unwrap();
        assert_eq!(
            foreign.unwrap_err(),
            ConflictRefusal::UnknownOfficer,
            "Tianshan cannot declare for Midong's officer"
        );
        let no_reason = conflicts::declare(
            &t.db,
            "x",
            &midong.path,
            &officer,
            &input.population[0].id,
            " ",
        )
        .await
        .unwrap();
        assert_eq!(no_reason.unwrap_err(), ConflictRefusal::NoReason);

        let (input, output) = run(&t.db, &midong, PlanKind::Key, "2026Q2", "2026-03-20").await;
        assert_eq!(input.conflicts.len(), input.population.len());
        assert!(input.conflicts.iter().all(|c| c.officer == officer));
        assert!(!output.selected.is_empty());
        for a in &output.selected {
            assert!(!a.officers.contains(&officer), "{officer} withdraws");
        }

        let listed = conflicts::list(&t.db, &midong.path).await.unwrap();
        assert_eq!(listed.len(), input.population.len());
        assert!(
            conflicts::withdraw(&t.db, "midong", &midong.path, listed[0].id)
                .await
                .unwrap()
        );
        assert!(
            !conflicts::withdraw(&t.db, "midong", &midong.path, listed[0].id)
                .await
                .unwrap(),
            "withdrawn once"
        );
        assert_eq!(
            conflicts::pairs_in(&t.db, &midong.path)
                .await
                .unwrap()
                .len(),
            input.population.len() - 1
        );
        assert!(matches!(
            audit::verify(&t.db).await.unwrap(),
            audit::ChainCheck::Intact { .. }
        ));
    }
}

#[tokio::test]
async fn a_task_changes_hands_only_with_a_reason_and_to_an_officer_drawn_at_random() {
    for t in all_backends().await {
        testing::with_demo(&t.db).await;
        let midong = agency_of(&t.db, "650109").await;
        let (input, output) = run(&t.db, &midong, PlanKind::Key, "2026Q2", "2026-03-20").await;
        let today = "2026-04-02".parse().unwrap();
        let first = &output.selected[0];
        let sick = first.officers[0].clone();
        let task_id: i64 = tasks::for_officer(&t.db, &sick)
            .await
            .unwrap()
            .into_iter()
            .find(|v| v.credit_code == first.unit)
            .unwrap()
            .id;
        let reassign = |officer: String, reason: &'static str, scope: String| {
            let db = t.db.clone();
            async move {
                tasks::reassign(&db, "midong", &scope, task_id, &officer, reason, today)
                    .await
                    .unwrap()
            }
        };
        assert_eq!(
            reassign(sick.clone(), " ", midong.path.clone())
                .await
                .unwrap_err(),
            ReassignRefusal::NoReason
        );
        assert_eq!(
            reassign("nobody".into(), "病假", midong.path.clone())
                .await
                .unwrap_err(),
            ReassignRefusal::NotOnTeam
        );
        let tianshan = agency_of(&t.db, "650102").await;
        assert_eq!(
            reassign(sick.clone(), "病假", tianshan.path.clone())
                .await
                .unwrap_err(),
            ReassignRefusal::UnknownTask,
            "another district cannot touch the task"
        );
        // An officer with a declared conflict with the firm is never a candidate.
        let conflicted = input
            .officers
            .iter()
            .map(|o| o.id.clone())
            .find(|o| !first.officers.contains(o))
            .unwrap();
        conflicts::declare(
            &t.db,
            "midong",
            &midong.path,
            &conflicted,
            &first.unit,
            "亲属",
        )
        .await
        .unwrap()
        .unwrap();

        let done = reassign(sick.clone(), "执法人员病休", midong.path.clone())
            .await
            .unwrap();
        let candidates: Vec<String> = serde_json::from_str(&done.candidates).unwrap();
        assert!(candidates.contains(&done.officer_in));
        assert!(!candidates.contains(&conflicted));
        for member in &first.officers {
            assert!(!candidates.contains(member), "the team is not a candidate");
        }
        assert_eq!(
            candidates.len(),
            input.officers.len() - first.officers.len() - 1
        );
        let row = tasks::get(&t.db, &midong.path, task_id)
            .await
            .unwrap()
            .unwrap();
        let team: Vec<String> = serde_json::from_str(&row.officers).unwrap();
        assert_eq!(team[0], done.officer_in);
        assert_eq!(team[1..], first.officers[1..]);
        assert!(tasks::for_officer(&t.db, &sick)
            .await
            .unwrap()
            .iter()
            .all(|v| v.id != task_id));
        assert!(
            tasks::for_officer(&t.db, &done.officer_in)
                .await
                .unwrap()
                .iter()
                .any(|v| v.id == task_id),
            "the replacement finds the task among their own"
        );
        for teammate in &first.officers[1..] {
            assert!(
                tasks::for_officer(&t.db, teammate)
                    .await
                    .unwrap()
                    .iter()
                    .any(|v| v.id == task_id),
                "the rest of the team keeps it"
            );
        }
        assert_eq!(tasks::reassignments(&t.db, task_id).await.unwrap().len(), 1);

        // The replacement falls ill too: the officer taken off the task is not drawn back.
        let again = reassign(done.officer_in.clone(), "执法人员出差", midong.path.clone())
            .await
            .unwrap();
        let candidates: Vec<String> = serde_json::from_str(&again.candidates).unwrap();
        assert!(!candidates.contains(&sick), "the first one replaced");
        assert!(!candidates.contains(&done.officer_in), "the one leaving");
        assert_eq!(
            candidates.len(),
            input.officers.len() - first.officers.len() - 2
        );
        assert_eq!(tasks::reassignments(&t.db, task_id).await.unwrap().len(), 2);

        // Everyone else withdraws from the firm: rather than leave the task stuck, those replaced
        // before are drawn from again.
        let row = tasks::get(&t.db, &midong.path, task_id)
            .await
            .unwrap()
            .unwrap();
        let team: Vec<String> = serde_json::from_str(&row.officers).unwrap();
        for o in input.officers.iter().map(|o| &o.id) {
            let replaced_before = *o == sick || *o == done.officer_in;
            if !team.contains(o) && !replaced_before && *o != conflicted {
                conflicts::declare(&t.db, "midong", &midong.path, o, &first.unit, "亲属")
                    .await
                    .unwrap()
                    .unwrap();
            }
        }
        let last = reassign(
            again.officer_in.clone(),
            "执法人员回避",
            midong.path.clone(),
        )
        .await
        .unwrap();
        let mut candidates: Vec<String> = serde_json::from_str(&last.candidates).unwrap();
        candidates.sort();
        let mut expected = vec![sick.clone(), done.officer_in.clone()];
        expected.sort();
        assert_eq!(candidates, expected);
        let events = audit::recent(&t.db, None, 5).await.unwrap();
        assert!(events.iter().any(|e| e.action == "task.reassign"));
    }
}

#[tokio::test]
async fn the_compliance_table_measures_the_year_against_the_rules() {
    for t in all_backends().await {
        testing::with_demo(&t.db).await;
        let midong = agency_of(&t.db, "650109").await;
        let rules = RulesConfig::default();
        let year = Year::new(2026).unwrap();
        let (input, output) = run(&t.db, &midong, PlanKind::Key, "2026Q1", "2025-12-20").await;

        let table = draws::compliance(&t.db, &midong, year, &rules, "2026-02-01".parse().unwrap())
            .await
            .unwrap();
        let row = |kind: PlanKind, period: &str| {
            table
                .rows
                .iter()
                .find(|r| r.kind == kind && r.period == period)
                .unwrap()
                .clone()
        };
        let key1 = row(PlanKind::Key, "2026Q1");
        let n = input.population.len() as u64;
        assert_eq!(key1.population, n);
        assert_eq!(key1.drawn, Some(output.count));
        assert_eq!(key1.required, n.div_ceil(5), "R-DRAW-KEY-2: 20%");
        assert_eq!(key1.standing, Standing::Met);
        assert_eq!(row(PlanKind::Key, "2026Q2").standing, Standing::Pending);
        assert_eq!(
            row(PlanKind::General, "2026").standing,
            Standing::Overdue,
            "due 2025-12-31, not drawn"
        );
        assert_eq!(table.rows.len(), 9);
        assert_eq!(table.key_units, n);
        assert_eq!(table.key_not_drawn.len() as u64, n - output.count);
        for a in &output.selected {
            assert!(table.key_not_drawn.iter().all(|(code, _)| code != &a.unit));
        }

        let later = draws::compliance(&t.db, &midong, year, &rules, "2026-04-01".parse().unwrap())
            .await
            .unwrap();
        let key2 = later
            .rows
            .iter()
            .find(|r| r.kind == PlanKind::Key && r.period == "2026Q2")
            .unwrap();
        assert_eq!(key2.standing, Standing::Overdue, "due 2026-03-25");
    }
}

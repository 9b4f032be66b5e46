//! Public disclosure of a quarter (R-REP-3) on every available backend: a snapshot of the
//! quarter's checks and the full records of its draws, published once per version, amendments
//! as new versions, and refusals before the quarter ends or without a draw.

use chrono::{NaiveDate, NaiveDateTime};
use spotcheck_core::inspection::{CheckItem, Finding, InspectionForm, ItemCheck, Verdict};
use spotcheck_core::period::Quarter;
use spotcheck_store::agency::{self, Agency};
use spotcheck_store::disclosure::{self, DisclosureConfig, Refusal};
use spotcheck_store::draws::{self, DrawRecord, PlanKind};
use spotcheck_store::testing::{self, all_backends};
use spotcheck_store::{audit, inspections, sha256_hex, tasks, Db};

const DICE: &str = "dice:38172645091827364510";
const WITNESSES: [&str; 2] = ["公证处见证人", "企业代表见证人"];
const TEAM: u32 = 2;

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn quarter(text: &str) -> Quarter {
    Quarter::parse(text).unwrap()
}

/// The demo lists, and the agency with `code`.
async fn demo_agency(db: &Db, code: &str) -> Agency {
    testing::with_demo(db).await;
    agency::by_code(db, code).await.unwrap().unwrap()
}

/// A plan of `agency` frozen on `today`, seeded before witnesses and, when `execute`, drawn.
async fn draw(
    db: &Db,
    agency: &Agency,
    kind: PlanKind,
    period: &str,
    today: &str,
    execute: bool,
) -> DrawRecord {
    let plan = testing::plan(db, "admin", agency, kind, period).await;
    draws::freeze(db, "admin", &plan, agency, day(today))
        .await
        .unwrap()
        .unwrap();
    let witnesses: Vec<String> = WITNESSES.iter().map(|w| w.to_string()).collect();
    let seeded = draws::seed(db, "admin", &plan, DICE, &witnesses)
        .await
        .unwrap()
        .unwrap();
    if !execute {
        return seeded;
    }
    draws::execute(db, "admin", &plan).await.unwrap().unwrap()
}

fn at(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
}

/// Submits a completed form for a task, checked on `on`; with a violation when `problem` is set.
async fn check(db: &Db, task_id: i64, on: &str, problem: Option<&str>) {
    let mut form: InspectionForm = inspections::prefill(db, task_id).await.unwrap();
    form.arrived_at = Some(at(&format!("{on} 09:30")));
    form.departed_at = Some(at(&format!("{on} 11:10")));
    form.representative = "张伟".into();
    form.items = CheckItem::ALL
        .iter()
        .map(|item| ItemCheck {
            item: *item,
            verdict: Verdict::Compliant,
            remark: String::new(),
        })
        .collect();
    if let Some(problem) = problem {
        let permit = form
            .items
            .iter_mut()
            .find(|c| c.item == CheckItem::PermitValid)
            .unwrap();
        permit.verdict = Verdict::NonCompliant;
        permit.remark = "排污许可证已过期".into();
        form.findings.push(Finding {
            item: Some(CheckItem::PermitValid),
            violation: problem.into(),
            order_to_correct: Some("乌环责改〔2026〕12号".into()),
            case_filed: None,
            measures: vec![],
        });
    }
    inspections::submit(db, "wang", task_id, &form, &format!("k{task_id}"), TEAM)
        .await
        .unwrap()
        .unwrap();
}

/// The names of every officer on the draw's teams.
async fn team_names(db: &Db, record: &DrawRecord) -> Vec<String> {
    let mut certificates = Vec::new();
    for task in tasks::of_draw(db, record.id).await.unwrap() {
        let team: Vec<String> = serde_json::from_str(&task.officers).unwrap();
        certificates.extend(team);
    }
    tasks::officer_names(db, &certificates)
        .await
        .unwrap()
        .into_iter()
        .map(|(_, name)| name)
        .filter(|name| !name.is_empty())
        .collect()
}

#[tokio::test]
async fn a_publication_is_a_snapshot_of_the_quarters_checks_and_draws_without_officers() {
    for t in all_backends().await {
        let db = &t.db;
        let tianshan = demo_agency(db, "650102").await;
        let q2 = draw(db, &tianshan, PlanKind::Key, "2026Q2", "2026-03-20", true).await;
        let q3 = draw(db, &tianshan, PlanKind::Key, "2026Q3", "2026-06-20", true).await;
        let saybag = agency::by_code(db, "650103").await.unwrap().unwrap();
        let other = draw(db, &saybag, PlanKind::Key, "2026Q2", "2026-03-20", true).await;
        let q2_tasks = tasks::of_draw(db, q2.id).await.unwrap();
        check(db, q2_tasks[0].id, "2026-04-15", None).await;
        check(db, q2_tasks[1].id, "2026-05-06", Some("无证排污")).await;

        let published = disclosure::publish(
            db,
            "tianshan",
            &tianshan,
            quarter("2026Q2"),
            None,
            &DisclosureConfig::default(),
            day("2026-07-05"),
        )
        .await
        .unwrap()
        .unwrap();
        assert_eq!((published.version, published.note.as_deref()), (1, None));
        assert_eq!(published.quarter, "2026Q2");
        assert_eq!(published.content_sha256, sha256_hex(&published.content));
        let snapshot = published.snapshot().unwrap();
        assert_eq!(snapshot.schema, disclosure::SCHEMA);
        assert_eq!(snapshot.agency.code, "650102");

        // The checks: one per task of the quarter's draw, none of the next quarter's or of
        // another district's.
        assert_eq!(snapshot.checks.len(), q2_tasks.len());
        assert!(snapshot
            .checks
            .iter()
            .all(|c| c.draw_label == "650102/2026Q2/key"));
        let line = |credit_code: &str| {
            snapshot
                .checks
                .iter()
                .find(|c| c.credit_code == credit_code)
                .unwrap()
        };
        let clean = line(&q2_tasks[0].credit_code);
        assert_eq!(clean.firm_name, q2_tasks[0].firm_name);
        assert_eq!(
            (clean.result.as_str(), clean.checked_on),
            ("compliant", Some(day("2026-04-15")))
        );
        let found = line(&q2_tasks[1].credit_code);
        assert_eq!(found.result, "violation");
        assert_eq!(found.problems, "无证排污");
        assert_eq!(found.orders_to_correct, ["乌环责改〔2026〕12号"]);
        assert_eq!(found.rectification.as_deref(), Some("open"));
        assert_eq!(line(&q2_tasks[2].credit_code).result, "not_checked");

        // Officers are not shown by default: neither names nor certificates in the checks.
        assert!(snapshot.checks.iter().all(|c| c.officers.is_none()));
        assert_eq!(snapshot.officers_shown, DisclosureConfig::default());
        let names = team_names(db, &q2).await;
        assert!(!names.is_empty());
        for name in &names {
            assert!(
                !published.content.contains(name.as_str()),
                "{name} is not published"
            );
        }

        // The draw: what was public at draw time, and now the full record, which verifies.
        assert_eq!(snapshot.draws.len(), 1, "only the quarter's own draw");
        let d = &snapshot.draws[0];
        assert_eq!((d.id, d.label.as_str()), (q2.id, "650102/2026Q2/key"));
        assert_eq!(d.population_sha256, q2.population_sha256);
        assert_eq!(d.officers_sha256, q2.officers_sha256);
        assert_eq!(d.conflicts_sha256, q2.conflicts_sha256);
        assert_eq!(d.randomness, DICE);
        assert_eq!(d.witnesses, WITNESSES);
        assert_eq!(Some(&d.result_sha256), q2.result_sha256.as_ref());
        assert_eq!(d.count as usize, q2_tasks.len());
        assert_eq!(
            d.seed,
            draws::full_input(&q2).unwrap().unwrap().seed,
            "the seed binds the label, the hashes and the randomness"
        );
        assert_eq!((d.redraw_of, d.replaced_by), (None, None));
        assert_eq!(
            spotcheck_draw::verify_json(&d.record.to_string()).unwrap(),
            spotcheck_draw::Verification::Agrees
        );
        assert_eq!(d.record, draws::export(&q2).unwrap().unwrap());
        for unpublished in [&q3, &other] {
            assert!(!published.content.contains(&unpublished.label));
            assert!(!published
                .content
                .contains(unpublished.result_sha256.as_deref().unwrap()));
        }

        // A snapshot: a check recorded afterwards does not change what was published.
        check(db, q2_tasks[2].id, "2026-06-28", None).await;
        let again = disclosure::latest(db, tianshan.id, quarter("2026Q2"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(again, published);
        assert!(
            disclosure::latest(db, tianshan.id, quarter("2026Q3"))
                .await
                .unwrap()
                .is_none(),
            "the next quarter is not published"
        );

        // The agency may choose to show its officers.
        let shown = disclosure::publish(
            db,
            "saybag",
            &saybag,
            quarter("2026Q2"),
            None,
            &DisclosureConfig {
                show_officer_names: true,
                show_officer_certificates: true,
            },
            day("2026-07-05"),
        )
        .await
        .unwrap()
        .unwrap()
        .snapshot()
        .unwrap();
        let team = shown.checks[0].officers.as_ref().unwrap();
        assert_eq!(team.len(), TEAM as usize);
        assert!(team
            .iter()
            .all(|o| o.name.is_some() && o.certificate_no.is_some()));
        assert!(matches!(
            audit::verify(db).await.unwrap(),
            audit::ChainCheck::Intact { .. }
        ));
    }
}

#[tokio::test]
async fn publishing_again_needs_a_note_and_makes_the_next_version_keeping_the_old_one() {
    for t in all_backends().await {
        let db = &t.db;
        let tianshan = demo_agency(db, "650102").await;
        let q2 = draw(db, &tianshan, PlanKind::Key, "2026Q2", "2026-03-20", true).await;
        let q2_tasks = tasks::of_draw(db, q2.id).await.unwrap();
        let publish = |note: Option<&'static str>, today: &'static str| {
            let tianshan = tianshan.clone();
            async move {
                disclosure::publish(
                    db,
                    "tianshan",
                    &tianshan,
                    quarter("2026Q2"),
                    note,
                    &DisclosureConfig::default(),
                    day(today),
                )
                .await
                .unwrap()
            }
        };
        let first = publish(None, "2026-07-05").await.unwrap();
        assert_eq!(
            publish(None, "2026-07-06").await.unwrap_err(),
            Refusal::AlreadyPublished { version: 1 }
        );
        assert_eq!(
            publish(Some("  "), "2026-07-06").await.unwrap_err(),
            Refusal::AlreadyPublished { version: 1 },
            "a blank note is no note"
        );

        // A check recorded late; the amendment publishes it.
        check(db, q2_tasks[0].id, "2026-06-29", Some("超标排放")).await;
        let second = publish(Some("补录6月29日检查结果"), "2026-07-10")
            .await
            .unwrap();
        assert_eq!(second.version, 2);
        assert_eq!(second.note.as_deref(), Some("补录6月29日检查结果"));
        let snapshot = second.snapshot().unwrap();
        assert_eq!(snapshot.version, 2);
        assert_eq!(snapshot.note.as_deref(), Some("补录6月29日检查结果"));
        assert!(snapshot.checks.iter().any(|c| c.problems == "超标排放"));
        assert!(!first.content.contains("超标排放"));

        let q = quarter("2026Q2");
        assert_eq!(
            disclosure::latest(db, tianshan.id, q).await.unwrap(),
            Some(second.clone())
        );
        assert_eq!(
            disclosure::by_version(db, tianshan.id, q, 1).await.unwrap(),
            Some(first.clone()),
            "version 1 stays as it was"
        );
        assert_eq!(
            disclosure::by_version(db, tianshan.id, q, 3).await.unwrap(),
            None
        );
        let listed = disclosure::list_published(db, Some("650102"), Some(q))
            .await
            .unwrap();
        assert_eq!(listed.iter().map(|p| p.version).collect::<Vec<_>>(), [2, 1]);
        assert_eq!(listed[0].content_sha256, second.content_sha256);
        assert_eq!(listed[0].agency_name("zh-CN"), "天山区分局");
        assert!(disclosure::list_published(db, Some("650103"), None)
            .await
            .unwrap()
            .is_empty());
        assert_eq!(
            disclosure::list_published(db, None, None)
                .await
                .unwrap()
                .len(),
            2
        );
        let feed = disclosure::feed(db, 10).await.unwrap();
        assert_eq!(
            feed.iter().map(|p| p.id).collect::<Vec<_>>(),
            [second.id, first.id],
            "newest first"
        );
        assert_eq!(disclosure::feed(db, 1).await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn a_quarter_not_over_or_without_an_executed_draw_is_refused() {
    for t in all_backends().await {
        let db = &t.db;
        let tianshan = demo_agency(db, "650102").await;
        draw(db, &tianshan, PlanKind::Key, "2026Q2", "2026-03-20", true).await;
        // The next quarter's draw is seeded, not executed.
        draw(db, &tianshan, PlanKind::Key, "2026Q3", "2026-06-20", false).await;
        let publish = |q: &'static str, today: &'static str| {
            let tianshan = tianshan.clone();
            async move {
                disclosure::publish(
                    db,
                    "tianshan",
                    &tianshan,
                    quarter(q),
                    None,
                    &DisclosureConfig::default(),
                    day(today),
                )
                .await
                .unwrap()
            }
        };
        assert_eq!(
            publish("2026Q2", "2026-06-30").await.unwrap_err(),
            Refusal::QuarterNotOver {
                ends: day("2026-06-30")
            },
            "the quarter's last day is still inside it"
        );
        assert_eq!(
            publish("2026Q1", "2026-04-10").await.unwrap_err(),
            Refusal::NoExecutedDraw
        );
        assert_eq!(
            publish("2026Q3", "2026-10-05").await.unwrap_err(),
            Refusal::NoExecutedDraw,
            "a draw not executed is not published"
        );
        assert_eq!(
            disclosure::executed_draws(db, &tianshan, quarter("2026Q3"))
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            disclosure::executed_draws(db, &tianshan, quarter("2026Q2"))
                .await
                .unwrap(),
            1
        );
        assert!(disclosure::list_published(db, None, None)
            .await
            .unwrap()
            .is_empty());
        assert!(publish("2026Q2", "2026-07-01").await.is_ok());
    }
}

#[tokio::test]
async fn the_general_draw_is_published_with_the_last_quarter_and_its_checks_when_done() {
    for t in all_backends().await {
        let db = &t.db;
        let tianshan = demo_agency(db, "650102").await;
        let general = draw(db, &tianshan, PlanKind::General, "2026", "2025-12-20", true).await;
        let key_q1 = draw(db, &tianshan, PlanKind::Key, "2026Q1", "2025-12-20", true).await;
        let general_tasks = tasks::of_draw(db, general.id).await.unwrap();
        assert!(general_tasks.len() > 2);
        let february = &general_tasks[0];
        check(db, february.id, "2026-02-10", None).await;
        let publish = |q: &'static str, today: &'static str| {
            let tianshan = tianshan.clone();
            async move {
                disclosure::publish(
                    db,
                    "tianshan",
                    &tianshan,
                    quarter(q),
                    None,
                    &DisclosureConfig::default(),
                    day(today),
                )
                .await
                .unwrap()
                .unwrap()
                .snapshot()
                .unwrap()
            }
        };

        // The first quarter: its key draw only (the general list stays confidential), its key
        // checks, and the general unit checked in February.
        let q1 = publish("2026Q1", "2026-04-10").await;
        assert_eq!(
            q1.draws.iter().map(|d| d.id).collect::<Vec<_>>(),
            [key_q1.id]
        );
        let general_lines: Vec<_> = q1
            .checks
            .iter()
            .filter(|c| c.plan_kind == "general")
            .collect();
        assert_eq!(general_lines.len(), 1);
        assert_eq!(general_lines[0].credit_code, february.credit_code);
        assert_eq!(general_lines[0].checked_on, Some(day("2026-02-10")));
        assert_eq!(
            q1.checks.len(),
            tasks::of_draw(db, key_q1.id).await.unwrap().len() + 1
        );

        // The last quarter: the general draw's record, and every general task not published yet.
        let q4 = publish("2026Q4", "2027-01-05").await;
        assert_eq!(
            q4.draws.iter().map(|d| d.id).collect::<Vec<_>>(),
            [general.id]
        );
        assert_eq!(q4.draws[0].plan_period, "2026");
        assert_eq!(q4.checks.len(), general_tasks.len() - 1);
        assert!(q4
            .checks
            .iter()
            .all(|c| c.plan_kind == "general" && c.credit_code != february.credit_code));
    }
}

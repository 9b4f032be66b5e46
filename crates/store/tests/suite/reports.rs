//! Reports and supervision on every available backend: the monthly report's figures equal the
//! records counted one by one, a duty turns overdue on the day after it is due, and supervision
//! notes are followed up until closed.

use spotcheck_core::calendar::{DutyKind, DutyStatus};
use spotcheck_core::inspection::{CheckItem, Finding, Measure, MeasureKind, Verdict};
use spotcheck_core::period::Month;
use spotcheck_core::rules::RulesConfig;
use spotcheck_store::agency::Agency;
use spotcheck_store::draws::PlanKind;
use spotcheck_store::reports::{self, ReportKind};
use spotcheck_store::testing::{self, all_backends};
use spotcheck_store::{agency, firms, inspections, tasks, Db};

async fn drawn(db: &Db, a: &Agency, kind: PlanKind, period: &str) -> Vec<tasks::TaskRow> {
    let day = "2026-03-20".parse().unwrap();
    let done = testing::drawn(db, a, kind, period, day, "dice:11223344556677889900").await;
    tasks::of_draw(db, done.id).await.unwrap()
}

/// Submits the task's form; with `problems`, that many findings, the first with a case filed and
/// two measures.
async fn submit(db: &Db, task_id: i64, problems: usize) {
    let mut form = testing::completed_form(db, task_id, "2026-04-10".parse().unwrap()).await;
    if problems > 0 {
        let other = form
            .items
            .iter_mut()
            .find(|c| c.item == CheckItem::OtherRules)
            .unwrap();
        other.verdict = Verdict::NonCompliant;
        other.remark = "见问题".into();
    }
    for n in 0..problems {
        form.findings.push(Finding {
            item: Some(CheckItem::OtherRules),
            violation: format!("问题{n}"),
            order_to_correct: Some(format!("责改{n}")),
            case_filed: (n == 0).then(|| "立案1号".to_string()),
            measures: if n == 0 {
                vec![
                    Measure {
                        kind: MeasureKind::Seizure,
                        decided_on: "2026-04-11".parse().unwrap(),
                        document_no: "查封1号".into(),
                    },
                    Measure {
                        kind: MeasureKind::DailyPenalty,
                        decided_on: "2026-04-11".parse().unwrap(),
                        document_no: "按日1号".into(),
                    },
                ]
            } else {
                Vec::new()
            },
        });
    }
    inspections::submit(db, "officer", task_id, &form, &format!("k{task_id}"), 2)
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn the_monthly_report_counts_what_the_records_hold() {
    for t in all_backends().await {
        let db = &t.db;
        testing::with_demo(db).await;
        let midong = agency::by_code(db, "650109").await.unwrap().unwrap();
        let tianshan = agency::by_code(db, "650102").await.unwrap().unwrap();
        let key = drawn(db, &midong, PlanKind::Key, "2026Q2").await;
        let general = drawn(db, &midong, PlanKind::General, "2026").await;
        // Another district's work never counts in Midong's report.
        let other = drawn(db, &tianshan, PlanKind::Key, "2026Q2").await;
        submit(db, other[0].id, 1).await;

        submit(db, key[0].id, 2).await;
        submit(db, key[1].id, 1).await;
        submit(db, general[0].id, 0).await;
        // A draft is not a check done.
        let mut draft = inspections::prefill(db, key[2].id).await.unwrap();
        draft.summary = "未完成".into();
        inspections::save_draft(db, "officer", key[2].id, &draft)
            .await
            .unwrap()
            .unwrap();

        let month = Month::containing(spotcheck_store::now().date_naive());
        let figures = reports::monthly(db, &midong.path, month).await.unwrap();
        assert_eq!(figures.draws.get("key"), Some(&1));
        assert_eq!(figures.draws.get("general"), Some(&1));
        assert_eq!(figures.draws.values().sum::<i64>(), 2);
        // Firms drawn, by category, counted from the firm records one by one.
        let mut by_category = std::collections::BTreeMap::new();
        for task in key.iter().chain(general.iter()) {
            let firm = firms::by_id(db, task.firm_id).await.unwrap().unwrap();
            *by_category.entry(firm.category).or_insert(0i64) += 1;
        }
        assert_eq!(figures.firms_drawn, by_category);
        assert_eq!(figures.tasks_done, 3);
        assert_eq!(
            figures.tasks_outstanding,
            (key.len() + general.len() - 3) as i64
        );
        assert_eq!(figures.problems_found, 3);
        assert_eq!(figures.cases_filed, 2, "one per form with problems");
        assert_eq!(figures.measures.get("seizure"), Some(&2));
        assert_eq!(figures.measures.get("daily_penalty"), Some(&2));

        // Sent: the calendar marks the month's report done, with its hash kept.
        let content = serde_json::to_value(&figures).unwrap();
        let sent = reports::submit(
            db,
            "midong",
            &midong,
            ReportKind::Monthly,
            &month.to_string(),
            &content,
        )
        .await
        .unwrap();
        assert_eq!(sent.content_sha256.len(), 64);
        let listed = reports::submissions(db, "", ReportKind::Monthly, &month.to_string())
            .await
            .unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].agency_id, midong.id);
    }
}

#[tokio::test]
async fn a_duty_turns_overdue_the_day_after_it_is_due_and_done_late_when_done_after() {
    for t in all_backends().await {
        let db = &t.db;
        testing::with_demo(db).await;
        let midong = agency::by_code(db, "650109").await.unwrap().unwrap();
        let rules = RulesConfig::default();
        let from = "2026-03-01".parse().unwrap();
        let to = "2026-04-30".parse().unwrap();
        let status_on = |today: &'static str, kind: DutyKind, period: &'static str| {
            let midong = midong.clone();
            let rules = rules.clone();
            async move {
                reports::calendar(db, &midong, &rules, from, to, today.parse().unwrap())
                    .await
                    .unwrap()
                    .into_iter()
                    .find(|d| d.kind == kind && d.period == period)
                    .unwrap()
            }
        };
        let key = status_on("2026-03-25", DutyKind::KeyDraw, "2026Q2").await;
        assert_eq!(key.due.to_string(), "2026-03-25", "R-DRAW-KEY-1");
        assert_eq!(key.status, DutyStatus::DueSoon);
        assert_eq!(
            status_on("2026-03-26", DutyKind::KeyDraw, "2026Q2")
                .await
                .status,
            DutyStatus::Overdue
        );
        assert_eq!(
            status_on("2026-03-10", DutyKind::KeyDraw, "2026Q2")
                .await
                .status,
            DutyStatus::Upcoming
        );
        let report = status_on("2026-04-03", DutyKind::MonthlyReport, "2026-03").await;
        assert_eq!(
            report.due.to_string(),
            "2026-04-03",
            "R-REP-1: 3 days after"
        );
        assert_eq!(report.status, DutyStatus::DueSoon);
        assert_eq!(
            status_on("2026-04-04", DutyKind::MonthlyReport, "2026-03")
                .await
                .status,
            DutyStatus::Overdue
        );
        // Done now (after the due date): done late, never overdue again.
        drawn(db, &midong, PlanKind::Key, "2026Q2").await;
        reports::submit(
            db,
            "midong",
            &midong,
            ReportKind::Monthly,
            "2026-03",
            &serde_json::json!({}),
        )
        .await
        .unwrap();
        assert_eq!(
            status_on("2026-04-04", DutyKind::KeyDraw, "2026Q2")
                .await
                .status,
            DutyStatus::DoneLate
        );
        assert_eq!(
            status_on("2026-04-04", DutyKind::MonthlyReport, "2026-03")
                .await
                .status,
            DutyStatus::DoneLate
        );
    }
}

#[tokio::test]
async fn only_a_quarter_with_a_draw_has_a_disclosure_to_make() {
    for t in all_backends().await {
        let db = &t.db;
        testing::with_demo(db).await;
        let midong = agency::by_code(db, "650109").await.unwrap().unwrap();
        let rules = RulesConfig::default();
        let disclosures = || async {
            reports::calendar(
                db,
                &midong,
                &rules,
                "2026-01-01".parse().unwrap(),
                "2026-12-31".parse().unwrap(),
                "2026-12-31".parse().unwrap(),
            )
            .await
            .unwrap()
            .into_iter()
            .filter(|d| d.kind == DutyKind::Disclosure)
            .map(|d| (d.period, d.status))
            .collect::<Vec<_>>()
        };
        assert_eq!(disclosures().await, [], "nothing drawn, nothing to publish");
        drawn(db, &midong, PlanKind::Key, "2026Q2").await;
        assert_eq!(
            disclosures().await,
            [("2026Q2".to_string(), DutyStatus::Overdue)],
            "R-REP-3"
        );
    }
}

#[tokio::test]
async fn a_supervision_note_is_followed_up_until_closed_within_the_city() {
    for t in all_backends().await {
        let db = &t.db;
        testing::with_demo(db).await;
        let midong = agency::by_code(db, "650109").await.unwrap().unwrap();
        let tianshan = agency::by_code(db, "650102").await.unwrap().unwrap();
        let note = reports::open_note(
            db,
            "legal",
            &midong,
            "二季度抽查未按时派发",
            "请说明原因并限期整改",
            "2026-05-31".parse().unwrap(),
        )
        .await
        .unwrap();
        assert!(
            !reports::follow_up(db, "tianshan", &tianshan.path, note.id, "x", true)
                .await
                .unwrap(),
            "Tianshan cannot touch Midong's note"
        );
        assert!(
            reports::follow_up(db, "midong", &midong.path, note.id, "已补派任务", false)
                .await
                .unwrap()
        );
        let figures = reports::supervision(
            db,
            &midong,
            &RulesConfig::default(),
            "2026-05-01".parse().unwrap(),
        )
        .await
        .unwrap();
        assert_eq!(figures.open_notes, 1);
        assert!(
            reports::follow_up(db, "legal", "", note.id, "复核完毕，关闭", true)
                .await
                .unwrap()
        );
        assert!(
            !reports::follow_up(db, "legal", "", note.id, "again", true)
                .await
                .unwrap(),
            "closed once"
        );
        let notes = reports::notes(db, &midong.path).await.unwrap();
        assert_eq!(notes[0].status, "closed");
        assert_eq!(reports::follow_ups(db, note.id).await.unwrap().len(), 2);
    }
}

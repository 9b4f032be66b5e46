//! On-site inspections (R-INSP) on every available backend, on the tasks of a real key draw:
//! drafts, submission once, review, corrections, evidence and the results detail (附表2).

use chrono::{NaiveDate, NaiveDateTime};
use sha2::{Digest, Sha256};
use spotcheck_core::inspection::{
    CheckItem, Finding, InspectionForm, Measure, MeasureKind, ProblemReason, Verdict,
};
use spotcheck_store::draws::PlanKind;
use spotcheck_store::inspections::{
    self, CheckResult, EvidenceLimits, FoundFile, InspRefusal, NewEvidence,
};
use spotcheck_store::tasks::{self, TaskRow};
use spotcheck_store::testing::{self, all_backends};
use spotcheck_store::{agency, audit, on_db, special, Db};

const DICE: &str = "dice:38172645091827364510";
const TIANSHAN: &str = "650100/650102/";
const TEAM: u32 = 2;

/// The demo lists, and the tasks of Tianshan's key draw for 2026Q2 (due 30 June 2026).
async fn drawn_tasks(db: &Db) -> Vec<TaskRow> {
    testing::with_demo(db).await;
    let tianshan = agency::by_code(db, "650102").await.unwrap().unwrap();
    let day = "2026-03-20".parse().unwrap();
    let record = testing::drawn(db, &tianshan, PlanKind::Key, "2026Q2", day, DICE).await;
    let tasks = tasks::of_draw(db, record.id).await.unwrap();
    assert!(tasks.len() >= 3, "a few tasks to inspect");
    tasks
}

fn at(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
}

/// The prefilled form of a task, completed as on site: every item compliant.
async fn completed(db: &Db, task_id: i64) -> InspectionForm {
    let day = NaiveDate::from_ymd_opt(2026, 4, 15).unwrap();
    let mut form = testing::completed_form(db, task_id, day).await;
    form.arrived_at = Some(at("2026-04-15 09:30"));
    form.departed_at = Some(at("2026-04-15 11:10"));
    form.representative = "张伟".into();
    form
}

/// A completed form with a violation of the permit, handled with two measures (R-INSP-3).
async fn with_violation(db: &Db, task_id: i64) -> InspectionForm {
    let mut form = completed(db, task_id).await;
    let permit = form
        .items
        .iter_mut()
        .find(|c| c.item == CheckItem::PermitValid)
        .unwrap();
    permit.verdict = Verdict::NonCompliant;
    permit.remark = "排污许可证已于2025年底过期".into();
    let on = NaiveDate::from_ymd_opt(2026, 4, 16).unwrap();
    form.findings.push(Finding {
        item: Some(CheckItem::PermitValid),
        violation: "无证排污".into(),
        order_to_correct: Some("乌环责改〔2026〕12号".into()),
        case_filed: Some("乌环立〔2026〕7号".into()),
        measures: vec![
            Measure {
                kind: MeasureKind::Seizure,
                decided_on: on,
                document_no: "乌环查封〔2026〕3号".into(),
            },
            Measure {
                kind: MeasureKind::ProductionLimit,
                decided_on: on,
                document_no: "乌环限产〔2026〕2号".into(),
            },
        ],
    });
    form
}

async fn count(db: &Db, sql: &str, id: i64) -> i64 {
    on_db!(db, |p| sqlx::query_scalar(sql)
        .bind(id)
        .fetch_one(p)
        .await
        .unwrap())
}

async fn task_status(db: &Db, task_id: i64) -> String {
    tasks::get(db, TIANSHAN, task_id)
        .await
        .unwrap()
        .unwrap()
        .status
}

async fn submit_events(db: &Db, inspection_id: i64) -> i64 {
    on_db!(db, |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_event WHERE action = 'inspection.submit' AND subject = $1"
    )
    .bind(format!("inspection:{inspection_id}"))
    .fetch_one(p)
    .await
    .unwrap())
}

/// Submits and accepts a form, returning the inspection id.
async fn submitted_and_accepted(db: &Db, task_id: i64, form: &InspectionForm, key: &str) -> i64 {
    let done = inspections::submit(db, "wang", task_id, form, key, TEAM)
        .await
        .unwrap()
        .unwrap();
    inspections::review(db, "chief", done.id, true, "")
        .await
        .unwrap()
        .unwrap();
    done.id
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let picture = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    let mut bytes = Vec::new();
    picture
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .unwrap();
    bytes
}

fn evidence(kind: &str, file_name: &str, bytes: Vec<u8>) -> NewEvidence {
    NewEvidence {
        item: Some(CheckItem::OutletsStandard),
        kind: kind.into(),
        file_name: file_name.into(),
        bytes,
        taken_at: Some(at("2026-04-15 10:02")),
        lat: Some(43.7930),
        lon: Some(87.6271),
        signer: (kind == "signature").then(|| "张伟".to_string()),
    }
}

#[tokio::test]
async fn a_task_goes_from_dispatch_to_an_accepted_form() {
    for t in all_backends().await {
        let db = &t.db;
        let task = drawn_tasks(db).await.remove(0);
        assert_eq!(task.status, "dispatched");
        assert!(inspections::current(db, task.id).await.unwrap().is_none());

        let prefilled = inspections::prefill(db, task.id).await.unwrap();
        assert_eq!(prefilled.firm_name, task.firm_name);
        assert_eq!(prefilled.credit_code, task.credit_code);
        assert_eq!(prefilled.officers.len(), TEAM as usize, "the drawn team");
        assert!(prefilled.officers.iter().all(|o| !o.name.is_empty()));
        assert!(prefilled.items.is_empty(), "nothing answered for the team");

        let draft = inspections::save_draft(db, "wang", task.id, &prefilled)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((draft.version, draft.status.as_str()), (1, "draft"));
        assert_eq!(task_status(db, task.id).await, "in_progress");

        let form = completed(db, task.id).await;
        let updated = inspections::save_draft(db, "wang", task.id, &form)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(updated.id, draft.id, "the draft is updated in place");
        assert_eq!(updated.form().unwrap(), form);

        let submitted = inspections::submit(db, "wang", task.id, &form, "key-1", TEAM)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(submitted.id, draft.id);
        assert_eq!(submitted.status, "submitted");
        assert_eq!(
            submitted.form_sha256.as_deref(),
            Some(hex::encode(Sha256::digest(submitted.form.as_bytes())).as_str())
        );
        assert_eq!(task_status(db, task.id).await, "submitted");
        assert_eq!(
            inspections::save_draft(db, "wang", task.id, &form)
                .await
                .unwrap()
                .unwrap_err(),
            InspRefusal::ReadOnly
        );

        // Returned with a comment, edited, submitted again: the same version.
        assert_eq!(
            inspections::review(db, "chief", submitted.id, false, " ")
                .await
                .unwrap()
                .unwrap_err(),
            InspRefusal::CommentRequired
        );
        let returned = inspections::review(db, "chief", submitted.id, false, "现场照片不全")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(returned.status, "returned");
        assert_eq!(returned.review_comment.as_deref(), Some("现场照片不全"));
        assert_eq!(task_status(db, task.id).await, "returned");
        let mut edited = form.clone();
        edited.summary = "补充了排污口照片".into();
        let still_returned = inspections::save_draft(db, "wang", task.id, &edited)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            still_returned.status, "returned",
            "the comment stays visible"
        );
        let again = inspections::submit(db, "wang", task.id, &edited, "key-2", TEAM)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((again.id, again.version), (draft.id, 1));
        assert_eq!(again.review_comment, None);

        let accepted = inspections::review(db, "chief", again.id, true, "")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(accepted.status, "accepted");
        assert_eq!(accepted.reviewed_by.as_deref(), Some("chief"));
        assert_eq!(task_status(db, task.id).await, "accepted");
        assert_eq!(
            inspections::review(db, "chief", again.id, false, "再看看")
                .await
                .unwrap()
                .unwrap_err(),
            InspRefusal::NotSubmitted
        );
        assert_eq!(inspections::versions(db, task.id).await.unwrap().len(), 1);
        assert!(matches!(
            audit::verify(db).await.unwrap(),
            audit::ChainCheck::Intact { .. }
        ));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submitting_twice_with_the_same_key_records_once_also_at_the_same_moment() {
    for t in all_backends().await {
        let db = &t.db;
        let tasks = drawn_tasks(db).await;

        let form = completed(db, tasks[0].id).await;
        let first = inspections::submit(db, "wang", tasks[0].id, &form, "tap", TEAM)
            .await
            .unwrap()
            .unwrap();
        let second = inspections::submit(db, "wang", tasks[0].id, &form, "tap", TEAM)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(second, first, "the recorded submission, unchanged");
        assert_eq!(submit_events(db, first.id).await, 1);
        let elsewhere = inspections::submit(db, "wang", tasks[1].id, &form, "tap", TEAM)
            .await
            .unwrap();
        assert_eq!(elsewhere.unwrap_err(), InspRefusal::KeyReused);

        // Two requests with the same key at once, from two tasks of the runtime.
        let task_id = tasks[2].id;
        let form = completed(db, task_id).await;
        let runs: Vec<_> = (0..2)
            .map(|_| {
                let (db, form) = (db.clone(), form.clone());
                tokio::spawn(async move {
                    inspections::submit(&db, "wang", task_id, &form, "double", TEAM).await
                })
            })
            .collect();
        let mut ids = Vec::new();
        for run in runs {
            ids.push(run.await.unwrap().unwrap().unwrap().id);
        }
        assert_eq!(ids[0], ids[1]);
        assert_eq!(inspections::versions(db, task_id).await.unwrap().len(), 1);
        assert_eq!(submit_events(db, ids[0]).await, 1);
    }
}

#[tokio::test]
async fn an_invalid_form_is_refused_with_its_problems_and_nothing_changes() {
    for t in all_backends().await {
        let db = &t.db;
        let task = drawn_tasks(db).await.remove(0);
        let draft_form = inspections::prefill(db, task.id).await.unwrap();
        let draft = inspections::save_draft(db, "wang", task.id, &draft_form)
            .await
            .unwrap()
            .unwrap();

        let mut form = completed(db, task.id).await;
        form.items.retain(|c| c.item != CheckItem::PermitHeld);
        form.representative.clear();
        form.officers.truncate(1);
        let refused = inspections::submit(db, "wang", task.id, &form, "k", TEAM)
            .await
            .unwrap()
            .unwrap_err();
        let InspRefusal::Invalid(problems) = &refused else {
            panic!("expected the form's problems, got {refused:?}");
        };
        let found: Vec<(&str, ProblemReason)> = problems
            .iter()
            .map(|p| (p.field.as_str(), p.reason))
            .collect();
        assert_eq!(
            found,
            [
                ("officers", ProblemReason::TooFewOfficers { min: TEAM }),
                ("representative", ProblemReason::MissingRepresentative),
                ("items.permit_held", ProblemReason::ItemUnanswered),
            ]
        );
        assert_eq!(refused.key(), "insp.refusal.invalid");

        let current = inspections::current(db, task.id).await.unwrap().unwrap();
        assert_eq!(current, draft, "the draft is as it was");
        assert_eq!(task_status(db, task.id).await, "in_progress");
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM finding WHERE inspection_id = $1",
                draft.id
            )
            .await,
            0
        );
        assert_eq!(submit_events(db, draft.id).await, 0);
    }
}

#[tokio::test]
async fn a_form_is_refused_unless_it_answers_its_task() {
    for t in all_backends().await {
        let db = &t.db;
        let tasks = drawn_tasks(db).await;
        let (task, other) = (&tasks[0], &tasks[1]);
        let team: Vec<String> = serde_json::from_str(&task.officers).unwrap();
        let outsider = serde_json::from_str::<Vec<String>>(&other.officers)
            .unwrap()
            .into_iter()
            .find(|o| !team.contains(o))
            .unwrap();
        let refusal = |form: InspectionForm| async move {
            let refused = inspections::submit(db, "wang", task.id, &form, "k", TEAM)
                .await
                .unwrap()
                .unwrap_err();
            let InspRefusal::Invalid(problems) = refused else {
                panic!("expected the form's problems, got {refused:?}");
            };
            problems
                .into_iter()
                .map(|p| (p.field, p.reason))
                .collect::<Vec<_>>()
        };

        // Another firm's code, a visit dated the year before (a slip of the year) and a
        // departure next year, an officer not on the team.
        let mut form = completed(db, task.id).await;
        form.credit_code = other.credit_code.clone();
        form.arrived_at = Some(at("2025-04-15 09:30"));
        form.departed_at = Some(at("2099-04-15 11:10"));
        form.officers[1].certificate_no = outsider.clone();
        let earliest = NaiveDate::from_ymd_opt(2026, 4, 1).unwrap();
        assert_eq!(
            refusal(form).await,
            [
                ("credit_code".into(), ProblemReason::OtherFirmCode),
                ("arrived_at".into(), ProblemReason::BeforeTask { earliest }),
                ("departed_at".into(), ProblemReason::InFuture),
                ("officers.1".into(), ProblemReason::OfficerNotOnTeam),
            ]
        );

        // A member of the team declares a conflict with the firm after the draw, before the
        // visit (5 April; the visit is on the 15th): their form is refused until the task
        // changes hands.
        let declare = |officer: String| async move {
            spotcheck_store::conflicts::declare(
                db,
                "tianshan",
                TIANSHAN,
                &officer,
                &task.credit_code,
                "配偶在该单位任职",
            )
            .await
            .unwrap()
            .unwrap()
        };
        let declared = declare(team[0].clone()).await;
        let on: chrono::DateTime<chrono::Utc> = "2026-04-05T02:00:00Z".parse().unwrap();
        on_db!(db, |p| sqlx::query(
            "UPDATE conflict_declaration SET declared_at = $1 WHERE id = $2"
        )
        .bind(on)
        .bind(declared.id)
        .execute(p)
        .await
        .unwrap()
        .rows_affected());
        assert_eq!(
            refusal(completed(db, task.id).await).await,
            [("officers.0".into(), ProblemReason::OfficerWithdrawn)]
        );
        assert_eq!(
            spotcheck_store::conflicts::declared_against(db, task.firm_id)
                .await
                .unwrap(),
            [team[0].clone()]
        );
        assert_eq!(
            task_status(db, task.id).await,
            "dispatched",
            "nothing changed"
        );

        // Replaced, the new team's form goes in.
        let today = NaiveDate::from_ymd_opt(2026, 4, 2).unwrap();
        tasks::reassign(db, "tianshan", TIANSHAN, task.id, &team[0], "回避", today)
            .await
            .unwrap()
            .unwrap();
        let replaced = completed(db, task.id).await;
        submitted_and_accepted(db, task.id, &replaced, "k2").await;

        // After the visit a member of the new team declares a conflict too: the correction of
        // the accepted form, a record of the same visit, still goes in.
        declare(replaced.officers[0].certificate_no.clone()).await;
        inspections::correct(db, "wang", task.id)
            .await
            .unwrap()
            .unwrap();
        let mut corrected = replaced.clone();
        corrected.summary = "补记：现场另有监测人员".into();
        inspections::submit(db, "wang", task.id, &corrected, "k3", TEAM)
            .await
            .unwrap()
            .unwrap();
    }
}

#[tokio::test]
async fn a_violation_with_two_measures_is_recorded_and_makes_the_firm_a_special_source() {
    for t in all_backends().await {
        let db = &t.db;
        let tasks = drawn_tasks(db).await;
        let task = &tasks[0];
        let form = with_violation(db, task.id).await;
        assert!(form.has_violation());
        let done = inspections::submit(db, "wang", task.id, &form, "k", TEAM)
            .await
            .unwrap()
            .unwrap();

        let findings: Vec<(i64, Option<String>, String, Option<String>)> = on_db!(db, |p| {
            sqlx::query_as(
                "SELECT idx, item, violation, case_filed FROM finding WHERE inspection_id = $1",
            )
            .bind(done.id)
            .fetch_all(p)
            .await
            .unwrap()
        });
        assert_eq!(
            findings,
            [(
                0,
                Some("permit_valid".into()),
                "无证排污".into(),
                Some("乌环立〔2026〕7号".into())
            )]
        );
        let measures: Vec<(i64, String, NaiveDate)> = on_db!(db, |p| {
            sqlx::query_as(
                "SELECT finding_index, kind, decided_on FROM measure WHERE inspection_id = $1 ORDER BY id",
            )
            .bind(done.id)
            .fetch_all(p)
            .await
            .unwrap()
        });
        let kinds: Vec<&str> = measures.iter().map(|m| m.1.as_str()).collect();
        assert_eq!(kinds, ["seizure", "production_limit"]);
        assert!(measures.iter().all(|m| m.0 == 0));

        // R-DRAW-SPC-1: special from the quarter of the visit, drawn from the next one.
        let special = special::list(db, TIANSHAN, true).await.unwrap();
        let marked: Vec<_> = special
            .iter()
            .filter(|s| s.reason_kind == "inspection")
            .collect();
        assert_eq!(marked.len(), 1);
        assert_eq!(marked[0].firm_id, task.firm_id);
        assert_eq!(marked[0].reason_id, done.id);
        assert_eq!(marked[0].since_quarter, "2026Q2");
        assert_eq!(marked[0].status, "open");

        // A compliant form marks nothing.
        let other = tasks[1].id;
        let clean = completed(db, other).await;
        inspections::submit(db, "wang", other, &clean, "k2", TEAM)
            .await
            .unwrap()
            .unwrap();
        let after = special::list(db, TIANSHAN, true).await.unwrap();
        assert_eq!(
            after
                .iter()
                .filter(|s| s.reason_kind == "inspection")
                .count(),
            1
        );
    }
}

#[tokio::test]
async fn a_png_is_kept_unaltered_with_its_hash_and_a_thumbnail_and_a_large_file_is_refused() {
    for t in all_backends().await {
        let db = &t.db;
        let task = drawn_tasks(db).await.remove(0);
        let draft = inspections::save_draft(db, "wang", task.id, &completed(db, task.id).await)
            .await
            .unwrap()
            .unwrap();
        let bytes = png(800, 600);

        let small = EvidenceLimits {
            max_bytes: 1024,
            ..EvidenceLimits::default()
        };
        let refused = inspections::attach(
            db,
            "wang",
            draft.id,
            evidence("photo", "outlet.png", bytes.clone()),
            &small,
        )
        .await
        .unwrap()
        .unwrap_err();
        assert_eq!(
            refused,
            InspRefusal::TooLarge {
                limit: 1024,
                size: bytes.len() as u64
            }
        );
        assert!(inspections::evidence_of(db, draft.id)
            .await
            .unwrap()
            .is_empty());

        let limits = EvidenceLimits::default();
        let photo = inspections::attach(
            db,
            "wang",
            draft.id,
            evidence("photo", "outlet.png", bytes.clone()),
            &limits,
        )
        .await
        .unwrap()
        .unwrap();
        assert_eq!(photo.sha256, hex::encode(Sha256::digest(&bytes)));
        assert_eq!(photo.media_type, "image/png");
        assert_eq!(photo.size, bytes.len() as i64);
        assert_eq!(photo.item.as_deref(), Some("outlets_standard"));
        assert_eq!(photo.taken_at, Some(at("2026-04-15 10:02")));
        assert!(photo.has_thumbnail);

        let (meta, original) = inspections::evidence_content(db, photo.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(meta, photo);
        assert_eq!(original, bytes, "the original, unaltered");
        let (_, thumb) = inspections::evidence_thumbnail(db, photo.id)
            .await
            .unwrap()
            .unwrap();
        let small_picture = image::load_from_memory_with_format(&thumb, image::ImageFormat::Jpeg)
            .expect("the thumbnail is a JPEG");
        assert_eq!((small_picture.width(), small_picture.height()), (320, 240));

        let twice = inspections::attach(
            db,
            "wang",
            draft.id,
            evidence("photo", "copy.png", bytes.clone()),
            &limits,
        )
        .await
        .unwrap()
        .unwrap();
        assert_eq!(twice.id, photo.id, "the same file is stored once");
        assert_eq!(
            inspections::evidence_of(db, draft.id).await.unwrap().len(),
            1
        );
    }
}

#[tokio::test]
async fn a_text_file_named_jpg_is_refused_and_evidence_closes_with_the_form() {
    for t in all_backends().await {
        let db = &t.db;
        let task = drawn_tasks(db).await.remove(0);
        let form = completed(db, task.id).await;
        let draft = inspections::save_draft(db, "wang", task.id, &form)
            .await
            .unwrap()
            .unwrap();
        let limits = EvidenceLimits::default();
        let text = b"not a photo at all".to_vec();
        let refused = inspections::attach(
            db,
            "wang",
            draft.id,
            evidence("photo", "photo.jpg", text),
            &limits,
        )
        .await
        .unwrap()
        .unwrap_err();
        assert_eq!(
            refused,
            InspRefusal::BadFileType {
                found: FoundFile::Unknown
            }
        );
        assert_eq!(refused.key(), "insp.refusal.bad_file_type");
        let damaged = [b"\x89PNG\r\n\x1a\n".as_slice(), b"cut short"].concat();
        assert_eq!(
            inspections::attach(
                db,
                "wang",
                draft.id,
                evidence("photo", "x.png", damaged),
                &limits
            )
            .await
            .unwrap()
            .unwrap_err(),
            InspRefusal::BadFileType {
                found: FoundFile::DamagedImage
            }
        );

        inspections::submit(db, "wang", task.id, &form, "k", TEAM)
            .await
            .unwrap()
            .unwrap();
        let late_photo = inspections::attach(
            db,
            "wang",
            draft.id,
            evidence("photo", "late.png", png(40, 30)),
            &limits,
        )
        .await
        .unwrap();
        assert_eq!(late_photo.unwrap_err(), InspRefusal::ReadOnly);
        let signature = inspections::attach(
            db,
            "wang",
            draft.id,
            evidence("signature", "signature.png", png(300, 100)),
            &limits,
        )
        .await
        .unwrap()
        .unwrap();
        assert_eq!(signature.signer.as_deref(), Some("张伟"));
        inspections::review(db, "chief", draft.id, true, "")
            .await
            .unwrap()
            .unwrap();
        let after_acceptance = inspections::attach(
            db,
            "wang",
            draft.id,
            evidence("signature", "again.png", png(301, 100)),
            &limits,
        )
        .await
        .unwrap();
        assert_eq!(after_acceptance.unwrap_err(), InspRefusal::ReadOnly);
    }
}

#[tokio::test]
async fn a_correction_after_acceptance_is_version_2_and_version_1_is_kept() {
    for t in all_backends().await {
        let db = &t.db;
        let task = drawn_tasks(db).await.remove(0);
        assert_eq!(
            inspections::correct(db, "wang", task.id)
                .await
                .unwrap()
                .unwrap_err(),
            InspRefusal::NotAccepted
        );
        let form = with_violation(db, task.id).await;
        let first = submitted_and_accepted(db, task.id, &form, "v1").await;

        let correction = inspections::correct(db, "wang", task.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (correction.version, correction.status.as_str()),
            (2, "draft")
        );
        assert_eq!(
            correction.form().unwrap(),
            form,
            "copied from the accepted form"
        );
        assert_eq!(
            inspections::current(db, task.id).await.unwrap().unwrap().id,
            correction.id
        );
        let kept = inspections::by_id(db, first).await.unwrap().unwrap();
        assert_eq!(
            kept.status, "accepted",
            "kept until the correction is accepted"
        );
        assert_eq!(task_status(db, task.id).await, "in_progress");
        assert_eq!(
            inspections::correct(db, "wang", task.id)
                .await
                .unwrap()
                .unwrap_err(),
            InspRefusal::NotAccepted,
            "one correction at a time"
        );

        let mut corrected = form.clone();
        corrected.findings[0].violation = "未按许可证要求排污".into();
        let second = submitted_and_accepted(db, task.id, &corrected, "v2").await;
        assert_eq!(second, correction.id);
        let versions = inspections::versions(db, task.id).await.unwrap();
        let states: Vec<(i64, &str)> = versions
            .iter()
            .map(|v| (v.version, v.status.as_str()))
            .collect();
        assert_eq!(states, [(1, "superseded"), (2, "accepted")]);
        assert_eq!(versions[0].form().unwrap(), form, "version 1 unchanged");
        let marked = special::list(db, TIANSHAN, false)
            .await
            .unwrap()
            .into_iter()
            .filter(|s| s.reason_kind == "inspection")
            .count();
        assert_eq!(marked, 1, "one visit, one special source");
    }
}

#[tokio::test]
async fn the_results_detail_lists_the_drawn_tasks_with_their_results() {
    for t in all_backends().await {
        let db = &t.db;
        let tasks = drawn_tasks(db).await;
        let clean = completed(db, tasks[0].id).await;
        inspections::submit(db, "wang", tasks[0].id, &clean, "a", TEAM)
            .await
            .unwrap()
            .unwrap();
        let violation = with_violation(db, tasks[1].id).await;
        submitted_and_accepted(db, tasks[1].id, &violation, "b").await;
        let draft = completed(db, tasks[2].id).await;
        inspections::save_draft(db, "wang", tasks[2].id, &draft)
            .await
            .unwrap()
            .unwrap();

        let (from, to) = (
            NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
            NaiveDate::from_ymd_opt(2026, 6, 30).unwrap(),
        );
        let rows = inspections::results_detail(db, TIANSHAN, from, to)
            .await
            .unwrap();
        assert_eq!(rows.len(), tasks.len(), "one line per task");
        let row = |id: i64| rows.iter().find(|r| r.task_id == id).unwrap();

        let compliant = row(tasks[0].id);
        assert_eq!(compliant.result, CheckResult::Compliant);
        assert_eq!(compliant.checked_on, NaiveDate::from_ymd_opt(2026, 4, 15));
        assert_eq!(compliant.firm_name, tasks[0].firm_name);
        assert_eq!(
            (compliant.plan_kind.as_str(), compliant.plan_period.as_str()),
            ("key", "2026Q2")
        );
        assert_eq!(compliant.firm_category, "key");
        assert!(compliant.draw_label.ends_with("2026Q2/key"));
        assert_eq!(compliant.officers.len(), TEAM as usize);
        assert!(compliant.officers.iter().all(|o| !o.name.is_empty()));
        assert_eq!(compliant.rectification, None);

        let found = row(tasks[1].id);
        assert_eq!(found.result, CheckResult::Violation);
        assert_eq!(found.problems, "无证排污");
        assert_eq!(
            found.measures,
            [MeasureKind::Seizure, MeasureKind::ProductionLimit]
        );
        assert_eq!(found.orders_to_correct, ["乌环责改〔2026〕12号"]);
        assert_eq!(found.cases_filed, ["乌环立〔2026〕7号"]);
        assert_eq!(found.rectification.as_deref(), Some("open"));

        let unchecked = row(tasks[2].id);
        assert_eq!(
            unchecked.result,
            CheckResult::NotChecked,
            "a draft is not a check"
        );
        assert_eq!(
            (unchecked.inspection_id, unchecked.checked_on),
            (None, None)
        );

        let earlier = NaiveDate::from_ymd_opt(2026, 3, 31).unwrap();
        let q1 = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        assert!(
            inspections::results_detail(db, TIANSHAN, q1, earlier)
                .await
                .unwrap()
                .is_empty(),
            "due in another period"
        );
        assert!(
            inspections::results_detail(db, "650100/650109/", from, to)
                .await
                .unwrap()
                .is_empty(),
            "another district's tasks stay out"
        );
    }
}

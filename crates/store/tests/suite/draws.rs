//! The fair draw procedure of DRAW.md on every available backend: freeze, randomness, draw,
//! dispatch, and a record anyone can verify.

use spotcheck_store::draws::{self, DrawRecord, Plan, PlanKind, Refusal};
use spotcheck_store::testing::{self, all_backends};
use spotcheck_store::{agency, audit, on_db, tasks, Db};

const DICE: &str = "dice:38172645091827364510";

/// The district's key plan of 2026Q1, frozen on 20 March 2026 by "test".
async fn frozen_2026q1(db: &Db, code: &str) -> (Plan, DrawRecord) {
    let district = agency::by_code(db, code).await.unwrap().unwrap();
    let plan = testing::plan(db, "test", &district, PlanKind::Key, "2026Q1").await;
    let frozen = draws::freeze(db, "test", &plan, &district, "2026-03-20".parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    (plan, frozen)
}

#[tokio::test]
async fn a_key_draw_goes_from_freeze_to_dispatch_and_its_record_verifies() {
    for t in all_backends().await {
        testing::with_demo(&t.db).await;
        let tianshan = agency::by_code(&t.db, "650102").await.unwrap().unwrap();
        let plan = testing::plan(&t.db, "tianshan", &tianshan, PlanKind::Key, "2026Q2").await;
        assert_eq!(
            plan.due_on.to_string(),
            "2026-03-25",
            "R-DRAW-KEY-1: the 25th of the last month before"
        );
        let today = "2026-03-20".parse().unwrap();

        // Randomness before the freeze is refused.
        let early = draws::seed(&t.db, "tianshan", &plan, DICE, &["王芳".into()])
            .await
            .unwrap();
        assert_eq!(early.unwrap_err(), Refusal::NotFrozen);
        let frozen = draws::freeze(&t.db, "tianshan", &plan, &tianshan, today)
            .await
            .unwrap()
            .unwrap();
        let input: spotcheck_draw::DrawInput = serde_json::from_str(&frozen.input).unwrap();
        assert!(input.population.len() > 10, "Tianshan's key units");
        assert!(
            input.population.windows(2).all(|w| w[0].id < w[1].id),
            "the frozen population is in the order of its ids' bytes on every backend"
        );
        assert!(input.officers.len() >= 2);
        assert_eq!(
            frozen.population_sha256,
            spotcheck_draw::population_sha256(&input.population)
        );
        let again = draws::freeze(&t.db, "tianshan", &plan, &tianshan, today)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(again.id, frozen.id, "the frozen input stays frozen");

        let short = draws::seed(
            &t.db,
            "tianshan",
            &plan,
            "dice:1234567890123456789",
            &["王芳".into()],
        )
        .await
        .unwrap();
        assert_eq!(
            short.unwrap_err(),
            Refusal::BadRandomness,
            "19 digits are too few"
        );
        let no_witness = draws::seed(&t.db, "tianshan", &plan, DICE, &[" ".into()])
            .await
            .unwrap();
        assert_eq!(no_witness.unwrap_err(), Refusal::NoWitness);
        assert_eq!(
            draws::execute(&t.db, "tianshan", &plan)
                .await
                .unwrap()
                .unwrap_err(),
            Refusal::NotSeeded
        );
        draws::seed(
            &t.db,
            "tianshan",
            &plan,
            DICE,
            &["王芳".into(), "李军".into()],
        )
        .await
        .unwrap()
        .unwrap();
        let twice = draws::seed(
            &t.db,
            "tianshan",
            &plan,
            "dice:99999999999999999999",
            &["x".into()],
        )
        .await
        .unwrap();
        assert_eq!(twice.unwrap_err(), Refusal::AlreadySeeded);

        // Two people press "draw" at once: one draw.
        let (a, b) = tokio::join!(
            draws::execute(&t.db, "a", &plan),
            draws::execute(&t.db, "b", &plan)
        );
        let (a, b) = (a.unwrap().unwrap(), b.unwrap().unwrap());
        assert_eq!(a.id, b.id);
        assert_eq!(a.result_sha256, b.result_sha256);
        let output: spotcheck_draw::DrawOutput =
            serde_json::from_str(a.output.as_deref().unwrap()).unwrap();
        let n = input.population.len();
        assert_eq!(
            output.count,
            std::cmp::max(n.div_ceil(5), n.div_ceil(3)).min(n) as u64,
            "R-DRAW-KEY-2/3 for quarter 2 of 4"
        );
        assert_eq!(
            draws::task_count(&t.db, a.id).await.unwrap(),
            output.count as i64,
            "one task per drawn unit"
        );
        // The plan page's figures and task pages come without the input.
        let head = draws::latest_head(&t.db, plan.id).await.unwrap().unwrap();
        assert_eq!(
            (head.unit_count, head.officer_count, head.conflict_count),
            (
                n as i64,
                input.officers.len() as i64,
                input.conflicts.len() as i64
            )
        );
        assert_eq!(head.drawn_count, Some(output.count as i64));
        assert_eq!(head.result_sha256, a.result_sha256);
        let mut paged = Vec::new();
        let mut after = None;
        loop {
            let page = tasks::page_of_draw(&t.db, a.id, after, 7).await.unwrap();
            assert!(page.items.len() <= 7);
            paged.extend(page.items.iter().map(|t| t.credit_code.clone()));
            match page.next_after {
                Some(firm) => after = Some(firm),
                None => break,
            }
        }
        let mut drawn: Vec<String> = output.selected.iter().map(|s| s.unit.clone()).collect();
        drawn.sort();
        paged.sort();
        assert_eq!(paged, drawn, "every drawn unit's task once, page by page");
        // Each officer's own list ("my tasks") holds exactly the tasks whose team names them.
        let dispatched = tasks::of_draw(&t.db, a.id).await.unwrap();
        for officer in &input.officers {
            let mut expected: Vec<i64> = dispatched
                .iter()
                .filter(|t| t.officers.contains(&format!("\"{}\"", officer.id)))
                .map(|t| t.id)
                .collect();
            expected.sort();
            let mine: Vec<i64> = tasks::for_officer(&t.db, &officer.id)
                .await
                .unwrap()
                .iter()
                .map(|v| v.id)
                .collect();
            let mut sorted = mine.clone();
            sorted.sort();
            assert_eq!(sorted, expected, "{}'s tasks", officer.id);
        }
        assert_eq!(
            draws::freeze(&t.db, "x", &plan, &tianshan, today)
                .await
                .unwrap()
                .unwrap_err(),
            Refusal::AlreadyDrawn
        );

        // Anyone can recompute the exported record.
        let record = draws::export(&a).unwrap().unwrap();
        let verdict = spotcheck_draw::verify_json(&record.to_string()).unwrap();
        assert_eq!(verdict, spotcheck_draw::Verification::Agrees);
        assert!(matches!(
            audit::verify(&t.db).await.unwrap(),
            audit::ChainCheck::Intact { .. }
        ));
    }
}

#[tokio::test]
async fn the_next_quarters_key_draw_marks_units_drawn_this_year_and_withdraws_their_officers() {
    for t in all_backends().await {
        testing::with_demo(&t.db).await;
        let midong = agency::by_code(&t.db, "650109").await.unwrap().unwrap();
        let today = "2026-03-20".parse().unwrap();
        let first = testing::drawn(&t.db, &midong, PlanKind::Key, "2026Q2", today, DICE).await;
        let drawn: spotcheck_draw::DrawOutput =
            serde_json::from_str(first.output.as_deref().unwrap()).unwrap();

        let q3 = testing::plan(&t.db, "m", &midong, PlanKind::Key, "2026Q3").await;
        let frozen = draws::freeze(&t.db, "m", &q3, &midong, today)
            .await
            .unwrap()
            .unwrap();
        let input: spotcheck_draw::DrawInput = serde_json::from_str(&frozen.input).unwrap();
        for a in &drawn.selected {
            let unit = input.population.iter().find(|u| u.id == a.unit).unwrap();
            assert!(unit.inspected_this_year, "{} was drawn in Q2", a.unit);
            for o in &a.officers {
                assert!(
                    input
                        .conflicts
                        .iter()
                        .any(|c| &c.officer == o && c.unit == a.unit),
                    "{o} withdraws from {}",
                    a.unit
                );
            }
        }
        assert_eq!(
            input
                .population
                .iter()
                .filter(|u| u.inspected_this_year)
                .count(),
            drawn.selected.len()
        );
    }
}

#[tokio::test]
async fn a_firm_every_officer_but_one_withdraws_from_is_named_at_the_freeze() {
    for t in all_backends().await {
        testing::with_demo(&t.db).await;
        let tianshan = agency::by_code(&t.db, "650102").await.unwrap().unwrap();
        let today = "2026-03-20".parse().unwrap();
        let officers: Vec<String> = on_db!(&t.db, |p| sqlx::query_scalar(
            "SELECT o.certificate_no FROM officer o JOIN agency a ON a.id = o.agency_id \
             WHERE a.code = '650102' AND o.on_duty AND o.certified_until >= '2026-03-20' \
             ORDER BY o.certificate_no"
        )
        .fetch_all(p)
        .await
        .unwrap());
        let firm: String = on_db!(&t.db, |p| sqlx::query_scalar(
            "SELECT f.credit_code FROM firm f JOIN agency a ON a.id = f.agency_id \
             WHERE a.code = '650102' AND f.category = 'key' AND f.status = 'active' \
             ORDER BY f.credit_code LIMIT 1"
        )
        .fetch_one(p)
        .await
        .unwrap());
        // Every officer of the district but one declares an interest in the firm.
        for officer in &officers[1..] {
            spotcheck_store::conflicts::declare(&t.db, "tianshan", "", officer, &firm, "亲属任职")
                .await
                .unwrap()
                .unwrap();
        }
        let plan = testing::plan(&t.db, "tianshan", &tianshan, PlanKind::Key, "2026Q2").await;
        // Refused before any randomness, naming the firm: the draw would stop at it later.
        let refused = draws::freeze(&t.db, "tianshan", &plan, &tianshan, today)
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(
            refused,
            Refusal::NoTeamFor {
                unit: firm.clone(),
                eligible: 1,
                team_size: 2
            }
        );
        assert!(draws::latest_draw(&t.db, plan.id).await.unwrap().is_none());
    }
}

#[test]
fn randomness_has_one_of_the_two_published_forms() {
    assert!(draws::randomness_is_valid(DICE));
    assert!(!draws::randomness_is_valid("dice:1234"));
    assert!(!draws::randomness_is_valid("dice:3817264509182736451x"));
    let h = "a".repeat(64);
    assert!(draws::randomness_is_valid(&format!("drand:{h}:123456:{h}")));
    assert!(!draws::randomness_is_valid(&format!("drand:{h}::{h}")));
    assert!(!draws::randomness_is_valid("38172645091827364510"));
}

#[tokio::test]
async fn a_redraw_needs_a_reason_and_another_approver_and_both_draws_stay() {
    for t in all_backends().await {
        testing::with_demo(&t.db).await;
        let tianshan = agency::by_code(&t.db, "650102").await.unwrap().unwrap();
        let today = "2026-03-20".parse().unwrap();
        // Approvers type the demo accounts' password.
        let by_password = draws::Approval::Password {
            password: spotcheck_store::demo::DEMO_PASSWORD,
            lockout: Default::default(),
        };
        let plan = testing::plan(&t.db, "tianshan", &tianshan, PlanKind::Key, "2026Q2").await;
        let wrong_password = draws::Approval::Password {
            password: "not the password",
            lockout: Default::default(),
        };
        // Tianshan asks, giving the reason and the approver.
        let redraw = |reason, approver, approval| {
            draws::redraw(
                &t.db, "tianshan", &plan, &tianshan, today, reason, approver, approval,
            )
        };
        assert_eq!(
            redraw("某执法人员病休", "legal", by_password)
                .await
                .unwrap()
                .unwrap_err(),
            Refusal::NothingToRedraw
        );
        draws::freeze(&t.db, "tianshan", &plan, &tianshan, today)
            .await
            .unwrap()
            .unwrap();
        draws::seed(&t.db, "tianshan", &plan, DICE, &["w".into()])
            .await
            .unwrap()
            .unwrap();
        let first = draws::execute(&t.db, "tianshan", &plan)
            .await
            .unwrap()
            .unwrap();

        let no_reason = redraw(" ", "legal", by_password).await.unwrap();
        assert_eq!(no_reason.unwrap_err(), Refusal::RedrawNeedsReason);
        let self_approved = redraw("名单有误需重抽", "tianshan", by_password)
            .await
            .unwrap();
        assert_eq!(self_approved.unwrap_err(), Refusal::RedrawNeedsApprover);
        let other_district = redraw("名单有误需重抽", "midong", by_password)
            .await
            .unwrap();
        assert_eq!(
            other_district.unwrap_err(),
            Refusal::RedrawNeedsApprover,
            "Midong cannot approve for Tianshan"
        );

        // Nobody's password was tried for a redraw refused on its own grounds.
        let events = audit::recent(&t.db, None, 50).await.unwrap();
        assert!(
            !events
                .iter()
                .any(|e| e.action.starts_with("account.password_confirm")),
            "{:?}",
            events.iter().map(|e| &e.action).collect::<Vec<_>>()
        );
        // An eligible approver with a wrong password: refused, the attempt audited as theirs
        // and naming who asked.
        let wrong = redraw("名单有误需重抽", "legal", wrong_password)
            .await
            .unwrap();
        assert_eq!(wrong.unwrap_err(), Refusal::RedrawNeedsApprover);
        let failed = audit::recent(&t.db, None, 1).await.unwrap().remove(0);
        assert_eq!(
            (failed.action.as_str(), failed.actor.as_str()),
            ("account.password_confirm_failed", "legal")
        );
        assert!(
            failed.payload.contains("\"for\":\"tianshan\""),
            "{}",
            failed.payload
        );

        let second = redraw("名单有误需重抽", "legal", by_password)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((second.attempt, second.redraw_of), (2, Some(first.id)));
        assert_eq!(second.approved_by.as_deref(), Some("legal"));
        draws::seed(
            &t.db,
            "tianshan",
            &plan,
            "dice:99887766554433221100",
            &["w".into()],
        )
        .await
        .unwrap()
        .unwrap();
        let second = draws::execute(&t.db, "tianshan", &plan)
            .await
            .unwrap()
            .unwrap();
        assert_ne!(second.result_sha256, first.result_sha256);
        let attempts = draws::attempts(&t.db, plan.id).await.unwrap();
        assert_eq!(attempts.len(), 2, "the replaced draw stays visible");
        for a in &attempts {
            let record = draws::export(a).unwrap().unwrap();
            assert_eq!(
                spotcheck_draw::verify_json(&record.to_string()).unwrap(),
                spotcheck_draw::Verification::Agrees
            );
        }
        assert!(matches!(
            audit::verify(&t.db).await.unwrap(),
            audit::ChainCheck::Intact { .. }
        ));
    }
}

/// The frozen input and the result are stored deflated (a province's 55 MB of input is sent and
/// written as about 8 MB), as raw deflate any zlib inflates, and read back as the text they
/// were; a record frozen and drawn before, with its input and result as text, is read, drawn
/// and verified as before.
#[tokio::test]
async fn draw_records_are_stored_deflated_and_those_stored_as_text_still_draw() {
    for t in all_backends().await {
        testing::with_demo(&t.db).await;
        for (code, as_text) in [("650102", false), ("650109", true)] {
            let (plan, frozen) = frozen_2026q1(&t.db, code).await;
            let input = Stored {
                table: "draw_input",
                key: "draw_id",
                column: "input",
            };
            input
                .check_deflated(&t.db, frozen.id, &frozen.input, as_text)
                .await;
            let read = draws::draw_by_id(&t.db, frozen.id).await.unwrap().unwrap();
            assert_eq!(
                read,
                frozen,
                "{:?} {code}: read back as frozen",
                t.db.backend()
            );
            draws::seed(&t.db, "test", &plan, DICE, &["王芳".into()])
                .await
                .unwrap()
                .unwrap();
            let done = draws::execute(&t.db, "test", &plan).await.unwrap().unwrap();
            assert_eq!(done.input, frozen.input);
            let output = Stored {
                table: "draw_record",
                key: "id",
                column: "output",
            };
            output
                .check_deflated(&t.db, done.id, done.output.as_deref().unwrap(), as_text)
                .await;
            let latest = draws::latest_draw(&t.db, plan.id).await.unwrap().unwrap();
            assert_eq!(
                latest,
                done,
                "{:?} {code}: the drawn record",
                t.db.backend()
            );
            let record = draws::export(&latest).unwrap().unwrap();
            assert_eq!(
                spotcheck_draw::verify_json(&record.to_string()).unwrap(),
                spotcheck_draw::Verification::Agrees,
                "{:?} {code}",
                t.db.backend()
            );
        }
    }
}

/// A text column of a draw record and its deflated twin (`{column}_deflated`).
struct Stored {
    table: &'static str,
    key: &'static str,
    column: &'static str,
}

impl Stored {
    /// Asserts that the row's text is stored deflated only, as raw deflate (RFC 1951) that any
    /// zlib inflates (`wbits` -15); then, if `as_text`, stores it as text the way a record
    /// made before migration 0015 holds it.
    async fn check_deflated(&self, db: &Db, id: i64, text: &str, as_text: bool) {
        let Stored { table, key, column } = self;
        let select = format!("SELECT {column}, {column}_deflated FROM {table} WHERE {key} = $1");
        let (stored, deflated): (String, Option<Vec<u8>>) = on_db!(db, |p| sqlx::query_as(&select)
            .bind(id)
            .fetch_one(p)
            .await
            .unwrap());
        assert_eq!(
            stored,
            "",
            "{:?}: {column} is not stored as text too",
            db.backend()
        );
        let mut inflated = String::new();
        std::io::Read::read_to_string(
            &mut flate2::read::DeflateDecoder::new(&deflated.expect("stored deflated")[..]),
            &mut inflated,
        )
        .unwrap();
        assert_eq!(inflated, text, "{:?}: {column} as deflated", db.backend());
        if as_text {
            let update = format!(
                "UPDATE {table} SET {column} = $1, {column}_deflated = NULL WHERE {key} = $2"
            );
            on_db!(db, |p| sqlx::query(&update)
                .bind(text)
                .bind(id)
                .execute(p)
                .await
                .unwrap()
                .rows_affected());
        }
    }
}

#[tokio::test]
async fn the_tasks_go_to_the_frozen_firms_and_a_record_frozen_without_their_ids_looks_them_up() {
    for t in all_backends().await {
        testing::with_demo(&t.db).await;
        // Two districts' draws: one as frozen now (firm ids kept beside the input), one as a
        // record frozen before they were kept.
        let mut dispatched = Vec::new();
        for (code, forget_ids) in [("650102", false), ("650109", true)] {
            let (plan, frozen) = frozen_2026q1(&t.db, code).await;
            if forget_ids {
                on_db!(&t.db, |p| sqlx::query(
                    "UPDATE draw_input SET unit_ids = NULL WHERE draw_id = $1"
                )
                .bind(frozen.id)
                .execute(p)
                .await
                .unwrap()
                .rows_affected());
            }
            draws::seed(&t.db, "test", &plan, DICE, &["王芳".into()])
                .await
                .unwrap()
                .unwrap();
            let done = draws::execute(&t.db, "test", &plan).await.unwrap().unwrap();
            dispatched.push(done);
        }
        for done in &dispatched {
            let output: spotcheck_draw::DrawOutput =
                serde_json::from_str(done.output.as_deref().unwrap()).unwrap();
            let mut drawn: Vec<(String, String)> = output
                .selected
                .iter()
                .map(|s| (s.unit.clone(), serde_json::to_string(&s.officers).unwrap()))
                .collect();
            let mut stored: Vec<(String, String)> = tasks::of_draw(&t.db, done.id)
                .await
                .unwrap()
                .into_iter()
                .map(|t| (t.credit_code, t.officers))
                .collect();
            drawn.sort();
            stored.sort();
            assert!(!drawn.is_empty());
            assert_eq!(
                stored, drawn,
                "{}: each drawn unit's firm, with its team",
                done.label
            );
        }
    }
}

/// A task names a firm, a draw and an agency that exist, and keeps them: PostgreSQL checks these
/// references once per statement (a draw writes hundreds of thousands of tasks), SQLite with its
/// foreign keys; on both, a task naming a missing row is refused, and a firm or draw record a
/// task names cannot be deleted.
#[tokio::test]
async fn a_task_names_a_firm_draw_and_agency_that_exist_and_keeps_them() {
    for t in all_backends().await {
        let (midong, record) = testing::demo_with_key_draw(&t.db).await;
        let firm: i64 = on_db!(&t.db, |p| sqlx::query_scalar(
            "SELECT firm_id FROM task WHERE draw_id = $1 ORDER BY id LIMIT 1"
        )
        .bind(record.id)
        .fetch_one(p)
        .await
        .unwrap());
        // A firm this draw did not draw: the only reference wrong below is the one named.
        let undrawn =
            "SELECT id FROM firm WHERE id NOT IN (SELECT firm_id FROM task) ORDER BY id LIMIT 1";
        let other: i64 = on_db!(&t.db, |p| sqlx::query_scalar(undrawn)
            .fetch_one(p)
            .await
            .unwrap());
        let insert = "INSERT INTO task (draw_id, agency_id, firm_id, officers, due_on, status, created_at) \
                      VALUES ($1, $2, $3, '[]', '2026-03-31', 'dispatched', '2026-01-01T00:00:00Z')";
        let missing = 1_000_000_000_i64;
        for (what, sql, args) in [
            (
                "a task naming a missing firm",
                insert,
                vec![record.id, midong.id, missing],
            ),
            (
                "a task naming a missing draw",
                insert,
                vec![missing, midong.id, firm],
            ),
            (
                "a task naming a missing agency",
                insert,
                vec![record.id, missing, other],
            ),
            (
                "deleting a firm a task names",
                "DELETE FROM firm WHERE id = $1",
                vec![firm],
            ),
            (
                "deleting a draw its tasks name",
                "DELETE FROM draw_record WHERE id = $1",
                vec![record.id],
            ),
        ] {
            let refused = on_db!(&t.db, |p| {
                let mut query = sqlx::query(sql);
                for a in &args {
                    query = query.bind(*a);
                }
                query.execute(p).await.map(|r| r.rows_affected())
            });
            assert!(
                matches!(&refused, Err(sqlx::Error::Database(e)) if e.is_foreign_key_violation()),
                "{:?}: {what}: {refused:?}",
                t.db.backend()
            );
        }
        assert_eq!(draws::task_count(&t.db, record.id).await.unwrap(), {
            let out: spotcheck_draw::DrawOutput =
                serde_json::from_str(record.output.as_deref().unwrap()).unwrap();
            out.selected.len() as i64
        });
    }
}

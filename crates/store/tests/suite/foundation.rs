//! The foundation's storage behaviour, run on every available backend (SQLite always,
//! PostgreSQL when reachable; see `spotcheck_store::testing`).

use chrono::Duration;
use spotcheck_core::agency::urumqi_agencies;
use spotcheck_core::role::Role;
use spotcheck_store::account::{self, LockoutPolicy, LoginOutcome, NewAccount};
use spotcheck_store::audit::{self, ChainCheck};
use spotcheck_store::session::{self, SessionPolicy};
use spotcheck_store::testing::{all_backends, TestDb};
use spotcheck_store::{agency, token, Db};

async fn with_tree(t: &TestDb) -> i64 {
    let mut tx = t.db.begin().await.unwrap();
    agency::ensure_tree(&mut tx, "test", &urumqi_agencies())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    agency::by_code(&t.db, "650102").await.unwrap().unwrap().id
}

async fn new_account(db: &Db, username: &str, agency_id: i64, role: Role, password: &str) {
    let mut tx = db.begin().await.unwrap();
    account::create(
        &mut tx,
        "test",
        NewAccount {
            username: username.into(),
            display_name: username.into(),
            agency_id,
            role,
            password: password.into(),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn both_schemas_have_the_same_tables_and_columns() {
    let dbs = all_backends().await;
    let mut shapes = Vec::new();
    for t in &dbs {
        let rows: Vec<(String, String)> = match &t.db {
            Db::Sqlite(p) => sqlx::query_as(
                "SELECT m.name, c.name FROM sqlite_master m JOIN pragma_table_info(m.name) c \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%' \
                 AND m.name NOT LIKE 'firm_fts%' \
                 ORDER BY 1, 2",
            )
            .fetch_all(p)
            .await
            .unwrap(),
            Db::Pg(p) => sqlx::query_as(
                "SELECT table_name::text, column_name::text FROM information_schema.columns \
                 WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%' ORDER BY 1, 2",
            )
            .fetch_all(p)
            .await
            .unwrap(),
        };
        assert!(rows
            .iter()
            .any(|(t, c)| t == "audit_event" && c == "prev_hash"));
        shapes.push(rows);
    }
    if let [sqlite, pg] = shapes.as_slice() {
        assert_eq!(sqlite, pg, "SQLite and PostgreSQL migrations disagree");
    }
}

#[tokio::test]
async fn the_urumqi_tree_is_created_once_with_jurisdiction_paths() {
    for t in all_backends().await {
        with_tree(&t).await;
        let mut tx = t.db.begin().await.unwrap();
        let again = agency::ensure_tree(&mut tx, "test", &urumqi_agencies())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(again, 0, "a second run adds nothing");
        let all = agency::all(&t.db).await.unwrap();
        assert_eq!(all.len(), urumqi_agencies().len());
        let city = agency::by_code(&t.db, "650100").await.unwrap().unwrap();
        let tianshan = agency::by_code(&t.db, "650102").await.unwrap().unwrap();
        let midong = agency::by_code(&t.db, "650109").await.unwrap().unwrap();
        assert_eq!(tianshan.path, "650100/650102/");
        assert!(city.contains(&tianshan));
        assert!(!tianshan.contains(&midong));
        assert!(!tianshan.contains(&city));
    }
}

#[tokio::test]
async fn a_password_logs_in_and_a_wrong_one_does_not() {
    for t in all_backends().await {
        let branch = with_tree(&t).await;
        new_account(
            &t.db,
            "li",
            branch,
            Role::DistrictAdmin,
            "correct horse battery",
        )
        .await;
        let stored = account::by_username(&t.db, "li").await.unwrap().unwrap();
        assert!(
            stored.password_hash.starts_with("$argon2id$"),
            "argon2id hash, never plain"
        );
        let now = spotcheck_store::now();
        let ok = account::authenticate(
            &t.db,
            "li",
            "correct horse battery",
            now,
            LockoutPolicy::default(),
        )
        .await
        .unwrap();
        assert!(matches!(ok, LoginOutcome::Success(a) if a.username == "li"));
        let bad = account::authenticate(&t.db, "li", "wrong", now, LockoutPolicy::default())
            .await
            .unwrap();
        assert_eq!(bad, LoginOutcome::BadCredentials);
        let nobody = account::authenticate(&t.db, "nobody", "x", now, LockoutPolicy::default())
            .await
            .unwrap();
        assert_eq!(nobody, LoginOutcome::BadCredentials);
    }
}

#[tokio::test]
async fn five_failures_lock_the_account_until_the_lock_expires() {
    for t in all_backends().await {
        let branch = with_tree(&t).await;
        new_account(
            &t.db,
            "wang",
            branch,
            Role::Officer,
            "a long enough password",
        )
        .await;
        let policy = LockoutPolicy {
            max_failures: 5,
            lock_for: Duration::minutes(15),
        };
        let now = spotcheck_store::now();
        for i in 1..5 {
            let r = account::authenticate(&t.db, "wang", "guess", now, policy)
                .await
                .unwrap();
            assert_eq!(r, LoginOutcome::BadCredentials, "attempt {i}");
        }
        let fifth = account::authenticate(&t.db, "wang", "guess", now, policy)
            .await
            .unwrap();
        assert!(matches!(fifth, LoginOutcome::Locked { .. }));
        // Even the right password is refused while locked.
        let during = account::authenticate(
            &t.db,
            "wang",
            "a long enough password",
            now + Duration::minutes(14),
            policy,
        )
        .await
        .unwrap();
        assert!(matches!(during, LoginOutcome::Locked { .. }));
        let after = account::authenticate(
            &t.db,
            "wang",
            "a long enough password",
            now + Duration::minutes(16),
            policy,
        )
        .await
        .unwrap();
        assert!(matches!(after, LoginOutcome::Success(_)));
    }
}

#[tokio::test]
async fn a_session_expires_when_idle_and_ends_at_logout() {
    for t in all_backends().await {
        let branch = with_tree(&t).await;
        new_account(
            &t.db,
            "zhao",
            branch,
            Role::Officer,
            "another long password",
        )
        .await;
        let acc = account::by_username(&t.db, "zhao").await.unwrap().unwrap();
        let policy = SessionPolicy {
            idle: Duration::minutes(30),
            absolute: Duration::hours(12),
        };
        let now = spotcheck_store::now();
        let (token, s) = session::create(&t.db, &acc, now, policy).await.unwrap();
        assert_ne!(s.token_hash, token, "only the hash is stored");
        let found = session::lookup(&t.db, &token, now + Duration::minutes(20), policy)
            .await
            .unwrap();
        assert!(found.is_some());
        // The lookup at +20 min slid the idle timeout: still alive at +45 min, gone at +51.
        assert!(
            session::lookup(&t.db, &token, now + Duration::minutes(45), policy)
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            session::lookup(&t.db, &token, now + Duration::minutes(76), policy)
                .await
                .unwrap()
                .is_none()
        );
        let (token2, _) = session::create(&t.db, &acc, now, policy).await.unwrap();
        session::end(&t.db, &token2, "zhao").await.unwrap();
        assert!(session::lookup(&t.db, &token2, now, policy)
            .await
            .unwrap()
            .is_none());
        assert!(session::lookup(&t.db, "not-a-token", now, policy)
            .await
            .unwrap()
            .is_none());
    }
}

#[tokio::test]
async fn an_api_token_identifies_its_account() {
    for t in all_backends().await {
        let branch = with_tree(&t).await;
        new_account(
            &t.db,
            "api",
            branch,
            Role::DistrictAdmin,
            "yet another password",
        )
        .await;
        let acc = account::by_username(&t.db, "api").await.unwrap().unwrap();
        let tok = token::create(&t.db, "cli", &acc, "test").await.unwrap();
        assert!(tok.starts_with("sc_"));
        let who = token::account_for(&t.db, &tok).await.unwrap().unwrap();
        assert_eq!(who.username, "api");
        assert!(token::account_for(&t.db, "sc_forged")
            .await
            .unwrap()
            .is_none());
    }
}

async fn tamper(db: &Db, sql: &str) {
    spotcheck_store::testing::execute(db, sql).await;
}

#[tokio::test]
async fn every_change_is_chained_and_tampering_is_named() {
    for t in all_backends().await {
        let branch = with_tree(&t).await;
        new_account(&t.db, "chen", branch, Role::Auditor, "auditor password!").await;
        let ChainCheck::Intact { events, .. } = audit::verify(&t.db).await.unwrap() else {
            panic!("a fresh chain verifies");
        };
        // 15 agencies and one account.
        assert_eq!(events, urumqi_agencies().len() as i64 + 1);
        let latest = audit::recent(&t.db, None, 1).await.unwrap();
        assert_eq!(latest[0].action, "account.create");
        assert!(
            !latest[0].payload.contains("argon2"),
            "no password hash in the log"
        );

        tamper(
            &t.db,
            "UPDATE audit_event SET actor = 'mallory' WHERE seq = 3",
        )
        .await;
        assert!(matches!(
            audit::verify(&t.db).await.unwrap(),
            ChainCheck::Broken { seq: 3, .. }
        ));
        tamper(&t.db, "DELETE FROM audit_event WHERE seq = 3").await;
        assert!(matches!(
            audit::verify(&t.db).await.unwrap(),
            ChainCheck::Broken { seq: 3, .. }
        ));
    }
}

#[tokio::test]
async fn removing_the_newest_event_is_detected() {
    for t in all_backends().await {
        with_tree(&t).await;
        let n = urumqi_agencies().len() as i64;
        tamper(&t.db, &format!("DELETE FROM audit_event WHERE seq = {n}")).await;
        let check = audit::verify(&t.db).await.unwrap();
        assert!(
            matches!(check, ChainCheck::Broken { seq, .. } if seq == n),
            "{check:?}"
        );
    }
}

#[tokio::test]
async fn a_failed_transaction_leaves_no_trace_in_the_log() {
    for t in all_backends().await {
        with_tree(&t).await;
        let before = audit::recent(&t.db, None, 1).await.unwrap()[0].seq;
        {
            let mut tx = t.db.begin().await.unwrap();
            let seed = &urumqi_agencies()[0];
            // The same code again violates the unique key: the whole transaction is dropped.
            let dup = agency::insert(&mut tx, "test", &seed.into()).await;
            assert!(matches!(
                dup,
                Err(spotcheck_store::StoreError::Duplicate(_))
            ));
        }
        let after = audit::recent(&t.db, None, 1).await.unwrap()[0].seq;
        assert_eq!(before, after);
        assert!(matches!(
            audit::verify(&t.db).await.unwrap(),
            ChainCheck::Intact { .. }
        ));
    }
}

#[tokio::test]
async fn an_agency_code_that_would_widen_a_jurisdiction_is_refused() {
    for t in all_backends().await {
        with_tree(&t).await;
        let before = audit::recent(&t.db, None, 1).await.unwrap()[0].seq;
        // Jurisdictions are matched as path prefixes with LIKE: `%` and `_` match anything, `/`
        // would make one code look like two levels.
        for code in ["6501%", "65_102", "650102/9", "", "甲"] {
            let mut tx = t.db.begin().await.unwrap();
            let seed = agency::NewAgency {
                code,
                parent: Some("650100"),
                kind: spotcheck_core::agency::AgencyKind::Section,
                division_code: "650102",
                name_zh: "某科室",
                name_en: "A section",
            };
            let refused = agency::insert(&mut tx, "test", &seed).await;
            assert!(
                matches!(refused, Err(spotcheck_store::StoreError::Invalid(_))),
                "{code:?}: {refused:?}"
            );
            tx.commit().await.unwrap();
        }
        assert_eq!(audit::recent(&t.db, None, 1).await.unwrap()[0].seq, before);
        let mut tx = t.db.begin().await.unwrap();
        let seed = agency::NewAgency {
            code: "650100-lab",
            parent: Some("650100"),
            kind: spotcheck_core::agency::AgencyKind::Section,
            division_code: "650100",
            name_zh: "监测科",
            name_en: "Monitoring section",
        };
        let added = agency::insert(&mut tx, "test", &seed).await;
        assert!(added.is_ok(), "{added:?}");
    }
}

mod registry_history {
    use super::*;
    use spotcheck_core::credit_code::CreditCode;
    use spotcheck_core::division::DivisionCode;
    use spotcheck_core::industry::IndustryCode;
    use spotcheck_core::lists::{FirmRecord, FirmStatus, Record, UnitCategory};
    use spotcheck_core::period::Year;
    use spotcheck_store::firms::{self, FirmQuery};
    use spotcheck_store::history;
    use spotcheck_store::lists::{self, Outcome};

    /// A valid credit code registered in `division` with organisation-code body `n`.
    fn code(division: &str, n: u32) -> CreditCode {
        CreditCode::from_parts('9', '1', division, &format!("MA{n:06}")).unwrap()
    }

    fn firm(division: &str, n: u32, name: &str, key: bool) -> Record {
        Record::Firm(FirmRecord {
            credit_code: code(division, n),
            name: name.into(),
            address: "乌鲁木齐市天山区解放南路1号".into(),
            division: DivisionCode::parse(division).unwrap(),
            industry: IndustryCode::parse("2614").unwrap(),
            category: if key {
                UnitCategory::Key {
                    directory_year: Year::new(2026).unwrap(),
                }
            } else {
                UnitCategory::General
            },
            lon: Some(87.6),
            lat: Some(43.8),
            status: FirmStatus::Active,
        })
    }

    async fn put(t: &TestDb, agency: i64, record: &Record) -> Outcome {
        let mut tx = t.db.begin().await.unwrap();
        let outcome = lists::upsert(&mut tx, "test", agency, record, spotcheck_store::now())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        outcome
    }

    #[tokio::test]
    async fn firms_are_found_by_code_prefix_and_by_name_within_the_jurisdiction_only() {
        for t in all_backends().await {
            let tianshan = with_tree(&t).await;
            let midong = agency::by_code(&t.db, "650109").await.unwrap().unwrap();
            put(
                &t,
                tianshan,
                &firm("650102", 1, "乌鲁木齐天山化工有限公司", true),
            )
            .await;
            put(&t, tianshan, &firm("650102", 2, "天山水泥厂", false)).await;
            put(&t, midong.id, &firm("650109", 3, "米东化工有限公司", true)).await;
            let tianshan_path = agency::by_id(&t.db, tianshan).await.unwrap().unwrap().path;
            let q = |text: &str, scope: &str| FirmQuery {
                scope_path: scope.to_string(),
                text: Some(text.to_string()),
                limit: 50,
                ..FirmQuery::default()
            };
            let names = |p: firms::Page<firms::Firm>| {
                p.items.into_iter().map(|f| f.name).collect::<Vec<_>>()
            };
            assert_eq!(
                names(firms::search(&t.db, &q("化工有限", "")).await.unwrap()).len(),
                2
            );
            assert_eq!(
                names(firms::search(&t.db, &q("化工", "")).await.unwrap()).len(),
                2,
                "two-character text"
            );
            assert_eq!(
                names(
                    firms::search(&t.db, &q("化工有限", &tianshan_path))
                        .await
                        .unwrap()
                ),
                vec!["乌鲁木齐天山化工有限公司"],
                "a district sees only its own firms"
            );
            assert_eq!(
                names(firms::search(&t.db, &q("91650102", "")).await.unwrap()).len(),
                2
            );
            assert_eq!(
                names(firms::search(&t.db, &q("100%", "")).await.unwrap()).len(),
                0,
                "wildcards are text"
            );
        }
    }

    /// The ids of every page of `query`, following `next_after` to the end.
    async fn every_page(db: &spotcheck_store::Db, mut query: FirmQuery) -> Vec<i64> {
        let mut seen = Vec::new();
        loop {
            let page = firms::search(db, &query).await.unwrap();
            seen.extend(page.items.iter().map(|f| f.id));
            match page.next_after {
                Some(a) => query.after_id = Some(a),
                None => return seen,
            }
        }
    }

    #[tokio::test]
    async fn a_text_search_pages_through_every_match_once_in_id_order() {
        for t in all_backends().await {
            let tianshan = with_tree(&t).await;
            for i in 0..130 {
                let name = if i % 10 == 9 {
                    format!("企业{i}")
                } else {
                    format!("ABC企业{i}化工有限公司")
                };
                put(&t, tianshan, &firm("650102", i, &name, false)).await;
            }
            // Three characters or more (PostgreSQL: a bounded walk, then the trigram index),
            // two (a walk), and ASCII in another case (three letters and two).
            for text in ["化工有限", "化工", "abc", "ab"] {
                let seen = every_page(
                    &t.db,
                    FirmQuery {
                        text: Some(text.into()),
                        limit: 50,
                        ..FirmQuery::default()
                    },
                )
                .await;
                assert_eq!(seen.len(), 117, "{:?} {text}: every match", t.db.backend());
                assert!(
                    seen.windows(2).all(|w| w[0] < w[1]),
                    "{text}: in id order, none twice"
                );
            }
        }
    }

    #[tokio::test]
    async fn pages_follow_one_another_without_gaps_or_repeats() {
        for t in all_backends().await {
            let tianshan = with_tree(&t).await;
            for i in 0..25 {
                put(&t, tianshan, &firm("650102", i, &format!("企业{i}"), false)).await;
            }
            let seen = every_page(
                &t.db,
                FirmQuery {
                    limit: 10,
                    ..FirmQuery::default()
                },
            )
            .await;
            let mut unique = seen.clone();
            unique.dedup();
            assert_eq!((seen.len(), unique.len()), (25, 25));
        }
    }

    #[tokio::test]
    async fn writing_the_same_record_twice_changes_nothing_and_a_change_is_a_new_version() {
        for t in all_backends().await {
            let tianshan = with_tree(&t).await;
            let original = firm("650102", 9, "旧名称有限公司", false);
            let Outcome::New(id) = put(&t, tianshan, &original).await else {
                panic!("new")
            };
            assert_eq!(put(&t, tianshan, &original).await, Outcome::Unchanged(id));
            let before_change = spotcheck_store::now();
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            let renamed = firm("650102", 9, "新名称有限公司", false);
            assert_eq!(put(&t, tianshan, &renamed).await, Outcome::Changed(id));
            assert_eq!(
                firms::by_id(&t.db, id).await.unwrap().unwrap().name,
                "新名称有限公司"
            );
            let then = history::as_of(&t.db, "firms", tianshan, before_change)
                .await
                .unwrap();
            assert_eq!(then.len(), 1);
            assert!(
                then[0].data.contains("旧名称有限公司"),
                "the list as it stood before the change"
            );
            let now = history::as_of(&t.db, "firms", tianshan, spotcheck_store::now())
                .await
                .unwrap();
            assert!(now[0].data.contains("新名称有限公司"));
            assert_eq!(
                history::of_record(&t.db, "firms", id).await.unwrap().len(),
                2
            );
        }
    }
}

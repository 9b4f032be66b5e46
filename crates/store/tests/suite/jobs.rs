//! Background jobs on every available backend: the lease lets one server at a time run a job
//! and passes to another once it expires; the reminder job writes each reminder once however
//! often and by whichever server it runs.

use chrono::{DateTime, Duration, Utc};
use spotcheck_core::rules::RulesConfig;
use spotcheck_store::jobs::{self, REMINDERS};
use spotcheck_store::testing::all_backends;
use spotcheck_store::{agency, audit, bootstrap};

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

async fn acquisitions(db: &spotcheck_store::Db) -> Vec<String> {
    audit::recent(db, None, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "lease.acquire")
        .map(|e| e.actor)
        .rev()
        .collect()
}

#[tokio::test]
async fn one_server_holds_a_lease_until_it_expires_then_another_takes_it() {
    for test_db in all_backends().await {
        let db = &test_db.db;
        db.migrate().await.unwrap();
        let ttl = Duration::seconds(30);
        let t0 = at("2026-03-25T08:00:00Z");
        assert!(jobs::try_lease(db, REMINDERS, "a", t0, ttl).await.unwrap());
        assert!(
            !jobs::try_lease(db, REMINDERS, "b", t0 + Duration::seconds(1), ttl)
                .await
                .unwrap()
        );
        // The holder renews; the other still waits, even past the first expiry.
        assert!(
            jobs::try_lease(db, REMINDERS, "a", t0 + Duration::seconds(20), ttl)
                .await
                .unwrap()
        );
        assert!(
            !jobs::try_lease(db, REMINDERS, "b", t0 + Duration::seconds(40), ttl)
                .await
                .unwrap()
        );
        // "a" stops renewing (it died): once the lease has expired "b" takes it, and "a" cannot
        // take it back while "b" holds it.
        assert!(
            jobs::try_lease(db, REMINDERS, "b", t0 + Duration::seconds(51), ttl)
                .await
                .unwrap()
        );
        assert!(
            !jobs::try_lease(db, REMINDERS, "a", t0 + Duration::seconds(52), ttl)
                .await
                .unwrap()
        );
        assert_eq!(
            jobs::lease_holder(db, REMINDERS).await.unwrap().unwrap().0,
            "b"
        );
        // A server that stops releases the lease: the other takes it at once.
        jobs::release(db, REMINDERS, "b").await.unwrap();
        assert!(
            jobs::try_lease(db, REMINDERS, "a", t0 + Duration::seconds(53), ttl)
                .await
                .unwrap()
        );
        // Each change of holder is audited, renewals are not.
        assert_eq!(acquisitions(db).await, vec!["a", "b", "a"]);
    }
}

#[tokio::test]
async fn many_servers_asking_at_once_get_one_holder() {
    for test_db in all_backends().await {
        let db = test_db.db.clone();
        db.migrate().await.unwrap();
        let now = at("2026-03-25T08:00:00Z");
        let mut handles = Vec::new();
        for i in 0..8 {
            let db = db.clone();
            handles.push(tokio::spawn(async move {
                jobs::try_lease(
                    &db,
                    REMINDERS,
                    &format!("server-{i}"),
                    now,
                    Duration::seconds(30),
                )
                .await
                .unwrap()
            }));
        }
        let mut holders = 0;
        for h in handles {
            holders += usize::from(h.await.unwrap());
        }
        assert_eq!(holders, 1);
        assert_eq!(acquisitions(&db).await.len(), 1);
    }
}

#[tokio::test]
async fn reminders_are_written_once_per_duty_and_state_by_whoever_holds_the_lease() {
    for test_db in all_backends().await {
        let db = &test_db.db;
        bootstrap::ensure_foundation(db, Some("admin password 2026"))
            .await
            .unwrap();
        let rules = RulesConfig::default();
        let ttl = Duration::seconds(30);
        // Late March: the key and special draws of the second quarter are due soon everywhere.
        let now = at("2026-03-25T08:00:00Z");
        let first = jobs::reminder_round(db, "a", &rules, now, ttl)
            .await
            .unwrap()
            .expect("a holds the lease");
        assert!(first > 0);
        // Another server is refused while "a" holds the lease; "a" running again writes nothing.
        assert_eq!(
            jobs::reminder_round(db, "b", &rules, now, ttl)
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            jobs::reminder_round(db, "a", &rules, now + Duration::seconds(5), ttl)
                .await
                .unwrap(),
            Some(0)
        );
        let tianshan = agency::by_code(db, "650102").await.unwrap().unwrap();
        let theirs = jobs::reminders_of(db, tianshan.id, 50).await.unwrap();
        assert!(!theirs.is_empty());
        assert!(theirs.iter().all(|r| r.written_by == "a"));
        let due_soon: Vec<_> = theirs.iter().filter(|r| r.status == "due_soon").collect();
        assert!(!due_soon.is_empty(), "{theirs:?}");
        // A week later the same duties are overdue: one more reminder each, by "b" which took
        // the expired lease.
        let later = now + Duration::days(7);
        let second = jobs::reminder_round(db, "b", &rules, later, ttl)
            .await
            .unwrap()
            .expect("the lease expired");
        assert!(second > 0);
        let theirs = jobs::reminders_of(db, tianshan.id, 50).await.unwrap();
        for soon in due_soon {
            assert!(
                theirs.iter().any(|r| r.status == "overdue"
                    && r.written_by == "b"
                    && r.duty == soon.duty
                    && r.period == soon.period),
                "{soon:?} turned overdue"
            );
        }
        assert!(matches!(
            audit::verify(db).await.unwrap(),
            audit::ChainCheck::Intact { .. }
        ));
    }
}

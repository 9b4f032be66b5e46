//! Bulk writes of the lists: records written a thousand at a time end as one-by-one writes
//! would leave them, a large first load's indexes, set aside and built again, are whole, and a
//! list that large is searched to its end.

use std::collections::HashMap;

use spotcheck_core::credit_code::CreditCode;
use spotcheck_core::demo::DemoParams;
use spotcheck_core::lists::UnitCategory;
use spotcheck_core::lists::{
    ComplaintRecord, FirmRecord, ListKind, OfficerRecord, PenaltyRecord, ProblemRecord,
    ProjectRecord, Record,
};
use spotcheck_core::period::{Quarter, Year};
use spotcheck_store::bulk::{self, DeferredIndexes};
use spotcheck_store::firms::{self, FirmQuery};
use spotcheck_store::import::{self, ImportInput};
use spotcheck_store::lists::{self, Counts, Outcome};
use spotcheck_store::testing::{all_backends, TestDb};
use spotcheck_store::{agency, bootstrap, on_db, special, Db};
use spotcheck_tabular::Limits;

/// A small generated city: its firms, and its officers, projects, complaints, penalty cases and
/// key problems in that order, each with the agency it is written for.
async fn city(db: &Db, firms: usize) -> (Vec<(i64, FirmRecord)>, Vec<(i64, Record)>) {
    bootstrap::ensure_foundation(db, Some("admin password 1"))
        .await
        .unwrap();
    let agencies: HashMap<String, i64> = agency::all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.code, a.id))
        .collect();
    let params = DemoParams {
        firms,
        officers: 1_100,
        ..DemoParams::default()
    };
    let year = Year::containing(params.reference_date);
    let quarter = Quarter::containing(params.reference_date).prev().unwrap();
    let firm = |i: usize| spotcheck_core::demo::firm(params.seed, i);
    let agency_of = |i: usize| agencies[firm(i).division.as_str()];
    let firm_records = params
        .firms()
        .map(|f| {
            (
                agencies[f.division.as_str()],
                FirmRecord::from_demo(&f, year),
            )
        })
        .collect();
    let mut records: Vec<(i64, Record)> = params
        .officers()
        .map(|o| {
            (
                agencies[o.agency.as_str()],
                Record::Officer(OfficerRecord::from_demo(&o)),
            )
        })
        .collect();
    records.extend(params.projects(year.prev().unwrap()).map(|p| {
        (
            agency_of(p.firm_index),
            Record::Project(ProjectRecord::from_demo(&p, &firm(p.firm_index))),
        )
    }));
    records.extend(params.complaints(quarter).map(|c| {
        (
            agency_of(c.firm_index),
            Record::Complaint(ComplaintRecord::from_demo(&c, &firm(c.firm_index))),
        )
    }));
    records.extend(params.penalty_cases(quarter).map(|p| {
        (
            agency_of(p.firm_index),
            Record::Penalty(PenaltyRecord::from_demo(&p, &firm(p.firm_index))),
        )
    }));
    records.extend(params.key_problems(quarter).map(|k| {
        (
            agency_of(k.firm_index),
            Record::Problem(ProblemRecord::from_demo(&k, &firm(k.firm_index))),
        )
    }));
    (firm_records, records)
}

/// The lists other than firms.
const OTHER_LISTS: [ListKind; 5] = [
    ListKind::Officers,
    ListKind::Projects,
    ListKind::Complaints,
    ListKind::Penalties,
    ListKind::Problems,
];

/// Everything the lists hold: each list's current records (id, agency, record), the typed rows
/// (id, agency, firm, natural key), every version's agency, number and data, and the special
/// sources.
async fn contents(db: &Db) -> Vec<String> {
    let mut out = Vec::new();
    for kind in OTHER_LISTS {
        let page = lists::page(db, kind, "", None, 5_000).await.unwrap();
        out.extend(page.items.iter().map(|s| format!("{kind} {s:?}")));
    }
    for sql in [
        "SELECT id, agency_id, CAST(0 AS BIGINT), certificate_no || ' ' || name || ' ' || CAST(on_duty AS TEXT) FROM officer ORDER BY id",
        "SELECT id, agency_id, COALESCE(firm_id, CAST(0 AS BIGINT)), approval_no || ' ' || COALESCE(developer, '-') FROM project ORDER BY id",
        "SELECT id, agency_id, firm_id, quarter || ' ' || summary || ' ' || CAST(times_received AS TEXT) FROM complaint ORDER BY id",
        "SELECT id, agency_id, firm_id, decision_no || ' ' || measures FROM penalty_case ORDER BY id",
        "SELECT id, agency_id, firm_id, quarter || ' ' || summary || ' ' || reported_by FROM key_problem ORDER BY id",
        "SELECT record_id, agency_id, version, kind || ' ' || data || ' ' || CAST(valid_to IS NULL AS TEXT) FROM record_version \
         WHERE kind <> 'firms' ORDER BY kind, record_id, version",
    ] {
        let rows: Vec<(i64, i64, i64, String)> =
            on_db!(db, |p| sqlx::query_as(sql).fetch_all(p).await.unwrap());
        out.extend(rows.iter().map(|r| format!("{r:?}")));
    }
    let special = special::list(db, "", false).await.unwrap();
    out.extend(special.iter().map(|s| {
        format!(
            "{} {} {} {} {} {}",
            s.id, s.agency_id, s.firm_id, s.reason_kind, s.reason_id, s.since_quarter
        )
    }));
    out
}

#[tokio::test]
async fn records_written_in_bulk_end_as_written_one_by_one() {
    for (one, bulk) in all_backends().await.into_iter().zip(all_backends().await) {
        let (firms, records) = city(&one.db, 600).await;
        let (same_firms, same_records) = city(&bulk.db, 600).await;
        assert_eq!((&firms, &records), (&same_firms, &same_records));
        for kind in OTHER_LISTS {
            assert!(
                records.iter().any(|(_, r)| r.kind() == kind),
                "the city has no {kind}"
            );
        }
        // Two rounds: the first two thirds, then the last two thirds again (a third already
        // stored) with an officer renamed twice over and a complaint received once more.
        let third = records.len() / 3;
        let first = records[..2 * third].to_vec();
        let mut second = records[third..].to_vec();
        let officer = second
            .iter()
            .position(|(_, r)| matches!(r, Record::Officer(_)))
            .unwrap();
        for name in ["改名一", "改名二"] {
            let (agency, Record::Officer(mut o)) = second[officer].clone() else {
                unreachable!()
            };
            o.name = name.into();
            second.push((agency, Record::Officer(o)));
        }
        let complaint = second
            .iter()
            .find_map(|(a, r)| match r {
                Record::Complaint(k) => Some((*a, k.clone())),
                _ => None,
            })
            .unwrap();
        let mut again = complaint.1.clone();
        again.times_received += 1;
        second.push((complaint.0, Record::Complaint(again)));

        let at = spotcheck_store::now();
        let mut expected = Vec::new();
        let mut tx = one.db.begin().await.unwrap();
        let stored = lists::stored_firms(&mut tx, &[]).await.unwrap();
        lists::put_firms(&mut tx, "test", &firms, &stored, at)
            .await
            .unwrap();
        for round in [&first, &second] {
            let mut counts = Counts::default();
            for (agency, record) in round.iter() {
                let outcome = lists::upsert(&mut tx, "test", *agency, record, at)
                    .await
                    .unwrap();
                counts.add(outcome);
            }
            expected.push(counts);
        }
        tx.commit().await.unwrap();

        let mut got = Vec::new();
        let mut tx = bulk.db.begin().await.unwrap();
        lists::put_firms(&mut tx, "test", &firms, &stored, at)
            .await
            .unwrap();
        for round in [&first, &second] {
            got.push(
                lists::put_records(&mut tx, "test", round, at)
                    .await
                    .unwrap(),
            );
        }
        tx.commit().await.unwrap();

        assert_eq!(got, expected, "{}", bulk.url);
        assert_eq!(expected[1].unchanged, third, "{}", bulk.url);
        assert_eq!(expected[1].changed, 3, "{}", bulk.url);
        let (written_one_by_one, written_in_bulk) =
            (contents(&one.db).await, contents(&bulk.db).await);
        assert!(written_one_by_one.len() > records.len(), "{}", bulk.url);
        assert_eq!(written_in_bulk, written_one_by_one, "{}", bulk.url);

        // A record written one by one after the bulk write takes the next id, not one the
        // bulk write took.
        let mut tx = bulk.db.begin().await.unwrap();
        let (agency, Record::Officer(mut o)) = records[0].clone() else {
            unreachable!()
        };
        o.certificate_no = "新证号-0001".into();
        let outcome = lists::upsert(&mut tx, "test", agency, &Record::Officer(o), at)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let officers: i64 = on_db!(&bulk.db, |p| sqlx::query_scalar(
            "SELECT COUNT(*) FROM officer"
        )
        .fetch_one(p)
        .await
        .unwrap());
        assert_eq!(outcome, Outcome::New(officers), "{}", bulk.url);
    }
}

/// The firm table's indexes and triggers as the database describes them.
async fn firm_schema(db: &Db) -> Vec<String> {
    match db {
        Db::Sqlite(p) => sqlx::query_scalar(
            "SELECT type || ' ' || name || ' ' || COALESCE(sql, '') FROM sqlite_master \
             WHERE tbl_name = 'firm' ORDER BY type, name",
        )
        .fetch_all(p)
        .await
        .unwrap(),
        Db::Pg(p) => sqlx::query_scalar(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'firm' \
             UNION ALL SELECT tgname::text FROM pg_trigger WHERE tgrelid = 'firm'::regclass ORDER BY 1",
        )
        .fetch_all(p)
        .await
        .unwrap(),
    }
}

/// Firms found by text in their names.
async fn found(db: &Db, text: &str) -> Vec<String> {
    let q = FirmQuery {
        text: Some(text.into()),
        limit: 500,
        ..FirmQuery::default()
    };
    let page = firms::search(db, &q).await.unwrap();
    page.items.into_iter().map(|f| f.credit_code).collect()
}

/// How many times the firm `f` is among those found by its name.
async fn times_found(db: &Db, f: &FirmRecord) -> usize {
    let code = f.credit_code.as_str();
    found(db, &f.name)
        .await
        .iter()
        .filter(|c| *c == code)
        .count()
}

/// SQLite checks its text index against the firm table; PostgreSQL's indexes are part of it.
async fn text_index_is_whole(t: &TestDb) {
    if let Db::Sqlite(p) = &t.db {
        sqlx::query("INSERT INTO firm_fts (firm_fts, rank) VALUES ('integrity-check', 1)")
            .execute(p)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn indexes_set_aside_for_a_large_load_are_whole_again_after_it_or_its_rollback() {
    for t in all_backends().await {
        let (firms, _) = city(&t.db, 900).await;
        let (before, rest) = firms.split_at(300);
        let at = spotcheck_store::now();
        let mut tx = t.db.begin().await.unwrap();
        let none = lists::stored_firms(&mut tx, &[]).await.unwrap();
        lists::put_firms(&mut tx, "test", before, &none, at)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let schema = firm_schema(&t.db).await;
        assert!(schema.len() >= 6, "{schema:?}");
        let old = &before[7].1;
        let new = &rest[11].1;
        assert_eq!(times_found(&t.db, old).await, 1, "{}", t.url);

        // Rolled back: nothing changed.
        let mut tx = t.db.begin().await.unwrap();
        let deferred = DeferredIndexes::defer(&mut tx).await.unwrap();
        lists::put_firms(&mut tx, "test", rest, &none, at)
            .await
            .unwrap();
        drop(deferred);
        drop(tx);
        assert_eq!(firm_schema(&t.db).await, schema, "{}", t.url);
        text_index_is_whole(&t).await;
        assert_eq!(times_found(&t.db, new).await, 0, "{}", t.url);

        // Committed: the same indexes, and the text index has the new firms once each, also
        // one added and then changed within the load.
        let mut tx = t.db.begin().await.unwrap();
        let deferred = DeferredIndexes::defer(&mut tx).await.unwrap();
        let set_aside = match &t.db {
            // Four indexes and the text index's three triggers.
            Db::Sqlite(_) => 7,
            // Six indexes (two of them the trigram text indexes).
            Db::Pg(_) => 6,
        };
        assert_eq!(deferred.len(), set_aside, "{}", t.url);
        let counts = lists::put_firms(&mut tx, "test", rest, &none, at)
            .await
            .unwrap();
        let mut renamed = rest[5].1.clone();
        renamed.name = "装置改名后的化工厂".into();
        lists::upsert(&mut tx, "test", rest[5].0, &Record::Firm(renamed), at)
            .await
            .unwrap();
        deferred.restore(&mut tx).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(counts.new, rest.len());
        assert_eq!(firm_schema(&t.db).await, schema, "{}", t.url);
        text_index_is_whole(&t).await;
        assert_eq!(times_found(&t.db, new).await, 1, "{}", t.url);
        assert_eq!(times_found(&t.db, old).await, 1, "{}", t.url);
        assert_eq!(
            found(&t.db, "装置改名后").await,
            vec![rest[5].1.credit_code.as_str().to_string()],
            "{}",
            t.url
        );
        // A firm added afterwards is found: its text is indexed as it comes again.
        let mut late = rest[0].1.clone();
        late.credit_code = CreditCode::from_parts('9', '1', "650102", "MA999999").unwrap();
        late.name = "批量导入之后新增的化工厂".into();
        let mut tx = t.db.begin().await.unwrap();
        lists::upsert(&mut tx, "test", rest[0].0, &Record::Firm(late.clone()), at)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        text_index_is_whole(&t).await;
        assert_eq!(
            found(&t.db, "之后新增").await,
            vec![late.credit_code.as_str().to_string()],
            "{}",
            t.url
        );
    }
}

#[tokio::test]
async fn a_first_import_of_a_large_file_is_searchable_at_once() {
    for t in all_backends().await {
        let (firms, _) = city(&t.db, bulk::DEFER_MIN_ROWS).await;
        let mut csv =
            String::from("统一社会信用代码,单位名称,所在区县,详细地址,行业代码,监管类别\r\n");
        for (_, f) in &firms {
            let category = match f.category {
                UnitCategory::Key { .. } => "重点",
                UnitCategory::General => "一般",
            };
            csv += &format!(
                "{},{},{},{},{},{}\r\n",
                f.credit_code.as_str(),
                f.name,
                f.division.as_str(),
                f.address,
                f.industry.as_str(),
                category
            );
        }
        let city = agency::by_code(&t.db, "650100").await.unwrap().unwrap();
        let schema = firm_schema(&t.db).await;
        let input = ImportInput {
            kind: ListKind::Firms,
            agency: &city,
            file_name: "firms.csv",
            bytes: csv.as_bytes(),
            today: "2026-04-10".parse().unwrap(),
            limits: Limits::default(),
        };
        let summary = import::run(&t.db, "test", &input, true, &|_| {})
            .await
            .unwrap()
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(summary.new, firms.len(), "{}", t.url);
        assert_eq!(firm_schema(&t.db).await, schema, "{}", t.url);
        text_index_is_whole(&t).await;
        let last = &firms[firms.len() - 1].1;
        assert_eq!(times_found(&t.db, last).await, 1, "{}", t.url);
    }
}

#[tokio::test]
async fn only_a_load_that_is_large_and_at_least_doubles_the_list_sets_indexes_aside() {
    for t in all_backends().await {
        let (firms, _) = city(&t.db, bulk::DEFER_MIN_ROWS + 1).await;
        let mut tx = t.db.begin().await.unwrap();
        assert!(bulk::worth_deferring(&mut tx, bulk::DEFER_MIN_ROWS)
            .await
            .unwrap());
        assert!(!bulk::worth_deferring(&mut tx, bulk::DEFER_MIN_ROWS - 1)
            .await
            .unwrap());
        let none = lists::stored_firms(&mut tx, &[]).await.unwrap();
        lists::put_firms(&mut tx, "test", &firms, &none, spotcheck_store::now())
            .await
            .unwrap();
        // The list now holds 10,001 firms: loading the same file again, or one not twice as
        // large, need not double it.
        let stored = firms.len();
        assert!(!bulk::worth_deferring(&mut tx, stored).await.unwrap());
        assert!(!bulk::worth_deferring(&mut tx, 2 * stored - 1)
            .await
            .unwrap());
        assert!(bulk::worth_deferring(&mut tx, 2 * stored).await.unwrap());
    }
}

#[tokio::test]
async fn a_firm_beyond_the_first_twenty_thousand_is_found_by_its_name_on_every_backend() {
    for t in all_backends().await {
        // More firms than a search walks before it asks the text index (PostgreSQL), after a
        // gap of ids as long as that walk (a rolled-back load of as many firms leaves one).
        let (firms, _) = city(&t.db, 20_500).await;
        if let Db::Pg(p) = &t.db {
            sqlx::query("SELECT setval(pg_get_serial_sequence('firm', 'id'), 30000)")
                .execute(p)
                .await
                .unwrap();
        }
        let mut tx = t.db.begin().await.unwrap();
        let none = lists::stored_firms(&mut tx, &[]).await.unwrap();
        lists::put_firms(&mut tx, "test", &firms, &none, spotcheck_store::now())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        for f in [&firms[20_499].1, &firms[20_001].1, &firms[3].1] {
            let mut query = FirmQuery {
                text: Some(f.name.clone()),
                limit: 500,
                ..FirmQuery::default()
            };
            let mut codes = Vec::new();
            loop {
                let page = firms::search(&t.db, &query).await.unwrap();
                codes.extend(page.items.into_iter().map(|f| f.credit_code));
                match page.next_after {
                    Some(after) => query.after_id = Some(after),
                    None => break,
                }
            }
            let code = f.credit_code.as_str();
            assert_eq!(
                codes.iter().filter(|c| *c == code).count(),
                1,
                "{} {}",
                f.name,
                t.url
            );
        }
        // A page after any id, even the largest, is an empty page.
        let query = FirmQuery {
            text: Some(firms[3].1.name.clone()),
            after_id: Some(i64::MAX - 1),
            limit: 50,
            ..FirmQuery::default()
        };
        let page = firms::search(&t.db, &query).await.unwrap();
        assert!(page.items.is_empty(), "{}", t.url);
    }
}

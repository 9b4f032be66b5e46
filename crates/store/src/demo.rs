//! The demo data set: the Urumqi agencies (already there from bootstrap), officers, firms,
//! projects, complaints and penalty cases from the deterministic generator of
//! `spotcheck_core::demo`, and one account per role.
//!
//! Loading is one transaction (all or nothing) and idempotent: rows are keyed by their natural
//! keys (certificate number, credit code, approval number, decision number), so a second load adds
//! nothing.

use std::collections::HashMap;
use std::fmt;

use serde::Serialize;
use spotcheck_core::demo::{self, DemoParams};
use spotcheck_core::lists::{
    ComplaintRecord, FirmRecord, OfficerRecord, PenaltyRecord, ProblemRecord, ProjectRecord, Record,
};
use spotcheck_core::period::{Quarter, Year};
use spotcheck_core::role::Role;

use crate::account::{self, NewAccount};
use crate::lists;
use crate::{agency, audit, Db, Result, StoreError};

/// The password of every demo account. The demo is for trying the system, never for production.
pub const DEMO_PASSWORD: &str = "spotcheck-demo";

/// What to generate.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub seed: u64,
    pub firms: usize,
    pub officers: usize,
}

impl Default for DemoOptions {
    fn default() -> Self {
        let d = DemoParams::default();
        DemoOptions {
            seed: d.seed,
            firms: d.firms,
            officers: d.officers,
        }
    }
}

/// How many rows of each kind a load added.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DemoSummary {
    pub officers: u64,
    pub firms: u64,
    pub projects: u64,
    pub complaints: u64,
    pub penalty_cases: u64,
    pub key_problems: u64,
    pub accounts: u64,
}

impl fmt::Display for DemoSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "demo data added: {} firms, {} officers, {} projects, {} complaints, {} penalty cases, {} key problems, {} accounts",
            self.firms, self.officers, self.projects, self.complaints, self.penalty_cases, self.key_problems, self.accounts
        )?;
        if self.accounts > 0 {
            write!(f, " (password of every demo account: {DEMO_PASSWORD})")?;
        }
        Ok(())
    }
}

/// The demo accounts: (username, agency code, role, display name).
const DEMO_ACCOUNTS: &[(&str, &str, Role, &str)] = &[
    ("legal", "650100-legal", Role::CityLegal, "法制督查科 刘明"),
    (
        "complaints",
        "650100-complaints",
        Role::CityComplaints,
        "投诉举报科 马丽",
    ),
    (
        "office",
        "650100-office",
        Role::CityOffice,
        "支队办公室 王芳",
    ),
    ("auditor", "650100", Role::Auditor, "安全审计员 张强"),
    ("security", "650100", Role::SecurityAdmin, "安全管理员 陈静"),
    ("tianshan", "650102", Role::DistrictAdmin, "天山区分局 李军"),
    (
        "saybag",
        "650103",
        Role::DistrictAdmin,
        "沙依巴克区分局 阿不都",
    ),
    ("xinshi", "650104", Role::DistrictAdmin, "新市区分局 赵敏"),
    (
        "shuimogou",
        "650105",
        Role::DistrictAdmin,
        "水磨沟区分局 孙伟",
    ),
    (
        "toutunhe",
        "650106",
        Role::DistrictAdmin,
        "头屯河区分局 周涛",
    ),
    (
        "dabancheng",
        "650107",
        Role::DistrictAdmin,
        "达坂城区分局 吴刚",
    ),
    ("midong", "650109", Role::DistrictAdmin, "米东区分局 古丽"),
    (
        "urumqixian",
        "650121",
        Role::DistrictAdmin,
        "乌鲁木齐县分局 郑华",
    ),
    ("officer", "650102", Role::Officer, "天山区执法人员 艾力"),
];

async fn account_id_of(db: &Db, username: &str) -> Result<i64> {
    account::by_username(db, username)
        .await?
        .map(|a| a.id)
        .ok_or_else(|| StoreError::NotFound(format!("account {username}")))
}

/// Records generated and written per round of the demo load.
const BATCH: usize = 5_000;

/// Writes records in bulk, a few thousand at a time; how many were new.
async fn put(
    tx: &mut crate::Tx,
    at: chrono::DateTime<chrono::Utc>,
    records: &[(i64, Record)],
    progress: &(dyn Fn(u64) + Sync),
) -> Result<u64> {
    let mut new = 0;
    for chunk in records.chunks(BATCH) {
        new += lists::put_records(tx, "system", chunk, at).await?.new as u64;
        progress(chunk.len() as u64);
    }
    Ok(new)
}

/// Loads the demo set; `progress` is called with the number of officers and firms just written.
pub async fn load(
    db: &Db,
    options: &DemoOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<DemoSummary> {
    let params = DemoParams {
        seed: options.seed,
        firms: options.firms,
        officers: options.officers,
        ..DemoParams::default()
    };
    let agencies: HashMap<String, i64> = agency::all(db)
        .await?
        .into_iter()
        .map(|a| (a.code, a.id))
        .collect();
    let agency_id = |code: &str| {
        agencies
            .get(code)
            .copied()
            .ok_or_else(|| StoreError::NotFound(format!("agency {code}")))
    };
    let mut summary = DemoSummary::default();
    let at = crate::now();
    let mut tx = db.begin().await?;

    let officers = params
        .officers()
        .map(|o| {
            Ok((
                agency_id(o.agency.as_str())?,
                Record::Officer(OfficerRecord::from_demo(&o)),
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    summary.officers += put(&mut tx, at, &officers, progress).await?;
    let year = Year::containing(params.reference_date);
    // Firms in batches through the bulk write (a second load leaves them alone), a large first
    // load with the firm indexes built at its end.
    let deferred = if crate::bulk::worth_deferring(&mut tx, params.firms).await? {
        Some(crate::bulk::DeferredIndexes::defer(&mut tx).await?)
    } else {
        None
    };
    let mut batch: Vec<(i64, FirmRecord)> = Vec::with_capacity(BATCH);
    let mut firms = params.firms().peekable();
    while firms.peek().is_some() {
        batch.clear();
        for f in firms.by_ref().take(BATCH) {
            batch.push((
                agency_id(f.division.as_str())?,
                FirmRecord::from_demo(&f, year),
            ));
        }
        let codes: Vec<&str> = batch.iter().map(|(_, f)| f.credit_code.as_str()).collect();
        let stored = lists::stored_firms(&mut tx, &codes).await?;
        summary.firms += lists::put_firms(&mut tx, "system", &batch, &stored, at)
            .await?
            .new as u64;
        progress(batch.len() as u64);
    }
    if let Some(deferred) = deferred {
        deferred.restore(&mut tx).await?;
    }
    let firm = |index: usize| demo::firm(params.seed, index);
    let agency_of = |index: usize| agency_id(firm(index).division.as_str());

    // R-LIST-3: projects approved in the previous year; R-LIST-4/5/6: cases of the previous quarter.
    let last_year = year.prev().unwrap_or(year);
    // Each record written for the agency of the firm it names.
    let naming = |records: Vec<(usize, Record)>| {
        records
            .into_iter()
            .map(|(index, record)| Ok((agency_of(index)?, record)))
            .collect::<Result<Vec<_>>>()
    };
    let projects = naming(
        params
            .projects(last_year)
            .map(|p| {
                let f = firm(p.firm_index);
                (
                    p.firm_index,
                    Record::Project(ProjectRecord::from_demo(&p, &f)),
                )
            })
            .collect(),
    )?;
    summary.projects += put(&mut tx, at, &projects, &|_| {}).await?;
    let quarter = Quarter::containing(params.reference_date);
    let last_quarter = quarter.prev().unwrap_or(quarter);
    let complaints = naming(
        params
            .complaints(last_quarter)
            .map(|c| {
                let f = firm(c.firm_index);
                (
                    c.firm_index,
                    Record::Complaint(ComplaintRecord::from_demo(&c, &f)),
                )
            })
            .collect(),
    )?;
    summary.complaints += put(&mut tx, at, &complaints, &|_| {}).await?;
    let penalty_cases = naming(
        params
            .penalty_cases(last_quarter)
            .map(|p| {
                let f = firm(p.firm_index);
                (
                    p.firm_index,
                    Record::Penalty(PenaltyRecord::from_demo(&p, &f)),
                )
            })
            .collect(),
    )?;
    summary.penalty_cases += put(&mut tx, at, &penalty_cases, &|_| {}).await?;
    let key_problems = naming(
        params
            .key_problems(last_quarter)
            .map(|k| {
                let f = firm(k.firm_index);
                (
                    k.firm_index,
                    Record::Problem(ProblemRecord::from_demo(&k, &f)),
                )
            })
            .collect(),
    )?;
    summary.key_problems += put(&mut tx, at, &key_problems, &|_| {}).await?;

    audit::append(
        &mut tx,
        crate::now(),
        "system",
        "demo.load",
        "demo",
        serde_json::json!({ "seed": options.seed, "firms": options.firms, "officers": options.officers, "added": summary }),
    )
    .await?;
    tx.commit().await?;

    for (username, agency_code, role, display_name) in DEMO_ACCOUNTS {
        if account::by_username(db, username).await?.is_some() {
            continue;
        }
        let mut tx = db.begin().await?;
        account::create(
            &mut tx,
            "system",
            NewAccount {
                username: (*username).into(),
                display_name: (*display_name).into(),
                agency_id: agency_id(agency_code)?,
                role: *role,
                password: DEMO_PASSWORD.into(),
            },
        )
        .await?;
        tx.commit().await?;
        summary.accounts += 1;
    }
    // The demo officer account is the first officer of Tianshan, so "my tasks" has content once
    // Tianshan draws.
    let tianshan = agency_id("650102")?;
    if let Some(first) = crate::registry::officers_of(db, tianshan).await?.first() {
        if crate::tasks::officer_of_account(db, account_id_of(db, "officer").await?)
            .await?
            .is_none()
        {
            crate::tasks::link_account(db, "officer", &first.certificate_no).await?;
        }
    }
    Ok(summary)
}

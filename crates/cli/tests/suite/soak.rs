//! A bounded soak: 64 clients of mixed reads and writes against a `spotcheck serve` child process
//! on loopback, for SPOTCHECK_SOAK_SECONDS seconds per backend (6 by default, so that the usual
//! test run stays short; a few minutes for a real soak). The resident memory of the server is
//! sampled every second.
//!
//! It must end with zero errors (every answer the one expected: 200, 201 or 303), zero lost writes
//! (every acknowledged write is in the database afterwards, after the server was killed), and
//! memory flat: after a warm-up, the largest RSS of the last third of the run is at most the
//! largest of the first third plus [`MEMORY_MARGIN_KIB`] or 20%, whichever is more.
//!
//! The clients: 16 officers, each saving drafts of the form of a task of their own and reading
//! their task pages; 48 district-admin clients adding firms through the JSON API and reading list,
//! search, plan and report pages and API resources. About one request in four writes.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::{client, count, csrf_of, login, rss_kib, tianshan_key_firms, Server, TIANSHAN};
use spotcheck_core::inspection::CheckItem;
use spotcheck_core::lists::{ListKind, Record};
use spotcheck_core::role::Role;
use spotcheck_store::account::{self, NewAccount};
use spotcheck_store::demo::DEMO_PASSWORD;
use spotcheck_store::testing::{self, TestDb};
use spotcheck_store::{agency, draws, inspections, tasks, Db};

const CLIENTS: usize = 64;
const OFFICERS: usize = 16;
const OFFICER_PASSWORD: &str = "officer password for the soak";
/// The growth of the RSS the soak tolerates: 16 MiB, or 20% when that is more.
const MEMORY_MARGIN_KIB: u64 = 16 * 1024;

fn soak_duration() -> Duration {
    Duration::from_secs(
        std::env::var("SPOTCHECK_SOAK_SECONDS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(6),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_clients_of_reads_and_writes_meet_no_error_lose_no_write_and_memory_stays_flat()
{
    let mut dbs = vec![testing::sqlite().await];
    dbs.extend(testing::postgres().await);
    for test_db in dbs {
        soak(&test_db).await;
    }
}

/// Loads the demo set, draws every key unit of Tianshan and gives each of [`OFFICERS`] new
/// officer accounts a task of its own. Returns (task id, username) pairs.
async fn prepare(db: &Db) -> Vec<(i64, String)> {
    spotcheck_store::bootstrap::ensure_foundation(db, Some(crate::common::ADMIN_PASSWORD))
        .await
        .expect("foundation");
    spotcheck_store::demo::load(db, &Default::default(), &|_| {})
        .await
        .expect("demo data");
    let tianshan = agency::by_code(db, TIANSHAN).await.unwrap().unwrap();
    let params = draws::PlanParams {
        rate_percent: Some(100),
        ..Default::default()
    };
    let rules = spotcheck_core::rules::RulesConfig::default();
    let plan = draws::create_plan(
        db,
        "test",
        &tianshan,
        draws::PlanKind::Key,
        "2026Q2",
        &rules,
        &params,
    )
    .await
    .unwrap()
    .unwrap();
    let today = "2026-03-20".parse().unwrap();
    draws::freeze(db, "test", &plan, &tianshan, today)
        .await
        .unwrap()
        .unwrap();
    draws::seed(
        db,
        "test",
        &plan,
        "dice:38172645091827364510",
        &["王芳".into()],
    )
    .await
    .unwrap()
    .unwrap();
    let drawn = draws::execute(db, "test", &plan).await.unwrap().unwrap();
    let all = tasks::of_draw(db, drawn.id).await.unwrap();
    assert!(all.len() >= OFFICERS, "{} tasks drawn", all.len());
    let mut out = Vec::new();
    for (i, task) in all.iter().take(OFFICERS).enumerate() {
        let username = format!("soak{i:02}");
        let mut tx = db.begin().await.unwrap();
        account::create(
            &mut tx,
            "test",
            NewAccount {
                username: username.clone(),
                display_name: format!("执法人员 {i}"),
                agency_id: tianshan.id,
                role: Role::Officer,
                password: OFFICER_PASSWORD.into(),
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let team: Vec<String> = serde_json::from_str(&task.officers).unwrap();
        tasks::link_account(db, &username, &team[0]).await.unwrap();
        out.push((task.id, username));
    }
    out
}

/// The fields of a complete form of the task, without its summary.
async fn form_fields(db: &Db, task_id: i64) -> Vec<(String, String)> {
    let task = tasks::get(db, "", task_id).await.unwrap().unwrap();
    let team: Vec<String> = serde_json::from_str(&task.officers).unwrap();
    let names = tasks::officer_names(db, &team).await.unwrap();
    let mut f: Vec<(String, String)> = vec![
        ("firm_name".into(), task.firm_name.clone()),
        ("credit_code".into(), task.credit_code.clone()),
        ("address".into(), task.address.clone()),
        ("arrived_at".into(), "2026-04-10T09:00".into()),
        ("departed_at".into(), "2026-04-10T11:30".into()),
        ("representative".into(), "张厂长".into()),
    ];
    for (i, (cert, name)) in names.iter().enumerate() {
        f.push((format!("officer_name_{i}"), name.clone()));
        f.push((format!("officer_cert_{i}"), cert.clone()));
    }
    for item in CheckItem::ALL {
        f.push((format!("verdict_{}", item.as_str()), "compliant".into()));
    }
    f
}

/// What the clients counted together.
#[derive(Default)]
struct Tally {
    requests: u64,
    reads: u64,
    errors: u64,
    /// The first few errors, for the failure message.
    examples: Vec<String>,
}

/// What one client wrote and was told was stored.
#[derive(Default)]
struct Acknowledged {
    /// Credit codes of the firms created.
    firms: Vec<String>,
    /// The officer's task and the summaries of its saved drafts, in order.
    task: Option<i64>,
    drafts: Vec<String>,
}

enum Kind {
    Officer {
        task_id: i64,
        csrf: String,
        fields: Vec<(String, String)>,
    },
    Admin {
        bearer: String,
    },
}

struct SoakClient {
    index: usize,
    http: reqwest::Client,
    base: String,
    kind: Kind,
    tally: Arc<Mutex<Tally>>,
}

impl SoakClient {
    /// Sends `request`; counts it, and counts an error when the status is not `expected` or the
    /// request failed.
    async fn send(&self, what: &str, request: reqwest::RequestBuilder, expected: u16) -> bool {
        let result = request.send().await;
        let outcome = match result {
            Ok(r) => {
                let status = r.status().as_u16();
                // Read the whole body, as a browser does.
                match r.bytes().await {
                    Ok(_) if status == expected => Ok(()),
                    Ok(body) => Err(format!(
                        "{what}: {status} (expected {expected}): {}",
                        String::from_utf8_lossy(&body[..body.len().min(300)])
                    )),
                    Err(e) => Err(format!("{what}: reading the body: {e}")),
                }
            }
            Err(e) => Err(format!("{what}: {e}")),
        };
        let mut t = self.tally.lock().unwrap();
        t.requests += 1;
        match outcome {
            Ok(()) => true,
            Err(message) => {
                t.errors += 1;
                if t.examples.len() < 20 {
                    t.examples.push(format!("client {}: {message}", self.index));
                }
                false
            }
        }
    }

    async fn get(&self, path: &str, bearer: Option<&str>) -> bool {
        let mut request = self.http.get(format!("{}{path}", self.base));
        if let Some(b) = bearer {
            request = request.header("authorization", b);
        }
        let ok = self.send(&format!("GET {path}"), request, 200).await;
        self.tally.lock().unwrap().reads += 1;
        ok
    }

    async fn run(self, deadline: Instant) -> Acknowledged {
        let mut acked = Acknowledged::default();
        let mut n: usize = 0;
        while Instant::now() < deadline {
            n += 1;
            match &self.kind {
                Kind::Officer {
                    task_id,
                    csrf,
                    fields,
                } => {
                    acked.task = Some(*task_id);
                    if n.is_multiple_of(4) {
                        let summary = format!("客户端{} 第{n}次保存", self.index);
                        let mut form = vec![
                            ("csrf".to_string(), csrf.clone()),
                            ("action".to_string(), "save".to_string()),
                            ("summary".to_string(), summary.clone()),
                        ];
                        form.extend(fields.iter().cloned());
                        let path = format!("/tasks/{task_id}/inspection");
                        let request = self.http.post(format!("{}{path}", self.base)).form(&form);
                        if self.send(&format!("POST {path}"), request, 303).await {
                            acked.drafts.push(summary);
                        }
                    } else {
                        let path = match n % 4 {
                            1 => "/tasks".to_string(),
                            2 => format!("/tasks/{task_id}/inspection"),
                            _ => format!("/tasks/{task_id}"),
                        };
                        self.get(&path, None).await;
                    }
                }
                Kind::Admin { bearer } => {
                    if n.is_multiple_of(4) {
                        // A new firm, its credit code unique to this client and request.
                        let index = 1_000_000 + self.index * 1_000_000 + n;
                        let firm = tianshan_key_firms(index, 1).remove(0);
                        let code = firm.credit_code.to_string();
                        let fields: std::collections::HashMap<&str, String> = ListKind::Firms
                            .columns()
                            .iter()
                            .map(|c| c.key)
                            .zip(Record::Firm(firm).to_cells())
                            .collect();
                        let request = self
                            .http
                            .post(format!("{}/api/v1/lists/firms", self.base))
                            .header("authorization", bearer)
                            .json(&fields);
                        if self.send("POST /api/v1/lists/firms", request, 201).await {
                            acked.firms.push(code);
                        }
                    } else {
                        let (path, api) = match (n + self.index) % 12 {
                            0 => ("/firms?q=化工", false),
                            1 => ("/firms", false),
                            2 => ("/lists/firms", false),
                            3 => ("/plans", false),
                            4 => ("/compliance", false),
                            5 => ("/healthz", false),
                            6 => ("/api/v1/firms?q=水泥&limit=20", true),
                            7 => ("/api/v1/lists/firms?limit=50", true),
                            8 => ("/api/v1/plans", true),
                            9 => ("/api/v1/agencies", true),
                            10 => ("/api/v1/me", true),
                            _ => ("/metrics", false),
                        };
                        self.get(path, api.then_some(bearer.as_str())).await;
                    }
                }
            }
        }
        acked
    }
}

async fn soak(test_db: &TestDb) {
    let (db, url) = (&test_db.db, test_db.url.as_str());
    let backend = match db {
        Db::Sqlite(_) => "SQLite",
        Db::Pg(_) => "PostgreSQL",
    };
    let officers = prepare(db).await;
    let tianshan = account::by_username(db, "tianshan").await.unwrap().unwrap();
    let bearer = format!(
        "Bearer {}",
        spotcheck_store::token::create(db, "test", &tianshan, "soak")
            .await
            .unwrap()
    );
    let firms_before = count(db, "SELECT COUNT(*) FROM firm").await;
    let logs = tempfile::tempdir().unwrap();
    let mut server = Server::start(url, &logs.path().join("serve.log"));

    // Every client logs in (a session of its own) before the clock starts.
    let tally = Arc::new(Mutex::new(Tally::default()));
    let mut logging_in = Vec::new();
    for index in 0..CLIENTS {
        let officer = officers.get(index).cloned();
        let (base, bearer) = (server.base.clone(), bearer.clone());
        logging_in.push(tokio::spawn(async move {
            let http = client();
            let kind = match officer {
                Some((task_id, username)) => {
                    login(&http, &base, &username, OFFICER_PASSWORD).await;
                    let page = http
                        .get(format!("{base}/tasks/{task_id}/inspection"))
                        .send()
                        .await
                        .unwrap()
                        .text()
                        .await
                        .unwrap();
                    Kind::Officer {
                        task_id,
                        csrf: csrf_of(&page),
                        fields: Vec::new(),
                    }
                }
                None => {
                    login(&http, &base, "tianshan", DEMO_PASSWORD).await;
                    Kind::Admin { bearer }
                }
            };
            (http, kind)
        }));
    }
    let mut clients = Vec::new();
    for (index, ready) in logging_in.into_iter().enumerate() {
        let (http, mut kind) = ready.await.unwrap();
        if let Kind::Officer {
            task_id, fields, ..
        } = &mut kind
        {
            *fields = form_fields(db, *task_id).await;
        }
        clients.push(SoakClient {
            index,
            http,
            base: server.base.clone(),
            kind,
            tally: tally.clone(),
        });
    }

    let duration = soak_duration();
    let started = Instant::now();
    let deadline = started + duration;
    let pid = server.pid;
    let sampler = tokio::spawn(async move {
        let mut samples: Vec<(f64, u64)> = Vec::new();
        while Instant::now() < deadline {
            if let Some(kib) = rss_kib(pid) {
                samples.push((started.elapsed().as_secs_f64(), kib));
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        samples
    });
    let running: Vec<_> = clients
        .into_iter()
        .map(|c| tokio::spawn(c.run(deadline)))
        .collect();
    let mut acked = Vec::new();
    for r in running {
        acked.push(r.await.unwrap());
    }
    let elapsed = started.elapsed();
    let samples = sampler.await.unwrap();
    assert!(server.is_running(), "the server is still up");
    let rss_at_end = server.rss_kib().unwrap_or(0);
    // Acknowledged means stored: nothing may depend on the process staying up.
    server.kill();

    let tally = std::mem::take(&mut *tally.lock().unwrap());
    assert_eq!(
        tally.errors, 0,
        "{} errors in {} requests on {backend}, the first: {:#?}",
        tally.errors, tally.requests, tally.examples
    );

    // Zero lost writes.
    let stored: std::collections::HashSet<String> = spotcheck_store::on_db!(db, |p| {
        sqlx::query_scalar::<_, String>("SELECT credit_code FROM firm")
            .fetch_all(p)
            .await
            .unwrap()
    })
    .into_iter()
    .collect();
    let created: Vec<&String> = acked.iter().flat_map(|a| &a.firms).collect();
    let missing: Vec<&&String> = created.iter().filter(|c| !stored.contains(**c)).collect();
    assert!(
        missing.is_empty(),
        "acknowledged firms missing: {missing:?}"
    );
    assert_eq!(stored.len() as i64, firms_before + created.len() as i64);
    let mut drafts = 0;
    for a in &acked {
        let (Some(task_id), Some(last)) = (a.task, a.drafts.last()) else {
            continue;
        };
        drafts += a.drafts.len();
        let current = inspections::current(db, task_id).await.unwrap().unwrap();
        assert_eq!(&current.form().unwrap().summary, last, "task {task_id}");
        let events = count(
            db,
            &format!(
                "SELECT COUNT(*) FROM audit_event WHERE action = 'inspection.draft' AND subject = 'inspection:{}'",
                current.id
            ),
        )
        .await;
        assert_eq!(
            events,
            a.drafts.len() as i64,
            "every save of task {task_id}"
        );
    }
    let events = crate::common::audit_verifies(url);

    // Memory flat after a warm-up.
    let warm_up = (duration.as_secs_f64() / 10.0).max(2.0);
    let steady: Vec<u64> = samples
        .iter()
        .filter(|(t, _)| *t >= warm_up)
        .map(|(_, kib)| *kib)
        .collect();
    let third = (steady.len() / 3).max(1);
    assert!(steady.len() >= 3, "too few RSS samples: {samples:?}");
    let first_max = *steady[..third].iter().max().unwrap();
    let last_max = *steady[steady.len() - third..].iter().max().unwrap();
    let all_min = samples.iter().map(|s| s.1).min().unwrap();
    let all_max = samples.iter().map(|s| s.1).max().unwrap();
    let margin = MEMORY_MARGIN_KIB.max(first_max / 5);
    let mib = |kib: u64| kib as f64 / 1024.0;
    let outline: Vec<String> = samples
        .iter()
        .step_by((samples.len() / 12).max(1))
        .map(|(t, kib)| format!("{t:.0}s:{:.1}", mib(*kib)))
        .collect();
    eprintln!(
        "soak on {backend}: {CLIENTS} clients for {:.1} s: {} requests ({:.0}/s), {} reads, {} \
         writes acknowledged ({} firms, {drafts} drafts), {} errors, none lost; audit {events} \
         events intact; RSS MiB min {:.1} max {:.1} (first third max {:.1}, last third max {:.1}, \
         at the end {:.1}); samples {}",
        elapsed.as_secs_f64(),
        tally.requests,
        tally.requests as f64 / elapsed.as_secs_f64(),
        tally.reads,
        created.len() + drafts,
        created.len(),
        tally.errors,
        mib(all_min),
        mib(all_max),
        mib(first_max),
        mib(last_max),
        mib(rss_at_end),
        outline.join(" "),
    );
    assert!(
        last_max <= first_max + margin,
        "memory grew on {backend}: first third at most {first_max} KiB, last third {last_max} KiB"
    );
}

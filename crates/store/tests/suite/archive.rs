//! The archive (档案) of an agency's year (R-REP-4) on every available backend: a key draw of
//! Midong for 2026Q2 and one inspection with a photo, exported to one zip that holds the draw
//! record (which verifies), the form as stored, the original photo and a manifest of every file;
//! and every change to the zip afterwards is found and named.

use std::collections::BTreeSet;
use std::io::{Cursor, Read, Write};

use chrono::{NaiveDate, NaiveDateTime};
use sha2::{Digest, Sha256};
use spotcheck_core::inspection::{CheckItem, ItemCheck, Verdict as ItemVerdict};
use spotcheck_core::period::Year;
use spotcheck_store::archive::{self, ArchiveSummary, Manifest, Problem, Verdict};
use spotcheck_store::draws::{self, DrawRecord, PlanKind};
use spotcheck_store::inspections::{self, EvidenceLimits, NewEvidence};
use spotcheck_store::testing::{self, all_backends};
use spotcheck_store::{agency, on_db, tasks, Db};
use zip::write::SimpleFileOptions;
use zip::{ZipArchive, ZipWriter};

const DICE: &str = "dice:38172645091827364510";
const MIDONG: &str = "650109";

/// What the year's work left, and its archive.
struct Archived {
    zip: Vec<u8>,
    summary: ArchiveSummary,
    record: DrawRecord,
    tasks: usize,
    photo: Vec<u8>,
    form_sha256: String,
}

fn at(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let picture = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 64])
    });
    let mut bytes = Vec::new();
    picture
        .write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png)
        .unwrap();
    bytes
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The demo lists; Midong's key draw for 2026Q2; the first task inspected with a photo, submitted
/// and accepted; then Midong's archive of 2026.
async fn archived(db: &Db) -> Archived {
    testing::with_demo(db).await;
    let midong = agency::by_code(db, MIDONG).await.unwrap().unwrap();
    let plan = testing::plan(db, "midong", &midong, PlanKind::Key, "2026Q2").await;
    let today: NaiveDate = "2026-03-20".parse().unwrap();
    draws::freeze(db, "midong", &plan, &midong, today)
        .await
        .unwrap()
        .unwrap();
    draws::seed(db, "midong", &plan, DICE, &["王芳".into(), "李军".into()])
        .await
        .unwrap()
        .unwrap();
    let record = draws::execute(db, "midong", &plan).await.unwrap().unwrap();
    let drawn = tasks::of_draw(db, record.id).await.unwrap();

    let task = &drawn[0];
    let mut form = inspections::prefill(db, task.id).await.unwrap();
    form.arrived_at = Some(at("2026-04-15 09:30"));
    form.departed_at = Some(at("2026-04-15 11:10"));
    form.representative = "张伟".into();
    form.items = CheckItem::ALL
        .iter()
        .map(|item| ItemCheck {
            item: *item,
            verdict: ItemVerdict::Compliant,
            remark: String::new(),
        })
        .collect();
    let draft = inspections::save_draft(db, "wang", task.id, &form)
        .await
        .unwrap()
        .unwrap();
    let photo = png(640, 480);
    inspections::attach(
        db,
        "wang",
        draft.id,
        NewEvidence {
            item: Some(CheckItem::OutletsStandard),
            kind: "photo".into(),
            file_name: "outlet.png".into(),
            bytes: photo.clone(),
            taken_at: Some(at("2026-04-15 10:02")),
            lat: Some(43.95),
            lon: Some(87.65),
            signer: None,
        },
        &EvidenceLimits::default(),
    )
    .await
    .unwrap()
    .unwrap();
    let submitted = inspections::submit(db, "wang", task.id, &form, "archive-1", 2)
        .await
        .unwrap()
        .unwrap();
    inspections::review(db, "midong", submitted.id, true, "")
        .await
        .unwrap()
        .unwrap();

    let mut out = Cursor::new(Vec::new());
    let summary = archive::export(
        db,
        &midong,
        Year::new(2026).unwrap(),
        spotcheck_store::now(),
        &mut out,
        &|_| {},
    )
    .await
    .unwrap();
    Archived {
        zip: out.into_inner(),
        summary,
        record,
        tasks: drawn.len(),
        photo,
        form_sha256: submitted.form_sha256.unwrap(),
    }
}

fn verdict(zip: &[u8]) -> Verdict {
    archive::verify(Cursor::new(zip), &|_| {}).unwrap()
}

fn problem(zip: &[u8]) -> Problem {
    match verdict(zip) {
        Verdict::Broken(p) => p,
        Verdict::Intact(_) => panic!("the changed archive passed as intact"),
    }
}

fn names(zip: &[u8]) -> BTreeSet<String> {
    let archive = ZipArchive::new(Cursor::new(zip)).unwrap();
    archive
        .file_names()
        .map(|n| n.unwrap().into_owned())
        .collect()
}

fn entry(zip: &[u8], name: &str) -> Vec<u8> {
    let mut archive = ZipArchive::new(Cursor::new(zip)).unwrap();
    let mut file = archive.by_name(name).unwrap();
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).unwrap();
    bytes
}

/// The zip written anew: each entry through `change` (`None` drops it), then `added`.
fn rewritten(
    zip: &[u8],
    change: impl Fn(&str, Vec<u8>) -> Option<Vec<u8>>,
    added: &[(&str, &[u8])],
) -> Vec<u8> {
    let mut archive = ZipArchive::new(Cursor::new(zip)).unwrap();
    let mut out = ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let name = file.name().unwrap().into_owned();
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).unwrap();
        if let Some(bytes) = change(&name, bytes) {
            out.start_file(name, SimpleFileOptions::default()).unwrap();
            out.write_all(&bytes).unwrap();
        }
    }
    for (name, bytes) in added {
        out.start_file(*name, SimpleFileOptions::default()).unwrap();
        out.write_all(bytes).unwrap();
    }
    out.finish().unwrap().into_inner()
}

fn manifest(zip: &[u8]) -> Manifest {
    serde_json::from_slice(&entry(zip, "manifest.json")).unwrap()
}

fn draw_path(record: &DrawRecord) -> String {
    format!(
        "draws/{}-attempt-{}.json",
        record.label.replace('/', "-"),
        record.attempt
    )
}

async fn count(db: &Db, sql: &str) -> u64 {
    let n: i64 = on_db!(db, |p| sqlx::query_scalar(sql)
        .bind("650100/650109/%")
        .fetch_one(p)
        .await
        .unwrap());
    n as u64
}

#[tokio::test]
async fn a_years_archive_holds_its_draw_forms_and_evidence_and_verifies() {
    for t in all_backends().await {
        let db = &t.db;
        let a = archived(db).await;
        let zip = &a.zip;

        let Verdict::Intact(checked) = verdict(zip) else {
            panic!("the archive as exported verifies: {:?}", verdict(zip));
        };
        assert_eq!(checked.draws_verified, 1);
        assert_eq!(
            checked.forms_checked, 1,
            "the accepted form's recorded hash"
        );
        assert_eq!(checked.manifest_sha256, a.summary.manifest_sha256);

        // The manifest and its hash.
        let text = entry(zip, "manifest.json");
        assert_eq!(
            String::from_utf8(entry(zip, "manifest.sha256")).unwrap(),
            format!("{}  manifest.json\n", sha256(&text))
        );
        let m = manifest(zip);
        assert_eq!(m, checked.manifest);
        assert_eq!(
            (m.format.as_str(), m.agency.code.as_str(), m.year),
            ("spotcheck-archive/v1", MIDONG, 2026)
        );
        assert_eq!(m.agency.name_zh, "米东区分局");
        let listed: BTreeSet<String> = m.files.iter().map(|f| f.path.clone()).collect();
        let mut present = names(zip);
        assert!(present.remove("manifest.json") && present.remove("manifest.sha256"));
        assert_eq!(listed, present, "every other file is listed, none more");
        for f in &m.files {
            let bytes = entry(zip, &f.path);
            assert_eq!(
                (bytes.len() as u64, sha256(&bytes)),
                (f.size, f.sha256.clone())
            );
        }
        assert_eq!(a.summary.files, m.files.len() as u64 + 2);

        // The draw record verifies, and is the one `draw export` gives.
        let record = entry(zip, &draw_path(&a.record));
        assert_eq!(
            spotcheck_draw::verify_json(std::str::from_utf8(&record).unwrap()).unwrap(),
            spotcheck_draw::Verification::Agrees
        );
        let archived: serde_json::Value = serde_json::from_slice(&record).unwrap();
        assert_eq!(archived, draws::export(&a.record).unwrap().unwrap());
        let attempts = String::from_utf8(entry(zip, "draws/attempts.jsonl")).unwrap();
        let attempt: serde_json::Value = serde_json::from_str(attempts.trim()).unwrap();
        assert_eq!(attempt["population_sha256"], a.record.population_sha256);
        assert_eq!(attempt["randomness"], DICE);
        assert_eq!(attempt["record"], draw_path(&a.record));

        // The photo as taken, the form as submitted.
        let photo = entry(zip, &format!("evidence/{}.png", sha256(&a.photo)));
        assert_eq!(photo, a.photo, "the original bytes");
        let forms: Vec<&String> = listed
            .iter()
            .filter(|p| p.starts_with("inspections/forms/"))
            .collect();
        assert_eq!(forms.len(), 1);
        assert_eq!(sha256(&entry(zip, forms[0])), a.form_sha256);

        // The counts.
        let c = &m.counts;
        assert_eq!(c, &a.summary.counts);
        assert_eq!(
            c.agencies,
            count(db, "SELECT COUNT(*) FROM agency WHERE path LIKE $1").await
        );
        assert_eq!((c.plans, c.draw_attempts, c.draw_records), (1, 1, 1));
        assert_eq!(c.tasks, a.tasks as u64);
        assert_eq!((c.reassignments, c.conflicts), (0, 0));
        assert_eq!((c.inspections, c.evidence, c.evidence_files), (1, 1, 1));
        let firms = count(
            db,
            "SELECT COUNT(*) FROM firm f JOIN agency a ON a.id = f.agency_id WHERE a.path LIKE $1",
        )
        .await;
        assert!(firms > 0);
        assert_eq!(
            c.list_versions["firms"], firms,
            "one version of each demo firm"
        );
        assert_eq!(c.lists_at_year_end["firms"], firms);
        assert!(listed.contains("lists/firms-2026-12-31.xlsx"));
        let lines =
            |path: &str| String::from_utf8(entry(zip, path)).unwrap().lines().count() as u64;
        assert_eq!(lines("lists/firms.jsonl"), firms);
        assert_eq!(lines("tasks.jsonl"), c.tasks);
        assert_eq!(lines("audit/events.jsonl"), c.audit_events);
        assert_eq!(checked.audit_events_checked, c.audit_events);
        let events = String::from_utf8(entry(zip, "audit/events.jsonl")).unwrap();
        let actions: BTreeSet<String> = events
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["action"].to_string())
            .map(|a| a.trim_matches('"').to_string())
            .collect();
        for action in [
            "plan.create",
            "draw.freeze",
            "draw.seed",
            "draw.execute",
            "inspection.draft",
            "inspection.attach",
            "inspection.submit",
            "inspection.review",
        ] {
            assert!(actions.contains(action), "{action} in {actions:?}");
        }
        assert!(
            !actions.contains("session.login"),
            "only events about the archive's records"
        );

        // A year without draws still archives its lists, and verifies.
        let midong = agency::by_code(db, MIDONG).await.unwrap().unwrap();
        let mut empty = Cursor::new(Vec::new());
        let summary = archive::export(
            db,
            &midong,
            Year::new(2025).unwrap(),
            spotcheck_store::now(),
            &mut empty,
            &|_| {},
        )
        .await
        .unwrap();
        assert_eq!((summary.counts.plans, summary.counts.tasks), (0, 0));
        assert!(matches!(verdict(&empty.into_inner()), Verdict::Intact(_)));
    }
}

#[tokio::test]
async fn every_change_to_an_archive_is_found_and_named() {
    for t in all_backends().await {
        let a = archived(&t.db).await;
        let zip = &a.zip;
        let photo = format!("evidence/{}.png", sha256(&a.photo));

        // One byte of the photo changed, the zip written anew (its checksums agree).
        let changed = rewritten(
            zip,
            |name, mut bytes| {
                if name == photo {
                    bytes[100] ^= 0x01;
                }
                Some(bytes)
            },
            &[],
        );
        let p = problem(&changed);
        assert_eq!(p.file, photo);
        assert!(p.what.contains("SHA-256"), "{p}");
        assert!(p.what.contains("the manifest says"), "{p}");

        // A task's status edited, the length kept.
        let edited = rewritten(
            zip,
            |name, bytes| {
                Some(if name == "tasks.jsonl" {
                    String::from_utf8(bytes)
                        .unwrap()
                        .replacen("\"accepted\"", "\"returned\"", 1)
                        .into_bytes()
                } else {
                    bytes
                })
            },
            &[],
        );
        let p = problem(&edited);
        assert_eq!(p.file, "tasks.jsonl");
        assert!(p.what.starts_with("SHA-256"), "{p}");

        // One byte of the photo changed in place: the zip's own checksum fails.
        let mut flipped = zip.clone();
        let at = flipped
            .windows(8)
            .position(|w| w == b"\x89PNG\r\n\x1a\n")
            .unwrap();
        flipped[at + 200] ^= 0x01;
        let p = problem(&flipped);
        assert_eq!(p.file, photo);
        assert!(p.what.contains("cannot be read"), "{p}");

        // A file dropped.
        let dropped = rewritten(zip, |name, b| (name != "tasks.jsonl").then_some(b), &[]);
        let p = problem(&dropped);
        assert_eq!(p.file, "tasks.jsonl");
        assert!(p.what.contains("missing"), "{p}");

        // A file added.
        let added = rewritten(zip, |_, b| Some(b), &[("notes.txt", b"added later")]);
        let p = problem(&added);
        assert_eq!(p.file, "notes.txt");
        assert!(p.what.contains("not in the manifest"), "{p}");

        // The manifest edited.
        let edited = rewritten(
            zip,
            |name, bytes| {
                Some(if name == "manifest.json" {
                    String::from_utf8(bytes)
                        .unwrap()
                        .replace("\"year\": 2026", "\"year\": 2025")
                        .into_bytes()
                } else {
                    bytes
                })
            },
            &[],
        );
        let p = problem(&edited);
        assert_eq!(p.file, "manifest.json");
        assert!(p.what.contains("manifest.sha256"), "{p}");

        // A forged draw with a manifest made to match: drawing again tells.
        let path = draw_path(&a.record);
        let mut forged: serde_json::Value = serde_json::from_slice(&entry(zip, &path)).unwrap();
        let other = forged["input"]["population"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["id"].clone())
            .find(|id| {
                !forged["output"]["selected"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|s| &s["unit"] == id)
            })
            .unwrap();
        forged["output"]["selected"][0]["unit"] = other;
        let forged = serde_json::to_vec_pretty(&forged).unwrap();
        let mut m = manifest(zip);
        let f = m.files.iter_mut().find(|f| f.path == path).unwrap();
        f.size = forged.len() as u64;
        f.sha256 = sha256(&forged);
        let m = serde_json::to_vec_pretty(&m).unwrap();
        let m_sha = format!("{}  manifest.json\n", sha256(&m));
        let consistent = rewritten(
            zip,
            |name, bytes| {
                Some(match name {
                    n if n == path => forged.clone(),
                    "manifest.json" => m.clone(),
                    "manifest.sha256" => m_sha.clone().into_bytes(),
                    _ => bytes,
                })
            },
            &[],
        );
        let p = problem(&consistent);
        assert_eq!(p.file, path);
        assert!(p.what.contains("does not verify"), "{p}");

        // Not a zip at all.
        assert!(archive::verify(Cursor::new(b"not a zip".to_vec()), &|_| {}).is_err());
    }
}

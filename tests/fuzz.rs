//! Hostile input, fuzzed with proptest: arbitrary bytes and mangled records into the NDJSON and
//! CSV importers (the CLI parser's fuzzer lives with the CLI, in `src/cli/mod.rs`). Nothing panics, every record gets
//! one result, nothing is half-billed, the ledger's invariants hold; on both storage engines.
//! `cargo xtask fuzz` runs many more cases (PROPTEST_CASES).

mod common;

use std::cell::RefCell;

use common::Backend;
use faxcredit::import::{import_reader, Format};
use faxcredit::Db;
use proptest::prelude::*;

/// `default` cases per property (PROPTEST_CASES if set); a quarter as many on PostgreSQL, where
/// every record is a few round trips to the server.
fn cases(backend: &Backend, default: u32) -> ProptestConfig {
    let n = std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(default);
    let n = match backend {
        Backend::Sqlite => n,
        Backend::Postgres(_) => (n / 4).max(1),
    };
    ProptestConfig { cases: n, failure_persistence: None, ..ProptestConfig::default() }
}

/// Records that look right and then are spoiled: a field dropped, a type changed, bytes cut.
fn mangled_record() -> impl Strategy<Value = String> {
    let field = prop_oneof![
        Just(r#""id":"F1""#.to_string()),
        "[a-z0-9]{0,12}".prop_map(|s| format!(r#""id":"{s}""#)),
        Just(r#""userId":"bob""#.to_string()),
        Just(r#""userId":"nobody""#.to_string()),
        "[+0-9 ()-]{0,20}".prop_map(|s| format!(r#""destinationFax":"{s}""#)),
        Just(r#""submitTime":"2026-11-24T09:00:00Z""#.to_string()),
        ".{0,30}".prop_map(|s| format!(r#""submitTime":{}"#, serde_json::to_string(&s).unwrap())),
        (-5i64..20000).prop_map(|n| format!(r#""pagesSent":{n}"#)),
        (-5i64..50).prop_map(|n| format!(r#""pagesSubmitted":{n}"#)),
        (-100i64..100000).prop_map(|n| format!(r#""duration":{n}"#)),
        "[-0-9.e]{0,12}".prop_map(|s| format!(r#""costPerUnit":"{s}""#)),
        "[-0-9.e]{0,12}".prop_map(|s| format!(r#""units":"{s}""#)),
        (-3i64..3).prop_map(|n| format!(r#""status":{n}"#)),
        ".{0,40}".prop_map(|s| format!(r#""subject":{}"#, serde_json::to_string(&s).unwrap())),
        Just(r#""pagesSent":null"#.to_string()),
        Just(r#""pagesSent":[1,2]"#.to_string()),
        // InterFAX's own shapes: numeric ids, offset-less times, `00` numbers, numbers written
        // 1.00 / 0.1500 / 0.3, in-process placeholders, nulls, extra fields, senders never seen.
        (0u32..1_000_000_000).prop_map(|n| format!(r#""id":{n}"#)),
        "[a-z][a-z.]{0,10}".prop_map(|s| format!(r#""userId":"{s}""#)),
        "00[1-9][0-9]{6,12}".prop_map(|s| format!(r#""destinationFax":"{s}""#)),
        Just(r#""submitTime":"2024-03-05T14:22:41""#.to_string()),
        Just(r#""completionTime":"2024-03-05T14:22:37""#.to_string()),
        Just(r#""completionTime":"0001-01-01T00:00:00""#.to_string()),
        Just(r#""submitTime":"2024-03-05T15:22:41+01:00""#.to_string()),
        prop_oneof![Just("1.00"), Just("0"), Just("0.3"), Just("2.50")].prop_map(|s| format!(r#""units":{s}"#)),
        prop_oneof![Just("0.1500"), Just("0.3"), Just("0.1")].prop_map(|s| format!(r#""costPerUnit":{s}"#)),
        (-5i64..0).prop_map(|n| format!(r#""status":{n}"#)),
        Just(r#""subject":null"#.to_string()),
        Just(
            r#""contact":null,"replyEmail":null,"priority":2,"uri":"https://rest.interfax.net/outbound/faxes/1""#
                .to_string()
        ),
    ];
    (prop::collection::vec(field, 0..9), 0usize..200).prop_map(|(fields, cut)| {
        let s = format!("{{{}}}", fields.join(","));
        if cut > 0 && cut < s.len() && s.is_char_boundary(s.len() - cut.min(s.len())) && cut % 7 == 0 {
            s[..s.len() - cut].to_string()
        } else {
            s
        }
    })
}

/// One account (users hashed once), copied for every case.
/// The template account: a prepaid account with a 50.00 card.
fn funded(mut s: common::TestDb) -> common::TestDb {
    faxcredit::ledger::apply_card(&mut s.db, common::dec("50.00"), common::dec("0"), common::t("2026-11-01T00:00:00Z"))
        .unwrap();
    s
}

fn template() -> &'static std::path::Path {
    static T: std::sync::OnceLock<(tempfile::TempDir, std::path::PathBuf)> = std::sync::OnceLock::new();
    &T.get_or_init(|| {
        let s = funded(common::prepaid());
        s.db.sqlite().unwrap().execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
        let path = s.path();
        drop(s.db);
        (s.dir, path)
    })
    .1
}

/// Where a property's cases import. On SQLite each case gets a fresh copy of the template
/// account (a file copy). On PostgreSQL, where a new schema takes about a second, every case of
/// the property imports into one account like the template's: a case leaves it sound, and the
/// checks read it by difference, so the records of earlier cases are simply part of the ledger
/// the next case meets (its ids may be billed already, its card may have run out).
enum Ledgers {
    Copies,
    Shared(Box<common::TestDb>),
}

impl Ledgers {
    fn on(backend: &Backend) -> RefCell<Ledgers> {
        RefCell::new(match backend {
            Backend::Sqlite => Ledgers::Copies,
            Backend::Postgres(_) => {
                let s = funded(common::prepaid_on(backend));
                Ledgers::Shared(Box::new(s))
            }
        })
    }

    /// Runs `case` on this case's ledger.
    fn with<R>(&mut self, case: impl FnOnce(&mut Db) -> R) -> R {
        match self {
            Ledgers::Copies => {
                let dir = tempfile::tempdir().unwrap();
                let path = dir.path().join("case.db");
                std::fs::copy(template(), &path).unwrap();
                case(&mut Db::open(&path).unwrap())
            }
            Ledgers::Shared(s) => case(&mut s.db),
        }
    }
}

/// The faxes billed and what they cost, in storage units.
fn faxes_and_cost(db: &Db) -> (i64, i64) {
    db.conn()
        .query_row("SELECT count(*), coalesce(sum(cost), 0) FROM faxes", &[], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
}

fn run_import(ledgers: &RefCell<Ledgers>, bytes: &[u8], format: Format) {
    ledgers.borrow_mut().with(|db| import_on(db, bytes, format));
}

fn import_on(db: &mut Db, bytes: &[u8], format: Format) {
    let now = common::t("2026-11-24T10:00:00Z");
    let mut results = 0u64;
    let (faxes_before, cost_before) = faxes_and_cost(db);
    let r = import_reader(db, bytes, format, now, &mut |_| results += 1);
    if let Ok(summary) = r {
        assert_eq!(summary.records, results, "every record gets one result");
        let (faxes, cost) = faxes_and_cost(db);
        assert_eq!(
            (faxes - faxes_before) as u64,
            summary.billed,
            "billed = faxes new in the ledger; pending and summaries add none"
        );
        assert_eq!(
            summary.amount_billed,
            faxcredit::money::from_units(cost - cost_before),
            "the money billed is the new faxes' cost"
        );
        let idle_senders: i64 = db
            .conn()
            .query_row(
                "SELECT count(*) FROM users u WHERE password_hash IS NULL
                 AND NOT EXISTS (SELECT 1 FROM faxes f WHERE f.user_id = u.id)",
                &[],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(idle_senders, 0, "a sender is registered only with a billed fax");
        common::assert_sound(db);
        // The same input again bills nothing: what was billed exists, the rest is as it was.
        let cards = faxcredit::ledger::cards(db).unwrap();
        let again = import_reader(db, bytes, format, now, &mut |_| {}).unwrap();
        assert_eq!((again.records, again.billed), (summary.records, 0));
        assert_eq!(again.pending, summary.pending, "a fax in process stays pending");
        assert_eq!(faxcredit::ledger::cards(db).unwrap(), cards);
    }
    common::assert_sound(db);
}

/// One fax as InterFAX knows it, with the variations real logs have: senders never seen (and
/// one in another case), `00` numbers (one malformed), skewed clocks (some beyond the 10 minutes
/// accepted), offset-less times, offsets, numbers written 1.00 / 0.1500 / 0.3, null subjects,
/// failed and in-process statuses. Ids come from a small pool, so two faxes may share one.
#[derive(Debug, Clone)]
struct InterfaxFax {
    id: u8,
    quoted_id: bool,
    user: &'static str,
    dest: &'static str,
    at: i64,
    skew: i64,
    zone: &'static str,
    status: i64,
    pages: i64,
    price: Option<(&'static str, &'static str)>,
    subject: &'static str,
}

fn interfax_fax() -> impl Strategy<Value = InterfaxFax> {
    let who = (
        0u8..6,
        any::<bool>(),
        prop_oneof![Just("bob"), Just("jsmith"), Just("acct.payable"), Just("JSmith"), Just("m-kowalski@harbor")],
        prop_oneof![
            Just("0012125550147"),
            Just("00442079460321"),
            Just("0061291234567"),
            Just("+1 (212) 555-0100"),
            Just("0012125550147x")
        ],
    );
    let when = (0i64..86_400, -700i64..30, prop_oneof![Just(""), Just("Z"), Just("+00:00")]);
    let what = (
        prop_oneof![6 => Just(0i64), 1 => Just(-2i64), 1 => Just(3931i64)],
        0i64..6,
        proptest::option::of((
            prop_oneof![Just("1.00"), Just("2"), Just("0.3"), Just("0"), Just("2.50"), Just("400")],
            prop_oneof![Just("0.1500"), Just("0.1"), Just("0.3"), Just("0.0725")],
        )),
        prop_oneof![Just("null"), Just(r#""Purchase order 4471""#), Just(r#""Relev\u00e9 \"mars\"""#)],
    );
    (who, when, what).prop_map(|((id, quoted_id, user, dest), (at, skew, zone), (status, pages, price, subject))| {
        InterfaxFax { id, quoted_id, user, dest, at, skew, zone, status, pages, price, subject }
    })
}

/// How a fax appears in a log: 0 the `completed` endpoint's summary, 1 the full record, 2 the
/// full record with its fields in another order, 3 a snapshot taken while it was in process.
fn interfax_view(f: &InterfaxFax, view: u8) -> String {
    let time = |secs: i64| {
        let t = chrono::DateTime::from_timestamp(1_709_596_800 + secs, 0).unwrap();
        format!("{}{}", t.format("%Y-%m-%dT%H:%M:%S"), f.zone)
    };
    let id = if f.quoted_id { format!(r#""66182920{}""#, f.id) } else { format!("66182920{}", f.id) };
    let status = if view == 3 { -3 } else { f.status };
    let in_process = status < 0;
    let completion = if in_process { "0001-01-01T00:00:00".to_string() } else { time(f.at + f.skew) };
    let mut fields = vec![
        format!(r#""id":{id}"#),
        format!(r#""uri":"https://rest.interfax.net/outbound/faxes/66182920{}""#, f.id),
        format!(r#""status":{status}"#),
        format!(r#""userId":"{}""#, f.user),
        format!(r#""pagesSent":{}"#, if in_process { 0 } else { f.pages }),
        format!(r#""completionTime":"{completion}""#),
        format!(r#""duration":{}"#, if in_process { 0 } else { f.pages * 37 }),
        r#""priority":2,"remoteCSID":null"#.to_string(),
        format!(r#""attemptsMade":{}"#, u8::from(!in_process)),
    ];
    if let Some((units, cpu)) = f.price {
        fields.push(format!(r#""units":{}"#, if in_process { "0" } else { units }));
        fields.push(format!(r#""costPerUnit":{cpu}"#));
    }
    if view != 0 {
        fields.push(format!(r#""submitTime":"{}""#, time(f.at)));
        fields.push(format!(r#""destinationFax":"{}""#, f.dest));
        fields.push(format!(r#""pagesSubmitted":{}"#, f.pages.max(1)));
        fields.push(format!(r#""subject":{}"#, f.subject));
        fields.push(r#""contact":null,"replyEmail":null,"pageSize":"A4","rendering":"Greyscale""#.to_string());
    }
    if view == 2 {
        fields.reverse();
    }
    format!("{{{}}}", fields.join(","))
}

/// A log: a few faxes, each seen any number of times in any of its views, in any order.
fn interfax_log() -> impl Strategy<Value = Vec<String>> {
    (prop::collection::vec(interfax_fax(), 1..8), prop::collection::vec((any::<prop::sample::Index>(), 0u8..4), 0..40))
        .prop_map(|(faxes, views)| {
            views.iter().map(|(i, view)| interfax_view(&faxes[i.index(faxes.len())], *view)).collect()
        })
}

fn interfax_record() -> impl Strategy<Value = String> {
    (interfax_fax(), 0u8..4).prop_map(|(f, view)| interfax_view(&f, view))
}

/// The same record as a CSV row under `header`: the fields the header names, and a value in
/// each column the ledger does not know (`x-…`).
fn csv_row(record: &str, header: &[&str]) -> String {
    let v: serde_json::Value = serde_json::from_str(record).unwrap();
    let cell = |name: &str| -> String {
        let text = match v.get(name) {
            None | Some(serde_json::Value::Null) => String::new(),
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        };
        if text.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", text.replace('"', "\"\""))
        } else {
            text
        }
    };
    header
        .iter()
        .map(|h| if h.starts_with("x-") { "whatever".to_string() } else { cell(h) })
        .collect::<Vec<_>>()
        .join(",")
}

on_both! {
    fn ndjson_import_survives_arbitrary_bytes(backend) {
        let ledgers = Ledgers::on(&backend);
        proptest!(cases(&backend, 64), |(bytes in prop::collection::vec(any::<u8>(), 0..2048))| {
            run_import(&ledgers, &bytes, Format::Ndjson);
        });
    }
}

on_both! {
    fn csv_import_survives_arbitrary_bytes(backend) {
        let ledgers = Ledgers::on(&backend);
        proptest!(cases(&backend, 64), |(bytes in prop::collection::vec(any::<u8>(), 0..2048))| {
            run_import(&ledgers, &bytes, Format::Csv);
        });
    }
}

on_both! {
    fn ndjson_import_takes_mangled_records_one_by_one(backend) {
        let ledgers = Ledgers::on(&backend);
        proptest!(cases(&backend, 64), |(lines in prop::collection::vec(mangled_record(), 0..40))| {
            run_import(&ledgers, lines.join("\n").as_bytes(), Format::Ndjson);
        });
    }
}

on_both! {
    fn csv_import_takes_mangled_rows_one_by_one(backend) {
        let ledgers = Ledgers::on(&backend);
        proptest!(
            cases(&backend, 64),
            |(rows in prop::collection::vec(prop::collection::vec("[^\n]{0,12}", 0..8), 0..30))| {
                let mut text = String::from("id,userId,destinationFax,submitTime,pagesSent,costPerUnit,units\n");
                for r in rows {
                    text.push_str(&r.join(","));
                    text.push('\n');
                }
                run_import(&ledgers, text.as_bytes(), Format::Csv);
            }
        );
    }
}

on_both! {
    fn ndjson_import_takes_interfax_logs_as_they_are(backend) {
        let ledgers = Ledgers::on(&backend);
        proptest!(cases(&backend, 64), |(lines in interfax_log())| {
            run_import(&ledgers, lines.join("\n").as_bytes(), Format::Ndjson);
        });
    }
}

/// Every line that is a JSON value but not an object: an array of the record's values (what
/// serde would read by position), the record in an array, a number, null.
fn not_objects_among_records() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(
        prop_oneof![
            3 => interfax_record(),
            1 => interfax_record().prop_map(|r| format!("[{r}]")),
            1 => interfax_record().prop_map(|r| {
                let v: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&r).unwrap();
                serde_json::to_string(&v.values().collect::<Vec<_>>()).unwrap()
            }),
            1 => any::<u32>().prop_map(|n| n.to_string()),
            1 => Just("null".to_string()),
        ],
        0..30,
    )
}

on_both! {
    fn ndjson_import_refuses_every_json_value_that_is_not_an_object(backend) {
        let ledgers = Ledgers::on(&backend);
        proptest!(cases(&backend, 64), |(lines in not_objects_among_records())| {
            let refused = ledgers.borrow_mut().with(|db| {
                let mut refused = Vec::new();
                let now = common::t("2026-11-24T10:00:00Z");
                import_reader(db, lines.join("\n").as_bytes(), Format::Ndjson, now, &mut |r| {
                    if r.message.as_deref().is_some_and(|m| m.contains("a fax record is a JSON object, not")) {
                        refused.push(r.line as usize - 1);
                    }
                })
                .unwrap();
                common::assert_sound(db);
                refused
            });
            let not_objects: Vec<usize> =
                lines.iter().enumerate().filter(|(_, l)| !l.starts_with('{')).map(|(i, _)| i).collect();
            prop_assert_eq!(refused, not_objects);
        });
    }
}

on_both! {
    fn csv_import_takes_interfax_columns_in_any_order_with_unknown_ones(backend) {
        let ledgers = Ledgers::on(&backend);
        let header = Just(vec![
            "id", "uri", "status", "userId", "destinationFax", "submitTime", "completionTime", "pagesSubmitted",
            "pagesSent", "duration", "units", "costPerUnit", "subject", "attemptsMade", "x-senderCSID", "x-priority",
        ])
        .prop_shuffle();
        proptest!(cases(&backend, 64), |(lines in interfax_log(), header in header)| {
            let mut text = header.join(",");
            text.push_str("\r\n");
            for l in &lines {
                text.push_str(&csv_row(l, &header));
                text.push_str("\r\n");
            }
            run_import(&ledgers, text.as_bytes(), Format::Csv);
        });
    }
}

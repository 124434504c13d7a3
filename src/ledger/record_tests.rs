//! The record rules, each named by its behaviour.

use super::*;

fn raw() -> RawFax {
    RawFax {
        id: Some("F-1".into()),
        user_id: Some("bob".into()),
        destination_fax: Some("+1 212 555 0100".into()),
        submit_time: Some("2026-11-24T09:00:00Z".into()),
        pages_sent: Some("3".into()),
        ..RawFax::default()
    }
}

#[test]
fn reads_interfax_json_with_exact_decimals() {
    let r = RawFax::from_json(
        r#"{"id":123456,"userId":"bob","destinationFax":"0012125550100","submitTime":"2026-11-24T09:00:00",
           "pagesSubmitted":3,"pagesSent":3,"duration":61,"units":3,"costPerUnit":0.0725,"status":0,
           "subject":"Invoice","attemptsMade":1,"messageSize":1234}"#,
    )
    .unwrap();
    let f = r.validate().unwrap();
    assert_eq!(f.id, "123456");
    assert_eq!(f.cost_per_unit.unwrap().to_string(), "0.0725");
    assert_eq!(f.destination, "+12125550100");
    assert_eq!(f.attempts_made, Some(1));
}

#[test]
fn json_strings_are_their_text_and_escapes_are_decoded() {
    let r = RawFax::from_json(
        r#"{"id":"F-1","userId":"b\u006fb","subject":"say \"hi\", caf\u00e9\ttab","destinationFax":"+1"}"#,
    )
    .unwrap();
    assert_eq!(r.id.as_deref(), Some("F-1"));
    assert_eq!(r.user_id.as_deref(), Some("bob"));
    assert_eq!(r.subject.as_deref(), Some("say \"hi\", café\ttab"));
    assert_eq!(r.destination_fax.as_deref(), Some("+1"));
    assert_eq!(RawFax::from_json(r#"{"subject":""}"#).unwrap().subject.as_deref(), Some(""));
    assert!(RawFax::from_json("{\"subject\":\"a\u{1}b\"}").is_err(), "a control character is not JSON");
}

#[test]
fn refuses_absurd_and_malformed_fields_with_their_name() {
    type Mutation = Box<dyn Fn(&mut RawFax)>;
    let cases: Vec<(&str, Mutation)> = vec![
        ("pagesSent", Box::new(|r| r.pages_sent = Some("-1".into()))),
        ("pagesSent", Box::new(|r| r.pages_sent = Some("1000000".into()))),
        ("pagesSent", Box::new(|r| r.pages_sent = Some("three".into()))),
        ("duration", Box::new(|r| r.duration = Some("-5".into()))),
        ("duration", Box::new(|r| r.duration = Some("1e9".into()))),
        ("submitTime", Box::new(|r| r.submit_time = Some("tomorrow".into()))),
        ("destinationFax", Box::new(|r| r.destination_fax = Some("call me".into()))),
        ("userId", Box::new(|r| r.user_id = Some("bob'; DROP TABLE users;--".into()))),
        ("id", Box::new(|r| r.id = Some("=cmd|' /C calc'!A0".into()))),
        ("id", Box::new(|r| r.id = None)),
        (
            "costPerUnit",
            Box::new(|r| {
                r.units = Some("1".into());
                r.cost_per_unit = Some("-0.10".into())
            }),
        ),
        ("units", Box::new(|r| r.cost_per_unit = Some("0.10".into()))),
        ("status", Box::new(|r| r.status = Some("-1".into()))),
        ("subject", Box::new(|r| r.subject = Some("a\u{0}b".into()))),
        ("completionTime", Box::new(|r| r.completion_time = Some("2026-11-24T08:00:00Z".into()))),
    ];
    for (field, mutate) in cases {
        let mut r = raw();
        mutate(&mut r);
        match r.validate() {
            Err(Error::Invalid { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{field}: {other:?}"),
        }
    }
}

#[test]
fn refuses_json_that_is_not_a_record() {
    for bad in ["", "[]", "{\"id\": {}}", "{\"pagesSent\": true}", "nonsense", "{\"id\":\"x\""] {
        let e = RawFax::from_json(bad).map(|r| r.validate());
        assert!(matches!(e, Err(_) | Ok(Err(_))), "{bad}");
    }
}

/// A record as InterFAX's `GET /outbound/faxes/{id}` publishes it.
const INTERFAX: &str = r#"{"id":661829201,"uri":"https://rest.interfax.net/outbound/faxes/661829201","status":0,
    "userId":"jsmith","pagesSubmitted":2,"contact":null,"destinationFax":"00442079460321","replyEmail":null,
    "remoteCSID":"+44 20 7946 0321","pagesSent":2,"completionTime":"2024-03-05T14:22:37","senderCSID":"HARBOR",
    "subject":null,"submitTime":"2024-03-05T14:22:41","units":2.00,"costPerUnit":0.1500,"pageSize":"A4",
    "pageOrientation":"Portrait","resolution":"Fine","pageResolution":"Fine","rendering":"Greyscale",
    "pageHeader":null,"attemptsMade":1,"attemptsToPerform":3,"priority":2,"duration":48}"#;

fn interfax() -> RawFax {
    RawFax::from_json(INTERFAX).unwrap()
}

#[test]
fn reads_a_published_interfax_record_as_it_is() {
    let f = interfax().validate().unwrap();
    assert_eq!(f.id, "661829201");
    assert_eq!(f.user, "jsmith");
    assert_eq!(f.destination, "+442079460321", "the 00 prefix is international");
    assert_eq!(fmt_ts(&f.submit_time), "2024-03-05T14:22:41Z", "no offset is UTC");
    assert_eq!(f.completion_time.map(|t| fmt_ts(&t)).as_deref(), Some("2024-03-05T14:22:37Z"), "as given");
    assert!(f.submit_time_given);
    assert_eq!(f.units, Some(Decimal::new(2, 0)));
    assert_eq!(f.cost_per_unit.map(|c| c.to_string()).as_deref(), Some("0.1500"));
    assert_eq!((f.subject, f.status, f.duration), (None, 0, 48), "null subject, extra fields ignored");
    let third = RawFax::from_json(&INTERFAX.replace("0.1500", "0.3")).unwrap().validate().unwrap();
    assert_eq!(third.cost_per_unit, Some(Decimal::new(3, 1)));
}

#[test]
fn accepts_up_to_ten_minutes_of_clock_skew_and_refuses_more_naming_both_times() {
    let at = |completion: &str| RawFax { completion_time: Some(completion.into()), ..interfax() }.validate();
    assert!(at("2024-03-05T14:12:41").is_ok(), "exactly 10 minutes before");
    let e = at("2024-03-05T14:12:40").unwrap_err();
    let Error::Invalid { field, message } = &e else { panic!("{e:?}") };
    assert_eq!(field, "completionTime");
    assert!(message.contains("2024-03-05T14:12:40Z") && message.contains("2024-03-05T14:22:41Z"), "{message}");
}

#[test]
fn an_in_process_record_is_pending_whatever_its_placeholders_say() {
    let r = RawFax {
        status: Some("-3".into()),
        completion_time: Some("0001-01-01T00:00:00".into()),
        units: Some("0".into()),
        pages_sent: Some("0".into()),
        submit_time: None,
        destination_fax: Some("not a number".into()),
        ..interfax()
    };
    assert_eq!(r.read().unwrap(), Record::InProcess { id: "661829201".into(), status: -3 });
    match r.validate() {
        Err(Error::Invalid { field, message }) => {
            assert_eq!(field, "status");
            assert!(message.contains("still in process"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    // A malformed id is still refused: a pending record must name a fax.
    assert!(RawFax { id: Some("x y".into()), ..r }.read().is_err());
}

#[test]
fn interfax_no_time_placeholder_is_no_completion_time() {
    let f = RawFax { completion_time: Some("0001-01-01T00:00:00".into()), ..interfax() }.validate().unwrap();
    assert_eq!(f.completion_time, None);
}

#[test]
fn a_summary_record_is_partial_and_names_the_first_field_a_new_fax_needs() {
    let summary = RawFax::from_json(
        r#"{"id":661829201,"uri":"https://rest.interfax.net/outbound/faxes/661829201","status":0,"userId":"jsmith",
            "pagesSent":2,"completionTime":"2024-03-05T14:22:37","remoteCSID":"+44","duration":48,"priority":2,
            "units":2.00,"costPerUnit":0.1500,"attemptsMade":1}"#,
    )
    .unwrap();
    let Record::Partial(p) = summary.read().unwrap() else { panic!() };
    assert_eq!(p.missing, "destinationFax");
    let c = p.claims();
    assert_eq!((c.user, c.pages_sent, c.duration, c.status), (Some("jsmith"), Some(2), Some(48), Some(0)));
    assert_eq!((c.destination, c.submit_time, c.pages_submitted, c.subject), (None, None, None, None));
    match summary.validate() {
        Err(Error::Invalid { field, .. }) => assert_eq!(field, "destinationFax"),
        other => panic!("{other:?}"),
    }
    // A field a partial record carries is still checked.
    let bad = RawFax { pages_sent: Some("two".into()), ..summary };
    assert!(matches!(bad.read(), Err(Error::Invalid { field, .. }) if field == "pagesSent"));
}

#[test]
fn a_stamped_submit_time_is_used_but_not_claimed() {
    let now = parse_ts("2026-11-24T10:00:00Z", "t").unwrap();
    let r = RawFax { submit_time: None, ..raw() };
    let Record::Fax(f) = r.read_stamped(now).unwrap() else { panic!() };
    assert_eq!((f.submit_time, f.submit_time_given), (now, false));
    assert_eq!(f.claims().submit_time, None);
    // A time that was given is used and claimed.
    let Record::Fax(g) = raw().read_stamped(now).unwrap() else { panic!() };
    assert!(g.submit_time_given && g.claims().submit_time == Some(g.submit_time) && g.submit_time != now);
    // Without a stamp, no submitTime is a partial record.
    assert!(matches!(r.read().unwrap(), Record::Partial(p) if p.missing == "submitTime"));
}

#[test]
fn refuses_a_json_value_that_is_not_an_object_instead_of_reading_it_by_position() {
    for (bad, what) in [
        (r#"["F-9","bob","+12125550100","2026-11-24T09:00:00Z",null,3,3]"#, "array"),
        ("661829201", "number"),
        ("-1", "number"),
        (r#""{\"id\":1}""#, "string"),
        ("true", "true"),
        ("null", "null"),
    ] {
        match RawFax::from_json(bad) {
            Err(Error::Invalid { field, message }) => {
                assert_eq!(field, "record", "{bad}");
                assert!(message.contains(what), "{bad}: {message}");
            }
            other => panic!("{bad}: {other:?}"),
        }
    }
    assert!(RawFax::from_json("  {\"id\":1}").is_ok(), "leading space before an object");
    let e = RawFax::from_json("this line is not JSON").unwrap_err().to_string();
    assert!(e.contains("not a JSON object") && !e.contains("true"), "{e}");
}

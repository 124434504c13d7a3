//! The rate table: prefixes, pricing and its edits.

use super::*;

#[test]
fn normalizes_the_ways_people_write_fax_numbers() {
    for (given, want) in [
        ("+1 (212) 555-0100", "+12125550100"),
        ("0012125550100", "+12125550100"),
        ("01112125550100", "+12125550100"),
        ("12125550100", "+12125550100"),
        ("+44 20 7946 0000", "+442079460000"),
    ] {
        assert_eq!(normalize_destination(given).unwrap(), want, "{given}");
    }
}

#[test]
fn refuses_malformed_fax_numbers() {
    for bad in [
        "",
        "+",
        "12345",
        "abc",
        "+1 212 555 0100 ext 4",
        "1234567890123456789",
        "+0123456789",
        "'; DROP TABLE faxes;--",
        "=HYPERLINK(1)",
    ] {
        assert!(normalize_destination(bad).is_err(), "{bad:?} accepted");
    }
}

#[test]
fn picks_the_longest_matching_prefix() {
    let db = {
        let mut db = Db::in_memory().unwrap();
        db.write(insert_defaults).unwrap();
        db
    };
    let t = RateTable::load(db.conn()).unwrap();
    assert_eq!(t.find("12125550100").unwrap().label, "US and Canada");
    assert_eq!(t.find("353123456789").unwrap().prefix, "353");
    assert_eq!(t.find("35512345678").unwrap().prefix, "");
    assert_eq!(t.find("61299999999").unwrap().unit, Unit::TenthMinute);
}

#[test]
fn counts_started_tenths_of_a_minute() {
    assert_eq!(units_for(Unit::TenthMinute, 3, 0).to_string(), "0.0");
    assert_eq!(units_for(Unit::TenthMinute, 3, 1).to_string(), "0.1");
    assert_eq!(units_for(Unit::TenthMinute, 3, 6).to_string(), "0.1");
    assert_eq!(units_for(Unit::TenthMinute, 3, 61).to_string(), "1.1");
    assert_eq!(units_for(Unit::Page, 3, 61).to_string(), "3");
}

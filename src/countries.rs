//! Countries by their international calling code (ITU-T E.164 assignments, as the ITU's list of
//! country codes publishes them), for the spend report and the rate table's labels. A number is
//! `+` and digits; the longest code that starts it wins (`+1` is the North American Numbering
//! Plan, `+353` Ireland, `+7 7…` Kazakhstan within Russia's `+7`).

use serde::Serialize;

/// A destination's country, or the shared service an E.164 code is given to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Country {
    /// The calling code's digits, without `+`.
    pub code: &'static str,
    pub name: &'static str,
}

/// What a number that no code covers is filed under (no assigned code starts with 0; a real
/// number always matches one of the codes below, but a rate prefix may not).
pub const UNKNOWN: Country = Country { code: "", name: "Unknown destination" };

/// Every assigned country code, with its country or service. Where several countries share a
/// code (NANP's +1, +262, +590, +599), the name says so.
const CODES: &[(&str, &str)] = &[
    ("1", "North America (NANP: US, Canada, Caribbean)"),
    ("20", "Egypt"),
    ("211", "South Sudan"),
    ("212", "Morocco"),
    ("213", "Algeria"),
    ("216", "Tunisia"),
    ("218", "Libya"),
    ("220", "Gambia"),
    ("221", "Senegal"),
    ("222", "Mauritania"),
    ("223", "Mali"),
    ("224", "Guinea"),
    ("225", "Côte d'Ivoire"),
    ("226", "Burkina Faso"),
    ("227", "Niger"),
    ("228", "Togo"),
    ("229", "Benin"),
    ("230", "Mauritius"),
    ("231", "Liberia"),
    ("232", "Sierra Leone"),
    ("233", "Ghana"),
    ("234", "Nigeria"),
    ("235", "Chad"),
    ("236", "Central African Republic"),
    ("237", "Cameroon"),
    ("238", "Cabo Verde"),
    ("239", "São Tomé and Príncipe"),
    ("240", "Equatorial Guinea"),
    ("241", "Gabon"),
    ("242", "Congo"),
    ("243", "DR Congo"),
    ("244", "Angola"),
    ("245", "Guinea-Bissau"),
    ("246", "Diego Garcia"),
    ("247", "Ascension"),
    ("248", "Seychelles"),
    ("249", "Sudan"),
    ("250", "Rwanda"),
    ("251", "Ethiopia"),
    ("252", "Somalia"),
    ("253", "Djibouti"),
    ("254", "Kenya"),
    ("255", "Tanzania"),
    ("256", "Uganda"),
    ("257", "Burundi"),
    ("258", "Mozambique"),
    ("260", "Zambia"),
    ("261", "Madagascar"),
    ("262", "Réunion and Mayotte"),
    ("263", "Zimbabwe"),
    ("264", "Namibia"),
    ("265", "Malawi"),
    ("266", "Lesotho"),
    ("267", "Botswana"),
    ("268", "Eswatini"),
    ("269", "Comoros"),
    ("27", "South Africa"),
    ("290", "Saint Helena and Tristan da Cunha"),
    ("291", "Eritrea"),
    ("297", "Aruba"),
    ("298", "Faroe Islands"),
    ("299", "Greenland"),
    ("30", "Greece"),
    ("31", "Netherlands"),
    ("32", "Belgium"),
    ("33", "France"),
    ("34", "Spain"),
    ("350", "Gibraltar"),
    ("351", "Portugal"),
    ("352", "Luxembourg"),
    ("353", "Ireland"),
    ("354", "Iceland"),
    ("355", "Albania"),
    ("356", "Malta"),
    ("357", "Cyprus"),
    ("358", "Finland"),
    ("359", "Bulgaria"),
    ("36", "Hungary"),
    ("370", "Lithuania"),
    ("371", "Latvia"),
    ("372", "Estonia"),
    ("373", "Moldova"),
    ("374", "Armenia"),
    ("375", "Belarus"),
    ("376", "Andorra"),
    ("377", "Monaco"),
    ("378", "San Marino"),
    ("379", "Vatican City"),
    ("380", "Ukraine"),
    ("381", "Serbia"),
    ("382", "Montenegro"),
    ("383", "Kosovo"),
    ("385", "Croatia"),
    ("386", "Slovenia"),
    ("387", "Bosnia and Herzegovina"),
    ("389", "North Macedonia"),
    ("39", "Italy"),
    // The Vatican's numbers are in Italy's plan.
    ("3906698", "Vatican City"),
    ("40", "Romania"),
    ("41", "Switzerland"),
    ("420", "Czechia"),
    ("421", "Slovakia"),
    ("423", "Liechtenstein"),
    ("43", "Austria"),
    ("44", "United Kingdom"),
    ("45", "Denmark"),
    ("46", "Sweden"),
    ("47", "Norway"),
    ("48", "Poland"),
    ("49", "Germany"),
    ("500", "Falkland Islands"),
    ("501", "Belize"),
    ("502", "Guatemala"),
    ("503", "El Salvador"),
    ("504", "Honduras"),
    ("505", "Nicaragua"),
    ("506", "Costa Rica"),
    ("507", "Panama"),
    ("508", "Saint Pierre and Miquelon"),
    ("509", "Haiti"),
    ("51", "Peru"),
    ("52", "Mexico"),
    ("53", "Cuba"),
    ("54", "Argentina"),
    ("55", "Brazil"),
    ("56", "Chile"),
    ("57", "Colombia"),
    ("58", "Venezuela"),
    ("590", "Guadeloupe, Saint Barthélemy and Saint Martin"),
    ("591", "Bolivia"),
    ("592", "Guyana"),
    ("593", "Ecuador"),
    ("594", "French Guiana"),
    ("595", "Paraguay"),
    ("596", "Martinique"),
    ("597", "Suriname"),
    ("598", "Uruguay"),
    ("599", "Curaçao and the Caribbean Netherlands"),
    ("60", "Malaysia"),
    ("61", "Australia"),
    ("62", "Indonesia"),
    ("63", "Philippines"),
    ("64", "New Zealand"),
    ("65", "Singapore"),
    ("66", "Thailand"),
    ("670", "Timor-Leste"),
    ("672", "Norfolk Island and Australian Antarctic Territory"),
    ("673", "Brunei"),
    ("674", "Nauru"),
    ("675", "Papua New Guinea"),
    ("676", "Tonga"),
    ("677", "Solomon Islands"),
    ("678", "Vanuatu"),
    ("679", "Fiji"),
    ("680", "Palau"),
    ("681", "Wallis and Futuna"),
    ("682", "Cook Islands"),
    ("683", "Niue"),
    ("685", "Samoa"),
    ("686", "Kiribati"),
    ("687", "New Caledonia"),
    ("688", "Tuvalu"),
    ("689", "French Polynesia"),
    ("690", "Tokelau"),
    ("691", "Micronesia"),
    ("692", "Marshall Islands"),
    ("7", "Russia"),
    ("76", "Kazakhstan"),
    ("77", "Kazakhstan"),
    ("800", "International Freephone"),
    ("808", "International Shared Cost Service"),
    ("81", "Japan"),
    ("82", "South Korea"),
    ("84", "Vietnam"),
    ("850", "North Korea"),
    ("852", "Hong Kong"),
    ("853", "Macao"),
    ("855", "Cambodia"),
    ("856", "Laos"),
    ("86", "China"),
    ("870", "Inmarsat"),
    ("878", "Universal Personal Telecommunications"),
    ("880", "Bangladesh"),
    ("881", "Global Mobile Satellite System"),
    ("882", "International Networks"),
    ("883", "International Networks"),
    ("886", "Taiwan"),
    ("888", "Telecommunications for Disaster Relief (OCHA)"),
    ("90", "Turkey"),
    ("91", "India"),
    ("92", "Pakistan"),
    ("93", "Afghanistan"),
    ("94", "Sri Lanka"),
    ("95", "Myanmar"),
    ("960", "Maldives"),
    ("961", "Lebanon"),
    ("962", "Jordan"),
    ("963", "Syria"),
    ("964", "Iraq"),
    ("965", "Kuwait"),
    ("966", "Saudi Arabia"),
    ("967", "Yemen"),
    ("968", "Oman"),
    ("970", "Palestine"),
    ("971", "United Arab Emirates"),
    ("972", "Israel"),
    ("973", "Bahrain"),
    ("974", "Qatar"),
    ("975", "Bhutan"),
    ("976", "Mongolia"),
    ("977", "Nepal"),
    ("979", "International Premium Rate Service"),
    ("98", "Iran"),
    ("991", "International Telecommunications Public Correspondence Service"),
    ("992", "Tajikistan"),
    ("993", "Turkmenistan"),
    ("994", "Azerbaijan"),
    ("995", "Georgia"),
    ("996", "Kyrgyzstan"),
    ("998", "Uzbekistan"),
];

/// The longest code in the table.
const LONGEST: usize = 7;

/// The country of an international number (`+442079460000` or its digits): the longest
/// calling code that starts it; [`UNKNOWN`] when none does.
pub fn country_of(number: &str) -> Country {
    let digits = number.trim_start_matches('+');
    (1..=LONGEST.min(digits.len()))
        .rev()
        .find_map(|n| {
            let head = &digits[..n];
            CODES.iter().find(|(code, _)| *code == head).map(|&(code, name)| Country { code, name })
        })
        .unwrap_or(UNKNOWN)
}

/// The country of a calling code given exactly (`"44"`), if it is one.
pub fn by_code(code: &str) -> Option<Country> {
    CODES.iter().find(|(c, _)| *c == code).map(|&(code, name)| Country { code, name })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_calling_code_wins() {
        for (number, code, name) in [
            ("+12125550100", "1", "North America (NANP: US, Canada, Caribbean)"),
            ("+16135550100", "1", "North America (NANP: US, Canada, Caribbean)"),
            ("+442079460000", "44", "United Kingdom"),
            ("+4930123456", "49", "Germany"),
            ("+35312345678", "353", "Ireland"),
            ("+3512134567", "351", "Portugal"),
            ("+74951234567", "7", "Russia"),
            ("+77172123456", "77", "Kazakhstan"),
            ("+390669812345", "3906698", "Vatican City"),
            ("+390612345678", "39", "Italy"),
            ("+61299999999", "61", "Australia"),
            ("+85212345678", "852", "Hong Kong"),
            ("+97142222222", "971", "United Arab Emirates"),
            ("+27211234567", "27", "South Africa"),
            ("+2971234567", "297", "Aruba"),
        ] {
            let c = country_of(number);
            assert_eq!((c.code, c.name), (code, name), "{number}");
        }
    }

    #[test]
    fn a_number_of_no_assigned_code_is_unknown() {
        // 28x, 42[2-9] without 423, 80[1-7] and 999 are spare or reserved codes.
        for n in ["+2851234567", "+4221234567", "+8011234567", "+9991234567", ""] {
            assert_eq!(country_of(n), UNKNOWN, "{n}");
        }
    }

    #[test]
    fn every_code_is_digits_and_listed_once() {
        let mut seen = std::collections::HashSet::new();
        for (code, name) in CODES {
            assert!(!code.is_empty() && code.len() <= LONGEST && code.bytes().all(|b| b.is_ascii_digit()), "{code}");
            assert!(!code.starts_with('0'), "{code}");
            assert!(!name.is_empty());
            assert!(seen.insert(*code), "{code} twice");
        }
        // Zone 1 is one code; no other code may start with 1 (NANP covers them all).
        assert!(CODES.iter().all(|(c, _)| *c == "1" || !c.starts_with('1')));
    }
}

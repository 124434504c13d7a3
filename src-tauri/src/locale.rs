//! The locale the person's session asks for numbers, from the POSIX environment (`LC_ALL`, then
//! `LC_MONETARY`, then `LANG`), as a BCP 47 tag for the page's `Intl` formatting. The variables
//! are read as text: the locale does not need to be installed for the C library, and the
//! webview's own language (which falls back to en-US when it is not) is only a fallback.

/// `Some("de-DE")` for `de_DE.UTF-8`; `Some("C")` for the C or POSIX locale (a bare session:
/// the page then writes amounts as the account's currency is usually written); `None` when the
/// environment says nothing (Windows, macOS apps), and the page asks the webview.
pub fn env_locale(var: impl Fn(&str) -> Option<String>) -> Option<String> {
    let value = ["LC_ALL", "LC_MONETARY", "LANG"].iter().find_map(|k| var(k).filter(|v| !v.trim().is_empty()))?;
    Some(to_bcp47(&value))
}

fn to_bcp47(posix: &str) -> String {
    // language[_territory][.codeset][@modifier]
    let base = posix.split(['.', '@']).next().unwrap_or("").trim();
    if base.is_empty() || base.eq_ignore_ascii_case("C") || base.eq_ignore_ascii_case("POSIX") {
        return "C".into();
    }
    let mut parts = base.split(['_', '-']);
    let lang = parts.next().unwrap_or("").to_ascii_lowercase();
    let ok = |s: &str, n: std::ops::RangeInclusive<usize>| {
        n.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric())
    };
    if !ok(&lang, 2..=3) {
        return "C".into();
    }
    match parts.next() {
        Some(region) if ok(region, 2..=3) => format!("{lang}-{}", region.to_ascii_uppercase()),
        _ => lang,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
    }

    #[test]
    fn reads_the_session_locale_as_a_language_tag() {
        assert_eq!(env_locale(env(&[("LANG", "de_DE.UTF-8")])).as_deref(), Some("de-DE"));
        assert_eq!(
            env_locale(env(&[("LANG", "fr_FR.UTF-8"), ("LC_MONETARY", "en_GB.UTF-8")])).as_deref(),
            Some("en-GB")
        );
        assert_eq!(env_locale(env(&[("LC_ALL", "sr_RS@latin"), ("LANG", "en_US.UTF-8")])).as_deref(), Some("sr-RS"));
        assert_eq!(env_locale(env(&[("LANG", "C.UTF-8")])).as_deref(), Some("C"));
        assert_eq!(env_locale(env(&[("LANG", "POSIX")])).as_deref(), Some("C"));
        assert_eq!(env_locale(env(&[("LANG", "../../etc")])).as_deref(), Some("C"));
        assert_eq!(env_locale(env(&[("LANG", "")])), None);
        assert_eq!(env_locale(env(&[])), None);
    }
}

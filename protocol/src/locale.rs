//! Which language the widget speaks: `data-locale`, then `<html lang>`, then the
//! browser's `navigator.languages`, first match wins; English when none matches.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Locale {
    ZhCn,
    En,
}

impl Locale {
    /// The BCP 47 tag, as used for `lang` attributes and `Intl`.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::ZhCn => "zh-CN",
            Locale::En => "en",
        }
    }

    /// Matches one language tag on its primary subtag (`zh-TW` and `zh_Hans` are
    /// Chinese, `en-GB` is English); `None` for a language the widget does not speak.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "zh" => Some(Locale::ZhCn),
            "en" => Some(Locale::En),
            _ => None,
        }
    }

    /// The first candidate the widget speaks, in order of preference.
    pub fn choose<'a>(candidates: impl IntoIterator<Item = &'a str>) -> Locale {
        candidates.into_iter().find_map(Locale::from_tag).unwrap_or(Locale::En)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(candidates: &[&str], expected: Locale) {
        assert_eq!(Locale::choose(candidates.iter().copied()), expected, "{candidates:?}");
    }

    #[test]
    fn choice_follows_preference_order() {
        check(&["zh-CN"], Locale::ZhCn);
        check(&["en-US", "zh-CN"], Locale::En);
        check(&["", "zh", "en"], Locale::ZhCn);
        check(&["fr-FR", "de", "zh-TW"], Locale::ZhCn);
        check(&["ZH_hans"], Locale::ZhCn);
        check(&["EN-gb"], Locale::En);
        check(&["fr", "ja"], Locale::En);
        check(&[], Locale::En);
        check(&["  zh-CN  "], Locale::ZhCn);
    }
}

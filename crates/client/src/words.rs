//! The app's words outside its window (desktop notifications, the tray's
//! menu), read from the UI's message catalogues: each text is written once
//! per language, where the translators keep the rest.

use std::sync::LazyLock;

/// The UI's message catalogues, by the language each speaks.
const CATALOGUES: [(&str, &str); LANGUAGES.len()] = [
    (LANGUAGES[0], include_str!("../../../ui/src/i18n/en.json")),
    (
        LANGUAGES[1],
        include_str!("../../../ui/src/i18n/zh-CN.json"),
    ),
];

static WORDS: LazyLock<Vec<(&'static str, serde_json::Value)>> = LazyLock::new(|| {
    CATALOGUES
        .iter()
        .map(|(language, text)| (*language, serde_json::from_str(text).unwrap_or_default()))
        .collect()
});

/// The languages the catalogues speak.
pub const LANGUAGES: [&str; 2] = ["en", "zh-CN"];

/// The catalogue's words at `path` in `language`, else in English.
pub fn words(language: &str, path: &[&str]) -> Option<&'static str> {
    exactly(language, path).or_else(|| exactly("en", path))
}

/// The words at `path` in `language`'s own catalogue, with no fallback.
pub fn exactly(language: &str, path: &[&str]) -> Option<&'static str> {
    let (_, catalogue) = WORDS.iter().find(|(l, _)| *l == language)?;
    path.iter()
        .try_fold(catalogue, |node, key| node.get(key))?
        .as_str()
}

/// The tray menu's items in `language`: each item's id and label.
pub fn tray_menu(language: &str) -> [(&'static str, &'static str); 3] {
    ["open", "sync", "quit"].map(|id| (id, words(language, &["tray", id]).unwrap_or(id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogues_parse_and_unknown_languages_fall_back_to_english() {
        assert_eq!(
            tray_menu("zh-CN").map(|(_, label)| label),
            ["打开 AICC 伙伴", "立即同步", "退出"]
        );
        assert_eq!(tray_menu("fr"), tray_menu("en"));
        assert_eq!(tray_menu("en")[2], ("quit", "Quit"));
        assert_eq!(words("en", &["no", "such", "key"]), None);
    }
}

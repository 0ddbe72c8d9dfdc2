//! The app's words outside its window (desktop notifications, the tray,
//! the OS file dialog's filters), read from the UI's message catalogues: each text is written once
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

/// The catalogue's words at `path` in `language` with each `{name}` of
/// `values` filled in; the path itself when no catalogue has it.
pub fn say(language: &str, path: &[&str], values: &[(&str, &dyn std::fmt::Display)]) -> String {
    let Some(text) = words(language, path) else {
        return path.join(".");
    };
    values.iter().fold(text.to_owned(), |text, (name, value)| {
        text.replace(&format!("{{{name}}}"), &value.to_string())
    })
}

/// What the center or the app's own checks said (why a job is where it
/// is, why a request was refused), in `language`: the reason code worded
/// from the catalogues (as the window words it), else the center's own
/// words, marked as such — also when the catalogue's words need a value
/// the code did not bring (a center older or newer than the app).
pub fn reason(
    language: &str,
    code: Option<&aicc_api::ReasonCode>,
    text: Option<&str>,
) -> Option<String> {
    if let Some(code) = code
        && let Some(words) = words(language, &["reasons", &code.code])
    {
        let worded = code
            .params
            .iter()
            .fold(words.to_owned(), |words, (name, value)| {
                words.replace(&format!("{{{name}}}"), value)
            });
        let unfilled = words.match_indices('{').any(|(at, _)| {
            words[at..]
                .find('}')
                .is_some_and(|end| !code.params.contains_key(&words[at + 1..at + end]))
        });
        if !unfilled {
            return Some(worded);
        }
    }
    text.map(|text| say(language, &["reasons", "centersWords"], &[("text", &text)]))
}

/// An error as the user reads it in `language`: the catalogues' words for
/// its code (as the window shows them), with the detail (worded from its
/// reason code when it has one) where they have a place for it, else after
/// them.
pub fn error(language: &str, error: &crate::Error) -> String {
    let said = error.to_string();
    let detail = match error.reason() {
        Some(code) => reason(language, Some(code), Some(&said)).unwrap_or(said),
        None => said,
    };
    let code = serde_json::to_value(error.code())
        .ok()
        .and_then(|code| code.as_str().map(str::to_owned))
        .unwrap_or_default();
    match words(language, &["errors", &code]) {
        Some(text) if text.contains("{detail}") => text.replace("{detail}", &detail),
        Some(text) => format!("{text} ({detail})"),
        None => detail,
    }
}

/// What the tray's menu offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrayItem {
    /// Brings the window up.
    Open,
    /// Syncs now.
    Sync,
    /// Quits once the sync engines have stopped.
    Quit,
}

impl TrayItem {
    /// The menu's items, in order.
    pub const ALL: [TrayItem; 3] = [TrayItem::Open, TrayItem::Sync, TrayItem::Quit];

    /// The item's menu id, which is also its key in the catalogues' `tray`.
    pub fn id(self) -> &'static str {
        match self {
            TrayItem::Open => "open",
            TrayItem::Sync => "sync",
            TrayItem::Quit => "quit",
        }
    }

    /// The item a menu id names.
    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|item| item.id() == id)
    }
}

/// The tray icon's words in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tray {
    /// Shown when the pointer rests on the icon: the app's name.
    pub tooltip: &'static str,
    /// Each item and its label.
    pub items: [(TrayItem, &'static str); 3],
}

/// The tray's words in `language`.
pub fn tray(language: &str) -> Tray {
    Tray {
        tooltip: words(language, &["app", "name"]).unwrap_or("AICC Partner"),
        items: TrayItem::ALL.map(|item| {
            (
                item,
                words(language, &["tray", item.id()]).unwrap_or(item.id()),
            )
        }),
    }
}

/// The kinds of file the app asks the user to pick with the OS's dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// An attachment to a partner application.
    Attachment,
    /// A certificate authority's bundle for a corporate network.
    CaBundle,
}

/// What the OS file dialog shows for a kind of file: a filter's name, in
/// the user's language, and the name endings it lets through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileFilter {
    pub name: &'static str,
    pub extensions: &'static [&'static str],
}

impl FileKind {
    /// The dialog's filter for this kind, in `language`. The filter only
    /// guides the pick: an attachment is taken by its content.
    pub fn filter(self, language: &str) -> FileFilter {
        let (key, extensions): (&str, &'static [&'static str]) = match self {
            FileKind::Attachment => (
                "attachments",
                &aicc_api::applications::ATTACHMENT_EXTENSIONS,
            ),
            FileKind::CaBundle => ("caBundle", &crate::network::CA_BUNDLE_EXTENSIONS),
        };
        FileFilter {
            name: words(language, &["files", key]).unwrap_or(key),
            extensions,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn say_fills_in_each_value_in_the_language_asked_for() {
        let said = say("zh-CN", &["cli", "revoked"], &[("id", &"pat_1")]);
        assert_eq!(said, "令牌 pat_1 已吊销。");
        assert_eq!(
            say("fr", &["cli", "models"], &[("shown", &2), ("total", &7)]),
            "2 of 7 models"
        );
        assert_eq!(say("en", &["cli", "nothing"], &[]), "cli.nothing");
    }

    #[test]
    fn the_catalogues_parse_and_unknown_languages_fall_back_to_english() {
        let chinese = tray("zh-CN");
        assert_eq!(chinese.tooltip, "AICC 伙伴");
        assert_eq!(
            chinese.items.map(|(_, label)| label),
            ["打开 AICC 伙伴", "立即同步", "退出"]
        );
        assert_eq!(tray("fr"), tray("en"));
        assert_eq!(tray("en").items[2], (TrayItem::Quit, "Quit"));
        assert_eq!(words("en", &["no", "such", "key"]), None);
    }

    #[test]
    fn errors_read_in_the_users_language_with_their_detail() {
        let refused = crate::Error::InvalidInput("there is no job job_7".into());
        assert_eq!(
            error("zh-CN", &refused),
            "请检查输入：there is no job job_7"
        );
        let coded = crate::Error::refused(
            "registered_already",
            &[],
            "enrolled in this session already (with a seat or on its waitlist)",
        );
        assert_eq!(
            error("zh-CN", &coded),
            "无法完成：已经报名（已有名额或在候补名单上）"
        );
        let without_its_values = aicc_api::ReasonCode::new("over_quota", &[("needed", &"12.0")]);
        assert_eq!(
            reason("en", Some(&without_its_values), Some("over quota")).as_deref(),
            Some("over quota (the center's words)"),
            "words missing a value the code did not bring are not shown half filled"
        );
        let from_the_center = crate::Error::Portal {
            status: 409,
            code: Some(aicc_api::ErrorCode::Conflict),
            message: "the member is busy".into(),
            field: None,
            reason: Some(Box::new(aicc_api::ReasonCode::new("not_yet_known", &[]))),
            retry_after: None,
        };
        assert!(
            error("zh-CN", &from_the_center).ends_with("（计算中心原文）"),
            "a code this app does not know is shown as the center's words: {}",
            error("zh-CN", &from_the_center)
        );
        let offline = crate::Error::Offline {
            url: "https://aicc.example.cn/".into(),
            reason: "connection refused".into(),
        };
        let english = error("en", &offline);
        assert!(
            english.starts_with("The center cannot be reached."),
            "{english}"
        );
        assert!(english.ends_with("connection refused)"), "{english}");
    }

    /// Every reason code the center or the app's own checks give, as
    /// written in the sources: a string literal right before its values
    /// (`because("code", &[…])`, `FieldError::new(field, "code", &[…], …)`,
    /// `Error::refused("code", &[…], …)`, `Reason::new("code", &[…], …)`).
    /// A code chosen in an expression is found only where each choice is
    /// such a literal too (write them so); the command-line tool's words
    /// and this file are not looked at.
    fn reason_codes_in(dir: &std::path::Path, codes: &mut std::collections::BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                // The command-line tool words its own output.
                if !path.ends_with("bin") {
                    reason_codes_in(&path, codes);
                }
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") || path.ends_with("words.rs") {
                continue;
            }
            let text: String = std::fs::read_to_string(&path)
                .unwrap()
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            for (at, _) in text.match_indices("\",&[") {
                let Some(open) = text[..at].rfind('"') else {
                    continue;
                };
                let literal = &text[open + 1..at];
                if literal.starts_with(|c: char| c.is_ascii_lowercase())
                    && literal
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                {
                    codes.insert(literal.to_owned());
                }
            }
        }
    }

    #[test]
    fn every_reason_the_center_or_the_app_gives_is_worded_in_both_languages() {
        let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut codes = std::collections::BTreeSet::new();
        for source in ["api/src", "portal/src", "client/src"] {
            reason_codes_in(&crates.join(source), &mut codes);
        }
        for code in [
            "over_quota",
            "registered_already",
            "exit_code",
            "uscc_length",
        ] {
            assert!(codes.contains(code), "the scan finds {code}: {codes:?}");
        }
        let unworded: Vec<(&str, &String)> = LANGUAGES
            .iter()
            .flat_map(|language| {
                codes
                    .iter()
                    .filter(|code| exactly(language, &["reasons", code]).is_none())
                    .map(move |code| (*language, code))
            })
            .collect();
        assert!(
            unworded.is_empty(),
            "add these to the catalogues' `reasons`: {unworded:?}"
        );
    }

    #[test]
    fn tray_items_are_found_by_their_menu_ids() {
        for item in TrayItem::ALL {
            assert_eq!(TrayItem::from_id(item.id()), Some(item));
        }
        assert_eq!(TrayItem::from_id("format-disk"), None);
    }

    #[test]
    fn file_dialogs_name_their_filters_in_the_users_language() {
        let en = FileKind::Attachment.filter("en");
        assert_eq!(en.name, "PDF, PNG or JPEG");
        assert_eq!(en.extensions, ["pdf", "png", "jpg", "jpeg"]);
        assert_eq!(
            FileKind::Attachment.filter("zh-CN").name,
            "PDF、PNG 或 JPEG"
        );
        assert_eq!(
            FileKind::CaBundle.filter("zh-CN").name,
            "证书（PEM、CRT、CER）"
        );
        assert_eq!(
            FileKind::CaBundle.filter("en").extensions,
            ["pem", "crt", "cer"]
        );
    }

    #[test]
    fn a_jobs_reason_is_worded_from_its_code_else_marked_as_the_centers() {
        let code = aicc_api::ReasonCode {
            code: "exit_code".into(),
            params: [("code".to_owned(), "3".to_owned())].into(),
        };
        assert_eq!(
            reason(
                "zh-CN",
                Some(&code),
                Some("the training exited with code 3")
            )
            .as_deref(),
            Some("训练进程以退出码 3 结束")
        );
        let unknown = aicc_api::ReasonCode {
            code: "from_a_newer_center".into(),
            params: Default::default(),
        };
        assert_eq!(
            reason("en", Some(&unknown), Some("held for maintenance")).as_deref(),
            Some("held for maintenance (the center's words)")
        );
        assert_eq!(reason("en", None, None), None);
    }
}

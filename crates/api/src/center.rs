//! Who the center is: `GET /v1/center`.

use serde::{Deserialize, Serialize};

/// The center's name and what it is, in both languages the app speaks, as
/// its staff configured them. Answered to anyone: the app shows it before
/// signing in too. A text the center left empty is not shown: the app
/// names the center by its address instead.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CenterIdentity {
    /// e.g. "Demo AI Computing Center".
    pub name: String,
    /// e.g. "演示人工智能计算中心".
    pub name_zh: String,
    /// One or two sentences.
    pub description: String,
    pub description_zh: String,
}

impl CenterIdentity {
    /// The name in `language` (a BCP 47 tag such as `zh-CN`), else in the
    /// other language; `None` when the center gave none.
    pub fn name_in(&self, language: &str) -> Option<&str> {
        let (first, second) = if language.starts_with("zh") {
            (&self.name_zh, &self.name)
        } else {
            (&self.name, &self.name_zh)
        };
        [first, second]
            .into_iter()
            .map(|name| name.trim())
            .find(|name| !name.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_is_given_in_the_language_asked_else_in_the_other() {
        let both = CenterIdentity {
            name: "Demo AI Computing Center".into(),
            name_zh: "演示人工智能计算中心".into(),
            ..CenterIdentity::default()
        };
        assert_eq!(both.name_in("zh-CN"), Some("演示人工智能计算中心"));
        assert_eq!(both.name_in("en"), Some("Demo AI Computing Center"));
        let english_only = CenterIdentity {
            name: "Demo AI Computing Center".into(),
            name_zh: " ".into(),
            ..CenterIdentity::default()
        };
        assert_eq!(
            english_only.name_in("zh-CN"),
            Some("Demo AI Computing Center")
        );
        assert_eq!(CenterIdentity::default().name_in("en"), None);
    }
}

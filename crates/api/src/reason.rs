//! Why the center says what it says, as a code and the values its words
//! need: a job's `exit_code` with `{"code": "3"}`, a form's `npus_per_node`
//! with `{"most": "8"}`, a refused enrolment's `gathering_begun`. The app
//! words each code in its user's language (the `reasons` of its
//! catalogues); the English text sent beside it is for other clients, and
//! for an app that does not know the code, which shows it as the center's
//! words.

use std::collections::BTreeMap;
use std::fmt::Display;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReasonCode {
    pub code: String,
    #[serde(default)]
    pub params: BTreeMap<String, String>,
}

impl ReasonCode {
    /// `code` with each named value written out.
    pub fn new(code: &str, params: &[(&str, &dyn Display)]) -> Self {
        Self {
            code: code.to_owned(),
            params: params
                .iter()
                .map(|(name, value)| ((*name).to_owned(), value.to_string()))
                .collect(),
        }
    }
}

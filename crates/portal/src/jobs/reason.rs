//! Why a job is where it is: the portal's English words, kept for every
//! client, and a code with parameters that the app words in its user's
//! language (an app that does not know a code shows the words, marked as
//! the center's).

use aicc_api::ReasonCode;

#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    pub text: String,
    pub code: ReasonCode,
}

impl Reason {
    pub fn new(code: &str, params: &[(&str, String)], text: impl Into<String>) -> Self {
        let params: Vec<(&str, &dyn std::fmt::Display)> = params
            .iter()
            .map(|(name, value)| (*name, value as &dyn std::fmt::Display))
            .collect();
        Self {
            text: text.into(),
            code: ReasonCode::new(code, &params),
        }
    }

    /// Queued at the portal, in the fair order across organisations.
    pub fn waiting_for_npus() -> Self {
        Self::new("waiting_for_npus", &[], "waiting for NPUs")
    }

    /// Handed to the cluster, which has not started it yet.
    pub fn released_to_cluster() -> Self {
        Self::new(
            "released_to_cluster",
            &[],
            "released to the cluster, waiting for it to start",
        )
    }

    pub fn cancelled_by_partner() -> Self {
        Self::new("cancelled_by_partner", &[], "cancelled by the partner")
    }

    /// The cluster would not take the job, in its words.
    pub fn cluster_refused(why: &str) -> Self {
        Self::new(
            "cluster_refused",
            &[("why", why.to_owned())],
            format!("the cluster refused the job: {why}"),
        )
    }

    /// The code, as stored beside the text.
    pub fn code_json(&self) -> String {
        serde_json::to_string(&self.code).unwrap_or_default()
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// A stored code, read back; `None` for a row written before codes.
pub fn stored(json: Option<String>) -> Option<ReasonCode> {
    json.and_then(|json| serde_json::from_str(&json).ok())
}

//! The directory of certified solutions (the industry aggregation
//! platform): what a partner's solution shows once the center certified
//! it, the check of a certificate, and cooperation between partners.
//!
//! A solution is listed when its application is certified, as the center
//! certified it: its name, description, industries, hardware and
//! frameworks are the application's at that moment, and nobody changes
//! them after. The partner chooses which of them the directory shows and
//! whether it is listed at all ([`SolutionProfile`]), and its public
//! contact; a solution leaves the directory when its certificate is
//! revoked or expires. Every signed-in partner reads the directory (`GET
//! /v1/directory/changes`, a tombstone when a solution leaves it).

use serde::{Deserialize, Serialize};

use crate::FieldError;
use crate::applications::{OrganisationKind, is_plain_line, is_plain_text};

/// How long a certificate is valid from the day it is given, in days
/// (three years).
pub const CERTIFICATE_VALID_DAYS: i64 = 3 * 365;

/// A certified solution as the directory shows it: what its partner
/// chose not to show is empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Solution {
    /// The id of the application it was certified through.
    pub id: String,
    pub name: String,
    pub description: String,
    pub industries: Vec<String>,
    /// e.g. "Atlas 800T A2", "Atlas 300I Duo".
    pub hardware: Vec<String>,
    pub frameworks: Vec<String>,
    pub certificate_id: String,
    /// When the center certified it (RFC 3339).
    pub certified_at: String,
    /// When its certificate ends (RFC 3339), [`CERTIFICATE_VALID_DAYS`]
    /// after it was given.
    pub expires_at: String,
    pub partner: Partner,
    pub updated_at: String,
}

/// The organisation behind a solution, as the directory shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Partner {
    /// The organisation's id at the center.
    pub id: String,
    pub name: String,
    pub kind: OrganisationKind,
    /// How others reach it, when it chose to say.
    pub contact: Option<PublicContact>,
}

/// A partner's public contact: whom to write to about its solutions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct PublicContact {
    pub name: String,
    pub email: String,
    /// An `https://` address.
    pub website: String,
}

impl PublicContact {
    /// The rules the app and the center share: a name and a plain e-mail
    /// address, a website only over HTTPS to a named host.
    pub fn check(&self) -> Result<(), FieldError> {
        let error = |field, code, params: &[(&str, &dyn std::fmt::Display)], message: &str| {
            Err(FieldError::new(field, code, params, message))
        };
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 100 || !is_plain_line(name) {
            return error(
                "contact_name",
                "contact_name",
                &[],
                "write a name of 1 to 100 characters on one line, without control or invisible characters",
            );
        }
        let email = self.email.trim();
        if email.chars().count() > 254
            || !is_plain_line(email)
            || !crate::applications::looks_like_email(email)
            || email.contains(['?', '<', '>', '"', '\\', '&', '%', '/'])
        {
            return error(
                "contact_email",
                "public_email",
                &[],
                "write an e-mail address others may use, e.g. solutions@example.cn",
            );
        }
        let website = self.website.trim();
        if !website.is_empty() && !is_web_address(website) {
            return error(
                "website",
                "website",
                &[],
                "write the website as https://host/… (at most 300 characters), or leave it empty",
            );
        }
        Ok(())
    }
}

/// Whether `text` is an `https://` address to a named host: letters,
/// digits, dots and hyphens up to an optional port, then a path of
/// printable characters that cannot end an attribute or start markup.
fn is_web_address(text: &str) -> bool {
    let Some(rest) = text.strip_prefix("https://") else {
        return false;
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let (host, port) = match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    let label_ok = |label: &str| {
        !label.is_empty()
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    text.chars().count() <= 300
        && host.contains('.')
        && host.split('.').all(label_ok)
        && port
            .is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()))
        && path
            .chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '"' | '<' | '>' | '\\' | '`'))
}

/// What a partner shows of one of its certified solutions: `PUT
/// /v1/directory/solutions/{id}`. Its name, certificate and partner are
/// always shown when it is listed; `listed: false` takes it off the
/// directory (its certificate still checks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SolutionProfile {
    pub listed: bool,
    pub show_description: bool,
    pub show_industries: bool,
    pub show_hardware: bool,
    pub show_frameworks: bool,
}

impl SolutionProfile {
    /// Everything shown: what a solution starts with when it is certified.
    pub const EVERYTHING: SolutionProfile = SolutionProfile {
        listed: true,
        show_description: true,
        show_industries: true,
        show_hardware: true,
        show_frameworks: true,
    };
}

/// What a certificate check finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CertificateStatus {
    Valid,
    /// Past its `expires_at`.
    Expired,
    /// The center withdrew it.
    Revoked,
    /// No certificate of that id.
    Unknown,
}

/// `GET /v1/certificates/{id}`: what the center says of a certificate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CertificateCheck {
    pub certificate_id: String,
    pub status: CertificateStatus,
    /// The organisation holding it; none when unknown.
    pub holder: Option<String>,
    pub solution_name: Option<String>,
    /// The solution's id when the directory lists it.
    pub solution_id: Option<String>,
    pub certified_at: Option<String>,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
    /// Why the center revoked it.
    pub revoked_reason: Option<String>,
}

impl CertificateCheck {
    /// What is said of an id no certificate has.
    pub fn unknown(certificate_id: &str) -> Self {
        CertificateCheck {
            certificate_id: certificate_id.to_owned(),
            status: CertificateStatus::Unknown,
            holder: None,
            solution_name: None,
            solution_id: None,
            certified_at: None,
            expires_at: None,
            revoked_at: None,
            revoked_reason: None,
        }
    }
}

/// The shape of a certificate id: `AICC-ASC-YYYY-NNNNNN`. Typed ids are
/// upper-cased and trimmed before they are checked.
pub fn certificate_id(typed: &str) -> Result<String, FieldError> {
    let id = typed.trim().to_uppercase();
    let parts: Vec<&str> = id.split('-').collect();
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if parts.len() == 4
        && parts[0] == "AICC"
        && parts[1] == "ASC"
        && digits(parts[2], 4)
        && digits(parts[3], 6)
    {
        Ok(id)
    } else {
        Err(FieldError::new(
            "certificate_id",
            "certificate_id",
            &[("example", &"AICC-ASC-2026-000042")],
            "a certificate id looks like AICC-ASC-2026-000042",
        ))
    }
}

/// What one partner offers another when asking to cooperate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CooperationOffer {
    /// Data to train or test on.
    Data,
    /// Its own product to build in.
    Integration,
    /// Customers, sales channels.
    Channel,
    /// Knowledge of an industry's work.
    DomainExpertise,
    /// Hardware, sites, deployments.
    Deployment,
}

/// `POST /v1/cooperation`: one partner asks the owner of a solution to
/// cooperate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CooperationAsk {
    pub solution_id: String,
    pub message: String,
    pub offers: Vec<CooperationOffer>,
}

/// The longest message or answer of a cooperation, in characters.
pub const MAX_COOPERATION_TEXT: usize = 2000;

impl CooperationAsk {
    /// The rules the app and the center share; the center also checks
    /// that the solution is listed and not the asker's own.
    pub fn check(&self) -> Result<(), FieldError> {
        cooperation_text("message", &self.message)?;
        if self.offers.is_empty() {
            return Err(FieldError::new(
                "offers",
                "choose_an_offer",
                &[],
                "say what you offer: choose at least one",
            ));
        }
        let mut offers = self.offers.clone();
        offers.sort();
        offers.dedup();
        if offers.len() != self.offers.len() {
            return Err(FieldError::new(
                "offers",
                "offer_twice",
                &[],
                "an offer is chosen twice; choose each once",
            ));
        }
        Ok(())
    }
}

fn cooperation_text(field: &'static str, text: &str) -> Result<(), FieldError> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_COOPERATION_TEXT || !is_plain_text(text) {
        return Err(FieldError::new(
            field,
            "plain_text_length",
            &[("least", &1), ("most", &MAX_COOPERATION_TEXT)],
            format!(
                "write 1 to {MAX_COOPERATION_TEXT} characters, without control, invisible or text-direction characters"
            ),
        ));
    }
    Ok(())
}

/// `POST /v1/cooperation/{id}/answer`: the owner accepts or declines,
/// with a note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CooperationAnswer {
    pub accept: bool,
    pub note: String,
}

impl CooperationAnswer {
    pub fn check(&self) -> Result<(), FieldError> {
        cooperation_text("note", &self.note)
    }
}

/// Where a cooperation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CooperationState {
    Asked,
    Accepted,
    Declined,
}

impl CooperationState {
    pub fn as_str(self) -> &'static str {
        match self {
            CooperationState::Asked => "asked",
            CooperationState::Accepted => "accepted",
            CooperationState::Declined => "declined",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Asked, Self::Accepted, Self::Declined]
            .into_iter()
            .find(|state| state.as_str() == s)
    }
}

/// Whether the caller's organisation asked or was asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Sent,
    Received,
}

/// A cooperation as the two organisations see it: the request and its
/// answer. Only they read it; the center knows that it happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Cooperation {
    pub id: String,
    pub direction: Direction,
    pub solution_id: String,
    pub solution_name: String,
    /// The organisation that asked.
    pub from_partner: String,
    /// The solution's owner.
    pub to_partner: String,
    /// Who asked: their name and e-mail address, for the owner to reply.
    pub asked_by: String,
    pub message: String,
    pub offers: Vec<CooperationOffer>,
    pub state: CooperationState,
    pub note: Option<String>,
    pub answered_by: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_certificate_id_is_read_as_typed_and_refused_in_any_other_shape() {
        assert_eq!(
            certificate_id("  aicc-asc-2026-000042 ").unwrap(),
            "AICC-ASC-2026-000042"
        );
        for bad in [
            "",
            "AICC-ASC-2026-42",
            "AICC-ASC-26-000042",
            "AICC-ASC-2026-000042-1",
            "AICC ASC 2026 000042",
            "' OR 1=1 --",
        ] {
            assert_eq!(certificate_id(bad).unwrap_err().field, "certificate_id");
        }
    }

    #[test]
    fn a_public_contact_is_plain_and_its_website_https_to_a_named_host() {
        let contact = |email: &str, website: &str| PublicContact {
            name: "Solutions desk".into(),
            email: email.into(),
            website: website.into(),
        };
        let ok = "solutions@example.cn";
        assert!(contact(ok, "").check().is_ok());
        assert!(
            contact(ok, "https://example.cn/rail?lang=zh")
                .check()
                .is_ok()
        );
        assert!(contact(ok, "https://rail.example.cn:8443").check().is_ok());
        for bad in [
            "http://example.cn",
            "https://",
            "https://user@evil.cn",
            "https:///evil.cn",
            "https://good.cn%40evil.cn",
            "https:// javascript:alert(1)",
            "https://x.cn/\"><script>",
            "javascript:alert(1)",
            "https://localhost",
            "https://x.cn:99999999",
        ] {
            assert_eq!(
                contact(ok, bad).check().unwrap_err().field,
                "website",
                "{bad}"
            );
        }
        for bad in [
            "a\u{202e}@b.cn",
            "a\u{7}@b.cn",
            "\"><svg/onload=alert(1)>@x.cn",
            "a@b.cn?subject=Invoice&body=pay-now",
        ] {
            assert_eq!(
                contact(bad, "").check().unwrap_err().field,
                "contact_email",
                "{bad}"
            );
        }
        let nameless = PublicContact {
            name: " ".into(),
            ..contact(ok, "")
        };
        assert_eq!(nameless.check().unwrap_err().field, "contact_name");
    }

    #[test]
    fn a_request_offers_something_once_and_says_why() {
        let ask = |message: &str, offers: Vec<CooperationOffer>| CooperationAsk {
            solution_id: "app-1".into(),
            message: message.into(),
            offers,
        };
        assert!(
            ask("Joint bid", vec![CooperationOffer::Data])
                .check()
                .is_ok()
        );
        assert_eq!(
            ask("", vec![CooperationOffer::Data])
                .check()
                .unwrap_err()
                .field,
            "message"
        );
        assert_eq!(
            ask("Joint bid", vec![]).check().unwrap_err().field,
            "offers"
        );
        assert_eq!(
            ask(
                "Joint bid",
                vec![CooperationOffer::Data, CooperationOffer::Data]
            )
            .check()
            .unwrap_err()
            .field,
            "offers"
        );
    }
}

//! Partner applications: an organisation asks to join the center's partner
//! programme, the center reviews, and an approved solution is adapted to and
//! certified on Ascend.
//!
//! `draft → submitted → under_review → (changes_requested → submitted …) →
//! approved | rejected`, then `approved → adapting → certified`. Before a
//! decision the partner may withdraw it (`withdrawn`, final).

use serde::{Deserialize, Serialize};

/// The largest attachment the portal accepts.
pub const MAX_ATTACHMENT_BYTES: usize = 20 * 1024 * 1024;
/// The most attachments an application holds.
pub const MAX_ATTACHMENTS: usize = 20;
/// How many applications an organisation may hold open for editing
/// (drafts, and those with changes requested) unless the center says
/// otherwise; withdraw one to start another.
pub const MAX_EDITABLE_APPLICATIONS: usize = 20;

/// What the applicant writes. Every field may be empty in a draft; submit
/// requires the ones [`ApplicationForm::missing_for_submit`] names.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ApplicationForm {
    pub organisation_name: String,
    /// Unified social credit code, checked with GB 32100-2015.
    pub uscc: String,
    pub organisation_kind: Option<OrganisationKind>,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub industries: Vec<String>,
    pub solution_name: String,
    pub solution_description: String,
    /// e.g. "Atlas 800T A2", "Atlas 300I Duo".
    pub target_hardware: Vec<String>,
    pub frameworks: Vec<String>,
    pub tier: Option<ProgrammeTier>,
}

pub use crate::error::FieldError;

/// The most industries, hardware or frameworks a form names, and the
/// longest name of one: every field the center keeps has a bound, so no
/// form can make the organisation's feed pages huge.
pub const MAX_LIST_ITEMS: usize = 20;
pub const MAX_LIST_ITEM_CHARS: usize = 100;

impl ApplicationForm {
    /// Checks the fields that are filled in; empty ones are fine in a draft.
    pub fn check(&self) -> Result<(), FieldError> {
        let error = |field, code, params: &[(&str, &dyn std::fmt::Display)], message: String| {
            Err(FieldError::new(field, code, params, message))
        };
        let lengths = [
            ("organisation_name", &self.organisation_name, 200),
            ("contact_name", &self.contact_name, 100),
            ("contact_email", &self.contact_email, 254),
            ("contact_phone", &self.contact_phone, 32),
            ("solution_name", &self.solution_name, 200),
            ("solution_description", &self.solution_description, 10_000),
        ];
        for (field, value, max) in lengths {
            if value.chars().count() > max {
                return error(
                    field,
                    "at_most_characters",
                    &[("most", &max)],
                    format!("at most {max} characters"),
                );
            }
        }
        let lists = [
            ("industries", &self.industries),
            ("target_hardware", &self.target_hardware),
            ("frameworks", &self.frameworks),
        ];
        for (field, items) in lists {
            if items.len() > MAX_LIST_ITEMS {
                return error(
                    field,
                    "too_many",
                    &[("most", &MAX_LIST_ITEMS)],
                    format!("choose at most {MAX_LIST_ITEMS}"),
                );
            }
            if items
                .iter()
                .any(|item| item.chars().count() > MAX_LIST_ITEM_CHARS)
            {
                return error(
                    field,
                    "each_at_most_characters",
                    &[("most", &MAX_LIST_ITEM_CHARS)],
                    format!("each is at most {MAX_LIST_ITEM_CHARS} characters"),
                );
            }
            // Certified, they are shown to every partner in the directory.
            if items
                .iter()
                .any(|item| item.trim().is_empty() || !is_plain_line(item))
            {
                return error(
                    field,
                    "plain_lines",
                    &[],
                    "write each on one line, without control, invisible or text-direction characters, and none empty".into(),
                );
            }
        }
        let description = self.solution_description.trim();
        if !description.is_empty() && !is_plain_text(description) {
            return error(
                "solution_description",
                "plain_text",
                &[],
                "write the description without control, invisible or text-direction characters"
                    .into(),
            );
        }
        let names = [
            ("organisation_name", &self.organisation_name),
            ("contact_name", &self.contact_name),
            ("contact_email", &self.contact_email),
            ("contact_phone", &self.contact_phone),
            ("solution_name", &self.solution_name),
        ];
        for (field, value) in names {
            if !is_plain_line(value) {
                return error(
                    field,
                    "plain_line",
                    &[],
                    "write it on one line, without control or invisible characters".into(),
                );
            }
        }
        if !self.uscc.trim().is_empty()
            && let Err(e) = crate::uscc::validate(&self.uscc)
        {
            return Err(FieldError {
                field: "uscc",
                reason: e.reason(),
                message: e.to_string(),
            });
        }
        if !self.contact_email.trim().is_empty() && !looks_like_email(self.contact_email.trim()) {
            return error(
                "contact_email",
                "email_address",
                &[("address", &self.contact_email.trim())],
                format!("\"{}\" is not an e-mail address", self.contact_email.trim()),
            );
        }
        if !self.contact_phone.trim().is_empty() && !looks_like_phone(&self.contact_phone) {
            return error(
                "contact_phone",
                "phone_number",
                &[],
                "write the phone number with 7 to 15 digits, e.g. +86 311 8888 6666".into(),
            );
        }
        Ok(())
    }

    /// The fields a submission needs that are empty, by wire name.
    pub fn missing_for_submit(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        let text = [
            ("organisation_name", &self.organisation_name),
            ("uscc", &self.uscc),
            ("contact_name", &self.contact_name),
            ("contact_email", &self.contact_email),
            ("contact_phone", &self.contact_phone),
            ("solution_name", &self.solution_name),
            ("solution_description", &self.solution_description),
        ];
        for (name, value) in text {
            if value.trim().is_empty() {
                missing.push(name);
            }
        }
        if self.organisation_kind.is_none() {
            missing.push("organisation_kind");
        }
        if self.target_hardware.is_empty() {
            missing.push("target_hardware");
        }
        if self.tier.is_none() {
            missing.push("tier");
        }
        missing
    }
}

pub(crate) fn looks_like_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !s.chars().any(char::is_whitespace)
}

fn looks_like_phone(s: &str) -> bool {
    let digits = s.chars().filter(char::is_ascii_digit).count();
    (7..=15).contains(&digits)
        && s.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')'))
}

/// What kind of organisation applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrganisationKind {
    IncubatedStartup,
    Isv,
    Ihv,
    Si,
    ResearchInstitute,
    University,
}

/// The partner programme tier asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProgrammeTier {
    Registered,
    Certified,
    Premier,
}

/// Where an application is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ApplicationState {
    Draft,
    Submitted,
    UnderReview,
    ChangesRequested,
    Approved,
    Rejected,
    Adapting,
    Certified,
    /// Taken back by the partner before a decision; final.
    Withdrawn,
}

impl ApplicationState {
    /// Every state, in the order of an application's life.
    pub const ALL: [ApplicationState; 9] = [
        ApplicationState::Draft,
        ApplicationState::Submitted,
        ApplicationState::UnderReview,
        ApplicationState::ChangesRequested,
        ApplicationState::Approved,
        ApplicationState::Rejected,
        ApplicationState::Adapting,
        ApplicationState::Certified,
        ApplicationState::Withdrawn,
    ];

    /// The name stored and sent on the wire.
    pub fn as_str(self) -> &'static str {
        use ApplicationState::*;
        match self {
            Draft => "draft",
            Submitted => "submitted",
            UnderReview => "under_review",
            ChangesRequested => "changes_requested",
            Approved => "approved",
            Rejected => "rejected",
            Adapting => "adapting",
            Certified => "certified",
            Withdrawn => "withdrawn",
        }
    }

    /// The inverse of [`ApplicationState::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == s)
    }

    /// Whether the applicant may still edit the form.
    pub fn is_editable(self) -> bool {
        matches!(
            self,
            ApplicationState::Draft | ApplicationState::ChangesRequested
        )
    }

    /// Whether the partner may still take the application back: any time
    /// before the center has decided.
    pub fn may_withdraw(self) -> bool {
        use ApplicationState::*;
        matches!(self, Draft | Submitted | UnderReview | ChangesRequested)
    }
}

/// What a reviewer does to an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReviewAction {
    StartReview,
    RequestChanges,
    Approve,
    Reject,
    StartAdapting,
    Certify,
}

impl ReviewAction {
    /// The state the action leads to from `from`, if it is allowed there.
    pub fn apply(self, from: ApplicationState) -> Option<ApplicationState> {
        use ApplicationState::*;
        use ReviewAction::*;
        match (self, from) {
            (StartReview, Submitted) => Some(UnderReview),
            (RequestChanges, UnderReview) => Some(ChangesRequested),
            (Approve, UnderReview) => Some(Approved),
            (Reject, UnderReview) => Some(Rejected),
            (StartAdapting, Approved) => Some(Adapting),
            (Certify, Adapting) => Some(Certified),
            _ => None,
        }
    }
}

/// `POST /v1/applications/{id}/review`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Review {
    pub action: ReviewAction,
    #[serde(default)]
    pub comment: Option<String>,
}

/// An application as its organisation and the center see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Application {
    pub id: String,
    pub form: ApplicationForm,
    pub state: ApplicationState,
    pub attachments: Vec<Attachment>,
    /// Every transition, oldest first.
    pub timeline: Vec<ApplicationTransition>,
    /// Set once certified, e.g. `AICC-ASC-2026-000042`.
    pub certificate_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// One transition of an application, with who made it and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApplicationTransition {
    pub from: Option<ApplicationState>,
    pub to: ApplicationState,
    pub actor: String,
    pub at: String,
    pub comment: Option<String>,
}

/// A file attached to an application.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attachment {
    pub id: String,
    pub file_name: String,
    /// `application/pdf`, `image/png` or `image/jpeg`, from the content.
    pub media_type: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size_bytes: u64,
    pub sha256: String,
}

/// Whether `c` could make a name lie about itself where it is shown: a
/// control or format character (those that turn text's direction, so that
/// `invoice\u{202E}fdp.exe` shows as `invoiceexe.pdf`, zero-width and
/// other invisible ones, tags, byte order marks), a line or paragraph
/// separator, a character Unicode does not assign or leaves private, or
/// one shown as nothing (Hangul's fillers, the grapheme joiner, Khmer's
/// and Mongolian's invisible marks).
fn misleads(c: char) -> bool {
    use unicode_properties::{GeneralCategory, UnicodeGeneralCategory as _};
    matches!(
        c.general_category(),
        GeneralCategory::Control
            | GeneralCategory::Format
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator
            | GeneralCategory::Unassigned
            | GeneralCategory::PrivateUse
            | GeneralCategory::Surrogate
    ) || matches!(
        c,
        '\u{115F}'
            | '\u{1160}'
            | '\u{3164}'
            | '\u{FFA0}'
            | '\u{034F}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
    )
}

/// The joiners that a script or an emoji needs between two of its
/// characters (Persian's zero-width non-joiner, an emoji sequence's
/// zero-width joiner): plain there, misleading anywhere else.
fn joins(c: char) -> bool {
    matches!(c, '\u{200C}' | '\u{200D}')
}

/// Whether a character shows as blank: a name of nothing else says nothing.
fn blank(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{2800}' | '\u{FE00}'..='\u{FE0F}') || misleads(c)
}

/// Whether `c` would make a file name look like a path.
fn separates(c: char) -> bool {
    matches!(
        c,
        '/' | '\\'
            | '\u{FF0F}'
            | '\u{FF3C}'
            | '\u{2215}'
            | '\u{29F8}'
            | '\u{2044}'
            | '\u{FE68}'
            | '\u{29F5}'
            | '\u{2216}'
    )
}

/// Each character of `text`, and whether it misleads where it stands.
fn misleading(text: &str) -> impl Iterator<Item = (char, bool)> + '_ {
    let chars: Vec<char> = text.chars().collect();
    (0..chars.len()).map(move |i| {
        let c = chars[i];
        let between = |j: Option<usize>| {
            j.and_then(|j| chars.get(j))
                .is_some_and(|n| !blank(*n) && !joins(*n))
        };
        let joined = joins(c) && between(i.checked_sub(1)) && between(Some(i + 1));
        (c, if joins(c) { !joined } else { misleads(c) })
    })
}

/// Whether an attachment's file name is one visible line naming one file:
/// nothing in it [`misleads`], and no path separator.
pub fn file_name_is_plain(name: &str) -> bool {
    is_plain_line(name) && !name.chars().any(separates)
}

/// Whether a name (a job's, an organisation's, a file's) is one visible
/// line: nothing in it [`misleads`] about what it says, and not blank
/// while it holds something.
pub fn is_plain_line(text: &str) -> bool {
    !misleading(text).any(|(_, misleads)| misleads) && (text.is_empty() || !text.chars().all(blank))
}

/// Whether a text of lines (evidence, a reviewer's comment) holds nothing
/// that [`misleads`] beside its line breaks and tabs, and something visible.
pub fn is_plain_text(text: &str) -> bool {
    text.split(['\n', '\r', '\t'])
        .all(|part| !misleading(part).any(|(_, misleads)| misleads))
        && !text.chars().all(blank)
}

/// The file name with each character that [`misleads`] or separates
/// replaced by `_`: what the app sends for a file whose name the portal
/// would refuse.
pub fn plain_file_name(name: &str) -> String {
    let plain: String = misleading(name)
        .map(|(c, misleads)| if misleads || separates(c) { '_' } else { c })
        .collect();
    if !plain.is_empty() && plain.chars().all(blank) {
        return "_".repeat(plain.chars().count());
    }
    plain
}

/// The file name extensions of the kinds an attachment may be (PDF, PNG,
/// JPEG), for a file picker; the content decides ([`sniff_media_type`]).
pub const ATTACHMENT_EXTENSIONS: [&str; 4] = ["pdf", "png", "jpg", "jpeg"];

/// The media type of an attachment's content, if it is one the portal takes.
pub fn sniff_media_type(content: &[u8]) -> Option<&'static str> {
    if content.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if content.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if content.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_the_directory_will_show_is_plain() {
        let form = |industries: Vec<&str>, description: &str| ApplicationForm {
            industries: industries.into_iter().map(str::to_owned).collect(),
            solution_description: description.into(),
            ..ApplicationForm::default()
        };
        assert!(
            form(vec!["rail inspection"], "Line 1\nLine 2")
                .check()
                .is_ok()
        );
        assert_eq!(
            form(vec!["rail\u{202e}inspection"], "")
                .check()
                .unwrap_err()
                .field,
            "industries"
        );
        assert_eq!(form(vec![" "], "").check().unwrap_err().field, "industries");
        assert_eq!(
            form(vec![], "Safe \u{202e}evil").check().unwrap_err().field,
            "solution_description"
        );
    }

    #[test]
    fn file_names_that_would_lie_about_themselves_are_made_plain() {
        assert!(file_name_is_plain("营业执照 2026.pdf"));
        let spoof = "invoice\u{202E}fdp.exe";
        assert!(!file_name_is_plain(spoof));
        assert!(!file_name_is_plain("a\nb.pdf"));
        assert_eq!(plain_file_name(spoof), "invoice_fdp.exe");
        assert!(file_name_is_plain(&plain_file_name(
            "x\u{2067}y\u{0007}.png"
        )));
    }

    #[test]
    fn a_name_is_one_visible_line_and_a_file_name_no_path() {
        for invisible in [
            "report\u{E0020}\u{E0065}\u{E0078}\u{E0065}.pdf",
            "inv\u{2061}oice\u{00AD}.pdf",
            "\u{180E}\u{2064}",
            "a\u{206A}b.pdf",
            "\u{3164}\u{3164}",
            "sc\u{200B}an.pdf",
            "\u{FEFF}scan.pdf",
            "scan\u{2028}.pdf",
            "\u{2800}\u{2800}",
            "\u{3000}\u{3000}",
            "\u{FE00}\u{FE01}",
            "a\u{034F}b",
            "a\u{17B4}b",
            "a\u{180B}b",
            "a\u{2065}b",
            "a\u{E000}b",
            "\u{200D}lead",
            "trail\u{200C}",
        ] {
            assert!(!is_plain_line(invisible), "{invisible:?}");
            assert!(is_plain_line(&plain_file_name(invisible)), "{invisible:?}");
        }
        for name in [
            "北京视界科技有限公司 / Beijing Vision Tech Co., Ltd.",
            "CV/NLP 一体机",
            "qwen2.5-7b/sft-run-3",
            "👩\u{200D}💻 团队",
            "می\u{200C}خواهم",
            "❤\u{FE0F} Ａｃｍｅ　株式会社",
            "O’Reilly & Müller",
        ] {
            assert!(is_plain_line(name), "{name}");
        }
        for path in [
            "../scan.pdf",
            "..\\scan.pdf",
            "evil\u{FF0F}..\u{FF0F}x.pdf",
            "..\u{2044}..\u{2044}etc\u{2044}passwd.pdf",
        ] {
            assert!(!file_name_is_plain(path), "{path}");
            assert!(file_name_is_plain(&plain_file_name(path)), "{path}");
        }
    }

    #[test]
    fn review_actions_follow_the_workflow_only() {
        use ApplicationState::*;
        use ReviewAction::*;
        assert_eq!(StartReview.apply(Submitted), Some(UnderReview));
        assert_eq!(RequestChanges.apply(UnderReview), Some(ChangesRequested));
        assert_eq!(Approve.apply(UnderReview), Some(Approved));
        assert_eq!(Certify.apply(Adapting), Some(Certified));
        assert_eq!(Approve.apply(Draft), None);
        assert_eq!(Certify.apply(Approved), None);
        assert!(Draft.may_withdraw() && UnderReview.may_withdraw());
        assert!(!Approved.may_withdraw() && !Withdrawn.may_withdraw());
        assert_eq!(ApplicationState::parse("withdrawn"), Some(Withdrawn));
        assert_eq!(StartReview.apply(ChangesRequested), None);
    }

    #[test]
    fn a_blank_form_names_every_required_field() {
        let missing = ApplicationForm::default().missing_for_submit();
        assert!(missing.contains(&"uscc") && missing.contains(&"tier"));
        assert_eq!(missing.len(), 10);
    }

    #[test]
    fn filled_fields_are_checked_and_name_the_field() {
        let mut form = ApplicationForm::default();
        assert_eq!(form.check(), Ok(()));
        form.uscc = "914403001922038217".into();
        assert_eq!(form.check().unwrap_err().field, "uscc");
        form.uscc = "914403001922038216".into();
        form.contact_email = "li.wei@robotics".into();
        assert_eq!(form.check().unwrap_err().field, "contact_email");
        form.contact_email = "li.wei@robotics.cn".into();
        form.contact_phone = "call me".into();
        assert_eq!(form.check().unwrap_err().field, "contact_phone");
        form.contact_phone = "+86 311 8888 6666".into();
        assert_eq!(form.check(), Ok(()));
    }

    #[test]
    fn attachments_are_recognised_by_content_not_name() {
        assert_eq!(sniff_media_type(b"%PDF-1.7\n"), Some("application/pdf"));
        assert_eq!(
            sniff_media_type(b"\x89PNG\r\n\x1a\n...."),
            Some("image/png")
        );
        assert_eq!(
            sniff_media_type(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Some("image/jpeg")
        );
        assert_eq!(sniff_media_type(b"MZ\x90\x00 an exe"), None);
    }

    proptest::proptest! {
        #[test]
        fn only_pdf_png_and_jpeg_contents_are_taken_whatever_the_bytes(
            content in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64),
        ) {
            let taken = sniff_media_type(&content);
            let expected = [
                (b"%PDF-".as_slice(), "application/pdf"),
                (b"\x89PNG\r\n\x1a\n", "image/png"),
                (&[0xFF, 0xD8, 0xFF], "image/jpeg"),
            ]
            .into_iter()
            .find(|(magic, _)| content.starts_with(magic))
            .map(|(_, media_type)| media_type);
            proptest::prop_assert_eq!(taken, expected);
        }
    }
}

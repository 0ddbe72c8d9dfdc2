//! The directory of certified solutions as the app keeps it: declared
//! searchable (`searchable.rs` keeps, searches and counts it), searched by
//! the words of a solution and its partner, filtered by industry,
//! hardware, framework and kind of partner; a partner's page; and a
//! certificate checked from the local copy when the center cannot be
//! asked.

use aicc_api::applications::OrganisationKind;
use aicc_api::directory::{CertificateCheck, CertificateStatus, Solution};
use aicc_api::sync::Collection;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::cursors;
use crate::error::Result;
use crate::searchable::{self, FacetCounts, Filter, Found, Search, Searchable};

impl Searchable for Solution {
    const COLLECTION: Collection = Collection::Directory;
    const FACETS: &'static [&'static str] = &[INDUSTRY, HARDWARE, FRAMEWORK, KIND];

    fn id(&self) -> &str {
        &self.id
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn words(&self) -> Vec<&str> {
        [
            self.name.as_str(),
            self.description.as_str(),
            self.partner.name.as_str(),
            self.certificate_id.as_str(),
        ]
        .into_iter()
        .chain(self.industries.iter().map(String::as_str))
        .chain(self.hardware.iter().map(String::as_str))
        .chain(self.frameworks.iter().map(String::as_str))
        .collect()
    }

    fn facets(&self) -> Vec<(&'static str, String)> {
        let many = |facet, values: &[String]| {
            values
                .iter()
                .map(move |v| (facet, v.clone()))
                .collect::<Vec<_>>()
        };
        let mut facets = many(INDUSTRY, &self.industries);
        facets.extend(many(HARDWARE, &self.hardware));
        facets.extend(many(FRAMEWORK, &self.frameworks));
        facets.push((KIND, kind_name(self.partner.kind).to_owned()));
        facets.push((PARTNER, self.partner.id.clone()));
        facets.push((CERTIFICATE, self.certificate_id.clone()));
        facets
    }
}

const INDUSTRY: &str = "industry";
const HARDWARE: &str = "hardware";
const FRAMEWORK: &str = "framework";
const KIND: &str = "kind";
/// Not counted for the screen: a partner's page and a certificate check
/// find their solutions by these.
const PARTNER: &str = "partner";
const CERTIFICATE: &str = "certificate";

fn kind_name(kind: OrganisationKind) -> &'static str {
    match kind {
        OrganisationKind::IncubatedStartup => "incubated_startup",
        OrganisationKind::Isv => "isv",
        OrganisationKind::Ihv => "ihv",
        OrganisationKind::Si => "si",
        OrganisationKind::ResearchInstitute => "research_institute",
        OrganisationKind::University => "university",
    }
}

/// A search of the directory as the screen asks it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct DirectoryQuery {
    pub text: String,
    pub industry: Option<String>,
    pub hardware: Option<String>,
    pub framework: Option<String>,
    pub kind: Option<OrganisationKind>,
    pub offset: u32,
    pub limit: u32,
}

impl DirectoryQuery {
    fn search(&self) -> Search {
        let filters = [
            (INDUSTRY, self.industry.clone()),
            (HARDWARE, self.hardware.clone()),
            (FRAMEWORK, self.framework.clone()),
            (KIND, self.kind.map(|k| kind_name(k).to_owned())),
        ]
        .into_iter()
        .filter_map(|(facet, value)| {
            value.map(|value| Filter {
                facet: facet.to_owned(),
                value,
            })
        })
        .collect();
        Search {
            text: self.text.clone(),
            filters,
            offset: self.offset,
            limit: self.limit,
        }
    }
}

/// A page of the directory: the solutions matching and how many match.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DirectoryPage {
    pub found: Found<Solution>,
    /// When the directory was last synced; `None` before its first sync.
    pub synced_at: Option<String>,
}

/// The solutions matching `query`, by name.
pub fn search(conn: &Connection, query: &DirectoryQuery) -> Result<DirectoryPage> {
    Ok(DirectoryPage {
        found: searchable::search(conn, &query.search())?,
        synced_at: synced_at(conn)?,
    })
}

/// How many solutions matching `query` hold each value of each filter:
/// the slower question at tens of thousands of solutions, asked once
/// typing pauses.
pub fn facets(conn: &Connection, query: &DirectoryQuery) -> Result<Vec<FacetCounts>> {
    searchable::facets::<Solution>(conn, &query.search())
}

fn synced_at(conn: &Connection) -> Result<Option<String>> {
    Ok(cursors::cursor(conn, Collection::Directory)?.map(|(_, at)| at))
}

/// One solution, if the directory lists it.
pub fn solution(conn: &Connection, id: &str) -> Result<Option<Solution>> {
    searchable::get(conn, id)
}

/// Every listed solution of the partner with `partner_id`, by name.
pub fn of_partner(conn: &Connection, partner_id: &str) -> Result<Vec<Solution>> {
    let search = Search {
        filters: vec![Filter {
            facet: PARTNER.to_owned(),
            value: partner_id.to_owned(),
        }],
        limit: searchable::MAX_PAGE,
        ..Search::default()
    };
    Ok(searchable::search(conn, &search)?.items)
}

/// A certificate check as the app shows it: the center's answer, or the
/// local directory's when the center could not be asked.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CheckedCertificate {
    pub check: CertificateCheck,
    /// Set when the answer is the local directory's, as synced then: it
    /// may be out of date (a revocation since is not in it).
    pub from_copy_synced_at: Option<String>,
}

/// What the local directory says of `certificate_id` at `now`: a listed
/// solution's certificate is valid until it expires; one not listed is
/// unknown here (it may be unlisted, revoked or newer than the copy).
pub fn check_locally(
    conn: &Connection,
    certificate_id: &str,
    now: &str,
) -> Result<CheckedCertificate> {
    let search = Search {
        filters: vec![Filter {
            facet: CERTIFICATE.to_owned(),
            value: certificate_id.to_owned(),
        }],
        limit: 1,
        ..Search::default()
    };
    let found: Option<Solution> = searchable::search(conn, &search)?.items.into_iter().next();
    let check = match found {
        Some(solution) => CertificateCheck {
            certificate_id: certificate_id.to_owned(),
            status: if crate::clock::instant(&solution.expires_at) <= crate::clock::instant(now) {
                CertificateStatus::Expired
            } else {
                CertificateStatus::Valid
            },
            holder: Some(solution.partner.name),
            solution_name: Some(solution.name),
            solution_id: Some(solution.id),
            certified_at: Some(solution.certified_at),
            expires_at: Some(solution.expires_at),
            revoked_at: None,
            revoked_reason: None,
        },
        None => CertificateCheck::unknown(certificate_id),
    };
    Ok(CheckedCertificate {
        check,
        from_copy_synced_at: Some(synced_at(conn)?.unwrap_or_default()),
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use aicc_api::directory::Partner;
    use aicc_api::sync::{Change, ChangePage};

    use super::*;
    use crate::store::Store;

    pub(crate) fn solution(n: usize, name: &str, industry: &str, partner: &str) -> Solution {
        Solution {
            id: format!("app_{n}"),
            name: name.into(),
            description: "Finds faults in line-scan images of track".into(),
            industries: vec![industry.into()],
            hardware: vec!["Atlas 300I Duo".into()],
            frameworks: vec!["MindSpore".into()],
            certificate_id: format!("AICC-ASC-2026-{n:06}"),
            certified_at: "2026-03-01T00:00:00Z".into(),
            expires_at: "2029-03-01T00:00:00Z".into(),
            partner: Partner {
                id: partner.into(),
                name: format!("Partner {partner}"),
                kind: OrganisationKind::Isv,
                contact: None,
            },
            updated_at: "2026-03-01T00:00:00Z".into(),
        }
    }

    fn apply(store: &Store, changes: Vec<Change<Solution>>) {
        let next = changes.iter().map(Change::rev).max().unwrap_or(0);
        let page = ChangePage {
            changes,
            next,
            more: false,
            remaining: 0,
        };
        store
            .blocking(|c| searchable::apply_page(c, &page, "2026-12-06T12:00:00Z"))
            .unwrap();
    }

    fn names(page: &DirectoryPage) -> Vec<&str> {
        page.found.items.iter().map(|s| s.name.as_str()).collect()
    }

    #[test]
    fn solutions_are_found_by_any_part_of_a_chinese_name_and_the_start_of_english_words() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("store.sqlite3")).unwrap();
        apply(
            &store,
            vec![
                Change::Upsert {
                    rev: 1,
                    item: solution(1, "RailEye 轨道巡检 3.0", "rail inspection", "7"),
                },
                Change::Upsert {
                    rev: 2,
                    item: solution(2, "SeamSight 焊缝缺陷检测", "weld-seam inspection", "8"),
                },
                Change::Upsert {
                    rev: 3,
                    item: solution(3, "Grid Guard 输电线路巡检", "energy", "8"),
                },
            ],
        );
        let found = |text: &str| {
            let query = DirectoryQuery {
                text: text.into(),
                limit: 20,
                ..DirectoryQuery::default()
            };
            store.blocking(|c| search(c, &query)).unwrap()
        };
        assert_eq!(
            names(&found("巡检")),
            ["Grid Guard 输电线路巡检", "RailEye 轨道巡检 3.0"]
        );
        assert_eq!(names(&found("轨道巡")), ["RailEye 轨道巡检 3.0"]);
        assert_eq!(names(&found("rai")), ["RailEye 轨道巡检 3.0"]);
        assert_eq!(names(&found("weld insp")), ["SeamSight 焊缝缺陷检测"]);
        assert_eq!(
            names(&found("AICC-ASC-2026-000002")),
            ["SeamSight 焊缝缺陷检测"]
        );
        assert!(
            names(&found("ail")).is_empty(),
            "words are found by their start"
        );
        assert_eq!(found("\"OR ( *").found.total, 0);

        let all = found("");
        assert_eq!(all.found.total, 3);
        let all = store
            .blocking(|c| facets(c, &DirectoryQuery::default()))
            .unwrap();
        let industries = &all[0];
        assert_eq!(industries.facet, "industry");
        assert_eq!(industries.values.len(), 3);
        let kinds = &all[3];
        assert_eq!(
            (kinds.values[0].value.as_str(), kinds.values[0].count),
            ("isv", 3)
        );

        let query = DirectoryQuery {
            industry: Some("energy".into()),
            limit: 20,
            ..DirectoryQuery::default()
        };
        let energy = store.blocking(|c| search(c, &query)).unwrap();
        assert_eq!(names(&energy), ["Grid Guard 输电线路巡检"]);
        let counted = store.blocking(|c| facets(c, &query)).unwrap();
        assert_eq!(counted[0].values.len(), 1, "counts within the filter");
        // Two of three match: counted as all less the one that does not.
        let most = DirectoryQuery {
            text: "巡检".into(),
            ..DirectoryQuery::default()
        };
        let counted = store.blocking(|c| facets(c, &most)).unwrap();
        let industries: Vec<(&str, u32)> = counted[0]
            .values
            .iter()
            .map(|v| (v.value.as_str(), v.count))
            .collect();
        assert_eq!(industries, [("energy", 1), ("rail inspection", 1)]);
        assert_eq!(counted[3].values[0].count, 2, "both are ISVs'");

        let of_partner = store.blocking(|c| of_partner(c, "8")).unwrap();
        assert_eq!(of_partner.len(), 2);

        // Unlisted: gone from search, the partner's page and the check.
        apply(
            &store,
            vec![Change::Tombstone {
                rev: 4,
                id: "app_1".into(),
            }],
        );
        assert_eq!(names(&found("巡检")), ["Grid Guard 输电线路巡检"]);
        let check = store
            .blocking(|c| check_locally(c, "AICC-ASC-2026-000001", "2026-12-06T12:00:00Z"))
            .unwrap();
        assert_eq!(check.check.status, CertificateStatus::Unknown);
        let check = store
            .blocking(|c| check_locally(c, "AICC-ASC-2026-000002", "2029-03-02T00:00:00Z"))
            .unwrap();
        assert_eq!(check.check.status, CertificateStatus::Expired);
        assert_eq!(check.check.holder.as_deref(), Some("Partner 8"));
        assert_eq!(
            check.from_copy_synced_at.as_deref(),
            Some("2026-12-06T12:00:00Z")
        );
    }

    #[test]
    fn pages_are_in_name_order_whether_the_matches_are_many_or_few() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("store.sqlite3")).unwrap();
        // 40 solutions: every one matches "inspect", a tenth "weld".
        let changes = (0..40)
            .map(|n| {
                let industry = if n % 10 == 0 {
                    "weld-seam inspection"
                } else {
                    "rail inspection"
                };
                Change::Upsert {
                    rev: n as u64 + 1,
                    item: solution(n, &format!("Inspector {:02}", (n * 7) % 40), industry, "7"),
                }
            })
            .collect();
        apply(&store, changes);
        let page = |text: &str, offset: u32, limit: u32| {
            let query = DirectoryQuery {
                text: text.into(),
                offset,
                limit,
                ..DirectoryQuery::default()
            };
            store.blocking(|c| search(c, &query)).unwrap()
        };
        let many = page("inspect", 5, 3);
        assert_eq!(many.found.total, 40);
        assert_eq!(
            names(&many),
            ["Inspector 05", "Inspector 06", "Inspector 07"]
        );
        let few = page("weld", 1, 2);
        assert_eq!(few.found.total, 4);
        let all_few = page("weld", 0, 10);
        let mut sorted = names(&all_few);
        sorted.sort();
        assert_eq!(names(&all_few), sorted, "sorted by name");
        assert_eq!(names(&few), names(&all_few)[1..3]);
    }
}

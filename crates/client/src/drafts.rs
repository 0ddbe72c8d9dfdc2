//! Forms being written — a partner application, a training request — saved
//! locally as the user types, offline too, so a restart or a crash loses
//! nothing. A draft is the form's JSON, whatever its state of completion.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::error::Result;

/// What a draft is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum DraftKind {
    Application,
    Job,
    /// A milestone's evidence.
    Milestone,
}

impl DraftKind {
    fn as_str(self) -> &'static str {
        match self {
            DraftKind::Application => "application",
            DraftKind::Job => "job",
            DraftKind::Milestone => "milestone",
        }
    }
}

/// A saved form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Draft {
    pub id: String,
    pub kind: DraftKind,
    /// The form as typed, e.g. an `ApplicationForm` or a `JobRequest` in progress.
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub body: serde_json::Value,
    pub updated_at: String,
}

/// Saves (or replaces) a draft.
pub fn save(conn: &Connection, draft: &Draft) -> Result<()> {
    conn.execute(
        "INSERT INTO drafts (id, kind, body, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, body = excluded.body, updated_at = excluded.updated_at",
        params![draft.id, draft.kind.as_str(), serde_json::to_string(&draft.body)?, draft.updated_at],
    )?;
    Ok(())
}

/// One draft.
pub fn get(conn: &Connection, id: &str) -> Result<Option<Draft>> {
    let row: Option<(String, String, String)> = conn
        .query_row(
            "SELECT kind, body, updated_at FROM drafts WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    row.map(|(kind, body, updated_at)| {
        Ok(Draft {
            id: id.to_owned(),
            kind: match kind.as_str() {
                "job" => DraftKind::Job,
                "milestone" => DraftKind::Milestone,
                _ => DraftKind::Application,
            },
            body: serde_json::from_str(&body)?,
            updated_at,
        })
    })
    .transpose()
}

/// Every draft of a kind, most recent first.
pub fn list(conn: &Connection, kind: DraftKind) -> Result<Vec<Draft>> {
    let ids: Vec<String> = conn
        .prepare_cached("SELECT id FROM drafts WHERE kind = ?1 ORDER BY updated_at DESC, id")?
        .query_map([kind.as_str()], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    ids.iter()
        .filter_map(|id| get(conn, id).transpose())
        .collect()
}

/// Forgets a draft, e.g. once its form was sent.
pub fn delete(conn: &Connection, id: &str) -> Result<()> {
    conn.execute("DELETE FROM drafts WHERE id = ?1", [id])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn drafts_survive_reopening_the_store_as_typed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sqlite3");
        let draft = Draft {
            id: "new-job".into(),
            kind: DraftKind::Job,
            body: serde_json::json!({"name": "qwen3 lora", "nodes": 2, "hyperparameters": {"lr": "1e-4"}}),
            updated_at: "2026-11-27T10:00:00Z".into(),
        };
        Store::open(&path)
            .unwrap()
            .blocking(|c| save(c, &draft))
            .unwrap();
        let reopened = Store::open(&path).unwrap();
        assert_eq!(
            reopened.blocking(|c| get(c, "new-job")).unwrap(),
            Some(draft.clone())
        );
        assert_eq!(
            reopened.blocking(|c| list(c, DraftKind::Job)).unwrap(),
            vec![draft]
        );
        assert!(
            reopened
                .blocking(|c| list(c, DraftKind::Application))
                .unwrap()
                .is_empty()
        );
        reopened.blocking(|c| delete(c, "new-job")).unwrap();
        assert_eq!(reopened.blocking(|c| get(c, "new-job")).unwrap(), None);
    }
}

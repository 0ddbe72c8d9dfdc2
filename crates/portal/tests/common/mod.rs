//! What the portal's HTTP tests share: a real portal on a free loopback
//! port with a real SQLite file, and the requests they make.

#![allow(clippy::unwrap_used, dead_code, unused_imports)] // each test file uses part of it

use std::time::Duration;

use aicc_portal::Portal;
use aicc_portal::config::Config;
use aicc_portal::db::Db;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub struct Server {
    pub url: String,
    pub http: reqwest::Client,
    /// The portal's database, for what only `aicc-portal admin` does.
    pub db: Db,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Server {
    pub async fn start(config: Config) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let url = match config.tls {
            Some(_) => format!("https://localhost:{port}"),
            None => format!("http://127.0.0.1:{port}"),
        };
        let portal = Portal::open(config, true).unwrap();
        let db = portal.db().clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            portal
                .serve(listener, async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        Self {
            url,
            http: reqwest::Client::new(),
            db,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Holds the portal's one writer connection, as a long transaction
    /// would, until [`Busy::release`] (or `patience` runs out).
    pub async fn busy_writer(&self, patience: Duration) -> Busy {
        let (held, holding) = tokio::sync::oneshot::channel();
        let (go, gone) = std::sync::mpsc::channel::<()>();
        let task = tokio::spawn({
            let db = self.db.clone();
            async move {
                db.call(move |_| {
                    let _ = held.send(());
                    Ok::<_, aicc_portal::db::DbError>(gone.recv_timeout(patience).is_ok())
                })
                .await
                .unwrap()
            }
        });
        holding.await.unwrap();
        Busy { go, task }
    }

    /// Sends a request's headers and holds its body back until
    /// [`Held::send`]: what a slow network does to a partner's write.
    pub async fn hold(&self, method: Method, path: &str, token: &str, body: Value) -> Held {
        self.hold_with(method, path, token, &[], body).await
    }

    /// [`Server::hold`] with more headers.
    pub async fn hold_with(
        &self,
        method: Method,
        path: &str,
        token: &str,
        headers: &[(&str, &str)],
        body: Value,
    ) -> Held {
        use tokio::io::AsyncWriteExt as _;

        let body = body.to_string();
        let headers: String = headers
            .iter()
            .map(|(name, value)| format!("{name}: {value}\r\n"))
            .collect();
        let address = self.url.trim_start_matches("http://").to_owned();
        let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
        stream
            .write_all(
                format!(
                    "{method} {path} HTTP/1.1\r\nHost: portal\r\nAuthorization: Bearer {token}\r\n\
                     {headers}Content-Type: application/json\r\nContent-Length: {}\r\n\
                     Connection: close\r\n\r\n",
                    body.len()
                )
                .as_bytes(),
            )
            .await
            .unwrap();
        // Let the portal read the headers and find who asks.
        tokio::time::sleep(Duration::from_millis(300)).await;
        Held { stream, body }
    }

    /// Stops gracefully and waits until the portal has shut down.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap();
        }
    }

    /// Signs a demo account in: the whole grant.
    pub async fn sign_in(&self, email: &str) -> Value {
        let (status, body) = self
            .call(
                Method::POST,
                "/v1/auth/token",
                None,
                Some(json!({"email": email, "password": "demo-password"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    /// A demo account's access token.
    pub async fn token(&self, email: &str) -> String {
        self.sign_in(email).await["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.http.request(method, format!("{}{path}", self.url));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let bytes = response.bytes().await.unwrap();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

pub fn config(dir: &tempfile::TempDir) -> Config {
    Config {
        data_dir: dir.path().into(),
        scheduler_tick_ms: 50,
        requests_per_second: 1000,
        ..Config::default()
    }
}

pub fn job(pool: &str, nodes: u32, npus_per_node: u32, max_hours: f64) -> Value {
    json!({
        "name": "fine-tune for defect detection",
        "base_model": {"model_id": "resnet50", "version": null},
        "custom_image": null,
        "dataset_uri": "obs://demo-robotics/defects",
        "pool_id": pool,
        "nodes": nodes,
        "npus_per_node": npus_per_node,
        "max_hours": max_hours,
        "hyperparameters": {"lr": 0.001, "epochs": 30, "optimizer": "adamw"},
        "priority": "normal",
        "note": ""
    })
}

pub use aicc_e2e::fixtures::{PDF, application_form as complete_form};

pub async fn wait_for(
    server: &Server,
    token: &str,
    path: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let (_, body) = server.call(Method::GET, path, Some(token), None).await;
        if done(&body) {
            return body;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "gave up waiting: {body}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The writer held by [`Server::busy_writer`].
pub struct Busy {
    go: std::sync::mpsc::Sender<()>,
    task: tokio::task::JoinHandle<bool>,
}

impl Busy {
    /// Lets the writer go; whether it was still held (patience had not run out).
    pub async fn release(self) -> bool {
        let _ = self.go.send(());
        self.task.await.unwrap()
    }
}

/// A request whose body has not been sent yet.
pub struct Held {
    stream: tokio::net::TcpStream,
    body: String,
}

impl Held {
    /// Sends the body and hangs up at once with a reset, as a client that
    /// was killed or whose network dropped does.
    pub async fn hang_up(mut self) {
        use tokio::io::AsyncWriteExt as _;

        self.stream.write_all(self.body.as_bytes()).await.unwrap();
        self.stream.set_zero_linger().unwrap();
    }

    /// Sends the body; the whole answer, status line first.
    pub async fn send(mut self) -> String {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

        self.stream.write_all(self.body.as_bytes()).await.unwrap();
        let mut answer = String::new();
        self.stream.read_to_string(&mut answer).await.unwrap();
        answer
    }
}

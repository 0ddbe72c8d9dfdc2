//! A slurmrestd that answers the portal's start-up questions until told
//! to hang, and then stops answering: each later request is read and held
//! open, as a cluster whose controller hangs holds them. The portal's
//! scheduler then waits out its REST timeout on every tick.

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// The REST API version the portal speaks.
const VERSION: &str = "v0.0.38";

/// A hanging slurmrestd on loopback; it stops accepting when dropped.
#[derive(Debug)]
pub struct HangingSlurm {
    pub url: String,
    held: Arc<AtomicUsize>,
    hanging: Arc<AtomicBool>,
    stopped: Arc<AtomicBool>,
}

impl HangingSlurm {
    pub fn start() -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let url = format!("http://{}", listener.local_addr()?);
        let held = Arc::new(AtomicUsize::new(0));
        let hanging = Arc::new(AtomicBool::new(false));
        let stopped = Arc::new(AtomicBool::new(false));
        let (counted, hangs, stopping) = (
            Arc::clone(&held),
            Arc::clone(&hanging),
            Arc::clone(&stopped),
        );
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                let (counted, hangs) = (Arc::clone(&counted), Arc::clone(&hangs));
                std::thread::spawn(move || serve(stream, &counted, &hangs));
            }
        });
        Ok(Self {
            url,
            held,
            hanging,
            stopped,
        })
    }

    /// From now on, answers nothing.
    pub fn hang(&self) {
        self.hanging.store(true, Ordering::SeqCst);
    }

    /// How many requests it has held unanswered.
    pub fn held(&self) -> usize {
        self.held.load(Ordering::SeqCst)
    }
}

impl Drop for HangingSlurm {
    fn drop(&mut self) {
        self.stopped.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees it is stopped.
        let _ = TcpStream::connect(self.url.trim_start_matches("http://"));
    }
}

/// Until `hanging`, answers the API description, the token check and the
/// node list (one node of 8 NPUs in partition `npu`); holds every other
/// request, and every one once `hanging`, until its client gives up.
fn serve(stream: TcpStream, held: &AtomicUsize, hanging: &AtomicBool) {
    let Ok(mut reader) = stream.try_clone().map(BufReader::new) else {
        return;
    };
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            if header == "\r\n" {
                break;
            }
        }
        let path = request_line.split(' ').nth(1).unwrap_or("");
        let answering = !hanging.load(Ordering::SeqCst);
        let body = if answering && path == "/openapi/v3" {
            format!(r#"{{"paths": {{"/slurm/{VERSION}/ping": {{}}}}}}"#)
        } else if answering && path == format!("/slurm/{VERSION}/ping") {
            r#"{"pings": [{"ping": "UP"}], "errors": []}"#.to_owned()
        } else if answering && path == format!("/slurm/{VERSION}/nodes") {
            r#"{"nodes": [{"partitions": ["npu"], "gres": "npu:8", "gres_used": "npu:0", "state": "idle"}], "errors": []}"#
                .to_owned()
        } else {
            held.fetch_add(1, Ordering::SeqCst);
            // Reads until the client hangs up; answers nothing.
            let mut rest = Vec::new();
            let _ = std::io::Read::read_to_end(&mut reader, &mut rest);
            return;
        };
        let mut writer = reader.get_ref();
        let answer = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        if writer.write_all(answer.as_bytes()).is_err() {
            return;
        }
    }
}

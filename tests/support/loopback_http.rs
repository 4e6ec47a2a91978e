//! A loopback HTTP/1.1 server for tests: keep-alive connections, each on its own thread,
//! answered by a handler, every request logged.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Instant;

#[derive(Debug, Clone)]
pub struct Req {
    pub path: String,
    /// Header names in lower case.
    pub headers: HashMap<String, String>,
    /// When the request arrived.
    pub at: Instant,
}

/// (status, extra headers, body).
pub type Reply = (u16, Vec<(&'static str, String)>, Vec<u8>);
/// Answers a request; the `usize` is how many earlier requests had the same path.
pub type Handler = dyn Fn(&Req, usize) -> Reply + Send + Sync;

/// Serves `handler` on a loopback port; returns the base URL and the request log.
pub fn serve(handler: Arc<Handler>) -> (String, Arc<Mutex<Vec<Req>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/", listener.local_addr().unwrap());
    let log: Arc<Mutex<Vec<Req>>> = Arc::default();
    let log2 = log.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let (handler, log) = (handler.clone(), log2.clone());
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut out = stream;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
                    let mut headers = HashMap::new();
                    loop {
                        let mut h = String::new();
                        if reader.read_line(&mut h).unwrap_or(0) == 0 {
                            return;
                        }
                        let h = h.trim_end();
                        if h.is_empty() {
                            break;
                        }
                        if let Some((k, v)) = h.split_once(':') {
                            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
                        }
                    }
                    let req = Req {
                        path,
                        headers,
                        at: Instant::now(),
                    };
                    let nth = {
                        let mut log = log.lock().unwrap();
                        let nth = log.iter().filter(|r| r.path == req.path).count();
                        log.push(req.clone());
                        nth
                    };
                    let (status, hdrs, body) = handler(&req, nth);
                    let mut resp =
                        format!("HTTP/1.1 {status} X\r\ncontent-length: {}\r\n", body.len());
                    for (k, v) in hdrs {
                        resp.push_str(&format!("{k}: {v}\r\n"));
                    }
                    resp.push_str("\r\n");
                    if out.write_all(resp.as_bytes()).is_err() || out.write_all(&body).is_err() {
                        return;
                    }
                    let _ = out.flush();
                }
            });
        }
    });
    (base, log)
}

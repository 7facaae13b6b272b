//! The connection under actix-http, and the server built on it.
//!
//! actix-http answers some requests before any of our code sees them, with
//! an empty body: a head of more than 96 header fields or 128 KiB (431, its
//! fixed limits), a head it cannot parse (400), a head that does not arrive
//! within the client request timeout (408). Each is the last answer on its
//! connection: actix stops reading, writes it, and closes. [`Wire`] wraps the
//! TCP stream and writes such an answer as problem+json with a `code`, like
//! every other 4xx of the server. Our own answers never match: every error
//! the routes give carries a problem body (`problem_guard`). A body that
//! itself ends with such a head would: JSON and CSV bodies cannot (they
//! escape or quote CR LF), an uploaded file crafted so could, and only its
//! own download would then end in a problem body.
//!
//! [`serve`] is `HttpServer::listen` with the stream wrapped: the same
//! actix-http service and actix-server workers, settings and graceful stop.

use std::io;
use std::net::TcpListener;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use actix_http::{HttpService, Protocol, Request, Response};
use actix_service::{IntoServiceFactory, ServiceFactoryExt, map_config};
use actix_web::body::MessageBody;
use actix_web::dev::{AppConfig, Server, Service, ServiceFactory, fn_service};
use actix_web::http::StatusCode;
use actix_web::rt::net::TcpStream;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::error::{ApiError, ErrorCode, PROBLEM_JSON};

/// What the server is told at start.
#[derive(Debug, Clone, Copy)]
pub struct Serving {
    pub workers: usize,
    pub blocking_threads: usize,
    /// Connections per worker.
    pub connections: usize,
    /// How long a client may take to send a request head.
    pub head_timeout: Duration,
    /// Seconds in-flight requests get to finish at a graceful stop.
    pub shutdown_timeout: u64,
}

/// Serves the app that `factory` builds (one per worker) on `listener`.
pub fn serve<F, I, S, B>(listener: TcpListener, serving: Serving, factory: F) -> io::Result<Server>
where
    F: Fn() -> I + Send + Clone + 'static,
    I: IntoServiceFactory<S, Request>,
    S: ServiceFactory<Request, Config = AppConfig> + 'static,
    S::Error: Into<actix_web::Error> + 'static,
    S::InitError: std::fmt::Debug,
    S::Response: Into<Response<B>> + 'static,
    <S::Service as Service<Request>>::Future: 'static,
    S::Service: 'static,
    B: MessageBody + 'static,
{
    let builder = Server::build();
    let stopping = builder.graceful_shutdown_signal();
    let addr = listener.local_addr()?;
    let builder = builder
        .workers(serving.workers)
        .worker_max_blocking_threads(serving.blocking_threads)
        .max_concurrent_connections(serving.connections)
        .shutdown_timeout(serving.shutdown_timeout)
        .listen("crm", listener, move || {
            let stopping = stopping.clone();
            let app = factory().into_factory().map_err(|err| err.into().error_response());
            let http = HttpService::build()
                .graceful_shutdown_signal(move || {
                    let stopping = stopping.clone();
                    async move { stopping.notified().await }
                })
                .client_request_timeout(serving.head_timeout)
                .client_disconnect_timeout(Duration::from_secs(1))
                .h1_allow_half_closed(true)
                .local_addr(addr)
                // AppConfig's host and address serve URL generation and
                // ConnectionInfo's fallback for a request without Host; the
                // server uses neither (HTTP/1.1 requires Host)
                .finish(map_config(app, |_| AppConfig::default()));
            // Nagle's algorithm left as the system has it, as HttpServer does
            fn_service(|io: TcpStream| async move {
                let peer = io.peer_addr().ok();
                Ok::<_, actix_http::error::DispatchError>((Wire::new(io), Protocol::Http1, peer))
            })
            .and_then(http)
        })?;
    Ok(builder.run())
}

/// A TCP stream whose last bare error answer from actix-http is written as
/// problem+json.
pub struct Wire {
    io: TcpStream,
    /// The problem answer being written in place of actix's, how much of it
    /// is out, and how many bytes of actix's to report written when done.
    swap: Option<(Vec<u8>, usize, usize)>,
}

impl Wire {
    fn new(io: TcpStream) -> Wire {
        Wire { io, swap: None }
    }
}

impl AsyncRead for Wire {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_read(cx, buf)
    }
}

impl AsyncWrite for Wire {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.swap.is_none() {
            match bare_answer(buf) {
                None => return Pin::new(&mut this.io).poll_write(cx, buf),
                // what comes before it goes out as it is; actix hands the
                // rest back with the next call
                Some((at, _)) if at > 0 => return Pin::new(&mut this.io).poll_write(cx, &buf[..at]),
                Some((_, answer)) => this.swap = Some((answer, 0, buf.len())),
            }
        }
        // actix calls again with the same bytes until they are reported
        // written, so the answer goes out whole across calls
        let Some((answer, sent, len)) = this.swap.as_mut() else {
            return Poll::Ready(Ok(0));
        };
        while *sent < answer.len() {
            match ready!(Pin::new(&mut this.io).poll_write(cx, &answer[*sent..]))? {
                0 => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                n => *sent += n,
            }
        }
        let len = *len;
        this.swap = None;
        Poll::Ready(Ok(len))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

/// The longest bare answer looked for: a status line and a few short fields.
const BARE_HEAD_MAX: usize = 256;

/// Where `buf` ends with one of actix-http's bare error answers (400, 408 or
/// 431: a head with `content-length: 0`, no content type), and the
/// problem+json answer to write instead of it, keeping its other fields
/// (`date`) and saying `connection: close`.
pub fn bare_answer(buf: &[u8]) -> Option<(usize, Vec<u8>)> {
    if !buf.ends_with(b"\r\n\r\n") {
        return None;
    }
    let from = buf.len().saturating_sub(BARE_HEAD_MAX);
    let at = from + buf[from..].windows(7).rposition(|w| w == b"HTTP/1.")?;
    let head = std::str::from_utf8(&buf[at..]).ok()?;
    let (status_line, fields) = head.split_once("\r\n")?;
    let fields = fields.strip_suffix("\r\n\r\n")?;
    let (version, reason) = status_line.split_at_checked(9)?;
    let status = StatusCode::from_u16(reason.get(..3)?.parse().ok()?).ok()?;
    let (code, detail) = match status.as_u16() {
        400 => (ErrorCode::BadRequest, "the request could not be read as HTTP/1.1"),
        408 => (ErrorCode::RequestTimeout, "the request head did not arrive in time"),
        431 => (
            ErrorCode::HeadTooLarge,
            "the request head has more than 96 header fields or 128 KiB (request line and headers)",
        ),
        _ => return None,
    };
    let mut kept = Vec::new();
    let mut empty = false;
    for field in fields.split("\r\n") {
        let (name, value) = field.split_once(": ")?;
        let token = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !token || value.contains(['\r', '\n']) {
            return None;
        }
        match name.to_ascii_lowercase().as_str() {
            "content-length" if value == "0" => empty = true,
            "content-length" | "content-type" | "transfer-encoding" => return None,
            // actix closes the connection after it, whether or not it says so
            "connection" => {}
            _ => kept.push(field),
        }
    }
    if !empty || !matches!(version, "HTTP/1.1 " | "HTTP/1.0 ") {
        return None;
    }
    let body = serde_json::to_string(&ApiError::new(status, code, detail).problem()).ok()?;
    let mut answer = format!(
        "{status_line}\r\ncontent-type: {PROBLEM_JSON}\r\ncontent-length: {}\r\n",
        body.len()
    );
    kept.push("connection: close");
    for field in kept {
        answer.push_str(field);
        answer.push_str("\r\n");
    }
    answer.push_str("\r\n");
    answer.push_str(&body);
    Some((at, answer.into_bytes()))
}

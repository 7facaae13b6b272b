//! The webhook delivery worker: every node polls for due deliveries, leases
//! a few (so each is sent by one node), sends them, and records each
//! attempt. Plain subscriptions get a signed JSON POST; WeCom and DingTalk
//! robots get their markdown message.

use std::time::{Duration, Instant};

use actix_web::web;
use chrono::{DateTime, Utc};
use domain::events::{Target, robot_message};
use persistence::events::dispatch::{self, Due, Outcome};

use crate::security::{hmac_sha256, hmac_sha256_hex, random_hex};
use crate::state::AppState;

/// Deliveries one node leases per poll.
const BATCH: i64 = 20;
/// How long a lease lasts: longer than a batch of timed-out sends.
const LEASE_SECS: i64 = 300;
const TIMEOUT: Duration = Duration::from_secs(10);
const EXCERPT: usize = 500;

/// The signature header: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let v1 = hmac_sha256_hex(secret.as_bytes(), format!("{timestamp}.{body}").as_bytes());
    format!("t={timestamp},v1={v1}")
}

/// The JSON body of a plain delivery.
pub fn http_body(due: &Due) -> String {
    let data: serde_json::Value = serde_json::from_str(&due.event.data).unwrap_or_default();
    serde_json::json!({
        "event_id": due.event.id,
        "delivery_id": due.delivery_id,
        "type": due.event.kind,
        "occurred_at": due.event.occurred_at.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "entity": due.event.entity,
        "entity_id": due.event.entity_id,
        "summary": due.event.summary,
        "data": data,
    })
    .to_string()
}

/// The robot's message body for WeCom or DingTalk.
pub fn robot_body(target: Target, due: &Due, zone: domain::calendar::Tz) -> String {
    let kind = due
        .event
        .kind
        .parse()
        .unwrap_or(domain::events::EventKind::CustomerCreated);
    let local = due
        .event
        .occurred_at
        .and_utc()
        .with_timezone(&zone)
        .format("%Y-%m-%d %H:%M")
        .to_string();
    let m = robot_message(kind, &due.event.summary, &local);
    match target {
        Target::DingTalk => serde_json::json!({"msgtype": "markdown", "markdown": {"title": m.title, "text": m.text}}),
        _ => serde_json::json!({"msgtype": "markdown", "markdown": {"content": m.text}}),
    }
    .to_string()
}

/// DingTalk's signed robot address: `&timestamp=<ms>&sign=<base64 HMAC>`.
pub fn dingtalk_url(url: &str, secret: Option<&str>, now: DateTime<Utc>) -> String {
    let Some(secret) = secret.filter(|s| !s.is_empty()) else {
        return url.to_owned();
    };
    use base64::Engine;
    let ms = now.timestamp_millis();
    let mac = hmac_sha256(secret.as_bytes(), format!("{ms}\n{secret}").as_bytes());
    let sign = base64::engine::general_purpose::STANDARD.encode(mac);
    let sign: String = form_urlencoded::byte_serialize(sign.as_bytes()).collect();
    let joiner = if url.contains('?') { '&' } else { '?' };
    format!("{url}{joiner}timestamp={ms}&sign={sign}")
}

fn excerpt(text: &str) -> Option<String> {
    let cut: String = text.chars().take(EXCERPT).collect();
    (!cut.is_empty()).then_some(cut)
}

/// Sends one delivery and says what came back. A robot that answers 200
/// with a non-zero `errcode` failed.
fn send(agent: &ureq::Agent, due: &Due, zone: domain::calendar::Tz, now: DateTime<Utc>) -> Outcome {
    let target = due.subscription.target().unwrap_or(Target::Http);
    let (url, body) = match target {
        Target::Http => (due.subscription.url.clone(), http_body(due)),
        Target::WeCom => (due.subscription.url.clone(), robot_body(target, due, zone)),
        Target::DingTalk => (
            dingtalk_url(&due.subscription.url, due.subscription.secret.as_deref(), now),
            robot_body(target, due, zone),
        ),
    };
    let mut req = agent
        .post(&url)
        .set("Content-Type", "application/json")
        .set("User-Agent", "crm-webhooks/1");
    if target == Target::Http {
        let secret = due.subscription.secret.as_deref().unwrap_or("");
        req = req
            .set("X-CRM-Event", &due.event.kind)
            .set("X-CRM-Delivery", &due.delivery_id.to_string())
            .set("X-CRM-Signature", &signature(secret, now.timestamp(), &body));
    }
    let started = Instant::now();
    let answer = req.send_string(&body);
    let latency_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    match answer {
        Ok(res) | Err(ureq::Error::Status(_, res)) => {
            let status = res.status();
            let text = res.into_string().unwrap_or_default();
            let robot_refused = target != Target::Http
                && serde_json::from_str::<serde_json::Value>(&text)
                    .ok()
                    .and_then(|v| v.get("errcode").and_then(|c| c.as_i64()))
                    .is_some_and(|c| c != 0);
            // a refusal inside a 200 counts as a failed attempt
            Outcome {
                status_code: (!robot_refused).then_some(status),
                latency_ms,
                excerpt: excerpt(&text),
                error: robot_refused.then(|| format!("the robot answered HTTP {status} with a non-zero errcode")),
            }
        }
        Err(e) => Outcome {
            status_code: None,
            latency_ms,
            excerpt: None,
            error: Some(e.to_string().chars().take(EXCERPT).collect()),
        },
    }
}

/// Leases and sends what is due; returns how many were sent.
fn run_once(state: &AppState, agent: &ureq::Agent, token: &str) -> Result<usize, persistence::RepoError> {
    let now = persistence::now_utc();
    if !state.db.run(|conn| dispatch::any_due(conn, now))? {
        return Ok(0);
    }
    let due = state
        .db
        .write(|conn| dispatch::claim_due(conn, token, BATCH, chrono::Duration::seconds(LEASE_SECS), now))?;
    if due.is_empty() {
        return Ok(0);
    }
    let zone = state.db.run(persistence::settings::zone)?;
    for d in &due {
        let sent_at = persistence::now_utc();
        let outcome = send(agent, d, zone, sent_at);
        let policy = state.limits.webhook_retry;
        let after = state
            .db
            .write(|conn| dispatch::record_attempt(conn, d, &outcome, &policy, persistence::now_utc()))?;
        log::info!(
            "webhook {} delivery {} ({}): {:?} in {} ms -> {after:?}",
            d.subscription.id,
            d.delivery_id,
            d.event.kind,
            outcome.status_code,
            outcome.latency_ms
        );
    }
    Ok(due.len())
}

/// Starts the worker on this node's actix system (it stops with the server).
pub fn spawn(state: web::Data<AppState>) {
    let every = state.limits.webhook_poll;
    let token = random_hex(8).unwrap_or_else(|_| format!("pid-{}", std::process::id()));
    let agent = crate::outbound::agent(state.limits.outbound_allow.clone(), TIMEOUT);
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(every);
        loop {
            tick.tick().await;
            let (state, agent, token) = (state.clone(), agent.clone(), token.clone());
            // a full batch means more may be waiting: go again at once
            let mut sent = BATCH as usize;
            while sent == BATCH as usize {
                let (state, agent, token) = (state.clone(), agent.clone(), token.clone());
                sent = match web::block(move || run_once(&state, &agent, &token)).await {
                    Ok(Ok(n)) => n,
                    Ok(Err(e)) => {
                        log::error!("webhook delivery: {e}");
                        0
                    }
                    Err(e) => {
                        log::error!("webhook delivery: {e}");
                        0
                    }
                };
            }
        }
    });
}

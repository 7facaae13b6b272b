//! Slow and greedy clients: requests in progress are counted per client
//! address, and an address past its share gets 429 at once instead of tying
//! up the server (e.g. hundreds of connections that send headers and then
//! stall their bodies). Probes are never refused.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;

use crate::error::ApiError;

/// Requests in progress per client address.
#[derive(Debug)]
pub struct InFlight {
    limit: usize,
    per_address: Mutex<HashMap<IpAddr, usize>>,
}

/// Counts one request until dropped.
pub struct Slot {
    table: Arc<InFlight>,
    address: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(mut map) = self.table.per_address.lock()
            && let Some(n) = map.get_mut(&self.address)
        {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.address);
            }
        }
    }
}

impl InFlight {
    pub fn new(limit: usize) -> Arc<InFlight> {
        Arc::new(InFlight {
            limit: limit.max(1),
            per_address: Mutex::new(HashMap::new()),
        })
    }

    pub fn enter(self: &Arc<Self>, address: IpAddr) -> Option<Slot> {
        let mut map = self.per_address.lock().ok()?;
        let n = map.entry(address).or_insert(0);
        if *n >= self.limit {
            return None;
        }
        *n += 1;
        Some(Slot {
            table: self.clone(),
            address,
        })
    }
}

/// Refuses a request from an address that already has `limit` in progress.
pub async fn per_address(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let probe = matches!(req.path(), "/healthz" | "/readyz" | "/metrics");
    let table = req.app_data::<web::Data<Arc<InFlight>>>().cloned();
    let address = crate::client::client_ip(req.request());
    let slot = match (probe, table, address) {
        (false, Some(table), Some(address)) => match table.enter(address) {
            Some(slot) => Some(slot),
            None => {
                let e = ApiError::too_many(
                    1,
                    format!("too many requests in progress from {address}; wait for some to finish"),
                );
                return Ok(req.error_response(e));
            }
        },
        _ => None,
    };
    let res = next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    drop(slot);
    res
}

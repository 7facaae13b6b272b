//! Which methods each documented path answers, read from the OpenAPI
//! document once at start: the fallback answers 405 (naming them) rather
//! than 404 for a known path, and so does a path id that names a fixed route.
//! A leaf, so the request extractors and the middleware can both ask it.

use actix_web::http::header;
use actix_web::http::{Method, StatusCode};

use crate::error::{ApiError, ErrorCode};

/// The methods each route template answers, from the OpenAPI document.
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    /// Each path template split at `/`, with the methods it answers.
    pub routes: Vec<(Vec<String>, Vec<String>)>,
}

impl RouteTable {
    pub fn from_spec(spec: &utoipa::openapi::OpenApi) -> RouteTable {
        let paths = serde_json::to_value(&spec.paths).unwrap_or_default();
        let mut routes = Vec::new();
        if let Some(map) = paths.as_object() {
            for (template, item) in map {
                let segments = template.split('/').map(str::to_owned).collect();
                let methods = item
                    .as_object()
                    .map(|ops| {
                        ops.keys()
                            .filter(|m| {
                                matches!(
                                    m.as_str(),
                                    "get" | "post" | "put" | "patch" | "delete" | "head" | "options"
                                )
                            })
                            .map(|m| m.to_ascii_uppercase())
                            .collect()
                    })
                    .unwrap_or_default();
                routes.push((segments, methods));
            }
        }
        RouteTable { routes }
    }

    /// The methods of a template without parameters that is exactly `path`
    /// (`/customers/transfer`, not `/customers/{id}`).
    pub fn allowed_literal(&self, path: &str) -> Option<Vec<String>> {
        let parts: Vec<&str> = path.split('/').collect();
        self.routes
            .iter()
            .find(|(segments, _)| segments.len() == parts.len() && segments.iter().zip(&parts).all(|(s, p)| s == p))
            .map(|(_, methods)| {
                let mut m = methods.clone();
                m.sort();
                m
            })
    }

    /// The methods allowed on `path`, if any template matches it.
    pub fn allowed(&self, path: &str) -> Option<Vec<String>> {
        // a fixed route wins over templates with parameters, as in the router
        if let Some(methods) = self.allowed_literal(path) {
            return Some(methods);
        }
        let parts: Vec<&str> = path.split('/').collect();
        let mut found: Vec<String> = Vec::new();
        for (segments, methods) in &self.routes {
            let matches = segments.len() == parts.len()
                && segments
                    .iter()
                    .zip(&parts)
                    .all(|(s, p)| (s.starts_with('{') && !p.is_empty()) || s == p);
            if matches {
                found.extend(methods.iter().cloned());
            }
        }
        (!found.is_empty()).then(|| {
            found.sort();
            found.dedup();
            found
        })
    }
}

pub fn method_not_allowed(method: &Method, methods: &[String]) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::MethodNotAllowed,
        format!("{method} is not allowed here; use {}", methods.join(", ")),
    )
    .with_header(header::ALLOW, methods.join(", "))
}

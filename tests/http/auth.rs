//! Sign-in, tokens and throttling.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, Utc};
use crm_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, JWT_SECRET, TestApp, password_of};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

fn claims(sub: i64, exp_in: Duration) -> serde_json::Value {
    let now = Utc::now();
    json!({"sub": sub.to_string(), "role": "admin", "iat": now.timestamp(), "exp": (now + exp_in).timestamp(), "iss": "crm", "aud": "crm-api"})
}

#[test]
fn a_user_signs_in_and_reads_me() {
    let app = TestApp::spawn();
    let login = app.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    assert_eq!(login["token_type"], "Bearer");
    assert_eq!(login["expires_in"], 900);
    assert_eq!(login["user"]["role"], "admin");
    let me = app
        .get("/api/v1/me")
        .bearer(login["access_token"].as_str().unwrap())
        .send()
        .expect(200)
        .json();
    assert_eq!(me["email"], ADMIN_EMAIL);
    assert!(me["last_login_at"].is_string(), "login is recorded: {me}");
    assert!(me.get("password_hash").is_none());
}

#[test]
fn login_email_is_case_insensitive_and_wrong_passwords_are_401() {
    let app = TestApp::spawn();
    app.login("  ADMIN@Example.com ", ADMIN_PASSWORD);
    app.post("/api/v1/auth/login")
        .json(&json!({"email": ADMIN_EMAIL, "password": "wrong-password"}))
        .problem(401, "invalid_credentials");
    app.post("/api/v1/auth/login")
        .json(&json!({"email": "nobody@example.com", "password": "wrong-password"}))
        .problem(401, "invalid_credentials");
}

#[test]
fn ten_wrong_passwords_lock_the_account_with_retry_after() {
    let app = TestApp::spawn();
    let statuses: Vec<u16> = (0..10)
        .map(|_| {
            app.post("/api/v1/auth/login")
                .json(&json!({"email": ADMIN_EMAIL, "password": "guess-guess"}))
                .status
        })
        .collect();
    assert_eq!(&statuses[..5], &[401; 5]);
    assert_eq!(&statuses[5..], &[429; 5]);
    // while locked even the right password is refused, and the answer says how long to wait
    let locked = app
        .post("/api/v1/auth/login")
        .json(&json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}));
    locked.problem(429, "too_many_requests");
    let wait: i64 = locked.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=900).contains(&wait), "Retry-After {wait}");
}

#[test]
fn many_accounts_from_one_address_are_throttled_too() {
    let app = TestApp::spawn();
    let mut last = 0;
    for i in 0..21 {
        last = app
            .post("/api/v1/auth/login")
            .json(&json!({"email": format!("user{i}@example.com"), "password": "guess-guess"}))
            .status;
    }
    assert_eq!(
        last, 429,
        "the address is locked after 20 failures on different accounts"
    );
}

#[test]
fn expired_tampered_wrong_algorithm_and_unsigned_tokens_get_401() {
    let app = TestApp::spawn();
    let good = app.admin_token();
    app.get("/api/v1/me").bearer(&good).send().expect(200);

    let key = EncodingKey::from_secret(JWT_SECRET.as_bytes());
    let expired =
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims(1, Duration::minutes(-5)), &key).unwrap();
    app.get("/api/v1/me")
        .bearer(&expired)
        .send()
        .problem(401, "invalid_token");

    let mut parts: Vec<String> = good.split('.').map(str::to_owned).collect();
    let mut payload: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
    payload["sub"] = json!("2");
    parts[1] = URL_SAFE_NO_PAD.encode(payload.to_string());
    app.get("/api/v1/me")
        .bearer(&parts.join("."))
        .send()
        .problem(401, "invalid_token");

    let hs512 = jsonwebtoken::encode(&Header::new(Algorithm::HS512), &claims(1, Duration::minutes(5)), &key).unwrap();
    app.get("/api/v1/me")
        .bearer(&hs512)
        .send()
        .problem(401, "invalid_token");

    let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let none_payload = URL_SAFE_NO_PAD.encode(claims(1, Duration::minutes(5)).to_string());
    app.get("/api/v1/me")
        .bearer(&format!("{none_header}.{none_payload}."))
        .send()
        .problem(401, "invalid_token");

    let other_key = EncodingKey::from_secret(b"another-secret-that-is-also-long-enough");
    let foreign = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims(1, Duration::minutes(5)),
        &other_key,
    )
    .unwrap();
    app.get("/api/v1/me")
        .bearer(&foreign)
        .send()
        .problem(401, "invalid_token");

    let res = app.get("/api/v1/me").send();
    res.problem(401, "unauthenticated");
    assert_eq!(res.header("www-authenticate"), Some("Bearer"));
}

#[test]
fn a_rotated_refresh_token_used_twice_revokes_the_family() {
    let app = TestApp::spawn();
    let first = app.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    let r1 = first["refresh_token"].as_str().unwrap();
    let second = app
        .post("/api/v1/auth/refresh")
        .json(&json!({"refresh_token": r1}))
        .expect(200)
        .json();
    let r2 = second["refresh_token"].as_str().unwrap();
    assert_ne!(r1, r2, "refresh rotates the token");
    app.get("/api/v1/me")
        .bearer(second["access_token"].as_str().unwrap())
        .send()
        .expect(200);

    // the old token comes back (stolen?): refused, and the whole family with it
    app.post("/api/v1/auth/refresh")
        .json(&json!({"refresh_token": r1}))
        .problem(401, "refresh_token_reused");
    app.post("/api/v1/auth/refresh")
        .json(&json!({"refresh_token": r2}))
        .problem(401, "invalid_refresh_token");

    // another sign-in is another family and still works
    let other = app.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    app.post("/api/v1/auth/refresh")
        .json(&json!({"refresh_token": other["refresh_token"]}))
        .expect(200);
}

#[test]
fn logout_ends_the_session() {
    let app = TestApp::spawn();
    let login = app.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    let token = json!({"refresh_token": login["refresh_token"]});
    app.post("/api/v1/auth/logout").json(&token).expect(204);
    app.post("/api/v1/auth/refresh")
        .json(&token)
        .problem(401, "invalid_refresh_token");
    app.post("/api/v1/auth/logout").json(&token).expect(204);
    app.post("/api/v1/auth/refresh")
        .json(&json!({"refresh_token": "made-up"}))
        .problem(401, "invalid_refresh_token");
}

#[test]
fn a_deactivated_user_can_neither_sign_in_nor_refresh() {
    let app = TestApp::spawn();
    let admin = app.admin_token();
    let id = app.create_user(&admin, "rep@example.com", "rep", None);
    let session = app.login("rep@example.com", &password_of("rep@example.com"));
    app.post(&format!("/api/v1/users/{id}/deactivate"))
        .bearer(&admin)
        .send()
        .expect(200);
    app.post("/api/v1/auth/login")
        .json(&json!({"email": "rep@example.com", "password": password_of("rep@example.com")}))
        .problem(403, "forbidden");
    app.post("/api/v1/auth/refresh")
        .json(&json!({"refresh_token": session["refresh_token"]}))
        .problem(401, "invalid_refresh_token");
    app.get("/api/v1/me")
        .bearer(session["access_token"].as_str().unwrap())
        .send()
        .problem(401, "account_inactive");
}

/// Behind a trusted proxy, `X-Forwarded-For` names the client.
fn from(app: &TestApp, address: &str, password: &str) -> crm_tests::Res {
    app.post("/api/v1/auth/login")
        .header("X-Forwarded-For", address)
        .json(&json!({"email": ADMIN_EMAIL, "password": password}))
}

#[test]
fn guessing_a_password_elsewhere_cannot_lock_the_owner_out() {
    let app = TestApp::spawn_with(|c| {
        c.trusted_proxies = api::client::TrustedProxies::parse("127.0.0.1").unwrap();
    });
    let attacker = "203.0.113.9";
    let statuses: Vec<u16> = (0..6).map(|_| from(&app, attacker, "guess-guess").status).collect();
    assert_eq!(statuses, [401, 401, 401, 401, 401, 429]);
    from(&app, attacker, ADMIN_PASSWORD).problem(429, "too_many_requests");
    // the owner, at their own address, signs in at once
    from(&app, "198.51.100.7", ADMIN_PASSWORD).expect(200);
}

#[test]
fn an_account_guessed_from_many_addresses_is_slowed_not_locked() {
    let app = TestApp::spawn_with(|c| {
        c.trusted_proxies = api::client::TrustedProxies::parse("127.0.0.1").unwrap();
    });
    for i in 0..10 {
        from(&app, &format!("203.0.113.{i}"), "guess-guess").problem(401, "invalid_credentials");
    }
    let slowed = from(&app, "203.0.113.200", "guess-guess");
    slowed.problem(429, "too_many_requests");
    let wait: u64 = slowed.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=2).contains(&wait), "a short wait, not a lockout: {wait}");
    std::thread::sleep(std::time::Duration::from_secs(wait));
    from(&app, "198.51.100.7", ADMIN_PASSWORD).expect(200);
}

#[test]
fn a_forwarded_for_header_from_an_untrusted_peer_is_ignored() {
    let app = TestApp::spawn();
    // five guesses, each claiming another address: all count for 127.0.0.1
    for i in 0..5 {
        from(&app, &format!("203.0.113.{i}"), "guess-guess").problem(401, "invalid_credentials");
    }
    from(&app, "198.51.100.7", ADMIN_PASSWORD).problem(429, "too_many_requests");
}

/// A sign-in from `address` with this client's device token, if any.
fn from_device(app: &TestApp, address: &str, password: &str, device: Option<&str>) -> crm_tests::Res {
    let mut body = json!({"email": ADMIN_EMAIL, "password": password});
    if let Some(d) = device {
        body["device_token"] = json!(d);
    }
    app.post("/api/v1/auth/login")
        .header("X-Forwarded-For", address)
        .json(&body)
}

/// Issue #40 item 3: an attacker rotating `X-Forwarded-For` and waiting out
/// each `Retry-After` kept the owner out (49 refusals of 50). With the device
/// token of an earlier sign-in, the owner is judged by that client's own
/// failures only.
#[test]
fn the_owner_with_a_device_token_signs_in_whatever_others_guess() {
    let app = TestApp::spawn_with(|c| {
        c.trusted_proxies = api::client::TrustedProxies::parse("127.0.0.1").unwrap();
    });
    let home = "198.51.100.7";
    let first = from_device(&app, home, ADMIN_PASSWORD, None).expect(200).json();
    let device = first["device_token"].as_str().unwrap().to_owned();
    // an attacker guesses from a new address each time, waiting out each refusal
    let mut owner = Vec::new();
    let mut guesses = 0;
    for i in 0..40 {
        let guess = from_device(&app, &format!("203.0.113.{i}"), "guess-guess", None);
        if guess.status == 401 {
            guesses += 1;
        }
        if i % 4 == 0 {
            let r = from_device(&app, home, ADMIN_PASSWORD, Some(&device)).expect(200);
            // each sign-in hands out a fresh token, which works as well
            owner.push(r.json()["device_token"].as_str().unwrap().to_owned());
        }
    }
    assert!(
        guesses >= 10,
        "the attacker's guesses were taken, then slowed: {guesses}"
    );
    assert_eq!(owner.len(), 10, "the owner signed in every time");
    from_device(&app, home, ADMIN_PASSWORD, owner.last().map(String::as_str)).expect(200);
    // (a client without a token, or with a forged one, meets the account's
    // slow-down: `an_account_guessed_from_many_addresses_is_slowed_not_locked`
    // and, for tokens, `device_tokens_name_one_account_for_180_days` in unit/api/security.rs)
    // a device token guesses no faster than a client from one address: its own five failures lock it
    let statuses: Vec<u16> = (0..6)
        .map(|_| from_device(&app, "192.0.2.1", "guess-guess", Some(&device)).status)
        .collect();
    assert_eq!(statuses, [401, 401, 401, 401, 401, 429]);
    from_device(&app, home, ADMIN_PASSWORD, Some(&device)).problem(429, "too_many_requests");
    // while the owner's newer token still works
    from_device(&app, home, ADMIN_PASSWORD, owner.last().map(String::as_str)).expect(200);
}

//! The organisation: departments, users, sessions, keys, settings, leases.

diesel::table! {
    departments (id) {
        id -> BigInt,
        name -> Text,
        parent_id -> Nullable<BigInt>,
        manager_id -> Nullable<BigInt>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        name -> Text,
        password_hash -> Text,
        role -> Text,
        department_id -> Nullable<BigInt>,
        active -> Bool,
        max_customers -> Nullable<Integer>,
        version -> BigInt,
        last_login_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        max_open_leads -> Nullable<Integer>,
        token_version -> BigInt,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        family -> Text,
        token_hash -> Text,
        expires_at -> Timestamp,
        rotated_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    api_keys (id) {
        id -> BigInt,
        name -> Text,
        prefix -> Text,
        key_hash -> Text,
        scopes -> Text,
        created_by -> BigInt,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_throttle (throttle_key) {
        throttle_key -> Text,
        failures -> Integer,
        window_started_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    idempotency_keys (id) {
        id -> BigInt,
        caller -> Text,
        idem_key -> Text,
        method -> Text,
        path -> Text,
        request_hash -> Text,
        status -> Nullable<Integer>,
        response_body -> Nullable<Text>,
        response_headers -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    settings (name) {
        name -> Text,
        value -> Text,
    }
}

diesel::table! {
    job_leases (name) {
        name -> Text,
        holder -> Text,
        locked_until -> Timestamp,
    }
}

diesel::table! {
    work_reports (id) {
        id -> BigInt,
        user_id -> BigInt,
        department_id -> Nullable<BigInt>,
        kind -> Text,
        period_start -> Date,
        period_end -> Date,
        figures -> Nullable<Text>,
        summary -> Nullable<Text>,
        problems -> Nullable<Text>,
        plan -> Nullable<Text>,
        status -> Text,
        submitted_at -> Nullable<Timestamp>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    work_report_comments (id) {
        id -> BigInt,
        report_id -> BigInt,
        author_id -> BigInt,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    training_records (id) {
        id -> BigInt,
        user_id -> BigInt,
        kind -> Text,
        course -> Text,
        held_on -> Date,
        result -> Nullable<Text>,
        score -> Nullable<Integer>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    mentorships (id) {
        id -> BigInt,
        mentor_id -> BigInt,
        mentee_id -> BigInt,
        started_on -> Date,
        ended_on -> Nullable<Date>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    usage_counters (user_id, day, kind) {
        user_id -> BigInt,
        day -> Date,
        kind -> Text,
        used -> BigInt,
    }
}

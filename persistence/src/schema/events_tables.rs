//! Events (the outbox), webhook subscriptions and deliveries, the change feed.

diesel::table! {
    events (id) {
        id -> BigInt,
        kind -> Text,
        entity -> Text,
        entity_id -> BigInt,
        owner_id -> Nullable<BigInt>,
        department_id -> Nullable<BigInt>,
        actor_id -> Nullable<BigInt>,
        summary -> Text,
        data -> Text,
        occurred_at -> Timestamp,
    }
}

diesel::table! {
    webhook_subscriptions (id) {
        id -> BigInt,
        name -> Text,
        target -> Text,
        url -> Text,
        secret -> Nullable<Text>,
        events -> Text,
        department_id -> Nullable<BigInt>,
        owner_id -> Nullable<BigInt>,
        active -> Bool,
        consecutive_failures -> Integer,
        disabled_reason -> Nullable<Text>,
        created_by -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> BigInt,
        subscription_id -> BigInt,
        event_id -> BigInt,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        lease_token -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        last_status -> Nullable<Integer>,
        created_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> BigInt,
        delivery_id -> BigInt,
        attempted_at -> Timestamp,
        status_code -> Nullable<Integer>,
        latency_ms -> BigInt,
        response_excerpt -> Nullable<Text>,
        error -> Nullable<Text>,
    }
}

diesel::table! {
    notification_reads (user_id) {
        user_id -> BigInt,
        last_read_id -> BigInt,
    }
}

diesel::table! {
    attachments (id) {
        id -> BigInt,
        attached_to -> Text,
        record_id -> BigInt,
        file_name -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        storage_key -> Text,
        uploaded_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

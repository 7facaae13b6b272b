//! One hand-written schema for both backends (print-schema differs per backend).

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
    }
}

diesel::table! {
    settings (name) {
        name -> Text,
        value -> Text,
    }
}

diesel::table! {
    customers (id) {
        id -> BigInt,
        name -> Text,
        name_key -> Text,
        name_key_rev -> Text,
        credit_code -> Nullable<Text>,
        industry -> Nullable<Text>,
        region -> Nullable<Text>,
        size_band -> Nullable<Text>,
        source -> Nullable<Text>,
        grade -> Text,
        owner_id -> Nullable<BigInt>,
        previous_owner_id -> Nullable<BigInt>,
        owned_since -> Nullable<Timestamp>,
        locked -> Bool,
        dealt -> Bool,
        website -> Nullable<Text>,
        phone -> Nullable<Text>,
        phone_key -> Nullable<Text>,
        email -> Nullable<Text>,
        email_key -> Nullable<Text>,
        address -> Nullable<Text>,
        notes -> Nullable<Text>,
        last_contacted_at -> Nullable<Timestamp>,
        next_follow_up_at -> Nullable<Timestamp>,
        merged_into -> Nullable<BigInt>,
        created_by -> Nullable<BigInt>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    customer_tags (customer_id, tag) {
        customer_id -> BigInt,
        tag -> Text,
    }
}

diesel::table! {
    customer_members (customer_id, user_id) {
        customer_id -> BigInt,
        user_id -> BigInt,
        access -> Text,
        expires_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    contacts (id) {
        id -> BigInt,
        customer_id -> BigInt,
        name -> Text,
        title -> Nullable<Text>,
        phone -> Nullable<Text>,
        phone_key -> Nullable<Text>,
        email -> Nullable<Text>,
        email_key -> Nullable<Text>,
        wechat -> Nullable<Text>,
        kp_role -> Text,
        is_primary -> Bool,
        preferred_channel -> Nullable<Text>,
        notes -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_events (id) {
        id -> BigInt,
        entity -> Text,
        entity_id -> BigInt,
        action -> Text,
        actor_id -> Nullable<BigInt>,
        detail -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    dictionary_entries (id) {
        id -> BigInt,
        kind -> Text,
        code -> Text,
        label_zh -> Text,
        label_en -> Text,
        position -> Integer,
        active -> Bool,
        version -> BigInt,
    }
}

diesel::joinable!(users -> departments (department_id));
diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(contacts -> customers (customer_id));
diesel::joinable!(customer_tags -> customers (customer_id));
diesel::allow_tables_to_appear_in_same_query!(
    departments,
    users,
    refresh_tokens,
    api_keys,
    customers,
    customer_tags,
    customer_members,
    contacts,
    audit_events
);

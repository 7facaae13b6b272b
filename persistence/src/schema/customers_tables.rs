//! Customers, their contacts, members, tags, pool history, audit trail, dictionaries, name index.

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
        pooled_at -> Nullable<Timestamp>,
        pool_reason -> Nullable<Text>,
    }
}

diesel::table! {
    pool_events (id) {
        id -> BigInt,
        customer_id -> BigInt,
        kind -> Text,
        user_id -> Nullable<BigInt>,
        actor_id -> Nullable<BigInt>,
        reason -> Nullable<Text>,
        due_at -> Nullable<Timestamp>,
        at -> Timestamp,
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

diesel::table! {
    customer_name_grams (gram, customer_id) {
        gram -> Text,
        customer_id -> BigInt,
    }
}

diesel::table! {
    grade_changes (id) {
        id -> BigInt,
        customer_id -> BigInt,
        from_grade -> Text,
        to_grade -> Text,
        owner_id -> Nullable<BigInt>,
        changed_by -> Nullable<BigInt>,
        changed_at -> Timestamp,
    }
}

diesel::table! {
    custom_field_defs (id) {
        id -> BigInt,
        entity -> Text,
        field_key -> Text,
        label -> Text,
        kind -> Text,
        required -> Bool,
        options -> Text,
        position -> Integer,
        active -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    custom_values (id) {
        id -> BigInt,
        entity -> Text,
        record_id -> BigInt,
        field_id -> BigInt,
        text_value -> Nullable<Text>,
        number_value -> Nullable<Double>,
    }
}

diesel::table! {
    dictionary_kinds (kind) {
        kind -> Text,
        label_zh -> Text,
        label_en -> Text,
        builtin -> Bool,
    }
}

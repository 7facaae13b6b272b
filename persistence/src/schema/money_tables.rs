//! Contracts, payment plans, payments, first wins, targets, products and line items.

diesel::table! {
    contracts (id) {
        id -> BigInt,
        number -> Text,
        customer_id -> BigInt,
        opportunity_id -> Nullable<BigInt>,
        title -> Text,
        amount -> BigInt,
        currency -> Text,
        signed_on -> Date,
        starts_on -> Nullable<Date>,
        ends_on -> Nullable<Date>,
        owner_id -> BigInt,
        department_id -> Nullable<BigInt>,
        status -> Text,
        submitted_at -> Nullable<Timestamp>,
        decided_at -> Nullable<Timestamp>,
        decided_by -> Nullable<BigInt>,
        decision_note -> Nullable<Text>,
        cancelled_at -> Nullable<Timestamp>,
        created_by -> Nullable<BigInt>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    payment_plans (id) {
        id -> BigInt,
        contract_id -> BigInt,
        position -> Integer,
        due_on -> Date,
        amount -> BigInt,
        created_at -> Timestamp,
        overdue_announced_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    payments (id) {
        id -> BigInt,
        contract_id -> BigInt,
        plan_id -> Nullable<BigInt>,
        amount -> BigInt,
        received_on -> Date,
        method -> Nullable<Text>,
        reference -> Nullable<Text>,
        owner_id -> BigInt,
        department_id -> Nullable<BigInt>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    customer_wins (customer_id) {
        customer_id -> BigInt,
        won_on -> Date,
        owner_id -> Nullable<BigInt>,
        department_id -> Nullable<BigInt>,
        contract_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    targets (year, metric, holder_kind, holder_id, month) {
        year -> Integer,
        metric -> Text,
        holder_kind -> Text,
        holder_id -> BigInt,
        month -> Integer,
        value -> BigInt,
    }
}

diesel::table! {
    products (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        unit -> Nullable<Text>,
        list_price -> BigInt,
        currency -> Text,
        active -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    line_items (id) {
        id -> BigInt,
        opportunity_id -> Nullable<BigInt>,
        contract_id -> Nullable<BigInt>,
        position -> Integer,
        product_id -> BigInt,
        quantity -> BigInt,
        unit_price -> BigInt,
        discount_bp -> Integer,
        total -> BigInt,
    }
}

diesel::table! {
    commission_plans (id) {
        id -> BigInt,
        name -> Text,
        base -> Text,
        tiers -> Text,
        bonus_at_bp -> Nullable<Integer>,
        bonus_amount -> Nullable<BigInt>,
        department_id -> Nullable<BigInt>,
        user_id -> Nullable<BigInt>,
        valid_from -> Date,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    commission_statements (id) {
        id -> BigInt,
        user_id -> BigInt,
        month -> Date,
        plan_id -> Nullable<BigInt>,
        body -> Text,
        total -> BigInt,
        settled -> BigInt,
        approved_by -> Nullable<BigInt>,
        approved_at -> Timestamp,
    }
}

diesel::table! {
    awards (id) {
        id -> BigInt,
        user_id -> BigInt,
        kind -> Text,
        reason -> Text,
        month -> Date,
        amount -> Nullable<BigInt>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

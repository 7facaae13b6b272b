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
    lead_forms (id) {
        id -> BigInt,
        public_key -> Text,
        name -> Text,
        field_mapping -> Text,
        default_source -> Nullable<Text>,
        redirect_url -> Nullable<Text>,
        honeypot_field -> Nullable<Text>,
        active -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    leads (id) {
        id -> BigInt,
        person_name -> Nullable<Text>,
        company -> Nullable<Text>,
        company_key -> Nullable<Text>,
        title -> Nullable<Text>,
        phone -> Nullable<Text>,
        phone_key -> Nullable<Text>,
        email -> Nullable<Text>,
        email_key -> Nullable<Text>,
        region -> Nullable<Text>,
        industry -> Nullable<Text>,
        source -> Nullable<Text>,
        form_id -> Nullable<BigInt>,
        raw_payload -> Nullable<Text>,
        notes -> Nullable<Text>,
        status -> Text,
        disqualify_reason -> Nullable<Text>,
        owner_id -> Nullable<BigInt>,
        assigned_at -> Nullable<Timestamp>,
        assigned_by_rule -> Nullable<BigInt>,
        first_contact_due_at -> Nullable<Timestamp>,
        first_contacted_at -> Nullable<Timestamp>,
        duplicate_of_lead_id -> Nullable<BigInt>,
        duplicate_of_customer_id -> Nullable<BigInt>,
        converted_customer_id -> Nullable<BigInt>,
        converted_at -> Nullable<Timestamp>,
        created_by -> Nullable<BigInt>,
        api_key_id -> Nullable<BigInt>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    lead_rules (id) {
        id -> BigInt,
        position -> Integer,
        name -> Text,
        region -> Nullable<Text>,
        industry -> Nullable<Text>,
        source -> Nullable<Text>,
        target_user_id -> Nullable<BigInt>,
        target_department_id -> Nullable<BigInt>,
        active -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    assignment_cursors (department_id) {
        department_id -> BigInt,
        last_user_id -> BigInt,
    }
}

diesel::table! {
    form_submissions (id) {
        id -> BigInt,
        form_id -> BigInt,
        payload -> Text,
        client_address -> Nullable<Text>,
        outcome -> Text,
        lead_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    activities (id) {
        id -> BigInt,
        lead_id -> Nullable<BigInt>,
        customer_id -> Nullable<BigInt>,
        kind -> Text,
        occurred_at -> Timestamp,
        subject -> Nullable<Text>,
        content -> Nullable<Text>,
        outcome -> Nullable<Text>,
        next_action -> Nullable<Text>,
        next_action_at -> Nullable<Timestamp>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        opportunity_id -> Nullable<BigInt>,
        contact_id -> Nullable<BigInt>,
        duration_minutes -> Nullable<Integer>,
        key_person_met -> Nullable<Bool>,
        visit_purpose -> Nullable<Text>,
        intent -> Nullable<Text>,
        buying_power -> Nullable<Text>,
        updated_at -> Nullable<Timestamp>,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    tasks (id) {
        id -> BigInt,
        kind -> Text,
        title -> Text,
        notes -> Nullable<Text>,
        location -> Nullable<Text>,
        assignee_id -> BigInt,
        created_by -> Nullable<BigInt>,
        customer_id -> Nullable<BigInt>,
        lead_id -> Nullable<BigInt>,
        opportunity_id -> Nullable<BigInt>,
        activity_id -> Nullable<BigInt>,
        due_at -> Nullable<Timestamp>,
        starts_at -> Nullable<Timestamp>,
        ends_at -> Nullable<Timestamp>,
        remind_minutes_before -> Nullable<Integer>,
        done_at -> Nullable<Timestamp>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    complaints (id) {
        id -> BigInt,
        customer_id -> BigInt,
        contact_id -> Nullable<BigInt>,
        subject -> Text,
        content -> Nullable<Text>,
        severity -> Text,
        status -> Text,
        assignee_id -> Nullable<BigInt>,
        resolution -> Nullable<Text>,
        satisfaction -> Nullable<Integer>,
        created_by -> Nullable<BigInt>,
        handling_at -> Nullable<Timestamp>,
        handling_by -> Nullable<BigInt>,
        resolved_at -> Nullable<Timestamp>,
        resolved_by -> Nullable<BigInt>,
        closed_at -> Nullable<Timestamp>,
        closed_by -> Nullable<BigInt>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

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
    activity_companions (activity_id, user_id) {
        activity_id -> BigInt,
        user_id -> BigInt,
    }
}

diesel::table! {
    pipelines (id) {
        id -> BigInt,
        name -> Text,
        allow_skip -> Bool,
        allow_back -> Bool,
        is_default -> Bool,
        active -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    stages (id) {
        id -> BigInt,
        pipeline_id -> BigInt,
        name -> Text,
        position -> Integer,
        probability -> Integer,
        kind -> Text,
        required_fields -> Text,
        stale_after_days -> Nullable<Integer>,
    }
}

diesel::table! {
    opportunities (id) {
        id -> BigInt,
        customer_id -> BigInt,
        contact_id -> Nullable<BigInt>,
        pipeline_id -> BigInt,
        stage_id -> BigInt,
        title -> Text,
        amount -> Nullable<BigInt>,
        currency -> Text,
        expected_close_date -> Nullable<Date>,
        owner_id -> BigInt,
        status -> Text,
        lost_reason -> Nullable<Text>,
        lost_at_stage_id -> Nullable<BigInt>,
        stage_entered_at -> Timestamp,
        closed_at -> Nullable<Timestamp>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    stage_changes (id) {
        id -> BigInt,
        opportunity_id -> BigInt,
        from_stage_id -> Nullable<BigInt>,
        to_stage_id -> BigInt,
        changed_by -> Nullable<BigInt>,
        changed_at -> Timestamp,
        seconds_in_from -> BigInt,
    }
}

diesel::joinable!(users -> departments (department_id));
diesel::table! {
    customer_name_grams (gram, customer_id) {
        gram -> Text,
        customer_id -> BigInt,
    }
}

diesel::table! {
    job_leases (name) {
        name -> Text,
        holder -> Text,
        locked_until -> Timestamp,
    }
}

diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(contacts -> customers (customer_id));
diesel::joinable!(customer_tags -> customers (customer_id));
diesel::allow_tables_to_appear_in_same_query!(
    departments,
    users,
    refresh_tokens,
    api_keys,
    customers,
    pool_events,
    customer_name_grams,
    job_leases,
    customer_tags,
    customer_members,
    contacts,
    audit_events,
    leads,
    lead_rules,
    lead_forms,
    pipelines,
    stages,
    opportunities,
    stage_changes,
    activities,
    activity_companions,
    tasks,
    complaints,
    contracts,
    payment_plans,
    payments,
    customer_wins,
    targets,
    products,
    line_items
);

//! Leads, pipelines and deals, activities, tasks and complaints.

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
        target_conversion_bp -> Nullable<Integer>,
        /// From the first stage marked so on, a deal needs a decision maker (migration 043).
        needs_decision_maker -> Bool,
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
        /// The customer's grade, kept in step with it by triggers (for the
        /// forecast; migration 037).
        customer_grade -> Text,
        /// The rep's win probability (NULL: the stage's; migration 039).
        rep_probability -> Nullable<Integer>,
        /// The rep's forecast category (NULL: pipeline).
        forecast_category -> Nullable<Text>,
        /// The competitor a lost deal was lost to (migration 042).
        lost_to_competitor_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    /// Milestones of each deal (migration 044).
    deal_milestones (id) {
        id -> BigInt,
        opportunity_id -> BigInt,
        kind -> Text,
        title -> Text,
        due_on -> Date,
        owner_id -> BigInt,
        done_on -> Nullable<Date>,
        created_by -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// The buying committee of each deal (migration 043).
    deal_contacts (opportunity_id, contact_id) {
        opportunity_id -> BigInt,
        contact_id -> BigInt,
        role -> Text,
        stance -> Text,
        note -> Nullable<Text>,
        updated_by -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// The admin's competitor catalogue (migration 042).
    competitors (id) {
        id -> BigInt,
        name -> Text,
        strengths -> Nullable<Text>,
        weaknesses -> Nullable<Text>,
        price_position -> Nullable<Text>,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// The competitors in play on each deal.
    deal_competitors (opportunity_id, competitor_id) {
        opportunity_id -> BigInt,
        competitor_id -> BigInt,
        offer_amount -> Nullable<BigInt>,
        position -> Text,
        note -> Nullable<Text>,
        added_by -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// The rep's status analyses of a deal (migration 041).
    deal_analyses (id) {
        id -> BigInt,
        opportunity_id -> BigInt,
        stage_id -> BigInt,
        situation -> Text,
        next_step -> Nullable<Text>,
        next_step_on -> Nullable<Date>,
        risks -> Nullable<Text>,
        help_wanted -> Nullable<Text>,
        written_by -> BigInt,
        written_at -> Timestamp,
    }
}

diesel::table! {
    /// A deal's coaching thread.
    deal_comments (id) {
        id -> BigInt,
        opportunity_id -> BigInt,
        author_id -> BigInt,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Each stage's exit checklist (migration 040).
    stage_checkpoints (id) {
        id -> BigInt,
        stage_id -> BigInt,
        position -> Integer,
        label -> Text,
        required -> Bool,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Which checkpoints a deal has checked, by whom and when; an unchecked
    /// one keeps its row with `unchecked_at`.
    deal_checks (id) {
        id -> BigInt,
        opportunity_id -> BigInt,
        checkpoint_id -> BigInt,
        checked_by -> BigInt,
        checked_at -> Timestamp,
        note -> Nullable<Text>,
        unchecked_by -> Nullable<BigInt>,
        unchecked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Every change of a deal's rep probability or forecast category, with
    /// who, when and why.
    deal_judgements (id) {
        id -> BigInt,
        opportunity_id -> BigInt,
        changed_by -> BigInt,
        changed_at -> Timestamp,
        probability_before -> Nullable<Integer>,
        probability -> Nullable<Integer>,
        category_before -> Nullable<Text>,
        category -> Text,
        reason -> Text,
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

diesel::table! {
    /// Each deal's stage history on one row (kept by triggers on
    /// stage_changes): `to,from,changed_at,seconds_in_from` joined by `;`,
    /// and when it last changed.
    deal_paths (opportunity_id) {
        opportunity_id -> BigInt,
        path -> Text,
        last_at -> Timestamp,
    }
}

diesel::table! {
    /// Live activities per author, UTC day and kind (kept by triggers on
    /// activities).
    activity_days (created_by, day, kind) {
        created_by -> BigInt,
        day -> Date,
        kind -> Text,
        n -> BigInt,
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
    activity_companions (activity_id, user_id) {
        activity_id -> BigInt,
        user_id -> BigInt,
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
        due_announced_at -> Nullable<Timestamp>,
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
    cases (id) {
        id -> BigInt,
        opportunity_id -> BigInt,
        outcome -> Text,
        title -> Text,
        lesson -> Text,
        author_id -> BigInt,
        created_at -> Timestamp,
    }
}

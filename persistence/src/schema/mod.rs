//! One hand-written schema for both backends (print-schema differs per backend).

mod customers_tables;
mod events_tables;
mod money_tables;
mod org_tables;
mod sales_tables;

pub use customers_tables::*;
pub use events_tables::*;
pub use money_tables::*;
pub use org_tables::*;
pub use sales_tables::*;

diesel::joinable!(users -> departments (department_id));
diesel::joinable!(deal_milestones -> opportunities (opportunity_id));
diesel::joinable!(deal_contacts -> contacts (contact_id));
diesel::joinable!(deal_competitors -> competitors (competitor_id));
diesel::joinable!(deal_competitors -> opportunities (opportunity_id));
diesel::joinable!(deal_checks -> stage_checkpoints (checkpoint_id));
diesel::joinable!(webhook_deliveries -> webhook_subscriptions (subscription_id));
diesel::joinable!(webhook_deliveries -> events (event_id));
diesel::joinable!(custom_values -> custom_field_defs (field_id));
diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(contacts -> customers (customer_id));
diesel::joinable!(customer_tags -> customers (customer_id));
diesel::allow_tables_to_appear_in_same_query!(
    deal_milestones,
    deal_contacts,
    competitors,
    deal_competitors,
    deal_analyses,
    deal_comments,
    stage_checkpoints,
    deal_checks,
    deal_judgements,
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
    deal_paths,
    activity_days,
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
    line_items,
    grade_changes,
    work_reports,
    work_report_comments,
    commission_plans,
    commission_statements,
    awards,
    training_records,
    mentorships,
    cases,
    events,
    webhook_subscriptions,
    webhook_deliveries,
    webhook_attempts,
    notification_reads,
    attachments,
    custom_field_defs,
    custom_values,
    dictionary_kinds,
    usage_counters
);

// the forecast sums open deals by close date, customer grade and currency,
// and their lines by product, close date and currency
diesel::allow_columns_to_appear_in_same_group_by_clause!(
    opportunities::expected_close_date,
    opportunities::currency,
    opportunities::forecast_category,
    customers::grade,
    line_items::product_id,
);

//! Route registration: every handler is added through utoipa-actix-web, so the
//! OpenAPI document lists exactly what the server serves.

pub mod activities;
pub mod api_keys;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod cases;
pub mod commissions;
pub mod competitors;
pub mod complaints;
pub mod contacts;
pub mod contracts;
pub mod custom_fields;
pub mod customers;
pub mod departments;
pub mod dictionaries;
pub mod duplicates;
pub mod exports;
pub mod health;
pub mod lead_convert;
pub mod lead_forms;
pub mod lead_import;
pub mod lead_rules;
pub mod leads;
pub mod me;
pub mod members;
pub mod notifications;
pub mod opportunities;
pub mod organisation;
pub mod pipelines;
pub mod pool;
pub mod products;
pub mod reminders;
pub mod reports;
pub mod targets;
pub mod tasks;
pub mod team;
pub mod timeline;
pub mod transfer;
pub mod users;
pub mod webhooks;
pub mod work_reports;
pub mod workbench;

use utoipa_actix_web::service_config::ServiceConfig;

/// Everything under `/api/v1`.
pub fn api_v1(cfg: &mut ServiceConfig) {
    cfg.service(auth::login)
        .service(auth::refresh)
        .service(auth::logout)
        // exports are fixed paths before the `{id}` routes that would take them
        .service(exports::export_customers)
        .service(exports::export_contacts)
        .service(exports::export_leads)
        .service(exports::export_opportunities)
        .service(exports::export_contracts)
        .service(exports::export_activities)
        .service(audit::list_audit)
        .service(organisation::get_data_guard)
        .service(organisation::put_data_guard)
        .service(custom_fields::list_custom_fields)
        .service(custom_fields::create_custom_field)
        .service(custom_fields::update_custom_field)
        .service(custom_fields::list_dictionary_kinds)
        .service(custom_fields::create_dictionary_kind)
        .service(attachments::upload_customer_attachment)
        .service(attachments::list_customer_attachments)
        .service(attachments::upload_opportunity_attachment)
        .service(attachments::list_opportunity_attachments)
        .service(attachments::upload_contract_attachment)
        .service(attachments::list_contract_attachments)
        .service(attachments::get_attachment)
        .service(attachments::download_attachment)
        .service(attachments::delete_attachment)
        .service(attachments::get_attachment_settings)
        .service(attachments::put_attachment_settings)
        .service(me::get_me)
        .service(tasks::my_calendar)
        .service(products::list_products)
        .service(products::create_product)
        .service(products::update_product)
        .service(products::set_deal_lines)
        .service(products::set_contract_lines)
        .service(products::get_deal_lines)
        .service(products::get_contract_lines)
        .service(targets::save_plan)
        .service(targets::target_progress)
        .service(work_reports::missing_work_reports)
        .service(work_reports::list_work_reports)
        .service(work_reports::create_work_report)
        .service(work_reports::get_work_report)
        .service(work_reports::update_work_report)
        .service(work_reports::submit_work_report)
        .service(work_reports::comment_work_report)
        .service(commissions::create_plan)
        .service(commissions::list_plans)
        .service(cases::write_case)
        .service(cases::list_cases)
        .service(team::add_training)
        .service(team::list_training)
        .service(team::start_mentorship)
        .service(team::end_mentorship)
        .service(team::list_mentorships)
        .service(commissions::create_award)
        .service(commissions::list_awards)
        .service(commissions::statements_csv)
        .service(commissions::approve_statements)
        .service(commissions::list_statements)
        .service(commissions::get_statement)
        .service(reports::funnel_report)
        .service(reports::kpi_report)
        .service(reports::get_activity_targets)
        .service(reports::put_activity_targets)
        .service(reports::customers_report)
        .service(reports::forecast_report)
        .service(reports::rankings_report)
        .service(workbench::my_workbench)
        .service(organisation::get_organisation)
        .service(organisation::put_organisation)
        .service(contracts::get_contract_settings)
        .service(contracts::put_contract_settings)
        .service(contracts::list_receivables)
        .service(contracts::list_contracts)
        .service(contracts::create_contract)
        .service(contracts::get_contract)
        .service(contracts::update_contract)
        .service(contracts::submit_contract)
        .service(contracts::approve_contract)
        .service(contracts::reject_contract)
        .service(contracts::cancel_contract)
        .service(contracts::set_payment_plans)
        .service(contracts::create_payment)
        .service(reminders::my_reminders)
        .service(complaints::list_complaints)
        .service(complaints::get_complaint)
        .service(complaints::move_complaint)
        .service(complaints::create_complaint)
        .service(tasks::list_tasks)
        .service(tasks::create_task)
        .service(tasks::update_task)
        .service(tasks::delete_task)
        .service(users::list_users)
        .service(users::create_user)
        .service(users::get_user)
        .service(users::update_user)
        .service(users::deactivate_user)
        .service(departments::list_departments)
        .service(departments::create_department)
        .service(departments::get_department)
        .service(departments::update_department)
        .service(departments::delete_department)
        .service(api_keys::list_api_keys)
        .service(api_keys::create_api_key)
        .service(api_keys::revoke_api_key)
        .service(webhooks::list_webhooks)
        .service(webhooks::create_webhook)
        .service(webhooks::get_webhook)
        .service(webhooks::update_webhook)
        .service(webhooks::delete_webhook)
        .service(webhooks::list_deliveries)
        .service(webhooks::redeliver)
        .service(notifications::list_notifications)
        .service(notifications::unread_count)
        .service(notifications::mark_read)
        // fixed paths before `/customers/{id}`, which would take them
        .service(customers::list_deleted_customers)
        .service(duplicates::check_duplicates)
        .service(transfer::transfer_customers)
        .service(customers::list_customers)
        .service(customers::import_customers)
        .service(customers::create_customer)
        .service(customers::get_customer)
        .service(customers::update_customer)
        .service(customers::delete_customer)
        .service(customers::restore_customer)
        .service(customers::merge_customer)
        .service(customers::list_customer_audit)
        .service(activities::list_deleted_activities)
        .service(activities::list_activities)
        .service(activities::delete_activity)
        .service(activities::create_customer_activity)
        .service(activities::list_customer_activities)
        .service(timeline::customer_timeline)
        .service(pool::get_pool_settings)
        .service(pool::put_pool_settings)
        .service(pool::list_pool)
        .service(pool::claim_customer)
        .service(pool::release_customer)
        .service(pool::lock_customer)
        .service(pool::unlock_customer)
        .service(members::list_members)
        .service(members::put_member)
        .service(members::delete_member)
        .service(dictionaries::list_dictionary)
        .service(dictionaries::create_dictionary_entry)
        .service(dictionaries::update_dictionary_entry)
        .service(lead_import::import_leads)
        .service(leads::reassign_overdue)
        .service(leads::list_leads)
        .service(leads::create_lead)
        .service(leads::get_lead)
        .service(leads::update_lead)
        .service(leads::assign_lead)
        .service(leads::create_lead_activity)
        .service(leads::list_lead_activities)
        .service(lead_convert::convert_lead)
        .service(lead_rules::list_lead_rules)
        .service(lead_rules::create_lead_rule)
        .service(lead_rules::delete_lead_rule)
        .service(lead_forms::list_lead_forms)
        .service(lead_forms::create_lead_form)
        .service(lead_forms::submit_form)
        .service(pipelines::list_pipelines)
        .service(pipelines::get_pipeline)
        .service(pipelines::update_stage)
        .service(pipelines::create_pipeline)
        .service(opportunities::list_opportunities)
        .service(opportunities::create_opportunity)
        .service(opportunities::get_opportunity)
        .service(opportunities::update_opportunity)
        .service(opportunities::transition_opportunity)
        .service(opportunities::opportunity_history)
        .service(opportunities::judge_opportunity)
        .service(opportunities::opportunity_judgements)
        .service(opportunities::deal_checklist)
        .service(opportunities::add_milestone)
        .service(opportunities::list_milestones)
        .service(opportunities::change_milestone)
        .service(opportunities::remove_milestone)
        .service(opportunities::deal_committee)
        .service(opportunities::seat_committee_member)
        .service(opportunities::unseat_committee_member)
        .service(competitors::create_competitor)
        .service(competitors::update_competitor)
        .service(competitors::list_competitors)
        .service(competitors::deal_competitors)
        .service(competitors::put_deal_competitor)
        .service(competitors::remove_deal_competitor)
        .service(competitors::win_loss_report)
        .service(opportunities::write_analysis)
        .service(opportunities::list_analyses)
        .service(opportunities::write_comment)
        .service(opportunities::list_comments)
        .service(opportunities::check_deal_checkpoint)
        .service(opportunities::stage_checklist)
        .service(opportunities::set_stage_checklist)
        .service(opportunities::create_opportunity_activity)
        .service(opportunities::list_opportunity_activities)
        // CORS preflight of the public web-form endpoint (its POST is in the spec)
        .route(
            "/forms/{key}/submissions",
            actix_web::web::method(actix_web::http::Method::OPTIONS).to(lead_forms::preflight),
        )
        .service(transfer::transfer_user_customers)
        .service(contacts::list_contacts)
        .service(contacts::create_contact)
        .service(contacts::get_contact)
        .service(contacts::update_contact)
        .service(contacts::delete_contact);
}

/// Outside `/api/v1`: probes.
pub fn root(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(health::metrics);
}

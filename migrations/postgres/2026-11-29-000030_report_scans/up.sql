-- Whole-company reports over a million deals read from indexes alone.
-- The funnel: each deal's stage history since a date in deal order, the
-- open deals summed per stage, the deals closed in a period, and the
-- activities on closed deals without visiting their rows for `deleted_at`.
CREATE INDEX stage_changes_history ON stage_changes (opportunity_id, changed_at, to_stage_id, from_stage_id, seconds_in_from);
CREATE INDEX opportunities_pipeline_open ON opportunities (pipeline_id, status, stage_id, currency, amount);
DROP INDEX opportunities_pipeline_closed;
CREATE INDEX opportunities_pipeline_closed ON opportunities (pipeline_id, closed_at, status, amount, currency, created_at);
DROP INDEX activities_opportunity;
CREATE INDEX activities_opportunity ON activities (opportunity_id, occurred_at, deleted_at);
-- The customer analysis and the KPIs: live customers counted per profile,
-- per creation date and per owner, and the contracts signed in a period with
-- their customer and amount.
CREATE INDEX customers_profile ON customers (industry, region, source, size_band, grade, dealt, owner_id) WHERE deleted_at IS NULL AND merged_into IS NULL;
CREATE INDEX customers_created ON customers (created_at, owner_id) WHERE deleted_at IS NULL AND merged_into IS NULL;
CREATE INDEX customers_held ON customers (owner_id) WHERE deleted_at IS NULL AND merged_into IS NULL;
DROP INDEX contracts_signed;
CREATE INDEX contracts_signed ON contracts (status, signed_on, customer_id, amount);
-- The forecast: open deals by expected close date with what it sums, so only
-- the customer's grade is looked up.
CREATE INDEX opportunities_forecast ON opportunities (status, expected_close_date, customer_id, stage_id, currency, amount);

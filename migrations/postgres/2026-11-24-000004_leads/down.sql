DROP TABLE activities;
DROP TABLE form_submissions;
DROP TABLE assignment_cursors;
DROP TABLE lead_rules;
DROP TABLE leads;
DROP TABLE lead_forms;
ALTER TABLE users DROP COLUMN max_open_leads;

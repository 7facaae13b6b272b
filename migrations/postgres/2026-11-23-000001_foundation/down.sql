ALTER TABLE departments DROP CONSTRAINT departments_manager_fk;
DROP TABLE settings;
DROP TABLE idempotency_keys;
DROP TABLE login_throttle;
DROP TABLE api_keys;
DROP TABLE refresh_tokens;
DROP TABLE users;
DROP TABLE departments;

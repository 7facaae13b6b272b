DROP TABLE audit_events;
DROP TABLE contacts;
DROP TABLE customer_members;
DROP TABLE customer_tags;
DROP TABLE customers;

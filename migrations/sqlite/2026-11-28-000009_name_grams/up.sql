-- Character bigrams of every customer's name key: the index that finds
-- look-alike names by content (domain::similar). Rows are written with the
-- customer; existing customers are indexed once at start-up (the setting
-- `name_grams_built` records it).
CREATE TABLE customer_name_grams (
    gram TEXT NOT NULL,
    customer_id BIGINT NOT NULL,
    PRIMARY KEY (gram, customer_id)
) WITHOUT ROWID;
CREATE INDEX customer_name_grams_customer ON customer_name_grams (customer_id);

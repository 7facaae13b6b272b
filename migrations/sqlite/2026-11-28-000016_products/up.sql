-- Products (产品) and the line items of deals and contracts: what customers
-- buy, so sales can tell production and purchasing what is coming.
CREATE TABLE products (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    unit TEXT,
    list_price BIGINT NOT NULL CHECK (list_price >= 0),
    currency TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX products_code ON products (code);

CREATE TABLE line_items (
    id INTEGER PRIMARY KEY,
    opportunity_id BIGINT REFERENCES opportunities(id),
    contract_id BIGINT REFERENCES contracts(id),
    position INTEGER NOT NULL,
    product_id BIGINT NOT NULL REFERENCES products(id),
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    unit_price BIGINT NOT NULL CHECK (unit_price >= 0),
    discount_bp INTEGER NOT NULL CHECK (discount_bp BETWEEN 0 AND 10000),
    total BIGINT NOT NULL CHECK (total >= 0),
    CHECK ((opportunity_id IS NULL) <> (contract_id IS NULL))
);
CREATE INDEX line_items_opportunity ON line_items (opportunity_id, position);
CREATE INDEX line_items_contract ON line_items (contract_id, position);
CREATE INDEX line_items_product ON line_items (product_id);

DROP TABLE customer_wins;
DROP TABLE payments;
DROP TABLE payment_plans;
DROP TABLE contracts;

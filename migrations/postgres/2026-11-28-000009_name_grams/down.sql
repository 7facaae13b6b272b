DROP TABLE customer_name_grams;

SELECT id, name FROM raw_customers

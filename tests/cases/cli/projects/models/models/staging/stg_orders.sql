-- One row per order, straight from the loaded table.
SELECT id, customer_id, amount, updated_at
FROM {{ source('raw_orders') }}

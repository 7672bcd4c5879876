-- Paid orders with a known amount, as the marts use them.
SELECT order_id, customer, ordered_at, amount, currency
FROM {{ source('orders') }}
WHERE paid AND amount IS NOT NULL

{{ config(materialized='table') }}
SELECT o.id, c.name AS customer, o.amount, o.updated_at
FROM {{ ref('stg_orders') }} AS o
JOIN {{ ref('stg_customers') }} AS c ON c.id = o.customer_id

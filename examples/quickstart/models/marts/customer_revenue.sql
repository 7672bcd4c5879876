{{ config(materialized='table') }}
-- Revenue per customer and currency; customers without a profile are kept.
SELECT o.customer, c.country, o.currency, count(*) AS orders, sum(o.amount) AS revenue
FROM {{ ref('stg_orders') }} AS o
LEFT JOIN {{ ref('stg_customers') }} AS c ON c.name = o.customer
GROUP BY o.customer, c.country, o.currency

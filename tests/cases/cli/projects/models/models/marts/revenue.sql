{{ config(materialized='table') }}
SELECT customer, sum(amount) AS revenue, count(*) AS orders
FROM {{ ref('fct_orders') }}
GROUP BY customer

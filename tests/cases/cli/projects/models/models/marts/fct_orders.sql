{{ config(materialized='incremental', unique_key='id') }}
SELECT id, customer, amount, updated_at
FROM {{ ref('int_orders') }}
{% if is_incremental() %}
WHERE updated_at > (SELECT max(updated_at) FROM {{ this }})
{% endif %}

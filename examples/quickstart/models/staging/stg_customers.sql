SELECT id AS customer_id, name, "address.country" AS country, since
FROM {{ source('customers') }}

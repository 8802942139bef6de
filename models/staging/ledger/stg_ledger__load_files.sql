-- The load ledger as read outside staging (the dashboards' ledger summary): the loader's
-- raw.load_files with the columns a summary needs. Restricted.

with

source as (
    select * from {{ source('ledger', 'load_files') }}
),

renamed as (
    select
        file_name,
        extract,
        extract_date,
        status,
        data_rows,
        loaded_rows,
        loaded_at
    from source
),

final as (
    select * from renamed
)

select * from final
